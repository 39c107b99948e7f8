// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc's cases, over the transport the run names (transport.c):
 *
 *   round trip  side A sends a message of one object, side B receives it,
 *               reads it and answers with one of the same size, in each
 *               wait mode; and the same as a call (ipcsvc_channel_call()
 *               and a reply matched by its call header)
 *   stream      side B sends, side A receives and reads every byte of
 *               each payload in place, in the area
 *   mailbox     the ipc_queue mailbox in shared memory, blocking calls
 *
 * Every call that may wait is given a relative timeout, as an application
 * gives one.
 */
#include "bench.h"

/* Bytes of each direction of a round trip's channel. */
static uint64_t rt_area_bytes(uint64_t size)
{
	uint64_t want = 8 * (size + 256), b = 64 << 10;

	while (b < want)
		b <<= 1;
	return b;
}

static ipcsvc_timeout_t wait_limit(void)
{
	return ipcsvc_timeout_ns(BENCH_WAIT_NS);
}

static void put(struct run *r, struct ipcsvc_channel *ch, uint64_t id,
		const uint8_t *src)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, r->size, id, 1,
							  0, &m, wait_limit());

	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, src, r->size);
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	if (rc)
		bench_fail(r, "send", rc);
}

/* Read object 1 of @m, the payload, and return its sum. */
static uint64_t read_payload(struct run *r, const struct ipcsvc_msg *m)
{
	struct ipcsvc_object o = { 0 };

	while (ipcsvc_msg_next_object(m, &o) == 1) {
		if (o.id != 1)
			continue;	/* a call header */
		if (o.length != r->size)
			bench_fail(r, "payload length", EBADMSG);
		return payload_read(o.data, o.length);
	}
	bench_fail(r, "message without its payload", EBADMSG);
}

static uint64_t take(struct run *r, struct ipcsvc_channel *ch)
{
	struct ipcsvc_msg *m;
	uint64_t sum;
	int rc = ipcsvc_channel_receive_timeout(ch, &m, wait_limit());

	if (rc)
		bench_fail(r, "receive", rc);
	sum = read_payload(r, m);
	rc = ipcsvc_channel_release(ch, m);
	if (rc)
		bench_fail(r, "release", rc);
	return sum;
}

static int rt_setup(struct run *r)
{
	return xport_prepare(r, rt_area_bytes(r->size), rt_area_bytes(r->size));
}

static int stream_setup(struct run *r)
{
	/* A sends nothing: its direction stays small */
	return xport_prepare(r, 64 << 10, stream_ring_bytes(r->size));
}

static void xport_teardown(struct run *r)
{
	xport_release(r);
}

static void rt_a(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_a(r, &e);
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		put(r, ch, i, src);
		sum += take(r, ch);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
	xport_close_a(r, &e);
}

static void rt_b(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_b(r, &e);
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		sum += take(r, ch);
		put(r, ch, i, src);
	}
	if (sum != n * payload_expect(r->size))
		bench_fail(r, "side B read back a payload that differs", EBADMSG);
	xport_close_b(r, &e);
}

static void call_a(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_a(r, &e);
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct ipcsvc_msg *req, *rep;
		int rc;

		if (i == r->warmup)
			t0 = bench_now();
		rc = ipcsvc_call_allocate(ch, 1, r->size, 1, &req, wait_limit());
		if (!rc)
			rc = ipcsvc_msg_add_object(req, 1, src, r->size);
		if (!rc)
			rc = ipcsvc_channel_call(ch, req, &rep, wait_limit());
		if (rc)
			bench_fail(r, "call", rc);
		sum += read_payload(r, rep);
		rc = ipcsvc_channel_release(ch, rep);
		if (rc)
			bench_fail(r, "release", rc);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
	xport_close_a(r, &e);
}

static void call_b(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_b(r, &e);
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct ipcsvc_msg *req, *rep;
		int rc = ipcsvc_channel_receive_timeout(ch, &req, wait_limit());

		if (rc)
			bench_fail(r, "receive", rc);
		sum += read_payload(r, req);
		rc = ipcsvc_call_allocate_reply(ch, req, r->size, 1, &rep,
						wait_limit());
		if (!rc)
			rc = ipcsvc_msg_add_object(rep, 1, src, r->size);
		if (!rc)
			rc = ipcsvc_channel_send(ch, rep);
		if (!rc)
			rc = ipcsvc_channel_release(ch, req);
		if (rc)
			bench_fail(r, "reply", rc);
	}
	if (sum != n * payload_expect(r->size))
		bench_fail(r, "side B read back a payload that differs", EBADMSG);
	xport_close_b(r, &e);
}

