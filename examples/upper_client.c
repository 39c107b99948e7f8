// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A client with a deadline: every step, connecting included, shares one.
 *
 *	upper_client [-t MS] [-n BURST] TEXT...
 *
 * Connects to org.ipcsvc.example.Upper (waiting for the service to
 * appear), calls the server once per TEXT and prints the answer, all
 * within MS milliseconds (default 5000). With -n, it first sends BURST
 * (at most 100) requests without reading any answer, through a receive
 * buffer too small for their answers, so that the server runs out of room
 * for replies and must wait for this client (see upper_server.c); once
 * the server has filled that buffer, it reads them all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#define SERVICE		"org.ipcsvc.example.Upper"
#define METHOD_UPPER	1

static int fail(const char *what, int rc)
{
	fprintf(stderr, "client: %s: %s\n", what, ipcsvc_strerror(rc));
	return 1;
}

/* A request for METHOD_UPPER carrying @text. */
static int request(struct ipcsvc_channel *ch, const char *text,
		   ipcsvc_timeout_t deadline, struct ipcsvc_msg **reqp)
{
	int rc = ipcsvc_call_allocate(ch, METHOD_UPPER, strlen(text), 1, reqp,
				      deadline);

	if (!rc)
		rc = ipcsvc_msg_add_object(*reqp, 1, text, strlen(text));
	return rc;
}

/* The text of a reply: its second object, after the call header. */
static void print_reply(const struct ipcsvc_msg *rep)
{
	struct ipcsvc_object o = { 0 };

	ipcsvc_msg_next_object(rep, &o);
	if (ipcsvc_msg_next_object(rep, &o) == 1)
		printf("client: %.*s\n", (int)o.length, (const char *)o.data);
}

/*
 * Wait until the answers queued for us stop growing short of @burst: the
 * server has then found no room for the next one. A settled count, not a
 * fixed sleep, because it is the server's pace that matters.
 */
static int wait_for_full_ring(struct ipcsvc_channel *ch, long burst,
			      ipcsvc_timeout_t deadline)
{
	struct ipcsvc_channel_info info;
	uint64_t seen = 0;
	int64_t since = ipcsvc_clock_now();
	int rc;

	for (;;) {
		rc = ipcsvc_channel_info(ch, &info);
		if (rc || info.rx_queued >= (uint64_t)burst)
			return rc;
		if (info.rx_queued != seen) {
			seen = info.rx_queued;
			since = ipcsvc_clock_now();
		} else if (seen && ipcsvc_clock_now() - since > 200000000) {
			return 0;	/* settled for 200 ms */
		}
		if (ipcsvc_clock_now() >= deadline.ns)
			return -ETIMEDOUT;
		usleep(5000);
	}
}

int main(int argc, char **argv)
{
	long ms = 5000, burst = 0;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
	ipcsvc_timeout_t deadline;
	int opt, rc;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			ms = atol(optarg);
		else if (opt == 'n')
			burst = atol(optarg);
		else
			return 2;
	}
	/* One absolute deadline for everything below. */
	deadline = ipcsvc_timeout_deadline(ipcsvc_timeout_ms(ms));

	rc = ipcsvc_port_open(NULL, &port);
	if (rc)
		return fail("/dev/ipcsvc", rc);
	/* The server may not have registered yet. 16 KiB to the server
	 * holds a whole burst of 100 requests; 4 KiB back holds about a
	 * third of their answers, so the server has to wait for us. */
	while ((rc = ipcsvc_client_connect(port, SERVICE, 1, 16384, 4096, NULL,
					   &conn)) == -ENOENT &&
	       ipcsvc_clock_now() < deadline.ns)
		usleep(10000);
	if (rc)
		return fail("connect", rc);
	ch = ipcsvc_conn_channel(conn);

	if (burst > 100)
		burst = 100;	/* what the 16 KiB to the server holds */
	if (burst > 0) {
		long got = 0;

		/* Commit all 16 KiB now. Growing by itself, the ring grows
		 * only where it is not wrapped: a ring that wrapped while the
		 * server kept up would stay small, and fill up once the
		 * server stops to wait for us. */
		rc = ipcsvc_channel_grow(ch, 16384);
		if (rc)
			return fail("grow", rc);

		for (long i = 0; i < burst; i++) {
			struct ipcsvc_msg *req;

			/* waits for room as the server drains our requests */
			rc = request(ch, "backpressure", deadline, &req);
			if (!rc)
				rc = ipcsvc_channel_send(ch, req);
			if (rc)
				return fail("burst", rc);
		}
		/* Only now read the answers, once the server has filled our
		 * ring and is waiting for room: reading earlier could keep
		 * pace with it, and there would be no backpressure to see. */
		rc = wait_for_full_ring(ch, burst, deadline);
		if (rc)
			return fail("burst", rc);
		for (; got < burst; got++) {
			struct ipcsvc_msg *rep;

			rc = ipcsvc_channel_receive_timeout(ch, &rep, deadline);
			if (rc)
				return fail("burst answer", rc);
			ipcsvc_channel_release(ch, rep);
		}
		printf("client: %ld answers to a burst of %ld\n", got, burst);
	}

	for (int i = optind; i < argc; i++) {
		struct ipcsvc_msg *req, *rep;

		rc = request(ch, argv[i], deadline, &req);
		if (!rc)
			rc = ipcsvc_channel_call(ch, req, &rep, deadline);
		if (rc)
			return fail(argv[i], rc);
		print_reply(rep);
		ipcsvc_channel_release(ch, rep);
	}
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return 0;
}
