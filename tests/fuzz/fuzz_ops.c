// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: a channel between two ends, driven by an operation sequence
 * decoded from the input: the victim end's calls, interleaved with a
 * legitimate peer end's calls (the same library) and with hostile writes
 * to every word the peer could write.
 *
 * Input: a header, then operations until the input ends (at most MAX_OPS).
 *   byte 0  bit 0: mode: 1 "module", 0 "memfd"
 *   byte 1  bit 0: the victim is the server (1) or the client (0);
 *           bits 1-2: the victim's wait mode (3 is taken as 0);
 *           bit 3: the victim opens with IPCSVC_CHANNEL_NO_AUTOGROW;
 *           bits 4-5: the peer's wait mode
 *   byte 2  client-to-server max_size, in pages: 1 + (b % MAX_PAGES)
 *   byte 3  server-to-client max_size, likewise
 *   byte 4  memfd mode: committed pages to start with, each area
 *           (ipcsvc_area_format(); capped at max_size); module areas
 *           start empty, as the module starts them
 *   then ops: one byte each (op % OP_COUNT, fuzz_format.h) and the op's
 *   arguments, read whether or not the op can run (a gone peer's ops):
 *     *_SEND, *_SEND_T, *_HOLD (after a timed-or-not byte): an allocation:
 *       b: bits 0-2 objects (% 5), 3-4 slack words, 5 one more object
 *       allowed, 6 NOQUEUE, 7 try one more object than planned (then, with
 *       bits 0-2 all set, a bad-argument byte first); t: timeout (t % 4) *
 *       10 us; per object a length byte (< 200: % 64; else a u16 follows);
 *       with bit 7 the extra object's length byte
 *     *_SEND_HELD, *_RELEASE, V_WALK: an index byte; *_GROW: pages byte
 *       (bit 7: not a page multiple); *_RECV*: timeout byte (P_RECV:
 *       a timed-or-not byte first)
 *     H_WRITE: where (a byte, then per kind a u16, u32 or byte), what (a
 *       byte, then a u64, u32 or byte); H_BYTES: where, offset, count, bytes
 *     K_CLOSE: none; K_FAIL_GROW: area byte; K_EINTR: count byte
 *
 * "module" mode lays the channel out as the module does (one identity page
 * with both identities, the server-to-client one at IPCSVC_IDENTITY_STRIDE;
 * one control page per end; data pages committed on GROW) in a memfd, maps
 * it once per end with the module's protections (identity read-only, the
 * other end's control page read-only, the data read-only to its consumer,
 * nothing past the committed size) and opens each end with
 * ipcsvc__channel_open_ops() over a stand-in for the module
 * (fuzz_kernel.h). The kernel may close the channel (identity.closed; a
 * closing server's server-to-client area is revoked: its data reads as
 * zeroes) and may refuse a growth (-EDQUOT). Hostile writes go only where
 * the peer's process can write: its control page, and the committed data
 * of the area it produces.
 *
 * "memfd" mode is the module-less channel: two areas made with
 * ipcsvc_area_format(), opened with ipcsvc_channel_open() (futex backend),
 * and everything is writable by the peer, the identities included.
 *
 * Oracles: every call's status is one its documentation allows; a
 * direction that returned -EBADMSG keeps returning it; objects lie inside
 * the data region. Until the first hostile write, the state is known
 * exactly, and then each call's status is predicted (empty, full, held
 * slots, NOQUEUE, closed, revoked, grow limits) and every message arrives
 * once, in order, with its id, flags, objects and payload intact, in both
 * directions; -EBADMSG is then a false alarm and fails too.
 */
#include <sys/mman.h>

#include "fuzz_common.h"
#include "fuzz_format.h"
#include "fuzz_kernel.h"
#include "../lib/identity.h"

#define MAX_PAGES	8
#define MAX_OPS		600
#define MAX_REC		1024	/* messages per direction per input */
#define MAX_OBJ		4
#define HOLD_TX		70
#define HOLD_RX		70

/* ---- the channel's memory ---------------------------------------------- */

static uint64_t page;
static int sim_fd;
static size_t file_max;		/* bytes of the memfd */
static uint8_t *kview;		/* the kernel's (and the hostile peer's) view */
/* [end][area]: each end's mapping of each area, reserved once */
static uint8_t *view[2][2];
static size_t view_max;		/* reserved bytes per mapping, guard included */

