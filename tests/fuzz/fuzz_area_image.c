// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_area_image: the input is a whole buffer area image (identity page,
 * producer and consumer control pages, data region), as a peer or a
 * broken kernel could leave it. Bytes past the end of the input are zero.
 *
 * The image is copied into a page-aligned shared mapping of AI_LEN bytes
 * followed by a PROT_NONE guard page. The victim's mapping then follows the
 * image's own identity, as the module would map it:
 *
 *  - bytes past identity.size are inaccessible: whole pages past it are
 *    PROT_NONE (where data_offset and size are page multiples), and every
 *    byte past it up to max_size is ASan-poisoned, so a read even a word
 *    past the committed size is reported;
 *  - where the offsets are the module's fixed geometry (producer words in
 *    page 1, consumer words in page 2, data from page 3), the pages the
 *    victim does not own are read-only to it, as the module maps them: the
 *    identity page always, the producer page and the data for a receiver,
 *    the consumer page for a sender.
 *
 * The victim opens the image with its identity at 0 (ipcsvc_area_format()'s
 * layout) and at IPCSVC_IDENTITY_STRIDE (the module's server-to-client
 * area), once as a receiver and once, on a fresh copy, as a producer:
 *
 *  - receiver: takes every message (non-blocking and with tiny timeouts),
 *    checks and walks each one's objects, touches every byte they claim,
 *    holds some and releases all (in and out of order);
 *  - producer: allocates and sends a fixed schedule of message sizes,
 *    with and without NOQUEUE, grows, then a receiver takes what it sent.
 *
 * Opening options come from the image: bit 0 of identity.protocol_version
 * selects IPCSVC_CHANNEL_NO_AUTOGROW for the producer, bits 1-2 the wait
 * mode (a wait mode > 2 is refused with -EINVAL, which is checked too).
 *
 * Oracles (see fuzz_common.h for the bounded calls): only documented
 * statuses; "broken stays broken"; since nothing changes the image while a
 * receiver reads it, a message that receive returned walks cleanly to its
 * object_count, -EAGAIN means published == consumed + taken, -EPIPE needs
 * identity.closed or .revoked, -ENOBUFS needs 64 held; every object lies
 * inside the committed data; a grow past max_size is -EFBIG.
 */
#include <sys/mman.h>

#include "fuzz_common.h"
#include "fuzz_kernel.h"

#define AI_DATA_PAGES	16

static uint64_t page;
static size_t ai_len;		/* the area: 3 pages + data, guard excluded */
static int ai_fd;
static uint8_t *kmem;		/* the kernel's view: RW, then a guard */
static uint8_t *vmem;		/* the victim's view, remapped per open */

