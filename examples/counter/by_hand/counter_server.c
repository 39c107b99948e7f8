// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The server of ../counter.idl written by hand, straight on the library:
 * the same program as ../counter_server.c, speaking the same wire, without
 * the C that ipcsvc-idlc generates. It exists to be compared with that
 * one (and `make check` runs each server with the other's client).
 *
 *	counter_server [CLIENTS]
 *
 * Serves until CLIENTS clients have come and gone (default: 1). Every
 * change of the counter is announced to every connected client.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ipcsvc/ipcsvc.h>

#define SERVICE		"org.ipcsvc.example.Counter"
#define VERSION		1
#define ADD		1	/* (delta: int64) -> (value: int64) */
#define GET		2	/* () -> (value: int64) */
#define RESET		3	/* (), asynchronous */
#define CHANGED		4	/* event (value: int64) */
#define AREA_SIZE	4096	/* enough for what the protocol queues */
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
		struct ipcsvc_channel *ch;
		struct ipcsvc_msg *msg;

		if (!c)
			continue;
		ch = ipcsvc_conn_channel(c);
		if (ipcsvc_channel_allocate_for_send_timeout(ch,
				sizeof(srv->value), CHANGED, 1, 0, &msg,
				ipcsvc_timeout_ns(0))) {
			srv->dropped++;
			continue;
		}
		ipcsvc_msg_add_object(msg, 1, &srv->value, sizeof(srv->value));
		if (ipcsvc_channel_send(ch, msg))
			srv->dropped++;
	}
}

/*
 * The int64 argument of @req: its call header, then at most one object,
 * id 1, of 8 bytes. @want is whether there must be one.
 */
static int read_int64(const struct ipcsvc_msg *req, bool want, int64_t *v)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_object obj;

	memset(&obj, 0, sizeof(obj));
	if (ipcsvc_msg_info(req, &info) ||
	    info.object_count != (want ? 2 : 1) ||
	    ipcsvc_msg_next_object(req, &obj) != 1)	/* the call header */
		return -EPROTO;
	if (!want)
		return 0;
	if (ipcsvc_msg_next_object(req, &obj) != 1 || obj.id != 1 ||
	    obj.length != sizeof(*v))
		return -EPROTO;
	memcpy(v, obj.data, sizeof(*v));
	return 0;
}

/* Answer @req with the counter's value. */
static int reply_value(struct ipcsvc_channel *ch, const struct ipcsvc_msg *req,
		       int64_t value, ipcsvc_timeout_t t)
{
	struct ipcsvc_msg *rep;
	int rc = ipcsvc_call_allocate_reply(ch, req, sizeof(value), 1, &rep, t);

	if (rc)
		return rc;
	ipcsvc_msg_add_object(rep, 1, &value, sizeof(value));
	return ipcsvc_channel_send(ch, rep);
}

/* Check, serve and answer one request; the caller releases it. */
static int serve_one(struct server *srv, struct ipcsvc_channel *ch,
		     const struct ipcsvc_msg *req)
{
	ipcsvc_timeout_t t = ipcsvc_timeout_deadline(ipcsvc_timeout_ms(100));
	struct ipcsvc_call_header call;
	struct ipcsvc_msg_info info;
	int64_t delta = 0;
	int rc;

	/* without a call header it cannot even be answered */
	if (ipcsvc_msg_info(req, &info) || ipcsvc_call_header(req, &call))
		return -EPROTO;
	if (info.id == RESET) {		/* nobody waits for its status */
		rc = read_int64(req, false, NULL);
		if (!rc) {
			srv->value = 0;
			announce(srv);
		}
		return rc;
	}
	if (info.id != ADD && info.id != GET)
		rc = -EBADRQC;
	else if (ipcsvc_call_expired(&call))	/* the caller has given up */
		rc = -ETIMEDOUT;
	else
		rc = read_int64(req, info.id == ADD, &delta);
	if (!rc && ((delta > 0 && srv->value > INT64_MAX - delta) ||
		    (delta < 0 && srv->value < INT64_MIN - delta)))
		rc = -ERANGE;
	if (rc) {
		int err = ipcsvc_call_fail(ch, req, rc, t);

		return err && err != -EPROTO ? err : rc == -ERANGE ? 0 : rc;
	}
	if (info.id == ADD) {
		srv->value += delta;
		announce(srv);
	}
	return reply_value(ch, req, srv->value, t);
}

/* Every request the client sent, then wait for more. */
static int serve(struct server *srv, struct ipcsvc_conn *conn)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
	struct ipcsvc_msg *req;
	int rc;

	while ((rc = ipcsvc_channel_receive(ch, &req)) == 0) {
		/* a request the protocol does not allow is answered, and
		 * reported here; the client's others are still served */
		rc = serve_one(srv, ch, req);
		ipcsvc_channel_release(ch, req);
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
	struct ipcsvc_service_attr attr = {
		.max_to_server = AREA_SIZE, .max_to_client = AREA_SIZE,
	};
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	int rc;

	rc = ipcsvc_port_open(NULL, &port);
	if (!rc)
		rc = ipcsvc_service_create_attr(port, SERVICE, VERSION, 0666,
						&attr, &svc);
	if (rc) {
		fprintf(stderr, "server: %s: %s\n", SERVICE, ipcsvc_strerror(rc));
		return 1;
	}
	printf("server: serving %s\n", SERVICE);
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
