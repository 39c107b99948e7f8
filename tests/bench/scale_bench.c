// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Servers with many clients, through the module: what an event-loop server
 * and its clients cost, each figure next to its reference in the same
 * boot. It reports; it asserts nothing about speed.
 *
 *	scale_bench [-q] [-j FILE] [-s SECTION]
 *
 *  - delivery: request/reply through one server's event loop with N
 *    channels connected (N = 10 .. 10,000), against N = 1;
 *  - event loop: a client streaming 64 B messages to an event-loop server
 *    (arm, receive until empty, re-arm) against the same stream to a
 *    server blocked in receive; WAKE calls per message (the module's
 *    counter) and the server's read()s per message (/proc/thread-self/io);
 *  - connect: connect to accepted, against AF_UNIX connect + accept;
 *  - memory: MemAvailable spent per idle channel over 1,000 channels,
 *    against a Unix socket pair;
 *  - fan-in: calls/s of 8 clients of one event-loop server against one
 *    client, pinned to the CPUs and unpinned.
 *
 * Needs /dev/ipcsvc and root (it raises the module's per-user limits for
 * the 10,000-channel figure, and puts them back).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/ipcsvc_netlink.h>
#include <linux/netlink.h>

#include "ipcsvc/ipcsvc.h"

#include "../lib/thread_io.h"

#define T	ipcsvc_timeout_ms(20000)	/* upper bounds only */
#define SVC	"bench.scale"

static bool quick;
static FILE *json;
static const char *json_sep = "";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "scale_bench: %s: %s\n", what, ipcsvc_strerror(err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n samples; sorts them. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}
/* One figure: printed, and added to the JSON report. */
static void figure(const char *section, const char *name, double value,
		   const char *unit, const char *ref, double ref_value)
{
	/* small counts (system calls per message) need their decimals */
	printf(value < 10 ? "  %-44s %12.3f %-7s" : "  %-44s %12.1f %-7s",
	       name, value, unit);
	if (ref)
		printf("  %s %.1f (%.2fx)", ref, ref_value,
		       ref_value ? value / ref_value : 0.0);
	printf("\n");
	fflush(stdout);
	if (json) {
		fprintf(json, "%s\n  {\"section\": \"%s\", \"name\": \"%s\", "
			"\"value\": %.3f, \"unit\": \"%s\"", json_sep, section,
			name, value, unit);
		if (ref)
			fprintf(json, ", \"reference\": \"%s\", "
				"\"reference_value\": %.3f", ref, ref_value);
		fprintf(json, "}");
		json_sep = ",";
	}
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long i = 0; i < sysconf(_SC_NPROCESSORS_ONLN); i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- module parameters and counters ---- */

static long param_get(const char *name)
{
	char path[128], buf[32];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return atol(buf);
}

static void param_set(const char *name, long v)
{
	char path[128], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	n = snprintf(buf, sizeof(buf), "%ld", v);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		fprintf(stderr, "scale_bench: cannot set %s\n", name);
	if (fd >= 0)
		close(fd);
}

/* The attribute @type of the one generic netlink message in @msg. */
static const struct nlattr *nl_find(const char *msg, ssize_t n, uint16_t type)
{
	for (size_t off = NLMSG_LENGTH(GENL_HDRLEN); n > 0 &&
	     off + NLA_HDRLEN <= (size_t)n;) {
		const struct nlattr *a = (const void *)(msg + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* The module's WAKE counter, from its generic netlink statistics. */
static uint64_t module_wakes(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char buf[1024];
	} req = { 0 };
	static uint16_t family;
	char reply[8192];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	const struct nlattr *found;
	uint64_t wakes = 0;
	ssize_t n;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	if (!family) {	/* resolve "ipcsvc" once */
		struct nlattr *a = (void *)req.buf;
		size_t len = strlen(IPCSVC_GENL_NAME) + 1;

		req.n.nlmsg_type = GENL_ID_CTRL;
		req.n.nlmsg_flags = NLM_F_REQUEST;
		req.g.cmd = CTRL_CMD_GETFAMILY;
		req.g.version = 1;
		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = (uint16_t)(NLA_HDRLEN + len);
		memcpy((char *)a + NLA_HDRLEN, IPCSVC_GENL_NAME, len);
		req.n.nlmsg_len = (uint32_t)(NLMSG_LENGTH(GENL_HDRLEN) +
					     NLA_ALIGN(a->nla_len));
		if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
			goto out;
		n = recv(fd, reply, sizeof(reply), 0);
		found = nl_find(reply, n, CTRL_ATTR_FAMILY_ID);
		if (!found)
			goto out;
		memcpy(&family, (const char *)found + NLA_HDRLEN, 2);
	}
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_type = family;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.g.cmd = IPCSVC_CMD_STATS_GET;
	req.g.version = 1;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		goto out;
	n = recv(fd, reply, sizeof(reply), 0);
	found = nl_find(reply, n, IPCSVC_A_STATS_WAKES);
	if (found)
		memcpy(&wakes, (const char *)found + NLA_HDRLEN, 8);
out:
	if (fd >= 0)
		close(fd);
	return wakes;
}

/* The /proc/meminfo fields the memory section reads, in kB. */
enum { MI_AVAILABLE, MI_VMALLOC, MI_SLAB, MI_PAGETABLES, MI_ANON, MI_N };
static const char *const mi_name[MI_N] = {
	"MemAvailable", "VmallocUsed", "Slab", "PageTables", "AnonPages",
};

static void meminfo_once(long kb[MI_N])
{
	char line[128], key[32];
	long v;
	FILE *f = fopen("/proc/meminfo", "re");

	for (int i = 0; i < MI_N; i++)
		kb[i] = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^:]: %ld kB", key, &v) == 2)
			for (int i = 0; i < MI_N; i++)
				if (!strcmp(key, mi_name[i]))
					kb[i] = v;
	if (f)
		fclose(f);
}

/*
 * /proc/meminfo once the kernel has settled: frees deferred to RCU and to
 * workqueues done, the page cache dropped, MemAvailable the same twice.
 */
static void meminfo(long kb[MI_N])
{
	long prev;
	int fd;

	meminfo_once(kb);
	for (int i = 0; i < 20; i++) {
		sync();
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "3", 1) != 1)
				fprintf(stderr, "scale_bench: drop_caches\n");
			close(fd);
		}
		usleep(200000);
		prev = kb[MI_AVAILABLE];
		meminfo_once(kb);
		if (labs(prev - kb[MI_AVAILABLE]) <= 16)
			break;
	}
}