static void ai_setup(void)
{
	page = fz_page();
	ai_len = (3 + AI_DATA_PAGES) * page;
	fz_timer_init();
	ai_fd = memfd_create("fuzz-area", MFD_CLOEXEC);
	if (ai_fd < 0 || ftruncate(ai_fd, (off_t)ai_len))
		abort();
	/* a PROT_NONE page before each mapping, and one after */
	kmem = mmap(NULL, ai_len + 2 * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vmem = mmap(NULL, ai_len + 2 * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kmem == MAP_FAILED || vmem == MAP_FAILED)
		abort();
	kmem += page;
	vmem += page;
	if (mmap(kmem, ai_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 ai_fd, 0) == MAP_FAILED)
		abort();
}

static void ai_load(const uint8_t *data, size_t size)
{
	if (size > ai_len)
		size = ai_len;
	memcpy(kmem, data, size);
	memset(kmem + size, 0, ai_len - size);
}

/* What the kernel knows of the image's area, read through its own view. */
struct ai_area {
	struct fk_area k;
	struct fk_map m;
	uint64_t poff, coff;
	bool magic;
};

static uint64_t kload(uint64_t off)
{
	return off + 8 <= ai_len ? *(uint64_t *)(kmem + off) : 0;
}

/*
 * Map the victim's view for @producer, following the identity at @id_off.
 */
static void ai_map(struct ai_area *a, uint64_t id_off, bool producer)
{
	struct ipcsvc_area_identity *id = (void *)(kmem + id_off);
	uint64_t size = id->size, doff = id->data_offset, max = id->max_size;
	bool module_geometry, layout_ok, pages, poison;

	memset(a, 0, sizeof(*a));
	a->magic = id->magic == IPCSVC_AREA_MAGIC;
	a->poff = id->producer_offset;
	a->coff = id->consumer_offset;
	/* the previous open's poisoning must not outlive it */
	ASAN_UNPOISON_MEMORY_REGION(vmem, ai_len);
	if (mmap(vmem, ai_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 ai_fd, 0) == MAP_FAILED)
		abort();
	module_geometry = a->poff >= page && a->poff <= 2 * page - 256 &&
			  a->coff >= 2 * page && a->coff <= 3 * page - 256 &&
			  doff == 3 * page;
	/* only a data region past the identity and both sets of words (as
	 * the library requires) is fenced off: the fence must not hide what
	 * the library reads to refuse the layout */
	layout_ok = a->poff >= id_off + sizeof(*id) && a->coff >= a->poff &&
		    a->coff - a->poff >= 256 && doff >= a->coff &&
		    doff - a->coff >= 256 && doff <= ai_len;
	pages = layout_ok && doff % page == 0 && size % page == 0 &&
		size <= ai_len - doff;
	poison = layout_ok && doff % 8 == 0 && size % 8 == 0 &&
		 max <= ai_len - doff && size <= max;
	if (module_geometry) {
		mprotect(vmem, page, PROT_READ);
		mprotect(vmem + page, page,
			 producer ? PROT_READ | PROT_WRITE : PROT_READ);
		mprotect(vmem + 2 * page, page,
			 producer ? PROT_READ : PROT_READ | PROT_WRITE);
		if (!producer)
			mprotect(vmem + doff, ai_len - doff, PROT_READ);
	}
	if (pages && doff + size < ai_len)
		mprotect(vmem + doff + size, ai_len - doff - size, PROT_NONE);
	if (poison && max > size)
		ASAN_POISON_MEMORY_REGION(vmem + doff + size, max - size);

	a->k.kmem = kmem;
	a->k.id_off = id_off;
	a->k.data_off = doff;
	a->k.max_size = max;
	a->k.committed = size;
	a->m.area = vmem;
	a->m.producer = producer;
	a->m.paged = pages;
	a->m.poisoned = poison;
	a->k.map[0] = &a->m;
}

static struct ipcsvc_channel_attr ai_attr(uint64_t id_off, bool producer)
{
	uint64_t v = kload(id_off + offsetof(struct ipcsvc_area_identity,
					     protocol_version));
	struct ipcsvc_channel_attr attr = {
		.size = sizeof(attr),
		.wait_mode = (uint32_t)(v >> 1) & 3,
		.spin_count = 3,
		.flags = producer && (v & 1) ? IPCSVC_CHANNEL_NO_AUTOGROW : 0,
	};
	return attr;
}

/* ---- the receiver ------------------------------------------------------ */

#define HOLD_MAX	80

#define TAKE_MAX	400

struct rxv {
	struct ipcsvc_channel *ch;
	struct ai_area *a;
	const uint8_t *data;	/* the data region in the victim's view */
	struct ipcsvc_msg *held[HOLD_MAX];
	struct ipcsvc_msg_info info[HOLD_MAX];
	unsigned int ord[HOLD_MAX];	/* receive order of each held one */
	unsigned int nheld;
	bool released[TAKE_MAX];
	unsigned int ntaken, nretired;	/* retired: the released prefix */
	bool broken;
};

static volatile uint8_t sink;

/* Walk @m's objects: each inside the committed data, object_count of them. */
static int walk(struct rxv *r, struct ipcsvc_msg *m,
		const struct ipcsvc_msg_info *info, bool fresh)
{
	uint64_t size = kload(r->a->k.id_off +
			      offsetof(struct ipcsvc_area_identity, size));
	struct ipcsvc_object o;
	uint64_t n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	for (;;) {
		rc = FZ_CALL("ipcsvc_msg_next_object",
			     ipcsvc_msg_next_object(m, &o));
		FZ_ALLOWED("ipcsvc_msg_next_object", rc, 1, 0, -EBADMSG);
		if (rc == -EBADMSG) {
			/* the image did not change since the receive, whose
			 * walk already checked these very objects */
			FZ_CHECK(!fresh, "next_object: -EBADMSG on a message "
				 "receive had just validated, image unchanged");
			r->broken = true;
			return rc;
		}
		if (rc == 0)
			break;
		n++;
		FZ_CHECK(n <= info->object_count,
			 "next_object: object %llu of %llu",
			 (unsigned long long)n,
			 (unsigned long long)info->object_count);
		FZ_CHECK((const uint8_t *)o.data >= r->data &&
			 (const uint8_t *)o.data <= r->data + size &&
			 o.length <= (uint64_t)(r->data + size -
						(const uint8_t *)o.data),
			 "object %llu (%llu bytes at data+%lld) is outside the "
			 "committed %llu bytes", (unsigned long long)n,
			 (unsigned long long)o.length,
			 (long long)((const uint8_t *)o.data - r->data),
			 (unsigned long long)size);
		for (uint64_t i = 0; i < o.length; i++)
			sink ^= ((const volatile uint8_t *)o.data)[i];
	}
	FZ_CHECK(n == info->object_count, "walked %llu objects of %llu",
		 (unsigned long long)n, (unsigned long long)info->object_count);
	return 0;
}

static void rx_release(struct rxv *r, unsigned int i)
{
	int rc = FZ_CALL("ipcsvc_channel_release",
			 ipcsvc_channel_release(r->ch, r->held[i]));

	FZ_CHECK(rc == 0, "release of a live message: %d", rc);
	/* the handle is dead now: a second release is -EINVAL */
	rc = FZ_CALL("ipcsvc_channel_release",
		     ipcsvc_channel_release(r->ch, r->held[i]));
	FZ_CHECK(rc == -EINVAL, "second release of a message: %d", rc);
	r->released[r->ord[i]] = true;
	while (r->nretired < r->ntaken && r->released[r->nretired])
		r->nretired++;
	r->held[i] = r->held[--r->nheld];
	r->info[i] = r->info[r->nheld];
	r->ord[i] = r->ord[r->nheld];
}

static void rx_run(struct ipcsvc_channel *ch, struct ai_area *a)
{
	struct rxv r = { .ch = ch, .a = a };
	struct ipcsvc_area_identity *id = fk_id(&a->k);
	uint64_t pub = kload(a->poff + 8), cons0 = kload(a->coff + 8);
	bool closed = id->closed != 0, gone = closed || id->revoked;
	uint64_t taken = 0;

	r.data = vmem + a->k.data_off;
	for (unsigned int i = 0; i < 200; i++) {
		struct ipcsvc_channel_info ci;
		struct ipcsvc_msg *m = NULL;
		int64_t t = (i % 4 == 3) ? (int64_t)(i % 8) * 2000 : -1;
		bool full = r.ntaken - r.nretired >= 64;
		int rc;

		if (t < 0) {
			rc = FZ_CALL("ipcsvc_channel_receive",
				     ipcsvc_channel_receive(ch, &m));
			FZ_ALLOWED("ipcsvc_channel_receive", rc, 0, -EAGAIN,
				   -EBADMSG, -ENOBUFS, -EPIPE);
		} else {
			rc = FZ_CALL("ipcsvc_channel_receive_timeout",
				     ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(t)));
			FZ_ALLOWED("ipcsvc_channel_receive_timeout", rc, 0,
				   -ETIMEDOUT, -EBADMSG, -ENOBUFS, -EPIPE);
			fz_check_timeout("ipcsvc_channel_receive_timeout", rc, t);
		}
		FZ_CHECK((rc == 0) == (m != NULL), "receive: rc %d, msg %p",
			 rc, (void *)m);
		if (r.broken)
			FZ_CHECK(rc == -EBADMSG,
				 "receive after -EBADMSG returned %d", rc);
		if (full && !r.broken)
			FZ_CHECK(rc == -ENOBUFS, "receive with 64 unretired: %d",
				 rc);
		if (rc == -EBADMSG) {
			r.broken = true;
			FZ_CHECK(ipcsvc_channel_info(ch, &ci) == 0 &&
				 (ci.broken & IPCSVC_BROKEN_RX),
				 "broken rx not reported by channel_info");
			FZ_CHECK(LOAD_RELAXED(&((struct ipcsvc_area_consumer *)
						(kmem + a->coff))->broken) == 1,
				 "broken rx not marked in consumer.broken");
			if (i % 2)
				break;
			continue;
		}
		if (rc == -EAGAIN || rc == -ETIMEDOUT) {
			FZ_CHECK(pub == cons0 + taken && !closed,
				 "receive said nothing published: published "
				 "%llu, consumed %llu, taken %llu, closed %d",
				 (unsigned long long)pub,
				 (unsigned long long)cons0,
				 (unsigned long long)taken, closed);
			break;
		}
		if (rc == -EPIPE) {
			FZ_CHECK(gone, "-EPIPE without closed or revoked");
			break;
		}
		if (rc == -ENOBUFS) {
			FZ_CHECK(r.ntaken - r.nretired >= 64, "-ENOBUFS with "
				 "%u unretired", r.ntaken - r.nretired);
			while (r.nheld)
				rx_release(&r, r.nheld - 1);
			continue;
		}
		taken++;
		FZ_CHECK(taken <= pub - cons0,
			 "took %llu messages of %llu published",
			 (unsigned long long)taken,
			 (unsigned long long)(pub - cons0));
		FZ_CHECK(r.nheld < HOLD_MAX, "more than %u held", HOLD_MAX);
		FZ_CHECK(r.ntaken < TAKE_MAX, "more than %u taken", TAKE_MAX);
		r.ord[r.nheld] = r.ntaken++;
		r.held[r.nheld] = m;
		FZ_CHECK(ipcsvc_msg_info(m, &r.info[r.nheld]) == 0,
			 "msg_info on a received message");
		{
			const struct ipcsvc_msg_info *mi = &r.info[r.nheld];

			FZ_CHECK(mi->length >= sizeof(struct ipcsvc_msg_header) &&
				 mi->length % 8 == 0 &&
				 mi->object_count <= (mi->length - 40) / 16,
				 "received a message of length %llu with %llu "
				 "objects", (unsigned long long)mi->length,
				 (unsigned long long)mi->object_count);
		}
		walk(&r, m, &r.info[r.nheld], true);
		r.nheld++;
		/* keep every third; release the rest, newest first sometimes */
		if (i % 3 != 2 && r.nheld)
			rx_release(&r, (i & 4) ? 0 : r.nheld - 1);
	}
	/* held messages walk again the same, or -EBADMSG once broken */
	for (unsigned int i = 0; i < r.nheld; i++)
		walk(&r, r.held[i], &r.info[i], false);
	while (r.nheld)
		rx_release(&r, 0);
}

