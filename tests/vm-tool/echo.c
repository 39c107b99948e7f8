// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A dynamically linked server and client, separate processes, for the
 * test of tools/ipcsvc-vm: "echo server N" serves N clients and exits;
 * "echo client TEXT" sends TEXT and prints what comes back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#define NAME	"org.ipcsvc.test.VmEcho"

static int fail(const char *what, int rc)
{
	fprintf(stderr, "echo: %s: %s\n", what, ipcsvc_strerror(rc));
	return 1;
}

static int server(int clients)
{
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	int rc, closed = 0;

	rc = ipcsvc_port_open(NULL, &port);
	if (!rc)
		rc = ipcsvc_service_create(port, NAME, 1, 0666, &svc);
	if (rc)
		return fail("server", rc);
	printf("server: ready\n");
	fflush(stdout);
	while (closed < clients) {
		struct ipcsvc_port_event ev;
		struct ipcsvc_conn *conn;
		struct ipcsvc_msg *m, *r;
		struct ipcsvc_object o = { 0 };
		struct ipcsvc_msg_info info;
		struct ipcsvc_channel *ch;

		rc = ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_ms(30000));
		if (rc)
			return fail("wait", rc);
		if (ev.type == IPC_MSG_SERVICE_CONNECTED) {
			rc = ipcsvc_service_accept(svc, &ev, NULL, &conn);
			if (!rc)
				rc = ipcsvc_conn_set_cookie(conn, conn);
			if (!rc)
				rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
			if (rc)
				return fail("accept", rc);
			continue;
		}
		conn = ev.cookie;
		if (!conn)
			continue;
		if (ev.type == IPC_MSG_PEER_CLOSED) {
			ipcsvc_conn_close(conn);
			closed++;
			continue;
		}
		ch = ipcsvc_conn_channel(conn);
		while (!ipcsvc_channel_receive(ch, &m)) {
			if (ipcsvc_msg_info(m, &info) ||
			    ipcsvc_msg_next_object(m, &o) != 1)
				return fail("request", -EBADMSG);
			rc = ipcsvc_channel_allocate_for_send(ch, o.length,
							      info.id, 1, 0, &r);
			if (!rc)
				rc = ipcsvc_msg_add_object(r, 1, o.data, o.length);
			if (!rc)
				rc = ipcsvc_channel_send(ch, r);
			ipcsvc_channel_release(ch, m);
			if (rc)
				return fail("reply", rc);
		}
		rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
		if (rc && rc != -EPIPE)
			return fail("arm", rc);
	}
	ipcsvc_service_close(svc);
	ipcsvc_port_close(port);
	printf("server: served %d clients\n", clients);
	return 0;
}

static int client(const char *text)
{
	struct ipcsvc_port *port;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
	struct ipcsvc_msg *m;
	struct ipcsvc_object o = { 0 };
	ipcsvc_timeout_t t = ipcsvc_timeout_deadline(ipcsvc_timeout_ms(3000));
	int rc;

	rc = ipcsvc_port_open(NULL, &port);
	if (rc)
		return fail("client", rc);
	/* the server may not have registered yet: try until the deadline */
	while ((rc = ipcsvc_client_connect(port, NAME, 1, 0, 0, NULL,
					   &conn)) == -ENOENT &&
	       ipcsvc_clock_now() < t.ns)
		usleep(10000);
	if (rc)
		return fail("connect", rc);
	ch = ipcsvc_conn_channel(conn);
	rc = ipcsvc_channel_allocate_for_send(ch, strlen(text), 7, 1, 0, &m);
	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, text, strlen(text));
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	if (!rc)
		rc = ipcsvc_channel_receive_timeout(ch, &m, t);
	if (rc)
		return fail("round trip", rc);
	if (ipcsvc_msg_next_object(m, &o) != 1)
		return fail("reply", -EBADMSG);
	printf("client: %.*s\n", (int)o.length, (const char *)o.data);
	ipcsvc_channel_release(ch, m);
	ipcsvc_conn_close(conn);
	ipcsvc_port_close(port);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "client"))
		return client(argv[2]);
	fprintf(stderr, "usage: echo server N | echo client TEXT\n");
	return 2;
}