static void sim_setup(void)
{
	page = fz_page();
	fz_timer_init();
	file_max = (3 + 2 * MAX_PAGES) * page + 2 * 3 * page;
	view_max = (3 + MAX_PAGES + 1) * page;
	sim_fd = memfd_create("fuzz-ops", MFD_CLOEXEC);
	if (sim_fd < 0 || ftruncate(sim_fd, (off_t)file_max))
		abort();
	/* every mapping has a PROT_NONE page before it, and one after */
	kview = mmap(NULL, file_max + 2 * page, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kview == MAP_FAILED)
		abort();
	kview += page;
	if (mmap(kview, file_max, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, sim_fd, 0) == MAP_FAILED)
		abort();
	for (int e = 0; e < 2; e++)
		for (int a = 0; a < 2; a++) {
			view[e][a] = mmap(NULL, view_max + page, PROT_NONE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (view[e][a] == MAP_FAILED)
				abort();
			view[e][a] += page;
		}
}

/* Map @n pages of the memfd at file offset @foff to @at with @prot. */
static void map_file(uint8_t *at, uint64_t foff, uint64_t n, int prot)
{
	if (n && mmap(at, n * page, prot, MAP_SHARED | MAP_FIXED, sim_fd,
		      (off_t)foff) == MAP_FAILED)
		fz_fail("mmap: %s", strerror(errno));
}

static void unmap_view(uint8_t *at)
{
	if (mmap(at, view_max, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		fz_fail("mmap: %s", strerror(errno));
}

/* ---- state -------------------------------------------------------------- */

/* Area a: 0 client-to-server (the client produces it), 1 server-to-client.
 * End e: 0 client, 1 server; end e produces area e, consumes area 1 - e. */
struct rec {
	uint64_t id, flags, size, limit;
	uint32_t nobj;
	uint64_t objid[MAX_OBJ + 1], objlen[MAX_OBJ + 1];
	/* object 0 is a call header (<ipcsvc/call.h>) with this correlation
	 * id: a request or reply, else not a reply (an event) */
	bool hdr;
	uint64_t corr;
	bool sent, released;
};

/* The call header of a message that has one. */
static struct ipcsvc_call_header rec_hdr(const struct rec *r)
{
	struct ipcsvc_call_header h = {
		.id = r->corr, .deadline = IPCSVC_CALL_NO_DEADLINE,
	};

	return h;
}

/* One direction (area) as the harness knows it. */
struct dirst {
	struct rec rec[MAX_REC];
	uint32_t nalloc;	/* allocated by the producer */
	uint32_t npub;		/* published: the sent prefix */
	uint32_t nrecv;		/* taken by the consumer, in order */
	uint32_t nret;		/* retired: the released prefix */
	uint64_t base;		/* memfd: file offset of the area */
	uint64_t foff_data;	/* file offset of the data region */
	uint64_t max;
	uint64_t id_off;
	bool revoked;
	struct fk_area k;
	struct fk_map m[2];	/* each end's mapping, module mode */
};

struct held_tx {
	struct ipcsvc_msg *m;
	uint32_t rec;		/* index in the direction's records */
	uint64_t fill, len, limit, count;
};

struct held_rx {
	struct ipcsvc_msg *m;
	uint32_t rec;
	struct ipcsvc_msg_info info;
};

struct end {
	struct ipcsvc_channel *ch;
	struct fk_ctx ctx;
	bool autogrow;
	bool tx_broken, rx_broken;
	struct held_tx htx[HOLD_TX];
	unsigned int nhtx;
	struct held_rx hrx[HOLD_RX];
	unsigned int nhrx;
};

static struct {
	bool module;
	int victim;		/* the victim's end; the peer is 1 - victim */
	bool tainted;		/* a hostile write happened */
	bool closed;		/* the kernel closed the channel */
	struct dirst d[2];
	struct end e[2];
} S;

static const char *end_name(int e)
{
	return e == S.victim ? "victim" : "peer";
}

/* The data region of area @a in end @e's mapping. */
static uint8_t *data_of(int e, int a)
{
	return view[e][a] + 3 * page;
}

static uint64_t committed(int a)
{
	if (S.module)
		return S.d[a].k.committed;
	return S.d[a].max;	/* memfd: all of it is mapped */
}

/* ---- setup -------------------------------------------------------------- */

static void setup_module(void)
{
	uint64_t np[2] = { S.d[0].max / page, S.d[1].max / page };

	for (int a = 0; a < 2; a++) {
		struct dirst *d = &S.d[a];

		d->id_off = (uint64_t)a * IPCSVC_IDENTITY_STRIDE;
		d->foff_data = (3 + (a ? np[0] : 0)) * page;
		test_identity_write((void *)(kview + d->id_off), 0, d->max, page,
				    "fuzz");
		d->k.kmem = kview;	/* the identity is at kview + id_off */
		d->k.id_off = d->id_off;
		d->k.data_off = 3 * page;
		d->k.max_size = d->max;
		d->k.committed = 0;
	}
	/* the kernel's view of data: fk_area addresses data through the
	 * maps only; identity through kmem */
	for (int e = 0; e < 2; e++) {
		for (int a = 0; a < 2; a++) {
			uint8_t *v = view[e][a];
			struct fk_map *m = &S.d[a].m[e];

			unmap_view(v);
			map_file(v, 0, 1, PROT_READ);
			/* the producer's control page: file page 1 + a */
			map_file(v + page, (1 + (uint64_t)a) * page, 1,
				 e == a ? PROT_READ | PROT_WRITE : PROT_READ);
			map_file(v + 2 * page, (2 - (uint64_t)a) * page, 1,
				 e != a ? PROT_READ | PROT_WRITE : PROT_READ);
			m->area = v;
			m->producer = e == a;
			m->paged = false;	/* mapped by commit_pages() */
			m->poisoned = false;
			S.d[a].k.map[e] = m;
		}
	}
}

/* Module mode: map the data pages [from, to) of area @a in both ends. */
static void commit_pages(int a, uint64_t from, uint64_t to)
{
	for (int e = 0; e < 2; e++)
		map_file(data_of(e, a) + from, S.d[a].foff_data + from,
			 (to - from) / page,
			 e == a ? PROT_READ | PROT_WRITE : PROT_READ);
}

/* fk_area's growth, for module mode: data pages mapped from the memfd. */
static int sim_grow(void *ctx, void *area, struct ipcsvc_area_identity *id,
		    uint64_t new_size)
{
	struct fk_area *k = fk_find(ctx, area);
	int a = k == &S.d[0].k ? 0 : 1;
	uint64_t old = k->committed;
	int rc;

	FZ_CHECK((uint8_t *)id == (uint8_t *)area + k->id_off,
		 "grow names the identity at %+lld",
		 (long long)((uint8_t *)id - (uint8_t *)area));
	FZ_CHECK(area == view[a][a], "grow of area %d by its consumer", a);
	/* map first (fk_grow_to() only publishes: m->paged is false) */
	if (!fk_closed(k) && k->fail_grow <= 0 && new_size <= k->max_size) {
		uint64_t to = (new_size + page - 1) / page * page;

		if (to > k->max_size)
			to = k->max_size;
		if (to > old)
			commit_pages(a, old, to);
	}
	rc = fk_grow_to(k, new_size);
	return rc;
}

static const struct ipcsvc_wait_ops sim_ops = {
	.name = "fuzz-module",
	.wait = fk_wait,
	.wake = fk_wake,
	.grow = sim_grow,
};

static void setup_memfd(uint64_t start_pages)
{
	for (int a = 0; a < 2; a++) {
		struct dirst *d = &S.d[a];
		uint64_t sz = start_pages * page;
		struct ipcsvc_area_params p = {
			.size = sz > d->max ? d->max : sz,
			.max_size = d->max,
			.protocol_version = 1,
			.protocol_name = "fuzz",
		};
		size_t len = 3 * page + d->max;
		int rc;

		d->base = a ? (3 * page + S.d[0].max) : 0;
		d->id_off = 0;
		d->foff_data = d->base + 3 * page;
		rc = ipcsvc_area_format(kview + d->base, len, &p);
		FZ_CHECK(rc == 0, "ipcsvc_area_format: %d", rc);
		for (int e = 0; e < 2; e++) {
			unmap_view(view[e][a]);
			map_file(view[e][a], d->base, len / page,
				 PROT_READ | PROT_WRITE);
		}
	}
}

static int open_end(int e, const struct ipcsvc_channel_attr *attr)
{
	struct end *en = &S.e[e];
	int rc;

	en->autogrow = !(attr->flags & IPCSVC_CHANNEL_NO_AUTOGROW);
	if (S.module) {
		memset(&en->ctx, 0, sizeof(en->ctx));
		en->ctx.area[0] = &S.d[e].k;	/* tx */
		en->ctx.mapping[0] = view[e][e];
		en->ctx.area[1] = &S.d[1 - e].k;	/* rx */
		en->ctx.mapping[1] = view[e][1 - e];
		rc = FZ_CALL("ipcsvc__channel_open_ops",
			     ipcsvc__channel_open_ops(view[e][e],
				     3 * page + S.d[e].max, S.d[e].id_off,
				     view[e][1 - e],
				     3 * page + S.d[1 - e].max,
				     S.d[1 - e].id_off, attr, &sim_ops,
				     &en->ctx, &en->ch));
	} else {
		rc = FZ_CALL("ipcsvc_channel_open",
			     ipcsvc_channel_open(view[e][e],
				     3 * page + S.d[e].max, view[e][1 - e],
				     3 * page + S.d[1 - e].max, attr,
				     &en->ch));
	}
	FZ_CHECK(rc == 0, "%s: open of a fresh channel: %d", end_name(e), rc);
	return rc;
}

/* ---- checks on a received message --------------------------------------- */

static volatile uint8_t sink;

/* Walk @h's objects; with @exact, compare with the record. */
static int walk(int e, struct held_rx *h, bool exact)
{
	int a = 1 - e;
	const struct rec *r = &S.d[a].rec[h->rec];
	const uint8_t *data = data_of(e, a);
	uint64_t lim = committed(a);
	struct ipcsvc_object o;
	uint64_t n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	for (;;) {
		rc = FZ_CALL("ipcsvc_msg_next_object",
			     ipcsvc_msg_next_object(h->m, &o));
		FZ_ALLOWED("ipcsvc_msg_next_object", rc, 1, 0, -EBADMSG);
		if (S.e[e].rx_broken)
			FZ_CHECK(rc == -EBADMSG, "%s: next_object on a broken "
				 "direction: %d", end_name(e), rc);
		if (rc == -EBADMSG) {
			FZ_CHECK(!exact, "%s: next_object: -EBADMSG, no hostile "
				 "write", end_name(e));
			S.e[e].rx_broken = true;
			return rc;
		}
		if (rc == 0)
			break;
		FZ_CHECK((const uint8_t *)o.data >= data &&
			 (const uint8_t *)o.data <= data + lim &&
			 o.length <= (uint64_t)(data + lim -
						(const uint8_t *)o.data),
			 "%s: object of %llu bytes at data%+lld, outside the "
			 "%llu bytes of the data region", end_name(e),
			 (unsigned long long)o.length,
			 (long long)((const uint8_t *)o.data - data),
			 (unsigned long long)lim);
		if (exact) {
			FZ_CHECK(n < r->nobj && o.id == r->objid[n] &&
				 o.length == r->objlen[n],
				 "%s: message %llu object %llu is not what "
				 "was sent", end_name(e),
				 (unsigned long long)r->id,
				 (unsigned long long)n);
			if (n == 0 && r->hdr) {
				struct ipcsvc_call_header want = rec_hdr(r);

				FZ_CHECK(!memcmp(o.data, &want, sizeof(want)),
					 "%s: message %llu: call header "
					 "differs", end_name(e),
					 (unsigned long long)r->id);
				n++;
				continue;
			}
			for (uint64_t i = 0; i < o.length; i++)
				FZ_CHECK(((const uint8_t *)o.data)[i] ==
					 fz_pat(r->id, n, i),
					 "%s: message %llu object %llu byte "
					 "%llu differs", end_name(e),
					 (unsigned long long)r->id,
					 (unsigned long long)n,
					 (unsigned long long)i);
		} else {
			for (uint64_t i = 0; i < o.length; i++)
				sink ^= ((const volatile uint8_t *)o.data)[i];
		}
		n++;
		FZ_CHECK(n <= h->info.object_count, "%s: object %llu of %llu",
			 end_name(e), (unsigned long long)n,
			 (unsigned long long)h->info.object_count);
	}
	FZ_CHECK(n == h->info.object_count, "%s: walked %llu objects of %llu",
		 end_name(e), (unsigned long long)n,
		 (unsigned long long)h->info.object_count);
	if (exact)
		FZ_CHECK(n == r->nobj, "%s: %llu objects, %u sent", end_name(e),
			 (unsigned long long)n, r->nobj);
	return 0;
}

/* Clean, and the messages of area @a are what was sent? */
static bool exact_rx(int a)
{
	return !S.tainted && !S.d[a].revoked;
}

static void advance_pub(struct dirst *d)
{
	while (d->npub < d->nalloc && d->rec[d->npub].sent)
		d->npub++;
}

static void advance_ret(struct dirst *d)
{
	while (d->nret < d->nrecv && d->rec[d->nret].released)
		d->nret++;
}

static void check_info(int e)
{
	struct ipcsvc_channel_info ci;
	struct dirst *tx = &S.d[e], *rx = &S.d[1 - e];
	int rc = ipcsvc_channel_info(S.e[e].ch, &ci);

	FZ_CHECK(rc == 0, "channel_info: %d", rc);
	FZ_CHECK(!!(ci.broken & IPCSVC_BROKEN_TX) == S.e[e].tx_broken &&
		 !!(ci.broken & IPCSVC_BROKEN_RX) == S.e[e].rx_broken,
		 "%s: channel_info broken %#llx, seen tx %d rx %d", end_name(e),
		 (unsigned long long)ci.broken, S.e[e].tx_broken,
		 S.e[e].rx_broken);
	FZ_CHECK(ci.tx_max_size == tx->max && ci.rx_max_size == rx->max,
		 "%s: channel_info max sizes", end_name(e));
	if (S.tainted)
		return;
	FZ_CHECK(ci.tx_queued == (uint64_t)(tx->npub - tx->nret),
		 "%s: tx_queued %llu, expected %u", end_name(e),
		 (unsigned long long)ci.tx_queued, tx->npub - tx->nret);
	FZ_CHECK(ci.rx_queued == (uint64_t)(rx->npub - rx->nret),
		 "%s: rx_queued %llu, expected %u", end_name(e),
		 (unsigned long long)ci.rx_queued, rx->npub - rx->nret);
	if (S.module)
		FZ_CHECK(ci.tx_size == tx->k.committed,
			 "%s: tx_size %llu, committed %llu", end_name(e),
			 (unsigned long long)ci.tx_size,
			 (unsigned long long)tx->k.committed);
}

/* ---- operations ---------------------------------------------------------- */

static bool may_grow_fail(int a)
{
	return S.module && (S.d[a].k.fail_grow > 0 || S.closed);
}

enum { ALLOC_SEND, ALLOC_HOLD, ALLOC_CALL };

static uint8_t objbuf[MAX_PAGES * 4096 / 2];

static void do_call(int e, struct held_tx *h, int64_t t, uint64_t corr);

/*
 * Allocate, fill, and then send, hold, or make a sync call with it. A
 * message with objects starts with a call header if it is a call's
 * request, or every other one (by allocation order) otherwise; its
 * correlation id is its own id (ALLOC_CALL: that of the peer's message
 * the target byte picks, counted from the next one this end has not
 * received, or one that matches none).
 */
static void op_alloc(int e, struct fz_in *in, bool timed, int mode, bool run)
{
	struct end *en = &S.e[e];
	struct dirst *d = &S.d[e];
	uint8_t b = fz_u8(in), nobj = (b & 7) % (MAX_OBJ + 1);
	uint64_t lens[MAX_OBJ], size = 0, flags = 0, limit, len, id, extra;
	uint64_t corr;
	bool hdr;
	int64_t t = (int64_t)(fz_u8(in) % 4) * 10000;
	uint8_t target = mode == ALLOC_CALL ? fz_u8(in) : 0;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = NULL;
	bool exact = !S.tainted, bad_args = false, grow_may_fail;
	uint32_t outstanding, unpub;
	struct rec *r;
	int rc;

	if (nobj > MAX_OBJ)
		nobj = MAX_OBJ;
	for (unsigned int i = 0; i < nobj; i++) {
		uint8_t s = fz_u8(in);

		if (s < 200)
			lens[i] = s % 64;
		else
			lens[i] = fz_u16(in) % (d->max / 2 + 1);
		if (i == 0 && nobj && (mode == ALLOC_CALL || d->nalloc % 2 == 0))
			lens[i] = sizeof(struct ipcsvc_call_header);
		size += lens[i];	/* the payload: the library adds the rest */
	}
	hdr = nobj && (mode == ALLOC_CALL || d->nalloc % 2 == 0);
	size += (uint64_t)((b >> 3) & 3) * 8;
	limit = nobj + ((b >> 5) & 1);
	if (b & 0x40)
		flags |= IPCSVC_MSG_NOQUEUE;
	if ((b & 0x87) == 0x87) {
		/* a rarely taken bad argument */
		switch (fz_u8(in) % 3) {
		case 0: flags |= 1ULL << 4; break;
		case 1: limit = IPCSVC_AREA_MAX_SIZE_LIMIT / 23 + 1; break;
		default: size = 1ULL << 32; break;
		}
		bad_args = true;
	}
	/* one more object than planned, of this length: must not fit, or be
	 * beyond object_count */
	extra = (b & 0x80) ? fz_u8(in) % 24 : 0;
	len = fz_msg_len(size, limit);
	if (!run || d->nalloc >= MAX_REC || en->nhtx >= HOLD_TX)
		return;
	id = ((uint64_t)e << 32) | d->nalloc;
	corr = id;
	if (mode == ALLOC_CALL) {
		struct dirst *rx = &S.d[1 - e];
		uint32_t k = rx->nrecv + target % 4;

		corr = k < rx->nalloc && rx->rec[k].hdr ? rx->rec[k].corr :
		       0xca11ULL << 40 | target;
	}
	FZ_CHECK(ipcsvc_channel_info(en->ch, &ci) == 0, "info");
	grow_may_fail = may_grow_fail(e);
	if (timed) {
		rc = FZ_CALL("ipcsvc_channel_allocate_for_send_timeout",
			     ipcsvc_channel_allocate_for_send_timeout(en->ch,
					size, id, limit, flags, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send_timeout", rc, 0,
			   -EINVAL, -EMSGSIZE, -EDQUOT, -EPIPE, -EBUSY,
			   -EBADMSG, -ETIMEDOUT);
		fz_check_timeout("allocate_for_send_timeout", rc, t);
	} else {
		rc = FZ_CALL("ipcsvc_channel_allocate_for_send",
			     ipcsvc_channel_allocate_for_send(en->ch, size, id,
					limit, flags, &m));
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send", rc, 0, -EINVAL,
			   -EMSGSIZE, -EDQUOT, -EPIPE, -EBUSY, -EBADMSG,
			   -EAGAIN);
	}
	FZ_CHECK((rc == 0) == (m != NULL), "allocate: rc %d, msg %p", rc,
		 (void *)m);
	/* statically decided, before anything shared is looked at, in the
	 * order of the man page: flags, size, object_count, max_size */
	if (flags & ~(uint64_t)IPCSVC_SEND_FLAGS) {
		FZ_CHECK(rc == -EINVAL, "%s: allocate with bad flags: %d",
			 end_name(e), rc);
		return;
	}
	if (size > IPCSVC_AREA_MAX_SIZE_LIMIT) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu bytes: %d",
			 end_name(e), (unsigned long long)size, rc);
		return;
	}
	if (limit > IPCSVC_AREA_MAX_SIZE_LIMIT / 23) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu objects: %d",
			 end_name(e), (unsigned long long)limit, rc);
		return;
	}
	FZ_CHECK(rc != -EINVAL, "%s: allocate with good arguments: -EINVAL",
		 end_name(e));
	(void)bad_args;
	if (en->autogrow && len > d->max / 2) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu bytes, max "
			 "%llu: %d", end_name(e), (unsigned long long)len,
			 (unsigned long long)d->max, rc);
		return;
	}
	if (en->autogrow && len <= fz_max_message(d->max))
		FZ_CHECK(rc != -EMSGSIZE, "%s: allocate of %llu bytes, max "
			 "%llu: -EMSGSIZE", end_name(e),
			 (unsigned long long)len, (unsigned long long)d->max);
	if (!en->autogrow && len <= fz_max_message(ci.tx_size))
		FZ_CHECK(rc != -EMSGSIZE, "%s: allocate of %llu bytes, size "
			 "%llu: -EMSGSIZE", end_name(e),
			 (unsigned long long)len,
			 (unsigned long long)ci.tx_size);
	if (en->tx_broken) {
		/* but for what is decided before the direction is looked at:
		 * a message too large for max_size (with auto-growth) */
		FZ_CHECK(rc == -EBADMSG || (rc == -EMSGSIZE &&
			 (!en->autogrow || len > fz_max_message(d->max))),
			 "%s: allocate after -EBADMSG: %d", end_name(e), rc);
		return;
	}
	if (rc == -EBADMSG) {
		FZ_CHECK(!exact, "%s: allocate: -EBADMSG, no hostile write",
			 end_name(e));
		en->tx_broken = true;
		check_info(e);
		return;
	}
	/* the kernel's close, or (memfd) a hostile identity.closed */
	FZ_CHECK(rc != -EPIPE || S.closed || S.tainted,
		 "%s: allocate: -EPIPE, not closed", end_name(e));
	FZ_CHECK(rc != -EDQUOT || grow_may_fail, "%s: allocate: -EDQUOT",
		 end_name(e));
	if (exact) {
		outstanding = d->nalloc - d->nret;
		unpub = d->nalloc - d->npub;
		if (unpub >= 64) {
			/* with auto-growth, max_size alone decides -EMSGSIZE,
			 * before the slots are looked at */
			FZ_CHECK(rc == (S.closed ? -EPIPE :
					timed ? -ETIMEDOUT : -EAGAIN) ||
				 (rc == -EMSGSIZE && en->autogrow &&
				  len > fz_max_message(d->max)),
				 "%s: allocate with 64 unpublished: %d",
				 end_name(e), rc);
		} else if (!en->autogrow && len > fz_max_message(ci.tx_size)) {
			FZ_CHECK(rc == -EMSGSIZE || (len <= ci.tx_size / 2 &&
						     rc != -EBUSY),
				 "%s: allocate of %llu in %llu without "
				 "growth: %d", end_name(e),
				 (unsigned long long)len,
				 (unsigned long long)ci.tx_size, rc);
		} else if (len > fz_max_message(en->autogrow ? d->max :
						 ci.tx_size)) {
			/* between the exact limit and half the ring: either */
			FZ_CHECK(rc == -EMSGSIZE || rc == 0 || rc == -EBUSY ||
				 rc == -EAGAIN || rc == -ETIMEDOUT ||
				 rc == -EPIPE || rc == -EDQUOT, "unreachable");
		} else if ((flags & IPCSVC_MSG_NOQUEUE) && outstanding) {
			FZ_CHECK(rc == -EBUSY, "%s: NOQUEUE with %u "
				 "outstanding: %d", end_name(e), outstanding,
				 rc);
		} else if (!outstanding) {
			/* an empty ring fits any message that fits at all */
			FZ_CHECK(rc == 0 || rc == -EPIPE || rc == -EDQUOT,
				 "%s: allocate of %llu into an empty ring "
				 "(size %llu, max %llu): %d", end_name(e),
				 (unsigned long long)len,
				 (unsigned long long)ci.tx_size,
				 (unsigned long long)d->max, rc);
		}
		if (rc == -EBUSY)
			FZ_CHECK((flags & IPCSVC_MSG_NOQUEUE) && outstanding,
				 "%s: -EBUSY", end_name(e));
		if (rc == 0 && (flags & IPCSVC_MSG_NOQUEUE))
			FZ_CHECK(!outstanding, "%s: NOQUEUE allocated with %u "
				 "outstanding", end_name(e), outstanding);
	}
	if (rc)
		return;

	/* fill it: the record says what the receiver must see */
	r = &d->rec[d->nalloc];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->flags = IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN | flags;
	r->size = size;
	r->limit = limit;
	r->hdr = hdr;
	r->corr = corr;
	{
		struct held_tx h = { .m = m, .rec = d->nalloc, .fill = 40,
				     .len = len, .limit = limit };

		for (unsigned int i = 0; i < nobj + 1u; i++) {
			uint64_t ol = i < nobj ? lens[i] : extra;
			uint64_t room = h.len - h.fill, oid = 100 + i;
			struct ipcsvc_call_header hv = rec_hdr(r);
			int want;
			void *p = NULL;

			if (i == 0 && hdr)
				oid = IPCSVC_CALL_HEADER_ID;
			if (i == nobj && !(b & 0x80))
				break;
			if (h.count >= h.limit)
				want = -E2BIG;
			else if (room < 16 || ol > room - 16 ||
				 IPCSVC_OBJECT_SPACE(ol) > room)
				want = -EMSGSIZE;
			else
				want = 0;
			if (i == 0 && hdr) {
				rc = FZ_CALL("ipcsvc_msg_add_object",
					     ipcsvc_msg_add_object(m, oid, &hv,
								   ol));
			} else if (i % 2 && ol <= sizeof(objbuf)) {
				/* the copying variant */
				for (uint64_t j = 0; j < ol; j++)
					objbuf[j] = fz_pat(id, h.count, j);
				rc = FZ_CALL("ipcsvc_msg_add_object",
					     ipcsvc_msg_add_object(m, oid, objbuf,
								   ol));
			} else {
				rc = FZ_CALL("ipcsvc_msg_reserve_object",
					     ipcsvc_msg_reserve_object(m, oid, ol,
								       &p));
			}
			FZ_CHECK(rc == want, "%s: object of %llu with %llu "
				 "room, %llu of %llu objects: %d, not %d",
				 end_name(e), (unsigned long long)ol,
				 (unsigned long long)room,
				 (unsigned long long)h.count,
				 (unsigned long long)h.limit, rc, want);
			if (rc)
				continue;
			if (p) {
				FZ_CHECK((uint8_t *)p >= data_of(e, e) &&
					 (uint8_t *)p + ol <= data_of(e, e) +
					 committed(e), "%s: object space "
					 "outside the committed data",
					 end_name(e));
				for (uint64_t j = 0; j < ol; j++)
					((uint8_t *)p)[j] = fz_pat(id, h.count,
								   j);
			}
			r->objid[h.count] = oid;
			r->objlen[h.count] = ol;
			h.fill += IPCSVC_OBJECT_SPACE(ol);
			h.count++;
		}
		r->nobj = (uint32_t)h.count;
		d->nalloc++;
		en->htx[en->nhtx++] = h;
	}
	if (mode == ALLOC_SEND) {
		struct held_tx *h = &en->htx[en->nhtx - 1];

		rc = FZ_CALL("ipcsvc_channel_send",
			     ipcsvc_channel_send(en->ch, h->m));
		FZ_CHECK(rc == 0, "%s: send: %d", end_name(e), rc);
		d->rec[h->rec].sent = true;
		en->nhtx--;
		advance_pub(d);
	} else if (mode == ALLOC_CALL) {
		do_call(e, &en->htx[en->nhtx - 1], timed ? t : 0, corr);
	}
}