/* ---- the producer ------------------------------------------------------ */

static const uint64_t sched_sizes[] = {
	0, 16, 24, 8, 104, 512, 1000, 4000, 2048, 16, 12000, 30000, 64, 40,
};

static void tx_run(struct ipcsvc_channel *ch, struct ai_area *a, bool autogrow)
{
	struct ipcsvc_area_identity *id = fk_id(&a->k);
	bool closed = id->closed != 0, broken = false;
	struct ipcsvc_msg *held[4];
	unsigned int nheld = 0;
	const uint64_t max = a->k.max_size;

	for (unsigned int k = 0; k < 48; k++) {
		uint64_t sz = sched_sizes[k % (sizeof(sched_sizes) /
					       sizeof(sched_sizes[0]))];
		uint64_t flags = k % 7 == 6 ? IPCSVC_MSG_NOQUEUE : 0;
		/* sz: the message's bytes after its header; as one object
		 * when an object's header fits, as payload sz - 16 */
		uint64_t nobj = sz >= 16 ? 1 : 0, pay = nobj ? sz - 16 : sz,
			 len = fz_msg_len(pay, nobj);
		struct ipcsvc_msg *m = NULL;
		int64_t t = k % 5 == 4 ? (int64_t)(k % 3) * 3000 : -1;
		int rc;

		if (k % 12 == 11) {
			uint64_t want = (k / 12 + 1) * 2 * page;

			rc = FZ_CALL("ipcsvc_channel_grow",
				     ipcsvc_channel_grow(ch, want));
			FZ_ALLOWED("ipcsvc_channel_grow", rc, 0, -EINVAL,
				   -EFBIG, -EBADMSG, -EPIPE);
			FZ_CHECK((rc == -EFBIG) == (want > max),
				 "grow to %llu of max %llu: %d",
				 (unsigned long long)want,
				 (unsigned long long)max, rc);
			if (broken && want <= max)
				FZ_CHECK(rc == -EBADMSG, "grow after -EBADMSG: %d",
					 rc);
			FZ_CHECK(rc != -EPIPE || closed, "grow: -EPIPE, not closed");
		}
		if (t < 0) {
			rc = FZ_CALL("ipcsvc_channel_allocate_for_send",
				     ipcsvc_channel_allocate_for_send(ch, pay, k,
						nobj, flags, &m));
			FZ_ALLOWED("ipcsvc_channel_allocate_for_send", rc, 0,
				   -EAGAIN, -EMSGSIZE, -EBUSY, -EBADMSG,
				   -EPIPE);
		} else {
			rc = FZ_CALL("ipcsvc_channel_allocate_for_send_timeout",
				     ipcsvc_channel_allocate_for_send_timeout(ch,
						pay, k, nobj, flags, &m,
						ipcsvc_timeout_ns(t)));
			FZ_ALLOWED("ipcsvc_channel_allocate_for_send_timeout",
				   rc, 0, -ETIMEDOUT, -EMSGSIZE, -EBUSY,
				   -EBADMSG, -EPIPE);
			fz_check_timeout("allocate_for_send_timeout", rc, t);
		}
		FZ_CHECK((rc == 0) == (m != NULL), "allocate: rc %d, msg %p",
			 rc, (void *)m);
		if (autogrow && len > max / 2)
			FZ_CHECK(rc == -EMSGSIZE, "allocate of %llu bytes in a "
				 "ring of at most %llu: %d",
				 (unsigned long long)len,
				 (unsigned long long)max, rc);
		if (autogrow && len <= fz_max_message(max))
			FZ_CHECK(rc != -EMSGSIZE, "allocate of %llu bytes, "
				 "max_size %llu: -EMSGSIZE",
				 (unsigned long long)len,
				 (unsigned long long)max);
		FZ_CHECK(rc != -EPIPE || closed, "allocate: -EPIPE, not closed");
		if (broken && rc != -EMSGSIZE)
			FZ_CHECK(rc == -EBADMSG,
				 "allocate after -EBADMSG returned %d", rc);
		if (rc == -EBADMSG) {
			struct ipcsvc_channel_info ci;

			broken = true;
			FZ_CHECK(ipcsvc_channel_info(ch, &ci) == 0 &&
				 (ci.broken & IPCSVC_BROKEN_TX),
				 "broken tx not reported by channel_info");
		}
		if (rc)
			continue;
		if (nobj) {
			struct ipcsvc_channel_info ci;
			void *p = NULL;
			uint8_t *d = vmem + a->k.data_off;

			rc = FZ_CALL("ipcsvc_msg_reserve_object",
				     ipcsvc_msg_reserve_object(m, 7, sz - 16,
							       &p));
			FZ_CHECK(rc == 0, "reserve_object of the allocated "
				 "size: %d", rc);
			FZ_CHECK(ipcsvc_channel_info(ch, &ci) == 0, "info");
			FZ_CHECK((uint8_t *)p >= d && (uint8_t *)p <= d + ci.tx_size &&
				 sz - 16 <= (uint64_t)(d + ci.tx_size - (uint8_t *)p),
				 "object space at data+%lld (%llu bytes) is "
				 "outside the committed %llu",
				 (long long)((uint8_t *)p - d),
				 (unsigned long long)(sz - 16),
				 (unsigned long long)ci.tx_size);
			memset(p, (int)k, sz - 16);
			/* no room for another object, nor another one */
			rc = ipcsvc_msg_add_object(m, 8, "x", 1);
			FZ_CHECK(rc == -E2BIG, "add_object past object_count: %d",
				 rc);
		}
		held[nheld++] = m;
		if (k % 3 == 1 && nheld < 4)
			continue;
		for (unsigned int i = 0; i < nheld; i++) {
			rc = FZ_CALL("ipcsvc_channel_send",
				     ipcsvc_channel_send(ch, held[i]));
			FZ_CHECK(rc == 0, "send of an allocated message: %d", rc);
			rc = ipcsvc_channel_send(ch, held[i]);
			FZ_CHECK(rc == -EINVAL, "second send: %d", rc);
		}
		nheld = 0;
	}
	for (unsigned int i = 0; i < nheld; i++) {
		int rc = FZ_CALL("ipcsvc_channel_send",
				 ipcsvc_channel_send(ch, held[i]));

		FZ_CHECK(rc == 0, "send of an allocated message: %d", rc);
	}
}