/* ---- messages ---- */

static void send_u64(struct ipcsvc_channel *ch, uint64_t v)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, 56, 1, 1, 0, &m,
							   T);
	uint8_t payload[56] = { 0 };

	memcpy(payload, &v, sizeof(v));
	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, payload, sizeof(payload));
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	if (rc)
		die("send", rc);
}

/* One message's u64, or -EAGAIN. The payload is read, not skipped. */
static int take_u64(struct ipcsvc_channel *ch, uint64_t *v, bool wait)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg *m;
	int rc = wait ? ipcsvc_channel_receive_timeout(ch, &m, T) :
			ipcsvc_channel_receive(ch, &m);

	if (rc)
		return rc;
	if (ipcsvc_msg_next_object(m, &o) != 1 || o.length < 8)
		die("message", -EBADMSG);
	memcpy(v, o.data, sizeof(*v));
	ipcsvc_channel_release(ch, m);
	return 0;
}

/*
 * An event-loop server in a child process: accept everything, arm each
 * channel, answer each request with its value (echo) until the ring is
 * empty, re-arm. @ready gets one byte once the service exists; the server
 * ends when it gets SIGTERM.
 */
static volatile sig_atomic_t stop_server;

static void on_term(int sig)
{
	(void)sig;
	stop_server = 1;
}

/* What a server reports when it stops: messages served, its read()s. */
struct server_report {
	uint64_t msgs;
	uint64_t wakeups;	/* poll() returns with events */
	long reads;
};

