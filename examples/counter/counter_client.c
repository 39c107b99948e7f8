// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A client of counter.idl, over the C that ipcsvc-idlc generates from it:
 * each call is one function with typed arguments and results, and the
 * server's announcements arrive through a table of event handlers.
 *
 *	counter_client DELTA...
 *
 * Adds each DELTA, resets the counter (an asynchronous call: it returns
 * once queued), reads it back, then prints the changes the server
 * announced meanwhile. Everything shares one deadline, 5 s away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "counter.h"

static void on_changed(void *ctx, int64_t value)
{
	(void)ctx;
	printf("client: the counter changed to %lld\n", (long long)value);
}

static const struct counter_events events = { .changed = on_changed };

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
		rc = counter_connect(port, NULL, &conn);
		if (rc != -ENOENT || ipcsvc_clock_now() >= t.ns)
			break;
		rc = 0;
		usleep(10000);
	}
	if (rc) {
		fprintf(stderr, "client: %s: %s\n", COUNTER_PROTOCOL_NAME,
			ipcsvc_strerror(rc));
		return 1;
	}
	ch = ipcsvc_conn_channel(conn);

	for (int i = 1; i < argc && !rc; i++) {
		rc = counter_add(ch, atoll(argv[i]), &value, t);
		if (!rc)
			printf("client: add %s: %lld\n", argv[i],
			       (long long)value);
	}
	if (!rc)
		rc = counter_reset(ch, t);
	if (!rc)
		rc = counter_get(ch, &value, t);
	if (!rc)
		printf("client: after the reset: %lld\n", (long long)value);
	/* one announcement per change (each add, and the reset), kept
	 * while the calls waited for their replies */
	for (int i = 0; i < argc && !rc; i++)
		rc = counter_receive_event(ch, &events, NULL, t);
	if (rc)
		fprintf(stderr, "client: %s\n", ipcsvc_strerror(rc));
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return rc ? 1 : 0;
}