/* ---- one input --------------------------------------------------------- */

static int open_one(struct ai_area *a, uint64_t id_off, bool producer,
		    struct fk_ctx *ctx, struct ipcsvc_channel **ch)
{
	struct ipcsvc_channel_attr attr = ai_attr(id_off, producer);
	int rc;

	ai_map(a, id_off, producer);
	memset(ctx, 0, sizeof(*ctx));
	ctx->area[0] = &a->k;
	ctx->mapping[0] = vmem;
	ctx->dir[0] = producer ? IPCSVC_DIR_TX : IPCSVC_DIR_RX;
	if (producer)
		rc = FZ_CALL("ipcsvc__channel_open_ops",
			     ipcsvc__channel_open_ops(vmem, ai_len, id_off,
						      NULL, 0, 0, &attr, &fk_ops,
						      ctx, ch));
	else
		rc = FZ_CALL("ipcsvc__channel_open_ops",
			     ipcsvc__channel_open_ops(NULL, 0, 0, vmem, ai_len,
						      id_off, &attr, &fk_ops,
						      ctx, ch));
	FZ_CHECK((rc == 0) == (*ch != NULL), "open: rc %d, ch %p", rc,
		 (void *)*ch);
	if (attr.wait_mode > IPCSVC_WAIT_SLEEP) {
		FZ_CHECK(rc == -EINVAL, "open with wait mode %u: %d",
			 attr.wait_mode, rc);
		return rc;
	}
	/* a backend's growth error: only the first page's commit of a
	 * NO_AUTOGROW producer, and the fake kernel refuses only when closed */
	FZ_ALLOWED("ipcsvc__channel_open_ops", rc, 0, -EPROTO, -EPIPE);
	FZ_CHECK(rc != -EPIPE || (producer && fk_id(&a->k)->closed),
		 "open: -EPIPE");
	if (!a->magic)
		FZ_CHECK(rc == -EPROTO, "open without the area magic: %d", rc);
	{
		/* a layout that does not fit the mapping is refused,
		 * whatever the arithmetic of its offsets (no wrap at 2^64) */
		const struct ipcsvc_area_identity *id = fk_id(&a->k);
		unsigned __int128 p = id->producer_offset,
				  c = id->consumer_offset,
				  d = id->data_offset, m = id->max_size;

		if (p + sizeof(struct ipcsvc_area_producer) > c ||
		    c + sizeof(struct ipcsvc_area_consumer) > d ||
		    d + m > ai_len || p < id_off + sizeof(*id) ||
		    id->area_bytes != d + m || id->size > id->max_size)
			FZ_CHECK(rc == -EPROTO, "open of a layout that does "
				 "not fit the mapping (producer %#llx, "
				 "consumer %#llx, data %#llx, max %#llx, "
				 "bytes %#llx, size %#llx): %d",
				 (unsigned long long)id->producer_offset,
				 (unsigned long long)id->consumer_offset,
				 (unsigned long long)id->data_offset,
				 (unsigned long long)id->max_size,
				 (unsigned long long)id->area_bytes,
				 (unsigned long long)id->size, rc);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t id_offs[] = { 0, IPCSVC_IDENTITY_STRIDE };
	bool dirty = true;

	if (!page)
		ai_setup();
	for (unsigned int i = 0; i < 2; i++) {
		for (int producer = 0; producer < 2; producer++) {
			struct ipcsvc_channel *ch = NULL, *rx = NULL;
			struct ai_area a;
			struct fk_ctx ctx;

			if (dirty)
				ai_load(data, size);
			dirty = false;
			if (open_one(&a, id_offs[i], producer, &ctx, &ch))
				continue;
			dirty = true;
			if (!producer) {
				rx_run(ch, &a);
				ipcsvc_channel_close(ch);
				continue;
			}
			tx_run(ch, &a, !(ai_attr(id_offs[i], true).flags &
					IPCSVC_CHANNEL_NO_AUTOGROW));
			ipcsvc_channel_close(ch);
			/* a receiver takes what the producer left */
			if (open_one(&a, id_offs[i], false, &ctx, &rx) == 0) {
				rx_run(rx, &a);
				ipcsvc_channel_close(rx);
			}
		}
	}
	ASAN_UNPOISON_MEMORY_REGION(vmem, ai_len);
	return 0;
}

/* ---- a structure-aware mutator ---------------------------------------- */

/*
 * Most of an image is zero pages, so libFuzzer's byte mutations rarely hit
 * a word that matters. Three times in four this rewrites one to three
 * words the library reads (identity fields, producer and consumer words,
 * the data words near the ring's end, near the read position and in the
 * headers of the messages found from there) with values that sit on its
 * checks' boundaries; the rest is libFuzzer's own mutation. The input
 * stays a whole area image.
 */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);