static void serve_loop(int ready, uint32_t max_handles, bool echo)
{
	struct ipcsvc_service_attr a = { .max_connections = 16384 };
	struct ipcsvc_port_event evs[64];
	struct server_report rep = { 0 };
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	long reads0;
	int rc;

	signal(SIGTERM, on_term);
	if (ipcsvc_port_open(NULL, &port))
		_exit(1);
	if (max_handles)
		ipcsvc_port_set_max_handles(port, max_handles);
	rc = ipcsvc_service_create_attr(port, SVC, 1, 0600, &a, &svc);
	if (rc)
		die("service", rc);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	reads0 = thread_reads();
	while (!stop_server) {
		struct pollfd pfd = { .fd = ipcsvc_port_fd(port), .events = POLLIN };
		int n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		rep.wakeups++;
		do {
			n = ipcsvc_port_read_events(port, evs, 64);
			for (int i = 0; i < n; i++) {
				struct ipcsvc_conn *c = evs[i].cookie;
				struct ipcsvc_channel *ch;
				uint64_t v;

				switch (evs[i].type) {
				case IPC_MSG_SERVICE_CONNECTED:
					if (ipcsvc_service_accept(svc, &evs[i],
								  NULL, &c))
						break;
					ipcsvc_conn_set_cookie(c, c);
					ipcsvc_conn_arm(c, IPCSVC_DIR_RX);
					break;
				case IPC_MSG_CHANNEL_READABLE:
					if (!c)
						break;
					ch = ipcsvc_conn_channel(c);
					while (!take_u64(ch, &v, false)) {
						rep.msgs++;
						/* the end of a stream is
						 * always answered */
						if (echo || v == UINT64_MAX)
							send_u64(ch, v);
					}
					ipcsvc_conn_arm(c, IPCSVC_DIR_RX);
					break;
				case IPC_MSG_PEER_CLOSED:
					/* later events of this batch naming
					 * it are stale: none is acted on */
					if (c)
						ipcsvc_conn_close(c);
					for (int j = i + 1; j < n; j++)
						if (evs[j].handle == evs[i].handle)
							evs[j].type = 0;
					break;
				}
			}
		} while (n == 64);
	}
	rep.reads = thread_reads() - reads0;
	ipcsvc_service_close(svc);
	ipcsvc_port_close(port);
	_exit(write(ready, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
}

struct server {
	pid_t pid;
	int fd;		/* its report comes here */
};

/* A server process running @serve; back once its service exists. */
static struct server server_spawn(void (*serve)(int ready, uint32_t max,
						bool echo),
				  uint32_t max_handles, bool echo, int cpu)
{
	struct server srv;
	int p[2];
	char c;

	if (pipe(p))
		die("pipe", -errno);
	srv.pid = fork();
	if (srv.pid == 0) {
		close(p[0]);
		if (cpu >= 0)
			pin_to(cpu);
		serve(p[1], max_handles, echo);
	}
	close(p[1]);
	srv.fd = p[0];
	if (read(srv.fd, &c, 1) != 1)
		die("server start", -EIO);
	return srv;
}

static struct server server_start(uint32_t max_handles, bool echo, int cpu)
{
	return server_spawn(serve_loop, max_handles, echo, cpu);
}

static struct server_report server_stop(struct server srv)
{
	struct server_report rep = { 0 };

	kill(srv.pid, SIGTERM);
	if (read(srv.fd, &rep, sizeof(rep)) != sizeof(rep))
		memset(&rep, 0, sizeof(rep));
	close(srv.fd);
	waitpid(srv.pid, NULL, 0);
	return rep;
}

static struct ipcsvc_conn *connect_one(struct ipcsvc_port *port)
{
	struct ipcsvc_conn *c;
	int rc;

	/* EAGAIN: the server has not read the backlog yet */
	while ((rc = ipcsvc_client_connect(port, SVC, 1, 0, 0, NULL, &c)) ==
	       -EAGAIN)
		usleep(100);
	if (rc)
		die("connect", rc);
	return c;
}

/* ---- delivery with N channels ---- */

static double call_rtt_us(struct ipcsvc_channel *ch, int calls)
{
	double *t = malloc(sizeof(*t) * (size_t)calls), us;
	uint64_t r;

	for (int i = 0; i < calls; i++) {
		uint64_t t0 = now_ns();

		send_u64(ch, (uint64_t)i);
		if (take_u64(ch, &r, true) || r != (uint64_t)i)
			die("reply", -EBADMSG);
		t[i] = (double)(now_ns() - t0) / 1000.0;
	}
	us = median(t, (size_t)calls);
	free(t);
	return us;
}

#define ROUNDS	5

static double med(double *v)
{
	return median(v, ROUNDS);
}

/* One round trip figure with @n channels connected, set up from scratch. */
static double delivery_once(int n)
{
	struct ipcsvc_port *port;
	struct ipcsvc_conn **c;
	struct server srv;
	double us;

	/* pinned apart: a wake-up crosses CPUs, as with a busy server, and
	 * the figure does not depend on where the scheduler put the two */
	srv = server_start(65536, true, 0);
	pin_to(1);
	if (ipcsvc_port_open(NULL, &port))
		die("port", -ENODEV);
	ipcsvc_port_set_max_handles(port, 65536);
	c = calloc((size_t)n, sizeof(*c));
	for (int i = 0; i < n; i++)
		c[i] = connect_one(port);
	/* every channel sees traffic once; then time one of them */
	for (int i = 0; i < n; i++)
		call_rtt_us(ipcsvc_conn_channel(c[i]), 1);
	us = call_rtt_us(ipcsvc_conn_channel(c[n / 2]), quick ? 200 : 1000);
	for (int i = 0; i < n; i++)
		ipcsvc_conn_close(c[i]);
	free(c);
	ipcsvc_port_close(port);
	server_stop(srv);
	unpin();
	return us;
}

static void bench_delivery(void)
{
	static const int ns[] = { 1, 10, 100, 1000, 10000 };
	enum { NN = sizeof(ns) / sizeof(ns[0]) };
	long old_ch = param_get("max_channels"), old_b = param_get("max_user_bytes");
	double us[NN][ROUNDS], base;

	printf("delivery: request/reply through one event loop, median of %d "
	       "interleaved rounds\n", ROUNDS);
	param_set("max_channels", 20000);
	param_set("max_user_bytes", 4L << 30);
	/* round by round, so that a machine that slows down moves every
	 * size alike */
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < NN; k++)
			us[k][r] = quick && ns[k] > 1000 ? 0 :
				   delivery_once(ns[k]);
	base = med(us[0]);
	for (int k = 0; k < NN; k++) {
		char name[64];

		if (quick && ns[k] > 1000)
			continue;
		snprintf(name, sizeof(name), "round trip, %d channels", ns[k]);
		figure("delivery", name, med(us[k]), "us",
		       k ? "1 channel" : NULL, base);
	}
	param_set("max_channels", old_ch);
	param_set("max_user_bytes", old_b);
}

/* ---- event loop against a blocked receiver ---- */

/*
 * The reference: a server process that accepts one connection and then
 * sleeps in receive on it, answering only the end of the stream.
 */
static void serve_blocked(int ready, uint32_t max_handles, bool echo)
{
	struct server_report rep = { 0 };
	struct ipcsvc_service *svc;
	struct ipcsvc_port_event ev;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *c;
	uint64_t v;

	(void)max_handles;
	(void)echo;	/* only the end of the stream is answered */
	if (ipcsvc_port_open(NULL, &port) ||
	    ipcsvc_service_create(port, SVC, 1, 0600, &svc))
		_exit(1);
	if (write(ready, "r", 1) != 1 ||
	    ipcsvc_port_wait_event(port, &ev, T) ||
	    ipcsvc_service_accept(svc, &ev, NULL, &c))
		_exit(1);
	while (!take_u64(ipcsvc_conn_channel(c), &v, true)) {
		rep.msgs++;
		if (v == UINT64_MAX)
			send_u64(ipcsvc_conn_channel(c), v);
	}
	_exit(write(ready, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
}

struct stream_figures {
	double rate, wakes, reads, reads_per_wakeup;
};

/* Stream @n messages to a server of either kind, in its own process. */
static struct stream_figures stream_to(bool event_loop, uint64_t n)
{
	struct stream_figures f = { 0 };
	struct server_report rep;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *cl;
	struct server srv;
	uint64_t t0, w0, v;

	srv = server_spawn(event_loop ? serve_loop : serve_blocked, 0, false,
			   -1);
	if (ipcsvc_port_open(NULL, &port))
		die("port", -ENODEV);
	cl = connect_one(port);
	w0 = module_wakes();
	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		send_u64(ipcsvc_conn_channel(cl), i);
	/* the end of the stream comes back once all of it was received */
	send_u64(ipcsvc_conn_channel(cl), UINT64_MAX);
	if (take_u64(ipcsvc_conn_channel(cl), &v, true) || v != UINT64_MAX)
		die("stream end", -EBADMSG);
	f.rate = (double)n / ((double)(now_ns() - t0) / 1e9);
	f.wakes = (double)(module_wakes() - w0) / (double)n;
	ipcsvc_conn_close(cl);
	ipcsvc_port_close(port);
	rep = server_stop(srv);
	f.reads = rep.msgs ? (double)rep.reads / (double)rep.msgs : 0;
	f.reads_per_wakeup = rep.wakeups ? (double)rep.reads /
					   (double)rep.wakeups : 0;
	return f;
}

static void bench_event_loop(void)
{
	uint64_t n = quick ? 20000 : 100000;
	double br[ROUNDS], bw[ROUNDS], lr[ROUNDS], lw[ROUNDS], lrd[ROUNDS],
	       lrw[ROUNDS];

	printf("event loop: 64 B messages streamed to one server, median of "
	       "%d interleaved rounds\n", ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		struct stream_figures b = stream_to(false, n);
		struct stream_figures l = stream_to(true, n);

		br[r] = b.rate;
		bw[r] = b.wakes;
		lr[r] = l.rate;
		lw[r] = l.wakes;
		lrd[r] = l.reads;
		lrw[r] = l.reads_per_wakeup;
	}
	figure("event_loop", "blocked receiver, msg/s", med(br), "msg/s",
	       NULL, 0);
	figure("event_loop", "blocked receiver, WAKE per message", med(bw),
	       "calls", NULL, 0);
	figure("event_loop", "event-loop server, msg/s", med(lr), "msg/s",
	       "blocked receiver", med(br));
	figure("event_loop", "event-loop server, WAKE per message", med(lw),
	       "calls", NULL, 0);
	figure("event_loop", "event-loop server, read() per message",
	       med(lrd), "calls", NULL, 0);
	figure("event_loop", "event-loop server, read() per wake-up",
	       med(lrw), "calls", NULL, 0);
}

/* ---- connect ---- */

static void bench_connect(void)
{
	int n = quick ? 100 : 1000;
	double *t = malloc(sizeof(*t) * (size_t)n), *u = malloc(sizeof(*u) * (size_t)n);
	double ipcsvc_us, unix_us;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ipcsvc_service *svc;
	struct ipcsvc_port_event ev;
	struct ipcsvc_port *sport, *cport;
	int lfd;

	printf("connect: connect to accepted, median\n");
	if (ipcsvc_port_open(NULL, &sport) || ipcsvc_port_open(NULL, &cport) ||
	    ipcsvc_service_create(sport, SVC ".c", 1, 0600, &svc))
		die("connect set-up", -ENODEV);
	for (int i = 0; i < n; i++) {
		struct ipcsvc_conn *c, *s;
		uint64_t t0 = now_ns();

		if (ipcsvc_client_connect(cport, SVC ".c", 1, 0, 0, NULL, &c) ||
		    ipcsvc_port_wait_event(sport, &ev, T) ||
		    ipcsvc_service_accept(svc, &ev, NULL, &s))
			die("connect", -EIO);
		t[i] = (double)(now_ns() - t0) / 1000.0;
		ipcsvc_conn_close(c);
		ipcsvc_conn_close(s);
		while (!ipcsvc_port_read_event(sport, &ev))
			;	/* the PeerClosed */
	}
	ipcsvc_service_close(svc);
	ipcsvc_port_close(sport);
	ipcsvc_port_close(cport);

	/* the reference, in the same boot: a Unix stream socket */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/scale_bench.%d",
		 (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 16))
		die("unix listen", -errno);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
			die("unix connect", -errno);
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0)
			die("unix accept", -errno);
		u[i] = (double)(now_ns() - t0) / 1000.0;
		close(c);
		close(s);
	}
	close(lfd);
	unlink(sa.sun_path);
	unix_us = median(u, (size_t)n);
	ipcsvc_us = median(t, (size_t)n);
	figure("connect", "AF_UNIX connect + accept", unix_us, "us", NULL, 0);
	figure("connect", "connect + accept", ipcsvc_us, "us", "AF_UNIX",
	       unix_us);
	free(t);
	free(u);
}

