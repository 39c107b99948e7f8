// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_mailbox: a mailbox (struct ipc_queue) in shared memory, its sends
 * and receives (non-blocking, timed with tiny timeouts, ipc_recv_t with a
 * few tries; the blocking ones only where they must return at once)
 * interleaved with hostile writes to any of its words.
 *
 * Input: byte 0 bit 0: ipc_queue_init_shared() (1) or ipc_queue_init();
 * then operations, one byte each (op % MB_COUNT) and their arguments.
 *
 * The queue sits at the end of a MAP_SHARED page, followed by a PROT_NONE
 * guard page.
 *
 * Oracles: only the statuses mailbox.h and Documentation/library.md list
 * for each call; IPC_STATUS_INVALID exactly when the magic is not
 * IPC_QUEUE_MAGIC (or an argument is bad); a timeout only once its
 * deadline has passed. Until the first hostile write since the last
 * initialisation the queue's contents are known, and then: FULL exactly at
 * 32 messages, EMPTY exactly at none, never CORRUPT, and every message
 * comes out once, in order, intact.
 */
#include <sys/mman.h>

#include "fuzz_common.h"
#include "fuzz_format.h"
#include "../../lib/internal.h"

#define MAX_OPS	800

static uint64_t page;
static uint8_t *mem;
static struct ipc_queue *q;

static struct {
	bool tainted;
	uint64_t nsent, nrecv;	/* clean state: messages in and out */
} M;