static uint64_t mut_rng;

static uint64_t rnd(void)
{
	/* xorshift64* */
	mut_rng ^= mut_rng >> 12;
	mut_rng ^= mut_rng << 25;
	mut_rng ^= mut_rng >> 27;
	return mut_rng * 2685821657736338717ULL;
}

static uint64_t rd(const uint8_t *d, size_t size, uint64_t off)
{
	uint64_t v = 0;

	if (off < size && size - off >= 8)
		memcpy(&v, d + off, 8);
	return v;
}

static uint64_t pick_word(const uint8_t *d, size_t size, uint64_t *valp)
{
	static const uint64_t words[] = { 0, 8, 128, 136 };
	uint64_t id_off = rd(d, size, IPCSVC_IDENTITY_STRIDE + 8) ==
			  IPCSVC_AREA_MAGIC && (rnd() & 1) ?
			  IPCSVC_IDENTITY_STRIDE : 0;
	uint64_t isize = rd(d, size, id_off + 16);
	uint64_t poff = rd(d, size, id_off + 112);
	uint64_t coff = rd(d, size, id_off + 120);
	uint64_t doff = rd(d, size, id_off + 128);
	uint64_t head = rd(d, size, coff), p;

	*valp = isize;
	if (doff > ai_len || isize > ai_len)
		doff = 3 * page, isize = page;
	switch (rnd() % 8) {
	case 0:
		return id_off + 8 * (rnd() % 20);
	case 1:
		return poff + words[rnd() % 4];
	case 2:
		return coff + words[rnd() % 4];
	case 3:
		return doff + isize - 8 * (1 + rnd() % 8);
	case 4:
		return doff + head + 8 * (rnd() % 8);
	case 5:
	case 6:
		/* a field of a message found from the read position */
		p = head;
		for (uint64_t hops = rnd() % 6; hops; hops--) {
			uint64_t magic = rd(d, size, doff + p), len;

			if (magic == IPCSVC_WRAP_MAGIC) {
				p = 0;
				continue;
			}
			len = rd(d, size, doff + p + 24);
			if (magic != IPCSVC_MSG_MAGIC || len % 8 || !len ||
			    len > isize)
				break;
			p += len;
		}
		/* a length that ends the message just before the end */
		*valp = isize - p - 8 * (1 + rnd() % 6);
		return doff + p + 8 * (rnd() % 8);
	default:
		return 8 * (rnd() % (ai_len / 8));
	}
}

