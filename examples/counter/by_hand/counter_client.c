// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A client of ../counter.idl written by hand, straight on the library:
 * the same program as ../counter_client.c, speaking the same wire,
 * without the C that ipcsvc-idlc generates. It exists to be compared
 * with that one (and `make check` runs each client with the other's
 * server).
 *
 *	counter_client DELTA...
 *
 * Adds each DELTA, resets the counter (an asynchronous call: it returns
 * once queued), reads it back, then prints the changes the server
 * announced meanwhile. Everything shares one deadline, 5 s away.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#define SERVICE		"org.ipcsvc.example.Counter"
#define VERSION		1
#define ADD		1	/* (delta: int64) -> (value: int64) */
#define GET		2	/* () -> (value: int64) */
#define RESET		3	/* (), asynchronous */
#define CHANGED		4	/* event (value: int64) */
#define AREA_SIZE	4096	/* as the server declares */

/*
 * The one int64 a reply or an event carries: after the call header of a
 * reply, one object, id 1, of 8 bytes.
 */
static int read_int64(const struct ipcsvc_msg *msg, bool reply, int64_t *v)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_object obj;
	int rc = ipcsvc_msg_info(msg, &info);

	if (rc)
		return rc;
	memset(&obj, 0, sizeof(obj));
	if (info.object_count != (reply ? 2 : 1) ||
	    (reply && ipcsvc_msg_next_object(msg, &obj) != 1) ||
	    ipcsvc_msg_next_object(msg, &obj) != 1 || obj.id != 1 ||
	    obj.length != sizeof(*v))
		return -EPROTO;
	memcpy(v, obj.data, sizeof(*v));
	return 0;
}

/*
 * Call @method with @arg (if not NULL) and, if @value is not NULL, wait
 * for its int64 result.
 */
static int call(struct ipcsvc_channel *ch, uint64_t method,
		const int64_t *arg, int64_t *value, ipcsvc_timeout_t t)
{
	struct ipcsvc_msg *req, *rep;
	int rc;

	rc = ipcsvc_call_allocate(ch, method, arg ? sizeof(*arg) : 0,
				  arg ? 1 : 0, &req, t);
	if (rc)
		return rc;
	if (arg)
		ipcsvc_msg_add_object(req, 1, arg, sizeof(*arg));
	if (!value)		/* asynchronous: queued is done */
		return ipcsvc_channel_send(ch, req);
	rc = ipcsvc_channel_call(ch, req, &rep, t);
	if (rc)
		return rc;
	rc = read_int64(rep, true, value);
	ipcsvc_channel_release(ch, rep);
	return rc;
}

/* One announcement of the server, printed. */
static int receive_event(struct ipcsvc_channel *ch, ipcsvc_timeout_t t)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *msg;
	int64_t value;
	int rc = ipcsvc_call_receive_event(ch, &msg, t);

	if (rc)
		return rc;
	rc = ipcsvc_msg_info(msg, &info);
	if (!rc && info.id != CHANGED)
		rc = -EBADRQC;
	if (!rc)
		rc = read_int64(msg, false, &value);
	if (!rc)
		printf("client: the counter changed to %lld\n",
		       (long long)value);
	ipcsvc_channel_release(ch, msg);
	return rc;
}

int main(int argc, char **argv)
{
	ipcsvc_timeout_t t = ipcsvc_timeout_deadline(ipcsvc_timeout_ms(5000));
	struct ipcsvc_channel *ch;
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	int64_t value;
	int rc;

	rc = ipcsvc_port_open(NULL, &port);
	/* the server may still be starting: try until the deadline */
	while (!rc) {
		rc = ipcsvc_client_connect(port, SERVICE, VERSION, AREA_SIZE,
					   AREA_SIZE, NULL, &conn);
		if (rc != -ENOENT || ipcsvc_clock_now() >= t.ns)
			break;
		rc = 0;
		usleep(10000);
	}
	if (rc) {
		fprintf(stderr, "client: %s: %s\n", SERVICE, ipcsvc_strerror(rc));
		return 1;
	}
	ch = ipcsvc_conn_channel(conn);

	for (int i = 1; i < argc && !rc; i++) {
		int64_t delta = atoll(argv[i]);

		rc = call(ch, ADD, &delta, &value, t);
		if (!rc)
			printf("client: add %s: %lld\n", argv[i],
			       (long long)value);
	}
	if (!rc)
		rc = call(ch, RESET, NULL, NULL, t);
	if (!rc)
		rc = call(ch, GET, NULL, &value, t);
	if (!rc)
		printf("client: after the reset: %lld\n", (long long)value);
	/* one announcement per change (each add, and the reset), kept
	 * while the calls waited for their replies */
	for (int i = 0; i < argc && !rc; i++)
		rc = receive_event(ch, t);
	if (rc)
		fprintf(stderr, "client: %s\n", ipcsvc_strerror(rc));
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return rc ? 1 : 0;
}