static void mb_setup(void)
{
	page = fz_page();
	fz_timer_init();
	mem = mmap(NULL, 3 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED ||
	    mmap(mem + page, page, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		abort();
	q = (struct ipc_queue *)(mem + 2 * page - sizeof(*q));
}

static struct ipc_message msg_of(uint64_t k)
{
	struct ipc_message m;

	memset(&m, 0, sizeof(m));
	m.type = (uint32_t)k;
	m.a = (uintptr_t)(k * 0x9e3779b97f4a7c15ULL);
	m.b = (uintptr_t)~k;
	m.c = (uintptr_t)(k << 7 | 5);
	return m;
}

static bool magic_ok(void)
{
	return LOAD_ACQUIRE(&q->magic) == IPC_QUEUE_MAGIC;
}

/* The status of a call on a queue whose magic was @ok before it. */
static void check_magic(const char *what, int rc, bool ok)
{
	FZ_CHECK((rc == IPC_STATUS_INVALID) == !ok,
		 "%s: %d with a magic that is %s", what, rc,
		 ok ? "right" : "wrong");
}

static void op_send(struct fz_in *in, int how)
{
	struct ipc_message m = msg_of(M.nsent);
	int64_t t = (int64_t)(fz_u8(in) % 4) * 10000;
	uint64_t count = M.nsent - M.nrecv;
	bool ok = magic_ok();
	ipc_status_t rc;

	switch (how) {
	case 0:
		rc = FZ_CALL("ipc_queue_send", ipc_queue_send(q, &m));
		FZ_ALLOWED("ipc_queue_send", rc, IPC_STATUS_SUCCESS,
			   IPC_STATUS_FULL, IPC_STATUS_CORRUPT,
			   IPC_STATUS_INVALID);
		break;
	case 1:
		rc = FZ_CALL("ipc_queue_send_timeout",
			     ipc_queue_send_timeout(q, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipc_queue_send_timeout", rc, IPC_STATUS_SUCCESS,
			   IPC_STATUS_TIMEOUT, IPC_STATUS_CORRUPT,
			   IPC_STATUS_INVALID);
		fz_check_timeout("ipc_queue_send_timeout", rc, t);
		break;
	default:
		/* blocking: only where it cannot have to wait */
		if (M.tainted || count >= IPC_QUEUE_SIZE)
			return;
		rc = (how == 2) ?
		     FZ_CALL("ipc_queue_send_blocking",
			     ipc_queue_send_blocking(q, &m)) :
		     FZ_CALL("ipc_send", ipc_send(q, &m));
		break;
	}
	check_magic("send", rc, ok);
	if (M.tainted)
		return;
	if (count < IPC_QUEUE_SIZE)
		FZ_CHECK(rc == IPC_STATUS_SUCCESS, "send with %llu queued: %d",
			 (unsigned long long)count, rc);
	else
		FZ_CHECK(rc == (how == 1 ? IPC_STATUS_TIMEOUT : IPC_STATUS_FULL),
			 "send to a full mailbox: %d", rc);
	if (rc == IPC_STATUS_SUCCESS)
		M.nsent++;
}

static void op_recv(struct fz_in *in, int how)
{
	struct ipc_message m, want = msg_of(M.nrecv);
	uint8_t b = fz_u8(in);
	int64_t t = (int64_t)(b % 4) * 10000;
	uint64_t count = M.nsent - M.nrecv;
	bool ok = magic_ok();
	ipc_status_t rc;

	memset(&m, 0xa5, sizeof(m));
	switch (how) {
	case 0:
		rc = FZ_CALL("ipc_queue_recv", ipc_queue_recv(q, &m));
		FZ_ALLOWED("ipc_queue_recv", rc, IPC_STATUS_SUCCESS,
			   IPC_STATUS_EMPTY, IPC_STATUS_CORRUPT,
			   IPC_STATUS_INVALID);
		break;
	case 1:
		rc = FZ_CALL("ipc_queue_recv_timeout",
			     ipc_queue_recv_timeout(q, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipc_queue_recv_timeout", rc, IPC_STATUS_SUCCESS,
			   IPC_STATUS_TIMEOUT, IPC_STATUS_CORRUPT,
			   IPC_STATUS_INVALID);
		fz_check_timeout("ipc_queue_recv_timeout", rc, t);
		break;
	case 2:
		rc = FZ_CALL("ipc_recv_t", ipc_recv_t(q, &m, b % 4));
		FZ_ALLOWED("ipc_recv_t", rc, IPC_STATUS_SUCCESS,
			   IPC_STATUS_TIMEOUT, IPC_STATUS_CORRUPT,
			   IPC_STATUS_INVALID);
		break;
	default:
		if (M.tainted || !count)
			return;
		rc = (how == 3) ?
		     FZ_CALL("ipc_queue_recv_blocking",
			     ipc_queue_recv_blocking(q, &m)) :
		     FZ_CALL("ipc_recv", ipc_recv(q, &m));
		break;
	}
	check_magic("recv", rc, ok);
	if (M.tainted)
		return;
	if (!count) {
		FZ_CHECK(rc == (how == 0 ? IPC_STATUS_EMPTY : IPC_STATUS_TIMEOUT),
			 "recv from an empty mailbox: %d", rc);
		return;
	}
	FZ_CHECK(rc == IPC_STATUS_SUCCESS, "recv with %llu queued: %d",
		 (unsigned long long)count, rc);
	FZ_CHECK(m.type == want.type && m.a == want.a && m.b == want.b &&
		 m.c == want.c, "recv: message %llu came out as {%u, %#lx, "
		 "%#lx, %#lx}", (unsigned long long)M.nrecv, m.type,
		 (unsigned long)m.a, (unsigned long)m.b, (unsigned long)m.c);
	M.nrecv++;
}

static void op_hostile(struct fz_in *in, bool bytes)
{
	uint8_t k = fz_u8(in);
	size_t off;

	if (bytes) {
		size_t n;
		const uint8_t *p;

		off = fz_u16(in) % sizeof(*q);
		p = fz_bytes(in, fz_u8(in) % 24, &n);
		if (n > sizeof(*q) - off)
			n = sizeof(*q) - off;
		memcpy((uint8_t *)q + off, p, n);
	} else {
		/* a word: the header's, or a slot's sequence number */
		uint64_t cur, v;

		switch (k % 3) {
		case 0:
			off = fz_u8(in) % 48 / 4 * 4;
			break;
		case 1:
			off = offsetof(struct ipc_queue, slot) +
			      fz_u8(in) % IPC_QUEUE_SIZE *
			      sizeof(struct ipc_queue_slot);
			break;
		default:
			off = fz_u16(in) % (sizeof(*q) / 8) * 8;
			break;
		}
		if (off % 8 == 0 && off >= offsetof(struct ipc_queue, tail))
			cur = *(uint64_t *)((uint8_t *)q + off);
		else
			cur = *(uint32_t *)((uint8_t *)q + off);
		switch ((k >> 2) % 6) {
		case 0: v = fz_u64(in); break;
		case 1: v = cur + (uint64_t)(int64_t)(int8_t)fz_u8(in); break;
		case 2: v = LOAD_RELAXED(&q->tail) +
			    (uint64_t)(int64_t)(int8_t)fz_u8(in); break;
		case 3: v = LOAD_RELAXED(&q->head) +
			    (uint64_t)(int64_t)(int8_t)fz_u8(in); break;
		case 4: v = cur + IPC_QUEUE_SIZE * (uint64_t)(fz_u8(in) % 3);
			break;
		default: v = cur ^ (1ULL << (fz_u8(in) % 64)); break;
		}
		if (off % 8 == 0 && off >= offsetof(struct ipc_queue, tail))
			STORE_RELEASE((uint64_t *)((uint8_t *)q + off), v);
		else
			STORE_RELEASE((uint32_t *)((uint8_t *)q + off),
				      (uint32_t)v);
	}
	M.tainted = true;
}

static void op_init(struct fz_in *in)
{
	bool shared = fz_u8(in) & 1;
	ipc_status_t rc = shared ?
		FZ_CALL("ipc_queue_init_shared", ipc_queue_init_shared(q)) :
		FZ_CALL("ipc_queue_init", ipc_queue_init(q));

	FZ_CHECK(rc == IPC_STATUS_SUCCESS, "init: %d", rc);
	FZ_CHECK(magic_ok() && q->shared == shared, "init: magic %#x shared %u",
		 q->magic, q->shared);
	memset(&M, 0, sizeof(M));
}

static void op_bad_args(struct fz_in *in)
{
	struct ipc_message m = msg_of(0);
	ipc_status_t rc;

	switch (fz_u8(in) % 8) {
	case 0: rc = ipc_queue_send(NULL, &m); break;
	case 1: rc = ipc_queue_recv(q, NULL); break;
	case 2: rc = ipc_queue_send_timeout(q, &m, ipcsvc_timeout_ns(-1)); break;
	case 3: rc = ipc_queue_recv_timeout(q, &m, ipcsvc_timeout_ns(-5)); break;
	case 4: rc = ipc_recv_t(NULL, &m, 3); break;
	case 5: rc = ipc_queue_init(NULL); break;
	case 6: rc = ipc_send(q, NULL); break;
	default: rc = ipc_queue_recv_blocking(NULL, &m); break;
	}
	FZ_CHECK(rc == IPC_STATUS_INVALID, "a call with a bad argument: %d", rc);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned int nops = 0;

	if (!page)
		mb_setup();
	memset(mem + page, 0x5a, page);
	op_init(&in);
	while (fz_more(&in) && nops++ < MAX_OPS) {
		switch (fz_u8(&in) % MB_COUNT) {
		case MB_SEND: op_send(&in, 0); break;
		case MB_SEND_T: op_send(&in, 1); break;
		case MB_SEND_B: op_send(&in, 2); break;
		case MB_SEND_W: op_send(&in, 3); break;
		case MB_RECV: op_recv(&in, 0); break;
		case MB_RECV_T: op_recv(&in, 1); break;
		case MB_RECV_TRIES: op_recv(&in, 2); break;
		case MB_RECV_B: op_recv(&in, 3); break;
		case MB_RECV_W: op_recv(&in, 4); break;
		case MB_H_WORD: op_hostile(&in, false); break;
		case MB_H_BYTES: op_hostile(&in, true); break;
		case MB_INIT: op_init(&in); break;
		case MB_BAD: op_bad_args(&in); break;
		}
	}
	/* drain what is left (a corrupt queue costs up to 2^16 looks per
	 * call: try it twice only) */
	for (unsigned int i = 0; i < (M.tainted ? 2 : M.nsent - M.nrecv + 1);
	     i++) {
		struct fz_in none = { 0 };

		op_recv(&none, 0);
	}
	return 0;
}