/* ---- memory of idle channels ---- */

/*
 * Connect @n idle channels, each end mapping both areas as a working
 * channel does (sizes 0: the service's maxima, 1 MiB here), and print
 * what one costs, with where it goes.
 */
static void memory_of(struct ipcsvc_port *sport, struct ipcsvc_port *cport,
		      struct ipcsvc_service *svc, const char *svc_name,
		      uint64_t size, int n, const char *name, double ref)
{
	struct ipcsvc_conn **c = calloc((size_t)n * 2, sizeof(*c));
	struct ipcsvc_port_event ev;
	long m0[MI_N], m1[MI_N];

	if (!c)
		die("memory", -ENOMEM);
	meminfo(m0);
	for (int i = 0; i < n; i++) {
		if (ipcsvc_client_connect(cport, svc_name, 1, size, size, NULL,
					  &c[2 * i]) ||
		    ipcsvc_port_wait_event(sport, &ev, T) ||
		    ipcsvc_service_accept(svc, &ev, NULL, &c[2 * i + 1]))
			die("memory connect", -EIO);
	}
	meminfo(m1);
	figure("memory", name, (double)(m0[MI_AVAILABLE] - m1[MI_AVAILABLE]) *
	       1024.0 / n, "B", "socket pair", ref);
	printf("  %-44s", "  of which, B per channel:");
	for (int i = 1; i < MI_N; i++)
		printf(" %s %.0f", mi_name[i],
		       (double)(m1[i] - m0[i]) * 1024.0 / n);
	printf("\n");
	for (int i = 0; i < 2 * n; i++)
		ipcsvc_conn_close(c[i]);
	free(c);
}

