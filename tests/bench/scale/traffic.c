// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scale_bench's message figures: delivery through one event loop with N
 * channels, an event-loop server against a blocked receiver, and fan-in.
 */
#include "scale.h"

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

void bench_delivery(void)
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

void bench_event_loop(void)
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

void bench_fanin(void)
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
