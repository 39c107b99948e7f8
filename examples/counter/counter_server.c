// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The server of counter.idl, over the C that ipcsvc-idlc generates from
 * it (counter.h, counter.c): the protocol's checks, replies and events
 * are the generated code's; this program holds the counter.
 *
 *	counter_server [CLIENTS]
 *
 * Serves until CLIENTS clients have come and gone (default: 1). Every
 * change of the counter is announced to every connected client.
 */
#include <stdio.h>
#include <stdlib.h>

#include "counter.h"

#define MAX_CLIENTS	16

struct server {
	int64_t value;
	struct ipcsvc_conn *clients[MAX_CLIENTS];
	unsigned long dropped;	/* events a client had no room for */
};

/* The event to every client; one that has no room misses it. */
static void announce(struct server *srv)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct ipcsvc_conn *c = srv->clients[i];

		if (c && counter_emit_changed(ipcsvc_conn_channel(c),
					      srv->value, ipcsvc_timeout_ns(0)))
			srv->dropped++;
	}
}

static int on_add(void *ctx, const struct ipcsvc_call_header *call,
		  int64_t delta, int64_t *value)
{
	struct server *srv = ctx;

	(void)call;
	if ((delta > 0 && srv->value > INT64_MAX - delta) ||
	    (delta < 0 && srv->value < INT64_MIN - delta))
		return -ERANGE;		/* the caller's status */
	srv->value += delta;
	*value = srv->value;
	announce(srv);
	return 0;
}

static int on_get(void *ctx, const struct ipcsvc_call_header *call,
		  int64_t *value)
{
	struct server *srv = ctx;

	(void)call;
	*value = srv->value;
	return 0;
}

static int on_reset(void *ctx, const struct ipcsvc_call_header *call)
{
	struct server *srv = ctx;

	(void)call;
	srv->value = 0;
	announce(srv);
	return 0;
}

static const struct counter_handlers handlers = {
	.add = on_add, .get = on_get, .reset = on_reset,
};

/* Every request the client sent, then wait for more. */
static int serve(struct server *srv, struct ipcsvc_conn *conn)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
	struct ipcsvc_msg *req;
	int rc;

	while ((rc = ipcsvc_channel_receive(ch, &req)) == 0) {
		/* a request the protocol does not allow is answered, and
		 * reported here; the client's others are still served */
		rc = counter_dispatch(ch, req, &handlers, srv,
				      ipcsvc_timeout_ms(100));
		if (rc)
			fprintf(stderr, "server: a request: %s\n",
				ipcsvc_strerror(rc));
	}
	return rc == -EAGAIN ? ipcsvc_conn_arm(conn, IPCSVC_DIR_RX) : rc;
}

static int slot_of(struct server *srv, struct ipcsvc_conn *conn)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (srv->clients[i] == conn)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	long want = argc > 1 ? atol(argv[1]) : 1, gone = 0;
	struct server srv = { .value = 0 };
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	int rc;

	rc = ipcsvc_port_open(NULL, &port);
	if (!rc)	/* the protocol's name, version and area sizes */
		rc = counter_service_create(port, 0666, &svc);
	if (rc) {
		fprintf(stderr, "server: %s: %s\n", COUNTER_PROTOCOL_NAME,
			ipcsvc_strerror(rc));
		return 1;
	}
	printf("server: serving %s\n", COUNTER_PROTOCOL_NAME);
	fflush(stdout);
	while (gone < want) {
		struct ipcsvc_port_event ev;
		struct ipcsvc_conn *conn;
		int slot;

		rc = ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_never());
		if (rc)
			break;
		conn = ev.cookie;
		switch (ev.type) {
		case IPC_MSG_SERVICE_CONNECTED:
			slot = slot_of(&srv, NULL);
			if (slot < 0) {
				ipcsvc_service_reject(svc, &ev);
				break;
			}
			rc = ipcsvc_service_accept(svc, &ev, NULL, &conn);
			if (!rc)
				rc = ipcsvc_conn_set_cookie(conn, conn);
			if (!rc)
				rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
			if (rc)
				fprintf(stderr, "server: accept: %s\n",
					ipcsvc_strerror(rc));
			else
				srv.clients[slot] = conn;
			break;
		case IPC_MSG_CHANNEL_READABLE:
			/* an error of the channel ends it, as its close does */
			if (conn && serve(&srv, conn) == 0)
				break;
			/* fall through */
		case IPC_MSG_PEER_CLOSED:
			slot = conn ? slot_of(&srv, conn) : -1;
			if (slot < 0)
				break;
			/* what it sent before it left is served first */
			serve(&srv, conn);
			srv.clients[slot] = NULL;
			ipcsvc_conn_close(conn);
			gone++;
			break;
		default:
			break;
		}
	}
	printf("server: done: the counter is %lld, %lu events dropped\n",
	       (long long)srv.value, srv.dropped);
	ipcsvc_service_close(svc);
	ipcsvc_port_close(port);
	return rc ? 1 : 0;
}