static void bench_memory(void)
{
	int n = 1000;	/* fewer hide behind the per-CPU page lists */
	struct ipcsvc_service *svc;
	struct ipcsvc_port *sport, *cport;
	int *fds = calloc((size_t)n * 2, sizeof(*fds));
	long m0[MI_N], m1[MI_N];
	double pair;

	struct rlimit rl = { 4 * (rlim_t)n + 64, 4 * (rlim_t)n + 64 };

	/* the socket pairs' reference needs 2 fds each */
	setrlimit(RLIMIT_NOFILE, &rl);
	printf("memory: MemAvailable spent per idle channel, %d of them\n", n);
	if (!fds || ipcsvc_port_open(NULL, &sport) ||
	    ipcsvc_port_open(NULL, &cport) ||
	    ipcsvc_service_create(sport, SVC ".m", 1, 0600, &svc))
		die("memory set-up", -ENODEV);
	meminfo(m0);
	for (int i = 0; i < n; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, &fds[2 * i]))
			die("socketpair", -errno);
	meminfo(m1);
	pair = (double)(m0[MI_AVAILABLE] - m1[MI_AVAILABLE]) * 1024.0 / n;
	figure("memory", "Unix socket pair", pair, "B", NULL, 0);
	/* Page tables: each 1 MiB area mapping needs a page-table page of
	 * its own; 16 KiB ones share them. */
	memory_of(sport, cport, svc, SVC ".m", 0, n,
		  "idle channel, both ends, 1 MiB areas", pair);
	memory_of(sport, cport, svc, SVC ".m", 16384, n,
		  "idle channel, both ends, 16 KiB areas", pair);
	for (int i = 0; i < 2 * n; i++)
		close(fds[i]);
	ipcsvc_service_close(svc);
	ipcsvc_port_close(sport);
	ipcsvc_port_close(cport);
	free(fds);
}

