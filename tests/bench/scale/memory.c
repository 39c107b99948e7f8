// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scale_bench's memory figures: what an idle channel costs the machine.
 */
#include "scale.h"

/* One 64-byte message from @from to @to. */
static void one_message(struct ipcsvc_conn *from, struct ipcsvc_conn *to)
{
	struct ipcsvc_channel *tx = ipcsvc_conn_channel(from);
	struct ipcsvc_channel *rx = ipcsvc_conn_channel(to);
	static const uint8_t payload[64];
	struct ipcsvc_msg *m;

	if (ipcsvc_channel_allocate_for_send(tx, sizeof(payload), 1, 1, 0,
					     &m) ||
	    ipcsvc_msg_add_object(m, 1, payload, sizeof(payload)) ||
	    ipcsvc_channel_send(tx, m) ||
	    ipcsvc_channel_receive_timeout(rx, &m, T) ||
	    ipcsvc_channel_release(rx, m))
		die("memory message", -EIO);
}

/*
 * Connect @n idle channels through the library, as any connection opens
 * (size 0: the service's maxima, 1 MiB here), after one message each way
 * if @used, and put in @kb what they cost in all, in KB by
 * /proc/meminfo's counters. Run in a process of its own (memory_of()), so
 * that the library's allocations grow a heap that no earlier measurement
 * has already grown.
 */
static void idle_channels(uint64_t size, bool used, int n, double kb[MI_N])
{
	struct ipcsvc_conn **c = calloc((size_t)n * 2, sizeof(*c));
	struct ipcsvc_port *sport, *cport;
	struct ipcsvc_service *svc;
	struct ipcsvc_port_event ev;
	long m0[MI_N], m1[MI_N];

	if (!c || ipcsvc_port_open(NULL, &sport) ||
	    ipcsvc_port_open(NULL, &cport) ||
	    ipcsvc_service_create(sport, SVC ".m", 1, 0600, &svc))
		die("memory set-up", -ENODEV);
	meminfo(m0);
	for (int i = 0; i < n; i++) {
		if (ipcsvc_client_connect(cport, SVC ".m", 1, size, size, NULL,
					  &c[2 * i]) ||
		    ipcsvc_port_wait_event(sport, &ev, T) ||
		    ipcsvc_service_accept(svc, &ev, NULL, &c[2 * i + 1]))
			die("memory connect", -EIO);
		if (used) {
			one_message(c[2 * i], c[2 * i + 1]);
			one_message(c[2 * i + 1], c[2 * i]);
		}
	}
	meminfo(m1);
	/* MemAvailable falls as the others rise */
	kb[MI_AVAILABLE] = (double)(m0[MI_AVAILABLE] - m1[MI_AVAILABLE]);
	for (int i = 1; i < MI_N; i++)
		kb[i] = (double)(m1[i] - m0[i]);
}

/* idle_channels() in a child process; print what one channel costs. */
static void memory_of(uint64_t size, bool used, int n, const char *name,
		      double ref)
{
	double kb[MI_N];
	pid_t pid;
	int p[2];

	if (pipe(p))
		die("pipe", -errno);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		idle_channels(size, used, n, kb);
		_exit(write(p[1], kb, sizeof(kb)) == sizeof(kb) ? 0 : 1);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], kb, sizeof(kb)) != sizeof(kb))
		die("memory", -EIO);
	close(p[0]);
	waitpid(pid, NULL, 0);
	figure("memory", name, kb[MI_AVAILABLE] * 1024.0 / n, "B",
	       "socket pair", ref);
	printf("  %-44s", "  of which, B per channel:");
	for (int i = 1; i < MI_N; i++)
		printf(" %s %.0f", mi_name[i], kb[i] * 1024.0 / n);
	printf("\n");
}

void bench_memory(void)
{
	int n = 1000;	/* fewer hide behind the per-CPU page lists */
	int *fds = calloc((size_t)n * 2, sizeof(*fds));
	long m0[MI_N], m1[MI_N];
	double pair;

	struct rlimit rl = { 4 * (rlim_t)n + 64, 4 * (rlim_t)n + 64 };

	/* the socket pairs' reference needs 2 fds each */
	setrlimit(RLIMIT_NOFILE, &rl);
	printf("memory: MemAvailable spent per idle channel, %d of them\n", n);
	if (!fds)
		die("memory set-up", -ENOMEM);
	meminfo(m0);
	for (int i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, &fds[2 * i]))
			die("socketpair", -errno);
	meminfo(m1);
	pair = (double)(m0[MI_AVAILABLE] - m1[MI_AVAILABLE]) * 1024.0 / n;
	figure("memory", "Unix socket pair", pair, "B", NULL, 0);
	for (int i = 0; i < 2 * n; i++)
		close(fds[i]);
	free(fds);
	/*
	 * An idle channel maps its three header pages at each end, whatever
	 * its areas' size; one that carried a message each way also maps its
	 * data, and holds the committed page of each ring. Page tables: a
	 * page-table page maps 2 MiB, so 1 MiB area mappings need about one
	 * each; smaller ones, and header pages, share them.
	 */
	memory_of(0, false, n, "idle channel, both ends, 1 MiB areas", pair);
	memory_of(65536, false, n, "idle channel, both ends, 64 KiB areas",
		  pair);
	memory_of(16384, false, n, "idle channel, both ends, 16 KiB areas",
		  pair);
	memory_of(0, true, n, "one message each way, then idle, 1 MiB",
		  pair);
}