static uint64_t pick_value(uint64_t cur, uint64_t hint)
{
	static const uint64_t v[] = {
		IPCSVC_AREA_MAGIC, IPCSVC_MSG_MAGIC, IPCSVC_WRAP_MAGIC, 0,
		~0ULL, 1ULL << 63, 1ULL << 31, (1ULL << 31) + 4096, 3, 11, 7,
		40, 56, 2048, 4096, 8192, 12288, 8448, 1ULL << 32, -8ULL,
		-4096ULL, -8192ULL,
	};

	switch (rnd() % 7) {
	case 0:
		return v[rnd() % (sizeof(v) / sizeof(v[0]))];
	case 1:
		return cur + 8 * (rnd() % 9) - 32;
	case 2:
		return hint;
	case 3:
		return hint - 8 * (rnd() % 8);
	case 4:
		return cur ^ (1ULL << (rnd() % 64));
	case 5:
		return cur + 1 - 2 * (rnd() & 1);
	default:
		return rnd();
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed)
{
	unsigned int n;

	if (!page)
		ai_setup();
	mut_rng = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 1;
	if (rnd() % 4 == 0 || max < 8)
		return LLVMFuzzerMutate(data, size, max);
	for (n = 1 + rnd() % 3; n; n--) {
		uint64_t hint, off = pick_word(data, size, &hint) & ~7ULL, val;

		if (off > max - 8)
			continue;
		val = pick_value(rd(data, size, off), hint);
		if (off + 8 > size) {
			memset(data + size, 0, off + 8 - size);
			size = off + 8;
		}
		memcpy(data + off, &val, 8);
	}
	return size;
}