/* ---- fan-in ---- */

/* A client process making calls for @secs; it writes how many it made. */
static void fanin_client(int out, double secs, int cpu)
{
	struct ipcsvc_port *port;
	struct ipcsvc_conn *c;
	uint64_t end, calls = 0, r;

	if (cpu >= 0)
		pin_to(cpu);
	if (ipcsvc_port_open(NULL, &port))
		_exit(1);
	c = connect_one(port);
	end = now_ns() + (uint64_t)(secs * 1e9);
	while (now_ns() < end) {
		send_u64(ipcsvc_conn_channel(c), calls);
		if (take_u64(ipcsvc_conn_channel(c), &r, true) || r != calls)
			_exit(1);
		calls++;
	}
	ipcsvc_conn_close(c);
	ipcsvc_port_close(port);
	_exit(write(out, &calls, sizeof(calls)) == sizeof(calls) ? 0 : 1);
}

static double fanin_rate(int clients, bool pinned, double secs)
{
	struct server srv = server_start(0, true, pinned ? 0 : -1);
	pid_t pid[16];
	uint64_t total = 0, n;
	int p[2];

	if (pipe(p))
		die("pipe", -errno);
	for (int i = 0; i < clients; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			close(p[0]);
			fanin_client(p[1], secs, pinned ? 1 : -1);
		}
	}
	close(p[1]);
	for (int i = 0; i < clients; i++) {
		if (read(p[0], &n, sizeof(n)) == sizeof(n))
			total += n;
		waitpid(pid[i], NULL, 0);
	}
	close(p[0]);
	server_stop(srv);
	return (double)total / secs;
}

