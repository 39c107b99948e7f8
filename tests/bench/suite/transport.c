// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The channel of an ipcsvc case, one end in each side's process.
 *
 * memfd: without the module, the library's module-less channels over two
 * areas in memfds (tests/host/channel_helpers.h), made by the driver
 * before the fork and inherited; waits sleep on futexes.
 *
 * module: through /dev/ipcsvc, as services and clients use it. Side B
 * creates a service and accepts; side A connects as its client. Mappings
 * of the module are not inherited across fork(), so each side sets up its
 * own after the fork.
 */
#include <unistd.h>

#include "bench.h"

int xport_prepare(struct run *r, uint64_t max_ab, uint64_t max_ba)
{
	static unsigned int seq;
	int rc;

	r->max_ab = max_ab;
	r->max_ba = max_ba;
	r->area[0].fd = r->area[1].fd = -1;
	r->area[0].mem = r->area[1].mem = NULL;
	if (r->module) {
		/* a name of its own: a service of an earlier run may linger */
		snprintf(r->service, sizeof(r->service),
			 "org.ipcsvc.bench.%d.%u", (int)getpid(), seq++);
		return 0;
	}
	/* nothing committed yet, as the module starts an area */
	rc = test_area_make(&r->area[0], 0, max_ab);
	if (!rc)
		rc = test_area_make(&r->area[1], 0, max_ba);
	if (rc)
		xport_release(r);
	return rc;
}

void xport_release(struct run *r)
{
	test_area_free(&r->area[0]);
	test_area_free(&r->area[1]);
}

static struct ipcsvc_channel_attr xport_attr(const struct run *r)
{
	struct ipcsvc_channel_attr a = {
		.size = sizeof(a),
		.wait_mode = r->mode,
	};

	return a;
}

static void xport_close(struct xport_end *e)
{
	if (e->conn)
		ipcsvc_conn_close(e->conn);
	else if (e->ch)
		ipcsvc_channel_close(e->ch);
	if (e->svc)
		ipcsvc_service_close(e->svc);
	ipcsvc_port_close(e->port);
	memset(e, 0, sizeof(*e));
}

/*
 * Without the module: side A sends on area 0 and receives on area 1, side
 * B the other way round.
 */
static struct ipcsvc_channel *xport_open_memfd(struct run *r,
					       struct xport_end *e,
					       unsigned int tx)
{
	struct ipcsvc_channel_attr a = xport_attr(r);
	int rc = ipcsvc_channel_open(r->area[tx].mem, r->area[tx].len,
				     r->area[!tx].mem, r->area[!tx].len, &a,
				     &e->ch);

	if (rc)
		bench_fail(r, "channel open", rc);
	return e->ch;
}

/* Side A: the client. */
struct ipcsvc_channel *xport_open_a(struct run *r, struct xport_end *e)
{
	struct ipcsvc_channel_attr a = xport_attr(r);
	uint64_t give_up = bench_now() + BENCH_WAIT_NS;
	int rc;

	memset(e, 0, sizeof(*e));
	if (!r->module)
		return xport_open_memfd(r, e, 0);
	while (!atomic_load_explicit(&r->ready, memory_order_acquire)) {
		if (bench_now() > give_up)
			bench_fail(r, "waiting for the service", ETIMEDOUT);
		usleep(200);
	}
	rc = ipcsvc_port_open(NULL, &e->port);
	if (!rc)
		rc = ipcsvc_client_connect(e->port, r->service, 1, r->max_ab,
					   r->max_ba, &a, &e->conn);
	if (rc)
		bench_fail(r, "connect", rc);
	e->ch = ipcsvc_conn_channel(e->conn);
	return e->ch;
}

/* Side B: the service, which accepts side A's connection. */
struct ipcsvc_channel *xport_open_b(struct run *r, struct xport_end *e)
{
	struct ipcsvc_channel_attr a = xport_attr(r);
	struct ipcsvc_service_attr sa = {
		.max_to_server = r->max_ab,
		.max_to_client = r->max_ba,
	};
	ipcsvc_timeout_t t = ipcsvc_timeout_deadline(
		ipcsvc_timeout_ns(BENCH_WAIT_NS));
	struct ipcsvc_port_event ev;
	int rc;

	memset(e, 0, sizeof(*e));
	if (!r->module)
		return xport_open_memfd(r, e, 1);
	rc = ipcsvc_port_open(NULL, &e->port);
	if (!rc)
		rc = ipcsvc_service_create_attr(e->port, r->service, 1, 0600,
						&sa, &e->svc);
	if (rc)
		bench_fail(r, "service create", rc);
	atomic_store_explicit(&r->ready, 1, memory_order_release);
	do {
		rc = ipcsvc_port_wait_event(e->port, &ev, t);
	} while (!rc && ev.type != IPC_MSG_SERVICE_CONNECTED);
	if (!rc)
		rc = ipcsvc_service_accept(e->svc, &ev, &a, &e->conn);
	if (rc)
		bench_fail(r, "accept", rc);
	e->ch = ipcsvc_conn_channel(e->conn);
	return e->ch;
}

/*
 * Close side A's end, and say so: side B waits for that before it closes
 * its own, since a server that closes takes its pages back at once, and
 * with them any message side A has not read yet.
 */
void xport_close_a(struct run *r, struct xport_end *e)
{
	atomic_store_explicit(&r->done, 1, memory_order_release);
	xport_close(e);
}

void xport_close_b(struct run *r, struct xport_end *e)
{
	uint64_t give_up = bench_now() + BENCH_WAIT_NS;

	while (r->module && !atomic_load_explicit(&r->done, memory_order_acquire)) {
		if (bench_now() > give_up)
			bench_fail(r, "waiting for side A to finish", ETIMEDOUT);
		usleep(200);
	}
	xport_close(e);
}

/* Can this process open /dev/ipcsvc? */
int xport_module_usable(void)
{
	struct ipcsvc_port *port;

	if (ipcsvc_port_open(NULL, &port))
		return 0;
	ipcsvc_port_close(port);
	return 1;
}