/* Hold a received message: its record @rec (exact) and a walk. */
static void hold_rx(int e, struct ipcsvc_msg *m, uint32_t rec, bool exact)
{
	struct end *en = &S.e[e];
	struct held_rx *hr = &en->hrx[en->nhrx];

	FZ_CHECK(en->nhrx < HOLD_RX, "%s: more than %u held", end_name(e),
		 HOLD_RX);
	hr->m = m;
	hr->rec = exact ? rec : 0;
	FZ_CHECK(ipcsvc_msg_info(m, &hr->info) == 0, "msg_info of a held "
		 "message");
	if (!exact)
		S.d[1 - e].nrecv++;	/* only an estimate now */
	en->nhrx++;
	walk(e, hr, exact);
}

/*
 * ipcsvc_channel_call(): sends @h, then receives in order until the reply
 * (the message whose call header carries @corr), the deadline, 64
 * unretired messages, or a closed or broken direction. On the way it
 * drops (and releases) late replies, messages with a call header, and
 * keeps the others, which ipcsvc_call_receive_event() then hands out in
 * order: they are taken at once and held. A request without a call
 * header is refused, and stays held.
 */
static void do_call(int e, struct held_tx *h, int64_t t, uint64_t corr)
{
	struct end *en = &S.e[e];
	struct dirst *tx = &S.d[e], *rx = &S.d[1 - e];
	bool exact = !S.tainted && !en->rx_broken;
	bool has_hdr = tx->rec[h->rec].hdr;
	struct ipcsvc_msg *reply = (void *)1;
	uint32_t nrecv = rx->nrecv, match = 0, dropped[MAX_REC], ndrop = 0;
	uint32_t kept[MAX_REC], nkept = 0;
	int rc, want = 0;

	if (exact && !has_hdr) {
		want = -EINVAL;
	} else if (exact) {
		/* the releases of dropped messages retire in order, too */
		uint32_t nret = rx->nret;

		for (;;) {
			while (nret < nrecv && (rx->rec[nret].released ||
			       (nret >= rx->nrecv && rx->rec[nret].hdr)))
				nret++;
			if (nrecv - nret >= 64) {
				want = -ENOBUFS;
				break;
			}
			if (rx->revoked) {
				want = -EPIPE;
				break;
			}
			if (nrecv < rx->npub) {
				if (rx->rec[nrecv].hdr &&
				    rx->rec[nrecv].corr == corr) {
					match = nrecv++;
					break;
				}
				if (rx->rec[nrecv].hdr)
					dropped[ndrop++] = nrecv++;
				else
					kept[nkept++] = nrecv++;
				continue;
			}
			want = S.closed ? -EPIPE : -ETIMEDOUT;
			break;
		}
	}
	rc = FZ_CALL("ipcsvc_channel_call",
		     ipcsvc_channel_call(en->ch, h->m, &reply, ipcsvc_timeout_ns(t)));
	/* a hostile reply may carry any status */
	if (!S.tainted || rc < IPCSVC_CALL_STATUS_MIN || rc >= 0)
		FZ_ALLOWED("ipcsvc_channel_call", rc, 0, -ETIMEDOUT, -EPIPE,
			   -EBADMSG, -ENOBUFS, -EINVAL);
	fz_check_timeout("ipcsvc_channel_call", rc, t);
	FZ_CHECK((rc == 0) == (reply != NULL), "call: rc %d, reply %p", rc,
		 (void *)reply);
	if (exact)
		FZ_CHECK(rc == want, "%s: call: %d, expected %d (received %u "
			 "of %u published, %u dropped, %u kept)", end_name(e),
			 rc, want, rx->nrecv, rx->npub, ndrop, nkept);
	if (rc == -EINVAL) {
		/* not sent: still the caller's */
		FZ_CHECK(!has_hdr || S.tainted, "%s: call of a request with a "
			 "call header: -EINVAL", end_name(e));
		return;
	}
	/* the request left, whatever came back */
	en->nhtx--;
	tx->rec[h->rec].sent = true;
	advance_pub(tx);
	if (en->rx_broken)
		FZ_CHECK(rc == -EBADMSG, "%s: call on a broken direction: %d",
			 end_name(e), rc);
	if (rc == -EBADMSG) {
		FZ_CHECK(S.tainted, "%s: call: -EBADMSG, no hostile write",
			 end_name(e));
		en->rx_broken = true;
	}
	if (exact) {
		for (uint32_t i = 0; i < ndrop; i++)
			rx->rec[dropped[i]].released = true;
		rx->nrecv = nrecv;
		advance_ret(rx);
	}
	if (!rc) {
		if (exact) {
			struct ipcsvc_call_header got;

			FZ_CHECK(ipcsvc_call_header(reply, &got) == 0 &&
				 got.id == corr, "%s: call returned the reply "
				 "of %#llx for a request of %#llx",
				 end_name(e), (unsigned long long)got.id,
				 (unsigned long long)corr);
		}
		hold_rx(e, reply, match, exact);
	}
	/* the messages the call kept, in order */
	for (uint32_t i = 0; exact ? i < nkept : en->nhrx < HOLD_RX; i++) {
		struct ipcsvc_msg *m = (void *)1;

		rc = FZ_CALL("ipcsvc_call_receive_event",
			     ipcsvc_call_receive_event(en->ch, &m,
						       ipcsvc_timeout_ns(0)));
		FZ_ALLOWED("ipcsvc_call_receive_event", rc, 0, -ETIMEDOUT,
			   -EPIPE, -EBADMSG, -ENOBUFS);
		FZ_CHECK((rc == 0) == (m != NULL), "receive_event: rc %d, "
			 "msg %p", rc, (void *)m);
		if (exact)
			FZ_CHECK(rc == 0, "%s: kept message %u of %u: %d",
				 end_name(e), i, nkept, rc);
		if (rc == -EBADMSG)
			en->rx_broken = true;
		if (rc)
			break;
		hold_rx(e, m, exact ? kept[i] : 0, exact);
	}
}