/* Side A consumes and measures. */
static void stream_a(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_a(r, &e);
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		sum += take(r, ch);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
	xport_close_a(r, &e);
}

static void stream_b(struct run *r)
{
	struct xport_end e;
	struct ipcsvc_channel *ch = xport_open_b(r, &e);
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters;

	for (uint64_t i = 0; i < n; i++)
		put(r, ch, i, src);
	xport_close_b(r, &e);
}

static int mailbox_setup(struct run *r)
{
	size_t page = page_size();
	int rc;

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	r->shm_len = (sizeof(struct ipc_queue) + page - 1) & ~(page - 1);
	r->shm = bench_shm(r->shm_len);
	if (!r->shm)
		return -ENOMEM;
	rc = ipc_queue_init_shared(r->shm);
	return rc == IPC_STATUS_SUCCESS ? 0 : rc < 0 ? rc : -EPROTO;
}

static void mailbox_teardown(struct run *r)
{
	bench_shm_free(r);
}

static void mailbox_a(struct run *r)
{
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;
	struct ipc_message m;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		if (ipc_queue_recv_blocking(r->shm, &m) != IPC_STATUS_SUCCESS)
			bench_fail(r, "mailbox receive", EPROTO);
		if (m.a != (uintptr_t)i)
			bench_fail(r, "mailbox order", EBADMSG);
		sum += m.a + m.b + m.c;
	}
	r->ns = bench_now() - t0;
	r->check = sum;
}

static void mailbox_b(struct run *r)
{
	uint64_t n = r->warmup + r->iters;
	struct ipc_message m = { .type = IPC_MSG_USER };

	for (uint64_t i = 0; i < n; i++) {
		m.a = (uintptr_t)i;
		m.b = (uintptr_t)i * 3;
		m.c = (uintptr_t)i * 5;
		if (ipc_queue_send_blocking(r->shm, &m) != IPC_STATUS_SUCCESS)
			bench_fail(r, "mailbox send", EPROTO);
	}
}

#define RT_CASE(name, ident, text, wait)				\
	const struct bench_case name = {				\
		.id = ident, .label = text, .section = SEC_RT,		\
		.flags = CASE_IPCSVC, .mode = wait,			\
		.setup = rt_setup, .side_a = rt_a, .side_b = rt_b,	\
		.teardown = xport_teardown,				\
	}

RT_CASE(case_rt_busy, "ipcsvc-busy", "ipcsvc busy-poll", IPCSVC_WAIT_BUSY_POLL);
RT_CASE(case_rt_adaptive, "ipcsvc-adaptive", "ipcsvc adaptive (default)",
	IPCSVC_WAIT_ADAPTIVE);
RT_CASE(case_rt_sleep, "ipcsvc-sleep", "ipcsvc sleep", IPCSVC_WAIT_SLEEP);

const struct bench_case case_rt_call = {
	.id = "ipcsvc-call", .label = "ipcsvc call (adaptive)",
	.section = SEC_RT, .flags = CASE_IPCSVC, .mode = IPCSVC_WAIT_ADAPTIVE,
	.setup = rt_setup, .side_a = call_a, .side_b = call_b,
	.teardown = xport_teardown,
};

const struct bench_case case_stream_busy = {
	.id = "ipcsvc-busy", .label = "ipcsvc busy-poll",
	.section = SEC_STREAM, .flags = CASE_IPCSVC,
	.mode = IPCSVC_WAIT_BUSY_POLL,
	.setup = stream_setup, .side_a = stream_a, .side_b = stream_b,
	.teardown = xport_teardown,
};

const struct bench_case case_stream_adaptive = {
	.id = "ipcsvc-adaptive", .label = "ipcsvc adaptive (default)",
	.section = SEC_STREAM, .flags = CASE_IPCSVC,
	.mode = IPCSVC_WAIT_ADAPTIVE,
	.setup = stream_setup, .side_a = stream_a, .side_b = stream_b,
	.teardown = xport_teardown,
};

const struct bench_case case_mailbox = {
	.id = "mailbox", .label = "ipc_queue mailbox, blocking",
	.section = SEC_STREAM, .flags = CASE_FIXED,
	.fixed_size = sizeof(struct ipc_message),
	.setup = mailbox_setup, .side_a = mailbox_a, .side_b = mailbox_b,
	.teardown = mailbox_teardown,
};