static void bench_fanin(void)
{
	double secs = quick ? 0.5 : 1.0;

	printf("fan-in: calls/s of clients of one event-loop server, median of "
	       "%d interleaved rounds\n", ROUNDS);
	for (int pinned = 1; pinned >= 0; pinned--) {
		double one[ROUNDS], eight[ROUNDS];

		for (int r = 0; r < ROUNDS; r++) {
			one[r] = fanin_rate(1, pinned, secs);
			eight[r] = fanin_rate(8, pinned, secs);
		}
		figure("fanin", pinned ? "1 client, pinned (server CPU0, clients CPU1)" :
		       "1 client, unpinned", med(one), "calls/s", NULL, 0);
		figure("fanin", pinned ? "8 clients, pinned" : "8 clients, unpinned",
		       med(eight), "calls/s", "1 client", med(one));
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} sections[] = {
		/* memory first, before the large runs leave frees in flight */
		{ "memory", bench_memory },
		{ "delivery", bench_delivery },
		{ "event-loop", bench_event_loop },
		{ "connect", bench_connect },
		{ "fan-in", bench_fanin },
	};
	const char *json_path = NULL, *only = NULL;
	bool found = false;
	int opt;

	while ((opt = getopt(argc, argv, "qj:s:")) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 's':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: scale_bench [-q] [-j FILE] "
				"[-s memory|delivery|event-loop|connect|fan-in]\n");
			return 2;
		}
	}
	if (access("/dev/" IPCSVC_DEVICE_NAME, R_OK | W_OK)) {
		fprintf(stderr, "scale_bench: needs /dev/%s (the module)\n",
			IPCSVC_DEVICE_NAME);
		return 2;
	}
	if (json_path) {
		json = fopen(json_path, "we");
		if (!json)
			die(json_path, -errno);
		fprintf(json, "[");
	}
	unpin();
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (only && strcmp(only, sections[i].name))
			continue;
		sections[i].run();
		found = true;
	}
	if (!found) {
		fprintf(stderr, "scale_bench: no section %s\n", only);
		return 2;
	}
	if (json) {
		fprintf(json, "\n]\n");
		fclose(json);
	}
	return 0;
}