static void op_send_held(int e, struct fz_in *in)
{
	struct end *en = &S.e[e];
	unsigned int i = fz_u8(in);
	struct held_tx h;
	int rc;

	if (!en->nhtx) {
		/* nothing held: a message that was never allocated */
		rc = ipcsvc_channel_send(en->ch, NULL);
		FZ_CHECK(rc == -EINVAL, "send(NULL): %d", rc);
		return;
	}
	i %= en->nhtx;
	h = en->htx[i];
	rc = FZ_CALL("ipcsvc_channel_send", ipcsvc_channel_send(en->ch, h.m));
	FZ_CHECK(rc == 0, "%s: send of a held message: %d", end_name(e), rc);
	rc = ipcsvc_channel_send(en->ch, h.m);
	FZ_CHECK(rc == -EINVAL, "%s: second send: %d", end_name(e), rc);
	S.d[e].rec[h.rec].sent = true;
	en->htx[i] = en->htx[--en->nhtx];
	advance_pub(&S.d[e]);
}

static void op_recv(int e, struct fz_in *in, bool timed)
{
	struct end *en = &S.e[e];
	int a = 1 - e;
	struct dirst *d = &S.d[a];
	int64_t t = (int64_t)(fz_u8(in) % 4) * 10000;
	bool exact = exact_rx(a) && !en->rx_broken;
	struct ipcsvc_msg *m = NULL;
	int rc, want = 1;

	if (timed) {
		rc = FZ_CALL("ipcsvc_channel_receive_timeout",
			     ipcsvc_channel_receive_timeout(en->ch, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_channel_receive_timeout", rc, 0, -ENOBUFS,
			   -EBADMSG, -ETIMEDOUT, -EPIPE);
		fz_check_timeout("receive_timeout", rc, t);
	} else {
		rc = FZ_CALL("ipcsvc_channel_receive",
			     ipcsvc_channel_receive(en->ch, &m));
		FZ_ALLOWED("ipcsvc_channel_receive", rc, 0, -ENOBUFS, -EBADMSG,
			   -EAGAIN, -EPIPE);
	}
	FZ_CHECK((rc == 0) == (m != NULL), "receive: rc %d, msg %p", rc,
		 (void *)m);
	if (en->rx_broken) {
		FZ_CHECK(rc == -EBADMSG, "%s: receive after -EBADMSG: %d",
			 end_name(e), rc);
		return;
	}
	if (rc == -EBADMSG) {
		FZ_CHECK(S.tainted, "%s: receive: -EBADMSG, no hostile write",
			 end_name(e));
		en->rx_broken = true;
		check_info(e);
		return;
	}
	FZ_CHECK(rc != -EPIPE || S.closed || S.tainted,
		 "%s: receive: -EPIPE, not closed", end_name(e));
	if (!S.tainted) {
		uint32_t held = d->nrecv - d->nret, avail = d->npub - d->nrecv;

		if (held >= 64)
			want = -ENOBUFS;
		else if (d->revoked)
			want = -EPIPE;
		else if (avail)
			want = 0;
		else if (S.closed)
			want = -EPIPE;
		else
			want = timed ? -ETIMEDOUT : -EAGAIN;
		FZ_CHECK(rc == want, "%s: receive: %d, expected %d (held %u, "
			 "published %u, taken %u, closed %d, revoked %d)",
			 end_name(e), rc, want, held, d->npub, d->nrecv,
			 S.closed, d->revoked);
	}
	/* slots come back in order: 64 taken and not retired (a release
	 * out of order retires nothing until the older ones follow) */
	if (rc == -ENOBUFS && !S.tainted)
		FZ_CHECK(d->nrecv - d->nret >= 64, "%s: -ENOBUFS with %u "
			 "unretired", end_name(e), d->nrecv - d->nret);
	if (rc)
		return;
	FZ_CHECK(en->nhrx < HOLD_RX, "%s: more than %u held", end_name(e),
		 HOLD_RX);
	{
		struct held_rx *h = &en->hrx[en->nhrx];
		struct rec *r = &d->rec[d->nrecv < MAX_REC ? d->nrecv : 0];

		h->m = m;
		h->rec = d->nrecv < MAX_REC ? d->nrecv : 0;
		rc = ipcsvc_msg_info(m, &h->info);
		FZ_CHECK(rc == 0, "msg_info of a received message: %d", rc);
		FZ_CHECK(h->info.length >= 40 && h->info.length % 8 == 0 &&
			 h->info.length <= committed(a) &&
			 h->info.object_count <= (h->info.length - 40) / 16,
			 "%s: received length %llu with %llu objects",
			 end_name(e), (unsigned long long)h->info.length,
			 (unsigned long long)h->info.object_count);
		if (exact)
			FZ_CHECK(h->info.id == r->id &&
				 h->info.flags == r->flags &&
				 h->info.length == fz_msg_len(r->size,
							      r->limit) &&
				 h->info.object_count == r->nobj,
				 "%s: received id %#llx flags %#llx length "
				 "%llu count %llu; sent id %#llx flags %#llx "
				 "length %llu count %u", end_name(e),
				 (unsigned long long)h->info.id,
				 (unsigned long long)h->info.flags,
				 (unsigned long long)h->info.length,
				 (unsigned long long)h->info.object_count,
				 (unsigned long long)r->id,
				 (unsigned long long)r->flags,
				 (unsigned long long)fz_msg_len(r->size,
								r->limit),
				 r->nobj);
		d->nrecv++;
		en->nhrx++;
		walk(e, h, exact);
	}
}

static void op_release(int e, struct fz_in *in)
{
	struct end *en = &S.e[e];
	struct dirst *d = &S.d[1 - e];
	unsigned int i = fz_u8(in);
	struct held_rx h;
	int rc;

	if (!en->nhrx)
		return;
	i %= en->nhrx;
	h = en->hrx[i];
	rc = FZ_CALL("ipcsvc_channel_release",
		     ipcsvc_channel_release(en->ch, h.m));
	FZ_CHECK(rc == 0, "%s: release of a held message: %d", end_name(e),
		 rc);
	rc = ipcsvc_channel_release(en->ch, h.m);
	FZ_CHECK(rc == -EINVAL, "%s: second release: %d", end_name(e), rc);
	rc = ipcsvc_msg_info(h.m, &h.info);
	FZ_CHECK(rc == -EINVAL, "%s: msg_info after release: %d", end_name(e),
		 rc);
	d->rec[h.rec].released = true;
	en->hrx[i] = en->hrx[--en->nhrx];
	advance_ret(d);
}

static void op_walk(int e, struct fz_in *in)
{
	struct end *en = &S.e[e];
	unsigned int i = fz_u8(in);

	if (!en->nhrx)
		return;
	walk(e, &en->hrx[i % en->nhrx], exact_rx(1 - e) && !en->rx_broken);
}

static void op_grow(int e, struct fz_in *in)
{
	struct end *en = &S.e[e];
	struct dirst *d = &S.d[e];
	uint8_t b = fz_u8(in);
	uint64_t want = (uint64_t)(b % (MAX_PAGES + 2)) * page;
	struct ipcsvc_channel_info ci;
	bool grow_may_fail;
	int rc;

	if (b & 0x80)
		want += 8;	/* not a page multiple */
	FZ_CHECK(ipcsvc_channel_info(en->ch, &ci) == 0, "info");
	grow_may_fail = may_grow_fail(e);
	rc = FZ_CALL("ipcsvc_channel_grow", ipcsvc_channel_grow(en->ch, want));
	FZ_ALLOWED("ipcsvc_channel_grow", rc, 0, -EINVAL, -EFBIG, -EBADMSG,
		   -EDQUOT, -ENOMEM, -EPIPE);
	if (want % page)
		FZ_CHECK(rc == -EINVAL, "grow to %llu: %d",
			 (unsigned long long)want, rc);
	else if (want > d->max)
		FZ_CHECK(rc == -EFBIG, "grow to %llu of %llu: %d",
			 (unsigned long long)want, (unsigned long long)d->max,
			 rc);
	else if (en->tx_broken)
		FZ_CHECK(rc == -EBADMSG, "grow after -EBADMSG: %d", rc);
	else if (want < ci.tx_size)
		FZ_CHECK(rc == -EINVAL, "grow below the size: %d", rc);
	else if (want == ci.tx_size)
		FZ_CHECK(rc == 0, "grow to the size: %d", rc);
	else
		FZ_CHECK(rc == 0 || ((rc == -EDQUOT || rc == -EPIPE) &&
				     grow_may_fail),
			 "%s: grow to %llu: %d", end_name(e),
			 (unsigned long long)want, rc);
	FZ_CHECK(rc != -EBADMSG || en->tx_broken, "grow: -EBADMSG");
}

/*
 * The arguments the man pages refuse with -EINVAL, each exactly that and
 * without effect: NULLs, messages of the wrong kind or direction, a dead
 * handle, iteration state the library did not make, bad attributes.
 */
static void bad_args(int e)
{
	struct end *en = &S.e[e];
	struct ipcsvc_channel *ch2 = (void *)1;
	struct ipcsvc_channel_attr attr = { .size = 4 };
	struct ipcsvc_msg *m = (void *)1;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg_info mi;
	struct ipcsvc_object o;
	static uint8_t junk[256];	/* zeroes: no channel, no slot */
	struct ipcsvc_msg *jm = (struct ipcsvc_msg *)junk;
	void *dp;
	size_t tl = 3 * page + S.d[e].max;
	int rc;

#define BAD(call) \
	do { \
		rc = FZ_CALL(#call, call); \
		FZ_CHECK(rc == -EINVAL, "%s: %d, not -EINVAL", #call, rc); \
	} while (0)
	BAD(ipcsvc_channel_receive(NULL, &m));
	BAD(ipcsvc_channel_receive(en->ch, NULL));
	BAD(ipcsvc_channel_receive_timeout(NULL, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_receive_timeout(en->ch, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_release(NULL, NULL));
	BAD(ipcsvc_channel_release(en->ch, NULL));
	BAD(ipcsvc_channel_release(en->ch, jm));
	BAD(ipcsvc_channel_send(NULL, NULL));
	BAD(ipcsvc_channel_send(en->ch, jm));
	BAD(ipcsvc_channel_allocate_for_send(NULL, 0, 0, 0, 0, &m));
	BAD(ipcsvc_channel_allocate_for_send(en->ch, 0, 0, 0, 0, NULL));
	BAD(ipcsvc_channel_allocate_for_send_timeout(NULL, 0, 0, 0, 0, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_grow(NULL, page));
	BAD(ipcsvc_channel_info(NULL, &ci));
	BAD(ipcsvc_channel_info(en->ch, NULL));
	BAD(ipcsvc_msg_info(NULL, &mi));
	BAD(ipcsvc_msg_info(jm, &mi));
	BAD(ipcsvc_msg_next_object(NULL, &o));
	BAD(ipcsvc_msg_reserve_object(NULL, 1, 1, &dp));
	BAD(ipcsvc_msg_add_object(NULL, 1, "x", 1));
	BAD(ipcsvc_channel_call(NULL, jm, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_call(en->ch, jm, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_allocate(NULL, 1, 0, 0, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_allocate(en->ch, 1, 0, 0, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_receive_event(NULL, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_receive_event(en->ch, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_header(jm, &(struct ipcsvc_call_header){ 0 }));
	BAD(ipcsvc_call_fail(en->ch, jm, -EIO, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_open(NULL, 0, NULL, 0, NULL, &ch2));
	BAD(ipcsvc_channel_open(view[e][e], tl, NULL, 0, NULL, NULL));
	BAD(ipcsvc_channel_open(view[e][e], tl, view[e][e], tl, NULL, &ch2));
	BAD(ipcsvc_channel_open(view[e][e], 0, NULL, 0, NULL, &ch2));
	BAD(ipcsvc_channel_open(view[e][e], tl, NULL, 0, &attr, &ch2));
	attr.size = sizeof(attr);
	attr.wait_mode = 3;
	BAD(ipcsvc_channel_open(view[e][e], tl, NULL, 0, &attr, &ch2));
	attr.wait_mode = 0;
	attr.flags = 1u << 7;
	BAD(ipcsvc_channel_open(view[e][e], tl, NULL, 0, &attr, &ch2));
	FZ_CHECK(ch2 == NULL, "a refused open left *chp set");
	if (en->nhrx) {
		struct held_rx *h = &en->hrx[0];

		BAD(ipcsvc_channel_send(en->ch, h->m));
		BAD(ipcsvc_msg_reserve_object(h->m, 1, 1, &dp));
		BAD(ipcsvc_msg_info(h->m, NULL));
		BAD(ipcsvc_msg_next_object(h->m, NULL));
		if (!en->rx_broken) {
			memset(&o, 0, sizeof(o));
			o.index = h->info.object_count + 1;
			BAD(ipcsvc_msg_next_object(h->m, &o));
			/* a cursor matters below the last index only */
			if (h->info.object_count >= 2) {
				o.index = 1;
				o.cursor = 4;
				BAD(ipcsvc_msg_next_object(h->m, &o));
				o.cursor = 1ULL << 40;
				BAD(ipcsvc_msg_next_object(h->m, &o));
			}
		}
	}
	if (en->nhtx) {
		struct held_tx *h = &en->htx[0];

		/* a message being written shows what it holds so far */
		memset(&o, 0, sizeof(o));
		rc = ipcsvc_msg_next_object(h->m, &o);
		FZ_CHECK(rc == (h->count ? 1 : 0) || (S.tainted && rc == -EBADMSG),
			 "next_object of a message being written: %d", rc);
		if (rc == 1 && !S.tainted)
			FZ_CHECK(o.id == S.d[e].rec[h->rec].objid[0] &&
				 o.length == S.d[e].rec[h->rec].objlen[0],
				 "next_object of a message being written: "
				 "object %#llx of %llu bytes",
				 (unsigned long long)o.id,
				 (unsigned long long)o.length);
		BAD(ipcsvc_channel_release(en->ch, h->m));
		BAD(ipcsvc_msg_reserve_object(h->m, 1, 1, NULL));
		BAD(ipcsvc_msg_add_object(h->m, 1, NULL, 5));
	}
#undef BAD
}

/* ---- hostile writes ------------------------------------------------------ */

static const uint64_t magic_values[] = {
	IPCSVC_MSG_MAGIC, IPCSVC_WRAP_MAGIC, IPCSVC_AREA_MAGIC, 0, ~0ULL,
	1ULL << 63, IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN, 40, 56, 64,
	(1ULL << 32) - 8, 1, 7,
};

/* A file offset the peer may write, and the area it concerns. */
static uint64_t pick_offset(struct fz_in *in, int *areap)
{
	int peer = 1 - S.victim;
	uint8_t k = fz_u8(in);
	int a = (k >> 2) & 1;
	uint64_t off;

	if (S.module) {
		/* the peer's control page, or the data of the area it
		 * produces (committed part) */
		uint64_t ctl = (1 + (uint64_t)peer) * page;
		uint64_t c = S.d[peer].k.committed;

		a = peer;
		*areap = peer;
		switch (k % 4) {
		case 0:
			return ctl + (uint64_t)fz_u16(in) % (page / 8) * 8;
		case 1: {
			/* named words: its producer words (tail, published,
			 * waiters, broken) and consumer words */
			static const uint64_t w[] = { 0, 8, 128, 136, 256,
						      264, 384, 392 };
			uint64_t x = w[fz_u8(in) % 8];

			*areap = x >= 256 ? S.victim : peer;
			return ctl + x;
		}
		default: {
			/* data: near the peer's tail, or near the end */
			uint8_t x = fz_u8(in);

			if (!c)
				return ctl + 8;
			if (k % 4 == 2)
				off = (LOAD_RELAXED((uint64_t *)(kview + ctl)) +
				       (uint64_t)(int64_t)(int8_t)x * 8) % c;
			else
				off = c - 8 * (1 + (uint64_t)x % 16);
			*areap = a;
			return S.d[peer].foff_data + (off & ~7ULL);
		}
		}
	}
	*areap = a;
	switch (k % 4) {
	case 0:
		return (uint64_t)fz_u32(in) % (file_max / 8) * 8;
	case 1: {
		static const uint64_t w[] = {
			/* identity: size, max, offsets, bytes, closed, revoked */
			16, 104, 112, 120, 128, 136, 144, 152, 8,
			/* producer words */
			4096, 4104, 4224, 4232,
			/* consumer words */
			8448, 8456, 8576, 8584,
		};
		uint64_t x = w[fz_u8(in) % (sizeof(w) / sizeof(w[0]))];

		if (x >= 4096)
			x = x / 4096 * page + x % 4096;
		return S.d[a].base + x;
	}
	default: {
		uint64_t c = S.d[a].max, tail;

		tail = LOAD_RELAXED((uint64_t *)(kview + S.d[a].base + page));
		if (k % 4 == 2)
			off = (tail + (uint64_t)(int64_t)(int8_t)fz_u8(in) * 8) % c;
		else
			off = c - 8 * (1 + (uint64_t)fz_u8(in) % 16);
		return S.d[a].foff_data + (off & ~7ULL);
	}
	}
}

static void op_hostile(struct fz_in *in)
{
	int a = 0;
	uint64_t off = pick_offset(in, &a), cur, v;
	uint8_t k = fz_u8(in);

	if (off + 8 > file_max)
		return;
	cur = LOAD_RELAXED((uint64_t *)(kview + off));
	switch (k % 8) {
	case 0: v = fz_u64(in); break;
	case 1: v = cur + (uint64_t)(int64_t)(int8_t)fz_u8(in); break;
	case 2: v = magic_values[fz_u8(in) % (sizeof(magic_values) /
					      sizeof(magic_values[0]))]; break;
	case 3: v = committed(a) - 8 * (uint64_t)(fz_u8(in) % 8); break;
	case 4: v = cur ^ (1ULL << (fz_u8(in) % 64)); break;
	case 5: v = fz_u32(in); break;
	case 6: v = S.d[a].max + (uint64_t)(int64_t)(int8_t)fz_u8(in) * 8; break;
	default: v = cur + 1; break;
	}
	STORE_RELEASE((uint64_t *)(kview + off), v);
	S.tainted = true;
}

static void op_hostile_bytes(struct fz_in *in)
{
	int a = 0;
	uint64_t off = pick_offset(in, &a) + fz_u8(in) % 8;
	size_t n;
	const uint8_t *p = fz_bytes(in, fz_u8(in) % 24, &n);

	if (off + n > file_max)
		return;
	if (S.module) {
		/* stay inside the region pick_offset() chose */
		uint64_t ctl = (1 + (uint64_t)(1 - S.victim)) * page;
		uint64_t ds = S.d[1 - S.victim].foff_data;
		uint64_t de = ds + S.d[1 - S.victim].k.committed;

		if (!((off >= ctl && off + n <= ctl + page) ||
		      (off >= ds && off + n <= de)))
			return;
	}
	memcpy(kview + off, p, n);
	S.tainted = true;
}

/* The kernel closes the channel: the peer's end went away. */
static void op_close(void)
{
	if (!S.module || S.closed)
		return;
	S.closed = true;
	STORE_RELEASE(&fk_id(&S.d[0].k)->closed, 1);
	STORE_RELEASE(&fk_id(&S.d[1].k)->closed, 1);
	if (S.victim == 0) {
		/* the server went: its server-to-client area is revoked */
		struct dirst *d = &S.d[1];

		STORE_RELEASE(&fk_id(&d->k)->revoked, 1);
		memset(kview + d->foff_data, 0, d->k.committed);
		d->revoked = true;
	}
}


static void teardown(void)
{
	for (int e = 0; e < 2; e++) {
		struct end *en = &S.e[e];

		/* send what is held, release what is held: all valid */
		while (en->ch && en->nhtx) {
			struct fz_in none = { 0 };

			op_send_held(e, &none);
		}
		while (en->ch && en->nhrx) {
			struct fz_in none = { 0 };

			op_release(e, &none);
		}
		if (en->ch)
			check_info(e);
		ipcsvc_channel_close(en->ch);
		en->ch = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct ipcsvc_channel_attr attr[2];
	uint8_t mode, b1;
	unsigned int nops = 0;
	int v, p;

	if (!page)
		sim_setup();
	memset(&S, 0, sizeof(S));
	mode = fz_u8(&in);
	b1 = fz_u8(&in);
	S.module = mode & 1;
	S.victim = v = b1 & 1;
	p = 1 - v;
	S.d[0].max = (1 + fz_u8(&in) % MAX_PAGES) * page;
	S.d[1].max = (1 + fz_u8(&in) % MAX_PAGES) * page;
	memset(kview, 0, file_max);
	if (S.module) {
		fz_u8(&in);
		setup_module();
	} else {
		setup_memfd(fz_u8(&in) % (MAX_PAGES + 1));
	}
	for (int e = 0; e < 2; e++) {
		uint32_t wm = (uint32_t)(e == v ? b1 >> 1 : b1 >> 4) & 3;

		attr[e] = (struct ipcsvc_channel_attr){
			.size = sizeof(attr[e]),
			.wait_mode = wm == 3 ? 0 : wm,
			.spin_count = 3,
			.flags = e == v && (b1 & 8) ?
				 IPCSVC_CHANNEL_NO_AUTOGROW : 0,
		};
	}
	if (open_end(v, &attr[v]) || open_end(p, &attr[p]))
		abort();
	if (S.module && !S.e[v].autogrow)
		FZ_CHECK(S.d[v].k.committed > 0, "NO_AUTOGROW open committed "
			 "nothing");

	while (fz_more(&in) && nops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in) % OP_COUNT;
		bool peer_gone = S.closed;

		switch (op) {
		case OP_V_SEND: op_alloc(v, &in, false, ALLOC_SEND, true); break;
		case OP_V_SEND_T: op_alloc(v, &in, true, ALLOC_SEND, true); break;
		case OP_V_HOLD:
			op_alloc(v, &in, fz_u8(&in) & 1, ALLOC_HOLD, true);
			break;
		case OP_V_SEND_HELD: op_send_held(v, &in); break;
		case OP_V_RECV: op_recv(v, &in, false); break;
		case OP_V_RECV_T: op_recv(v, &in, true); break;
		case OP_V_RELEASE: op_release(v, &in); break;
		case OP_V_WALK: op_walk(v, &in); break;
		case OP_V_GROW: op_grow(v, &in); break;
		case OP_V_INFO:
			check_info(v);
			bad_args(v);
			break;
		/* the peer's calls, once the kernel closed the channel: its
		 * end is gone; the arguments are still read */
		case OP_P_SEND: op_alloc(p, &in, false, ALLOC_SEND, !peer_gone); break;
		case OP_P_HOLD: op_alloc(p, &in, false, ALLOC_HOLD, !peer_gone); break;
		case OP_P_SEND_HELD:
			if (peer_gone)
				fz_u8(&in);
			else
				op_send_held(p, &in);
			break;
		case OP_P_RECV: {
			bool timed = fz_u8(&in) & 1;

			if (peer_gone)
				fz_u8(&in);
			else
				op_recv(p, &in, timed);
			break;
		}
		case OP_P_RELEASE:
			if (peer_gone)
				fz_u8(&in);
			else
				op_release(p, &in);
			break;
		case OP_P_GROW:
			if (peer_gone)
				fz_u8(&in);
			else
				op_grow(p, &in);
			break;
		case OP_H_WRITE: op_hostile(&in); break;
		case OP_H_BYTES: op_hostile_bytes(&in); break;
		case OP_K_CLOSE: op_close(); break;
		case OP_V_CALL:
			op_alloc(v, &in, fz_u8(&in) & 1, ALLOC_CALL, true);
			break;
		case OP_K_FAIL_GROW: {
			uint8_t a = fz_u8(&in) & 1;

			if (S.module)
				S.d[a].k.fail_grow = 1;
			break;
		}
		case OP_K_EINTR: {
			uint8_t n = fz_u8(&in) % 3;

			if (S.module)
				S.e[v].ctx.eintr = n;
			break;
		}
		}
	}
	teardown();
	return 0;
}
