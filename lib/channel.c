// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The channel queue engine: a ring of variable-sized messages in a buffer
 * area, one producer side and one consumer side, lock-free in shared
 * memory. Documentation/library.md explains the algorithm; the comments
 * here explain the code.
 *
 * Trust: the peer's words and the data region it writes may change under
 * us at any time. Each shared word is read once into a local and checked
 * before use; positions and sizes that steer our own accesses are kept in
 * private memory. A check that fails marks the direction broken and every
 * later call on it returns -EBADMSG.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/* Messages one side may hold between allocate and send (or receive and
 * release) at once. */
#define NSLOTS		64U

#define HDR_BYTES	((uint64_t)sizeof(struct ipcsvc_msg_header))
#define OBJ_BYTES	((uint64_t)sizeof(struct ipcsvc_obj_header))
#define WRAP_BYTES	8ULL

#define MSG_KNOWN_FLAGS	(IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN | \
			 IPCSVC_MSG_NOQUEUE)

/* Slot states; a slot's state word is (ticket << 2) | state. */
enum {
	SLOT_FREE = 0,
	SLOT_RESERVED = 1,	/* tx: allocated; rx: received */
	SLOT_WRITTEN = 2,	/* tx: sent, waiting for its turn; rx: released */
	SLOT_PUBLISHING = 3,	/* tx: being published */
};

#define SLOT_WORD(ticket, st)	(((uint64_t)(uint32_t)(ticket) << 2) | (st))

struct ipcsvc_msg {
	struct ipcsvc_channel *ch;
	bool tx;
	uint32_t ticket;
	_Atomic uint64_t state;
	uint64_t start;		/* offset of the header in the data region */
	uint64_t end;		/* start + length */
	uint64_t id;
	uint64_t flags;
	uint64_t length;
	uint64_t object_count;	/* tx: added so far; rx: validated count */
	uint64_t object_limit;	/* tx: at most this many */
	uint64_t fill;		/* tx: next free offset in the message */
};

/* One area, as mapped here. Everything but the pointers' targets is ours. */
struct dir {
	uint8_t *area;
	struct ipcsvc_area_identity *id;
	struct ipcsvc_area_producer *prod;
	struct ipcsvc_area_consumer *cons;
	uint8_t *data;
	uint64_t prod_off;
	uint64_t cons_off;
	uint64_t max_size;
	atomic_bool broken;
};

struct tx {
	struct dir d;
	/* (ticket << 32) | offset of the next reservation */
	_Atomic uint64_t rsv;
	/* the next ticket to publish; whoever moves it holds the baton */
	_Atomic uint32_t pub_seq;
	/* committed data bytes; only grows, and only under grow_lock */
	_Atomic uint64_t size;
	/* messages published; touched only by the baton holder */
	uint64_t published;
	/* allocation grows the area by itself (no IPCSVC_CHANNEL_NO_AUTOGROW) */
	bool autogrow;
	/* bytes of a page: growth commits whole pages */
	uint64_t page;
	pthread_mutex_t grow_lock;
	struct ipcsvc_msg slot[NSLOTS];
};

struct rx {
	struct dir d;
	pthread_mutex_t lock;	/* everything below */
	uint64_t size;		/* committed size as last validated */
	uint64_t next;		/* offset of the next unread message */
	uint64_t received;	/* messages taken */
	uint64_t consumed;	/* messages released */
	uint32_t rcv_seq;	/* next ticket to hand out */
	uint32_t rel_seq;	/* oldest ticket not yet released */
	struct ipcsvc_msg slot[NSLOTS];
};

struct ipcsvc_channel {
	const struct ipcsvc_wait_ops *ops;
	void *ops_ctx;
	uint32_t wait_mode;
	uint32_t spin_count;
	struct tx *tx;
	struct rx *rx;
	_Atomic(struct ipcsvc_calls *) calls;	/* lib/call.c; lazily */
};

static inline uint64_t ld64(const uint8_t *p)
{
	return LOAD_RELAXED((const uint64_t *)p);
}

static inline void st64(uint8_t *p, uint64_t v)
{
	STORE_RELAXED((uint64_t *)p, v);
}

static inline uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ULL;
}

/*
 * The smallest committed size a ring may have, but for 0 (nothing
 * committed yet: a module area before its producer's first send). Sizes
 * are checked against it wherever they are taken in (dir_open(),
 * rx_take()) and growth only commits whole pages, so a size is either 0
 * or this large; "size - WRAP_BYTES" is computed only for one that is not
 * 0 (pos_ok(), and past max_message() or the size check in rx_take()).
 */
#define MIN_RING	(2 * WRAP_BYTES + HDR_BYTES)

/* The largest message that always fits an empty ring of @size bytes. */
static uint64_t max_message(uint64_t size)
{
	return size < MIN_RING ? 0 : ((size - 2 * WRAP_BYTES) / 2) & ~7ULL;
}

/*
 * Is @pos a valid position (tail or head) in a ring of @size committed
 * bytes? A multiple of 8 with room for a wrap marker after it; with
 * nothing committed, only 0.
 */
static bool pos_ok(uint64_t pos, uint64_t size)
{
	if (pos % 8)
		return false;
	return size ? pos <= size - WRAP_BYTES : pos == 0;
}

static int mark_broken(struct dir *d, bool tx)
{
	atomic_store_explicit(&d->broken, true, memory_order_relaxed);
	/* Our own words say so too, for the peer and for inspection tools. */
	if (tx)
		STORE_RELAXED(&d->prod->broken, 1);
	else
		STORE_RELAXED(&d->cons->broken, 1);
	return -EBADMSG;
}

static bool is_broken(struct dir *d)
{
	return atomic_load_explicit(&d->broken, memory_order_relaxed);
}

/*
 * Have the area's data pages been taken back? The kernel revokes the
 * server-to-client area when the server closes its end: the data region
 * then reads as zeroes, which is not corruption but a closed channel.
 */
static bool dir_revoked(struct dir *d)
{
	/* pairs with smp_store_release() of identity.revoked in
	 * ipcsvc_area_revoke() in kmod/area.c */
	return LOAD_ACQUIRE(&d->id->revoked) != 0;
}

/*
 * Has the channel been torn down? The kernel sets identity.closed in both
 * areas when either end closes or its process dies; without the module
 * it stays 0. Read only once a call has found nothing to do, so the fast
 * path never touches it.
 */
static bool dir_closed(struct dir *d)
{
	/* pairs with smp_store_release() of identity.closed in
	 * ipcsvc_area_kill() in kmod/area.c: what the peer published before
	 * it closed is visible once we see the flag */
	return LOAD_ACQUIRE(&d->id->closed) != 0;
}

/*
 * Check an area's identity and remember its layout. The identity is the
 * kernel's (or ipcsvc_area_format()'s) and does not change but for size
 * and closed (see dir_closed()); it is still read once and checked, so a
 * bad mapping fails here with -EPROTO rather than faulting later.
 *
 * The identity sits at @id_off of the area (MAP_INFO's identity_offset:
 * with the module the two areas of a channel share one identity page, the
 * server-to-client area's identity at IPCSVC_IDENTITY_STRIDE). It must lie
 * in the area's first page, before the producer words. Every offset it
 * holds is from the area's start, not from the identity.
 */
static int dir_open(struct dir *d, void *area, size_t len, uint64_t id_off,
		    uint64_t page, uint64_t *sizep)
{
	struct ipcsvc_area_identity *id;
	uint64_t magic, size, max, poff, coff, doff, bytes;

	if ((uintptr_t)area % 8 || len < sizeof(*id))
		return -EINVAL;
	if (id_off % 8 || id_off > page - sizeof(*id) ||
	    id_off > len - sizeof(*id))
		return -EPROTO;
	id = (struct ipcsvc_area_identity *)((uint8_t *)area + id_off);
	/* pairs with the release of identity.magic in ipcsvc_area_format()
	 * (or the kernel's, before the area could be mapped) */
	magic = LOAD_ACQUIRE(&id->magic);
	if (magic != IPCSVC_AREA_MAGIC)
		return -EPROTO;
	/* pairs with the release of identity.size in futex_backend_grow()
	 * (or the kernel's IPCSVC_IOC_GROW) */
	size = LOAD_ACQUIRE(&id->size);
	max = LOAD_RELAXED(&id->max_size);
	poff = LOAD_RELAXED(&id->producer_offset);
	coff = LOAD_RELAXED(&id->consumer_offset);
	doff = LOAD_RELAXED(&id->data_offset);
	bytes = LOAD_RELAXED(&id->area_bytes);

	/* No overflow below: id_off < page, and each offset is checked
	 * against len before the next is added to it. */
	if (poff < id_off + sizeof(*id) || poff % 8 || coff % 8 || doff % 8)
		return -EPROTO;
	if (poff > len || coff < poff || coff - poff < sizeof(*d->prod) ||
	    coff > len || doff < coff || doff - coff < sizeof(*d->cons))
		return -EPROTO;
	/* size 0: nothing committed yet (a module area before its first
	 * GROW); otherwise a ring with room for a message */
	if (max > IPCSVC_AREA_MAX_SIZE_LIMIT || max % 8 || max < MIN_RING ||
	    size % 8 || size > max || (size && size < MIN_RING))
		return -EPROTO;
	if (doff > len || max > len - doff || bytes != doff + max)
		return -EPROTO;

	d->area = area;
	d->id = id;
	d->prod = (struct ipcsvc_area_producer *)((uint8_t *)area + poff);
	d->cons = (struct ipcsvc_area_consumer *)((uint8_t *)area + coff);
	d->data = (uint8_t *)area + doff;
	d->prod_off = poff;
	d->cons_off = coff;
	d->max_size = max;
	atomic_init(&d->broken, false);
	*sizep = size;
	return 0;
}

static int tx_open(struct tx *tx, void *area, size_t len, uint64_t id_off,
		   uint64_t page, bool autogrow)
{
	uint64_t size, tail;
	int rc = dir_open(&tx->d, area, len, id_off, page, &size);

	if (rc)
		return rc;
	tx->page = page;
	tx->autogrow = autogrow;
	/* Our own words: resume where an earlier opener left off. */
	tail = LOAD_RELAXED(&tx->d.prod->tail);
	if (!pos_ok(tail, size))
		return -EPROTO;
	tx->published = LOAD_RELAXED(&tx->d.prod->published);
	atomic_init(&tx->rsv, tail);
	atomic_init(&tx->pub_seq, 0);
	atomic_init(&tx->size, size);
	for (unsigned int i = 0; i < NSLOTS; i++)
		atomic_init(&tx->slot[i].state, SLOT_WORD(0, SLOT_FREE));
	return -pthread_mutex_init(&tx->grow_lock, NULL);
}

static int rx_open(struct rx *rx, void *area, size_t len, uint64_t id_off,
		   uint64_t page)
{
	uint64_t size, head;
	int rc = dir_open(&rx->d, area, len, id_off, page, &size);

	if (rc)
		return rc;
	/* size 0: nothing can have been read, so head is 0 */
	head = LOAD_RELAXED(&rx->d.cons->head);
	if (!pos_ok(head, size))
		return -EPROTO;
	rx->size = size;
	rx->next = head;
	rx->consumed = LOAD_RELAXED(&rx->d.cons->consumed);
	rx->received = rx->consumed;
	rx->rcv_seq = 0;
	rx->rel_seq = 0;
	for (unsigned int i = 0; i < NSLOTS; i++)
		atomic_init(&rx->slot[i].state, SLOT_WORD(0, SLOT_FREE));
	return -pthread_mutex_init(&rx->lock, NULL);
}

static int tx_grow_locked(struct ipcsvc_channel *ch, uint64_t new_size);

/*
 * Without auto-growth nothing would ever commit the first page of an
 * empty area, and every allocation would fail with -EMSGSIZE: commit one
 * page (or max_size, if smaller) now.
 */
static int tx_commit_first(struct ipcsvc_channel *ch)
{
	struct tx *tx = ch->tx;
	uint64_t want = tx->page < tx->d.max_size ? tx->page : tx->d.max_size;
	int rc = 0;

	pthread_mutex_lock(&tx->grow_lock);
	if (atomic_load_explicit(&tx->size, memory_order_relaxed) == 0)
		rc = tx_grow_locked(ch, want);
	pthread_mutex_unlock(&tx->grow_lock);
	return rc;
}

int ipcsvc__channel_open_ops(void *tx, size_t tx_len, uint64_t tx_id_off,
			     void *rx, size_t rx_len, uint64_t rx_id_off,
			     const struct ipcsvc_channel_attr *attr,
			     const struct ipcsvc_wait_ops *ops, void *ops_ctx,
			     struct ipcsvc_channel **chp)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ipcsvc_channel *ch;
	int rc;

	if (!chp)
		return -EINVAL;
	*chp = NULL;
	if ((!tx && !rx) || (tx && !tx_len) || (rx && !rx_len) || !ops)
		return -EINVAL;
	if (tx && tx == rx)
		return -EINVAL;
	if (page <= 0)
		return -EINVAL;
	if (attr) {
		if (attr->size < sizeof(*attr) ||
		    (attr->flags & ~(uint32_t)IPCSVC_CHANNEL_FLAGS) ||
		    attr->wait_mode > IPCSVC_WAIT_SLEEP)
			return -EINVAL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->ops = ops;
	ch->ops_ctx = ops_ctx;
	ch->wait_mode = attr ? attr->wait_mode : IPCSVC_WAIT_ADAPTIVE;
	ch->spin_count = attr && attr->spin_count ? attr->spin_count :
			 IPCSVC_SPIN_DEFAULT;
	if (tx) {
		ch->tx = calloc(1, sizeof(*ch->tx));
		rc = ch->tx ? tx_open(ch->tx, tx, tx_len, tx_id_off,
				      (uint64_t)page, !attr ||
				      !(attr->flags & IPCSVC_CHANNEL_NO_AUTOGROW)) :
			      -ENOMEM;
		if (rc) {
			free(ch->tx);
			ch->tx = NULL;
			goto fail;
		}
		for (unsigned int i = 0; i < NSLOTS; i++)
			ch->tx->slot[i].ch = ch;
	}
	if (rx) {
		ch->rx = calloc(1, sizeof(*ch->rx));
		rc = ch->rx ? rx_open(ch->rx, rx, rx_len, rx_id_off,
				      (uint64_t)page) : -ENOMEM;
		if (rc) {
			free(ch->rx);
			ch->rx = NULL;
			goto fail;
		}
		for (unsigned int i = 0; i < NSLOTS; i++)
			ch->rx->slot[i].ch = ch;
	}
	/* Last, so that a failure before it commits nothing. */
	if (ch->tx && !ch->tx->autogrow) {
		rc = tx_commit_first(ch);
		if (rc)
			goto fail;
	}
	*chp = ch;
	return 0;
fail:
	/* frees what opened; the areas are the caller's */
	ipcsvc_channel_close(ch);
	return rc;
}

int ipcsvc_channel_open(void *tx, size_t tx_len, void *rx, size_t rx_len,
			const struct ipcsvc_channel_attr *attr,
			struct ipcsvc_channel **chp)
{
	/* ipcsvc_area_format() puts the identity at the area's start. */
	return ipcsvc__channel_open_ops(tx, tx_len, 0, rx, rx_len, 0, attr,
					&ipcsvc__futex_ops, NULL, chp);
}

void ipcsvc_channel_close(struct ipcsvc_channel *ch)
{
	if (!ch)
		return;
	ipcsvc__calls_free(atomic_load_explicit(&ch->calls,
						memory_order_acquire));
	if (ch->tx) {
		pthread_mutex_destroy(&ch->tx->grow_lock);
		free(ch->tx);
	}
	if (ch->rx) {
		pthread_mutex_destroy(&ch->rx->lock);
		free(ch->rx);
	}
	free(ch);
}

/* Is @msg one of @slots[]? Handles are pointers into our own tables. */
static bool slot_of(const struct ipcsvc_msg *slots, const struct ipcsvc_msg *msg)
{
	uintptr_t base = (uintptr_t)slots, p = (uintptr_t)msg;

	return p >= base && p < base + NSLOTS * sizeof(*slots) &&
	       (p - base) % sizeof(*slots) == 0;
}

/* ---- Sending ---------------------------------------------------------- */

/*
 * Why a reservation failed with -EAGAIN. BLOCK_SIZE: the committed size is
 * what is missing (only with auto-growth, below max_size); growing the area
 * to *need bytes or more makes room, so the caller grows and tries again.
 */
enum reserve_block { BLOCK_NONE, BLOCK_SPACE, BLOCK_SLOTS, BLOCK_SIZE };

/*
 * Reserve @len bytes for a message. Lock-free: threads race on the private
 * reservation word with compare-and-swap; the winner owns the range and the
 * slot of its ticket. On -EAGAIN, *@block says what is missing,
 * *@seen_consumed is the consumer's release count that the decision used,
 * for the caller to sleep on, and for BLOCK_SIZE *@need is the committed
 * size that would make room.
 */
static int tx_reserve(struct ipcsvc_channel *ch, uint64_t len, uint64_t flags,
		      struct ipcsvc_msg **msgp, enum reserve_block *block,
		      uint64_t *seen_consumed, uint64_t *need)
{
	struct tx *tx = ch->tx;
	struct ipcsvc_msg *m;
	uint64_t cur, w, size, head, consumed, start, end;
	uint32_t t, pub;
	bool wrap, too_big, can_grow;

	*block = BLOCK_NONE;
	/* acquire: pairs with the release of the compare-and-swap below in
	 * another sender thread; an offset it reserved in grown room comes
	 * with the size it used (see the load of tx->size) */
	cur = atomic_load_explicit(&tx->rsv, memory_order_acquire);
	for (;;) {
		if (is_broken(&tx->d))
			return -EBADMSG;
		w = (uint32_t)cur;
		t = (uint32_t)(cur >> 32);
		/* pairs with the release store of pub_seq in tx_publish(): the
		 * slot of ticket t - NSLOTS has been published and is free */
		pub = atomic_load_explicit(&tx->pub_seq, memory_order_acquire);
		if ((uint32_t)(t - pub) >= NSLOTS) {
			*block = BLOCK_SLOTS;
			return -EAGAIN;
		}
		/* pairs with the release of consumer.consumed in rx_retire() */
		consumed = LOAD_ACQUIRE(&tx->d.cons->consumed);
		/* pairs with the release of consumer.head in rx_retire(): the
		 * consumer has finished reading everything before head */
		head = LOAD_ACQUIRE(&tx->d.cons->head);
		/*
		 * pairs with the release store of tx->size in tx_grow_locked().
		 * Loaded after head and rsv: a head or an offset that lies in
		 * room another sender thread grew came after that thread's
		 * acquire of the new size, so this load sees it too, and
		 * neither is ever past the size we check them against.
		 */
		size = atomic_load_explicit(&tx->size, memory_order_acquire);
		can_grow = tx->autogrow && size < tx->d.max_size;
		/* With nothing committed (size 0) every message is too big,
		 * and the area grows before anything is placed. */
		too_big = len > max_message(size);
		if (too_big && !can_grow)
			return -EMSGSIZE;
		if (!pos_ok(head, size))
			return mark_broken(&tx->d, true);
		*seen_consumed = consumed;

		/* head == w: everything reserved has been released. */
		if ((flags & IPCSVC_MSG_NOQUEUE) && head != w)
			return -EBUSY;
		if (too_big) {
			/* The smallest ring whose max_message() is len. */
			*need = 2 * len + 2 * WRAP_BYTES;
			*block = BLOCK_SIZE;
			return -EAGAIN;
		}
		wrap = false;
		if (w >= head) {
			/* used: [head, w); free: [w, size - 8) and [0, head) */
			if (len <= size - WRAP_BYTES - w) {
				start = w;
			} else if (len < head &&
				   !(can_grow && w - head > size / 2)) {
				/* Wrap, unless more than half the ring is
				 * in flight: then grow, so that a consumer
				 * that lags behind gets a larger ring, and
				 * one that keeps up does not. */
				start = 0;
				wrap = true;
			} else if (can_grow) {
				/* Room right after w, in the grown area. */
				*need = w + len + WRAP_BYTES;
				*block = BLOCK_SIZE;
				return -EAGAIN;
			} else {
				*block = BLOCK_SPACE;
				return -EAGAIN;
			}
		} else {
			/* used: [head, marker) and [0, w); free: [w, head).
			 * Room past the marker, grown or not, is usable only
			 * once the consumer has passed the marker. */
			if (len < head - w) {
				start = w;
			} else {
				*block = BLOCK_SPACE;
				return -EAGAIN;
			}
		}
		end = start + len;
		/* release: pairs with the acquire loads of rsv (this one's
		 * failure ordering included) in other sender threads */
		if (atomic_compare_exchange_weak_explicit(&tx->rsv, &cur,
				((uint64_t)(t + 1) << 32) | end,
				memory_order_acq_rel, memory_order_acquire))
			break;
	}

	if (wrap)
		st64(tx->d.data + w, IPCSVC_WRAP_MAGIC);
	m = &tx->slot[t % NSLOTS];
	m->tx = true;
	m->ticket = t;
	m->start = start;
	m->end = end;
	m->length = len;
	m->flags = IPCSVC_MSG_ALLOCATED | flags;
	m->object_count = 0;
	m->fill = HDR_BYTES;
	st64(tx->d.data + start, IPCSVC_MSG_MAGIC);
	st64(tx->d.data + start + offsetof(struct ipcsvc_msg_header, flags),
	     m->flags);
	st64(tx->d.data + start + offsetof(struct ipcsvc_msg_header, length),
	     len);
	st64(tx->d.data + start + offsetof(struct ipcsvc_msg_header, object_count), 0);
	atomic_store_explicit(&m->state, SLOT_WORD(t, SLOT_RESERVED),
			      memory_order_relaxed);
	*msgp = m;
	return 0;
}

/*
 * Publish every sent message whose turn has come, in ticket order. The
 * thread that moves pub_seq from p to p + 1 holds the baton for ticket p:
 * it alone writes the producer words meanwhile.
 */
static void tx_publish(struct ipcsvc_channel *ch)
{
	struct tx *tx = ch->tx;
	bool wake = false;

	for (;;) {
		/* seq_cst: pairs with the seq_cst store of the slot state in
		 * ipcsvc_channel_send(); of a sender that marks its slot and
		 * then looks at pub_seq, and a publisher that advances pub_seq
		 * and then looks at that slot, one sees the other */
		uint32_t p = atomic_load(&tx->pub_seq);
		struct ipcsvc_msg *m = &tx->slot[p % NSLOTS];
		uint64_t expect = SLOT_WORD(p, SLOT_WRITTEN);

		/* seq_cst, as above; on success it also acquires the
		 * message's contents from the sender's seq_cst store */
		if (!atomic_compare_exchange_strong(&m->state, &expect,
				SLOT_WORD(p, SLOT_PUBLISHING)))
			break;
		tx->published++;
		/* WriteOffset, for inspection: pairs with the acquire of
		 * producer.tail in ipcsvc_channel_info() */
		STORE_RELEASE(&tx->d.prod->tail, m->end);
		/* release: pairs with the acquire of producer.published in
		 * rx_take(): the message and the wrap marker before it are
		 * complete. seq_cst: pairs with the seq_cst load of
		 * producer.published in ipcsvc_channel_receive_timeout()
		 * (the sleeping-side check, see below) */
		STORE_SEQCST(&tx->d.prod->published, tx->published);
		atomic_store_explicit(&m->state, SLOT_WORD(p, SLOT_FREE),
				      memory_order_relaxed);
		/* seq_cst (so also a release): pairs with the acquire of
		 * pub_seq in tx_reserve() and the seq_cst load above */
		atomic_store(&tx->pub_seq, p + 1);
		wake = true;
	}
	if (!wake)
		return;
	/*
	 * Dekker pairing with ipcsvc_channel_receive_timeout(): we store
	 * published then load waiters, it increments waiters then loads
	 * published, all four seq_cst. In their single total order one of the
	 * two loads comes last, so either we see the sleeper and wake it, or
	 * it sees the new count and does not sleep. No wakeup is lost, and no
	 * wake call is made while nobody sleeps.
	 */
	if (LOAD_SEQCST(&tx->d.cons->waiters))
		ch->ops->wake(ch->ops_ctx, tx->d.area,
			      tx->d.prod_off + offsetof(struct ipcsvc_area_producer,
							published));
}

static int check_alloc(struct ipcsvc_channel *ch, uint64_t size,
		       uint64_t object_count, uint64_t flags,
		       struct ipcsvc_msg **msgp, uint64_t *lenp)
{
	if (!msgp)
		return -EINVAL;
	*msgp = NULL;
	if (!ch || !ch->tx)
		return -EINVAL;
	if (flags & ~(uint64_t)IPCSVC_SEND_FLAGS)
		return -EINVAL;
	if (size > IPCSVC_AREA_MAX_SIZE_LIMIT)
		return -EMSGSIZE;
	if (object_count > size / OBJ_BYTES)
		return -EINVAL;
	*lenp = HDR_BYTES + align8(size);
	/* With auto-growth, whether a message can ever fit is a matter of
	 * max_size alone: decided here, once, and never after a wait. */
	if (ch->tx->autogrow && *lenp > max_message(ch->tx->d.max_size))
		return -EMSGSIZE;
	return 0;
}

/*
 * Grow the tx area to @new_size, with grow_lock held, @new_size above the
 * current size and at most max_size.
 */
static int tx_grow_locked(struct ipcsvc_channel *ch, uint64_t new_size)
{
	struct tx *tx = ch->tx;
	/* The backend publishes identity.size with a release store before
	 * we use the new room. */
	int rc = ch->ops->grow(ch->ops_ctx, tx->d.area, tx->d.id, new_size);

	if (!rc)
		/* pairs with the acquire of tx->size in tx_reserve() */
		atomic_store_explicit(&tx->size, new_size, memory_order_release);
	return rc;
}

/*
 * Auto-growth: make the committed size at least @need, unless another
 * sender thread already did. The new size is at least double the current
 * one (so that a stream of small messages grows the ring in few steps),
 * rounded up to whole pages and capped at max_size. 0 when the caller
 * should try its reservation again, or the backend's error.
 */
static int tx_autogrow(struct ipcsvc_channel *ch, uint64_t need)
{
	struct tx *tx = ch->tx;
	uint64_t cur, target;
	int rc = 0;

	if (is_broken(&tx->d))
		return -EBADMSG;
	pthread_mutex_lock(&tx->grow_lock);
	/* Only grow_lock holders store tx->size: the lock orders it. */
	cur = atomic_load_explicit(&tx->size, memory_order_relaxed);
	if (cur < need && cur < tx->d.max_size) {
		target = 2 * cur > need ? 2 * cur : need;
		target = (target + tx->page - 1) / tx->page * tx->page;
		if (target > tx->d.max_size)
			target = tx->d.max_size;
		rc = tx_grow_locked(ch, target);
	}
	pthread_mutex_unlock(&tx->grow_lock);
	return rc;
}

/*
 * tx_reserve(), growing the area first wherever the committed size is
 * what is missing. Each round either reserves, fails, or finds the size
 * larger than before (grown here or by another sender thread), and the
 * size is bounded by max_size: the loop ends.
 */
static int tx_alloc(struct ipcsvc_channel *ch, uint64_t len, uint64_t flags,
		    struct ipcsvc_msg **msgp, enum reserve_block *block,
		    uint64_t *seen_consumed)
{
	uint64_t need;
	int rc;

	for (;;) {
		rc = tx_reserve(ch, len, flags, msgp, block, seen_consumed,
				&need);
		if (rc == -EAGAIN && *block != BLOCK_SIZE) {
			/* No room, and nobody will ever make any: the
			 * channel is closed. */
			if (dir_closed(&ch->tx->d))
				return -EPIPE;
			return rc;
		}
		if (rc != -EAGAIN)
			return rc;
		/* The module refuses growth of a closed channel (-EPIPE). */
		rc = tx_autogrow(ch, need);
		if (rc)
			return rc;
	}
}

static void write_id(struct ipcsvc_channel *ch, struct ipcsvc_msg *m,
		     uint64_t message_id, uint64_t object_count)
{
	m->id = message_id;
	m->object_limit = object_count;
	st64(ch->tx->d.data + m->start + offsetof(struct ipcsvc_msg_header, id),
	     message_id);
}

int ipcsvc_channel_allocate_for_send(struct ipcsvc_channel *ch, uint64_t size,
				     uint64_t message_id, uint64_t object_count,
				     uint64_t flags, struct ipcsvc_msg **msgp)
{
	enum reserve_block block;
	uint64_t len, seen;
	int rc = check_alloc(ch, size, object_count, flags, msgp, &len);

	if (rc)
		return rc;
	rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
	if (!rc)
		write_id(ch, *msgp, message_id, object_count);
	return rc;
}

struct ipcsvc_calls *ipcsvc__channel_calls(struct ipcsvc_channel *ch)
{
	/* pairs with the release in ipcsvc__channel_set_calls() */
	return atomic_load_explicit(&ch->calls, memory_order_acquire);
}

bool ipcsvc__channel_set_calls(struct ipcsvc_channel *ch,
			       struct ipcsvc_calls *calls)
{
	struct ipcsvc_calls *none = NULL;

	/* release: the state is initialised before another thread uses it */
	return atomic_compare_exchange_strong_explicit(&ch->calls, &none, calls,
			memory_order_release, memory_order_acquire);
}

/*
 * Busy polling never sleeps. Every poll already sees identity.closed
 * (rx_take() and tx_alloc() read it when they find nothing to do), which
 * ends the call with -EPIPE at the cost of one load. For a module that
 * predates that field, every 64 polls it also asks the backend to look
 * without sleeping (a wait whose deadline has passed): a backend that
 * knows the peer is gone says -EPIPE, which ends the call.
 */
static int poll_peer(struct ipcsvc_channel *ch, uint32_t spins, void *area,
		     uint64_t off, uint64_t val)
{
	static const struct ipcsvc_deadline now = { .forever = false };

	if (ch->wait_mode != IPCSVC_WAIT_BUSY_POLL || spins % 64)
		return 0;
	return ch->ops->wait(ch->ops_ctx, area, off, val, &now) == -EPIPE ?
	       -EPIPE : 0;
}

/* Spin or sleep per the channel's policy? true: spin once more. */
static bool should_spin(struct ipcsvc_channel *ch, uint32_t *spins)
{
	switch (ch->wait_mode) {
	case IPCSVC_WAIT_BUSY_POLL:
		if (++*spins % 64 == 0)
			sched_yield();
		else
			cpu_relax();
		return true;
	case IPCSVC_WAIT_SLEEP:
		return false;
	default:
		if (*spins >= ch->spin_count)
			return false;
		++*spins;
		cpu_relax();
		return true;
	}
}

int ipcsvc_channel_allocate_for_send_timeout(struct ipcsvc_channel *ch,
					     uint64_t size, uint64_t message_id,
					     uint64_t object_count,
					     uint64_t flags, int64_t timeout_ns,
					     struct ipcsvc_msg **msgp)
{
	struct ipcsvc_deadline d;
	enum reserve_block block;
	uint64_t len, seen, now;
	uint32_t spins = 0;
	int rc = check_alloc(ch, size, object_count, flags, msgp, &len);

	if (rc)
		return rc;
	ipcsvc__deadline_init(&d, timeout_ns);
	for (;;) {
		struct tx *tx = ch->tx;

		rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
		if (rc != -EAGAIN)
			break;
		if (ipcsvc__deadline_passed(&d)) {
			rc = -ETIMEDOUT;
			break;
		}
		/* Slots come back when this process's own senders send. */
		if (block == BLOCK_SLOTS) {
			sched_yield();
			continue;
		}
		if (should_spin(ch, &spins)) {
			rc = poll_peer(ch, spins, tx->d.area, tx->d.cons_off +
				       offsetof(struct ipcsvc_area_consumer,
						consumed), seen);
			if (rc)
				break;
			continue;
		}
		rc = 0;
		/* seq_cst, Dekker pairing with rx_retire(): pairs with its
		 * seq_cst load of producer.waiters */
		atomic_fetch_add(ATOMIC_PTR(&tx->d.prod->waiters), 1);
		/* seq_cst: pairs with the seq_cst store of consumer.consumed
		 * in rx_retire(); either we see the new count here, or the
		 * consumer sees our waiters count and wakes us */
		now = LOAD_SEQCST(&tx->d.cons->consumed);
		if (now == seen)
			rc = ch->ops->wait(ch->ops_ctx, tx->d.area,
					   tx->d.cons_off +
					   offsetof(struct ipcsvc_area_consumer,
						    consumed), seen, &d);
		atomic_fetch_sub(ATOMIC_PTR(&tx->d.prod->waiters), 1);
		if (rc && rc != -ETIMEDOUT && rc != -EINTR)
			break;
		/* on -ETIMEDOUT: one more try, then the deadline check */
	}
	if (!rc)
		write_id(ch, *msgp, message_id, object_count);
	return rc;
}

static int tx_msg_check(struct ipcsvc_msg *msg)
{
	if (!msg || !msg->ch || !msg->tx || !msg->ch->tx ||
	    !slot_of(msg->ch->tx->slot, msg))
		return -EINVAL;
	if (atomic_load_explicit(&msg->state, memory_order_relaxed) !=
	    SLOT_WORD(msg->ticket, SLOT_RESERVED))
		return -EINVAL;
	return 0;
}

int ipcsvc_msg_reserve_object(struct ipcsvc_msg *msg, uint64_t object_id,
			      uint64_t length, void **datap)
{
	uint8_t *p;
	uint64_t room;
	int rc;

	if (!datap)
		return -EINVAL;
	*datap = NULL;
	rc = tx_msg_check(msg);
	if (rc)
		return rc;
	if (msg->object_count >= msg->object_limit)
		return -E2BIG;
	room = msg->length - msg->fill;
	if (room < OBJ_BYTES || length > room - OBJ_BYTES ||
	    IPCSVC_OBJECT_SPACE(length) > room)
		return -EMSGSIZE;
	p = msg->ch->tx->d.data + msg->start + msg->fill;
	st64(p, object_id);
	st64(p + 8, length);
	/* Zero the padding so no stale bytes reach the peer. */
	if (length % 8)
		memset(p + OBJ_BYTES + length, 0, 8 - length % 8);
	msg->fill += IPCSVC_OBJECT_SPACE(length);
	msg->object_count++;
	*datap = p + OBJ_BYTES;
	return 0;
}

int ipcsvc_msg_add_object(struct ipcsvc_msg *msg, uint64_t object_id,
			  const void *data, uint64_t length)
{
	void *dst;
	int rc;

	if (!data && length)
		return -EINVAL;
	rc = ipcsvc_msg_reserve_object(msg, object_id, length, &dst);
	if (!rc && length)
		memcpy(dst, data, length);
	return rc;
}

int ipcsvc_channel_send(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg)
{
	uint8_t *h;
	int rc;

	if (!ch || !ch->tx)
		return -EINVAL;
	rc = tx_msg_check(msg);
	if (rc)
		return rc;
	if (msg->ch != ch)
		return -EINVAL;
	h = ch->tx->d.data + msg->start;
	msg->flags |= IPCSVC_MSG_WRITTEN;
	st64(h + offsetof(struct ipcsvc_msg_header, object_count),
	     msg->object_count);
	st64(h + offsetof(struct ipcsvc_msg_header, flags), msg->flags);
	/* seq_cst: pairs with the seq_cst load of pub_seq and the
	 * compare-and-swap in tx_publish() (see there) */
	atomic_store(&msg->state, SLOT_WORD(msg->ticket, SLOT_WRITTEN));
	tx_publish(ch);
	return 0;
}

int ipcsvc_channel_grow(struct ipcsvc_channel *ch, uint64_t new_size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct tx *tx;
	uint64_t cur;
	int rc = 0;

	if (!ch || !ch->tx || page <= 0)
		return -EINVAL;
	tx = ch->tx;
	if (new_size % (uint64_t)page)
		return -EINVAL;
	if (new_size > tx->d.max_size)
		return -EFBIG;	/* as IPCSVC_IOC_GROW says it */
	if (is_broken(&tx->d))
		return -EBADMSG;
	pthread_mutex_lock(&tx->grow_lock);
	cur = atomic_load_explicit(&tx->size, memory_order_relaxed);
	if (new_size < cur)
		rc = -EINVAL;
	else if (new_size > cur)
		rc = tx_grow_locked(ch, new_size);
	pthread_mutex_unlock(&tx->grow_lock);
	return rc;
}

/* ---- Receiving -------------------------------------------------------- */

/*
 * Validate the message at @off of the data region and fill @m. Every field
 * is read once. The objects are walked to check that their lengths add up
 * within the message; ipcsvc_msg_next_object() checks them again as it
 * hands them out, as the peer may have changed them since.
 */
static int rx_parse(struct rx *rx, uint64_t off, struct ipcsvc_msg *m)
{
	uint64_t size = rx->size, magic, len, flags, count, p, end;
	const uint8_t *h;

	if (off > size - WRAP_BYTES)
		return -EBADMSG;
	magic = ld64(rx->d.data + off);
	if (magic == IPCSVC_WRAP_MAGIC) {
		/* A marker at 0 would send us round in circles. */
		if (off == 0)
			return -EBADMSG;
		off = 0;
		magic = ld64(rx->d.data);
	}
	if (magic != IPCSVC_MSG_MAGIC)
		return -EBADMSG;
	/*
	 * The header, and the marker room after it, must fit before the
	 * committed end: a magic the peer wrote over a marker in the last
	 * bytes would have us read past it, where the module has no pages
	 * (SIGBUS). off <= size - WRAP_BYTES here, also after a wrap
	 * (size >= MIN_RING), so the subtraction cannot wrap.
	 */
	if (HDR_BYTES > size - WRAP_BYTES - off)
		return -EBADMSG;
	h = rx->d.data + off;
	len = ld64(h + offsetof(struct ipcsvc_msg_header, length));
	flags = ld64(h + offsetof(struct ipcsvc_msg_header, flags));
	count = ld64(h + offsetof(struct ipcsvc_msg_header, object_count));
	/* The producer always leaves room for a wrap marker after a message. */
	if (len < HDR_BYTES || len % 8 || len > size - WRAP_BYTES - off)
		return -EBADMSG;
	if (flags & ~MSG_KNOWN_FLAGS)
		return -EBADMSG;
	if ((flags & (IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN)) !=
	    (IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN))
		return -EBADMSG;
	if (count > (len - HDR_BYTES) / OBJ_BYTES)
		return -EBADMSG;
	end = off + len;
	p = off + HDR_BYTES;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t olen;

		if (end - p < OBJ_BYTES)
			return -EBADMSG;
		olen = ld64(rx->d.data + p + 8);
		if (olen > end - p - OBJ_BYTES)
			return -EBADMSG;
		p += OBJ_BYTES + align8(olen);
		if (p > end)
			return -EBADMSG;
	}
	m->start = off;
	m->end = end;
	m->length = len;
	m->flags = flags;
	m->object_count = count;
	m->id = ld64(h + offsetof(struct ipcsvc_msg_header, id));
	return 0;
}

/* Take the next message, if any. *@seen_published: the count we saw. */
static int rx_take(struct ipcsvc_channel *ch, struct ipcsvc_msg **msgp,
		   uint64_t *seen_published)
{
	struct rx *rx = ch->rx;
	struct ipcsvc_msg *m;
	uint64_t pub, size;
	int rc;

	pthread_mutex_lock(&rx->lock);
	if (is_broken(&rx->d)) {
		rc = -EBADMSG;
		goto out;
	}
	if ((uint32_t)(rx->rcv_seq - rx->rel_seq) >= NSLOTS) {
		rc = -ENOBUFS;
		goto out;
	}
	/* pairs with the release of producer.published in tx_publish(): the
	 * messages it counts, and wrap markers, are complete */
	pub = LOAD_ACQUIRE(&rx->d.prod->published);
	if (pub == rx->received) {
		if (!dir_closed(&rx->d)) {
			*seen_published = pub;
			rc = -EAGAIN;
			goto out;
		}
		/*
		 * Closed. The producer may have published more between our
		 * load of published and that of the flag: look again. This
		 * load is ordered after the acquire in dir_closed(), so it
		 * sees every message published before the close, and those
		 * are still delivered; only an empty channel is -EPIPE.
		 * pairs with the release of producer.published in
		 * tx_publish().
		 */
		pub = LOAD_ACQUIRE(&rx->d.prod->published);
		if (pub == rx->received) {
			rc = -EPIPE;
			goto out;
		}
	}
	*seen_published = pub;
	/* Went backwards, or more unreleased messages than fit the area? */
	if (pub - rx->consumed < rx->received - rx->consumed ||
	    pub - rx->consumed > rx->d.max_size / HDR_BYTES) {
		rc = mark_broken(&rx->d, false);
		goto out;
	}
	/* pairs with the release of identity.size in futex_backend_grow()
	 * (or the kernel's): the producer grew before publishing anything
	 * placed in the new room, so this is at least as new as the
	 * message */
	size = LOAD_ACQUIRE(&rx->d.id->size);
	if (size == 0) {
		/*
		 * A message is published, but no data page is committed.
		 * The acquire above already sees the size of the producer's
		 * first growth, which came before its first publish; look
		 * once more all the same (pairs with the same release)
		 * before calling it corruption. Still 0: the producer
		 * published what it cannot have written. The data region is
		 * never touched.
		 */
		size = LOAD_ACQUIRE(&rx->d.id->size);
		if (size == 0) {
			rc = mark_broken(&rx->d, false);
			goto out;
		}
	}
	if (size < rx->size || size > rx->d.max_size || size % 8 ||
	    size < MIN_RING) {
		rc = mark_broken(&rx->d, false);
		goto out;
	}
	rx->size = size;
	m = &rx->slot[rx->rcv_seq % NSLOTS];
	if (rx_parse(rx, rx->next, m)) {
		/* Zeroes where a message was: the server closed and the
		 * kernel took the pages back. Unread replies are gone. */
		rc = dir_revoked(&rx->d) ? -EPIPE : mark_broken(&rx->d, false);
		goto out;
	}
	m->tx = false;
	m->ticket = rx->rcv_seq;
	atomic_store_explicit(&m->state, SLOT_WORD(m->ticket, SLOT_RESERVED),
			      memory_order_relaxed);
	rx->next = m->end;
	rx->received++;
	rx->rcv_seq++;
	*msgp = m;
	rc = 0;
out:
	pthread_mutex_unlock(&rx->lock);
	return rc;
}

int ipcsvc_channel_receive(struct ipcsvc_channel *ch, struct ipcsvc_msg **msgp)
{
	uint64_t seen;

	if (!msgp)
		return -EINVAL;
	*msgp = NULL;
	if (!ch || !ch->rx)
		return -EINVAL;
	return rx_take(ch, msgp, &seen);
}

int ipcsvc_channel_receive_timeout(struct ipcsvc_channel *ch,
				   int64_t timeout_ns,
				   struct ipcsvc_msg **msgp)
{
	struct ipcsvc_deadline d;
	uint32_t spins = 0;
	uint64_t seen, now;
	struct rx *rx;
	int rc;

	if (!msgp)
		return -EINVAL;
	*msgp = NULL;
	if (!ch || !ch->rx)
		return -EINVAL;
	rx = ch->rx;
	ipcsvc__deadline_init(&d, timeout_ns);
	for (;;) {
		rc = rx_take(ch, msgp, &seen);
		if (rc != -EAGAIN)
			return rc;
		if (ipcsvc__deadline_passed(&d))
			return -ETIMEDOUT;
		if (should_spin(ch, &spins)) {
			rc = poll_peer(ch, spins, rx->d.area, rx->d.prod_off +
				       offsetof(struct ipcsvc_area_producer,
						published), seen);
			if (rc)
				return rc;
			continue;
		}
		/* rx_wait: */
		/* seq_cst, Dekker pairing with tx_publish(): pairs with its
		 * seq_cst load of consumer.waiters */
		atomic_fetch_add(ATOMIC_PTR(&rx->d.cons->waiters), 1);
		/* seq_cst: pairs with the seq_cst store of producer.published
		 * in tx_publish(); either we see the new count here, or the
		 * producer sees our waiters count and wakes us */
		now = LOAD_SEQCST(&rx->d.prod->published);
		rc = 0;
		if (now == seen)
			rc = ch->ops->wait(ch->ops_ctx, rx->d.area,
					   rx->d.prod_off +
					   offsetof(struct ipcsvc_area_producer,
						    published), seen, &d);
		atomic_fetch_sub(ATOMIC_PTR(&rx->d.cons->waiters), 1);
		if (rc && rc != -ETIMEDOUT && rc != -EINTR)
			return rc;
	}
}

/*
 * Retire released messages in order and tell the producer. Called with the
 * rx lock held.
 */
static void rx_retire(struct ipcsvc_channel *ch)
{
	struct rx *rx = ch->rx;
	uint64_t head = 0;
	bool moved = false;

	while (rx->rel_seq != rx->rcv_seq) {
		struct ipcsvc_msg *m = &rx->slot[rx->rel_seq % NSLOTS];

		if (atomic_load_explicit(&m->state, memory_order_relaxed) !=
		    SLOT_WORD(rx->rel_seq, SLOT_WRITTEN))
			break;
		head = m->end;
		atomic_store_explicit(&m->state, SLOT_WORD(0, SLOT_FREE),
				      memory_order_relaxed);
		rx->rel_seq++;
		rx->consumed++;
		moved = true;
	}
	if (!moved)
		return;
	/* pairs with the acquire of consumer.head in tx_reserve(): we are done
	 * reading everything before it */
	STORE_RELEASE(&rx->d.cons->head, head);
	/* release: pairs with the acquire of consumer.consumed in
	 * tx_reserve(). seq_cst: Dekker pairing with the seq_cst load of
	 * consumer.consumed in ipcsvc_channel_allocate_for_send_timeout() */
	STORE_SEQCST(&rx->d.cons->consumed, rx->consumed);
	/* seq_cst: pairs with the seq_cst increment of producer.waiters in
	 * ipcsvc_channel_allocate_for_send_timeout(); as in tx_publish(),
	 * either we see the sleeper or it sees our new count */
	if (LOAD_SEQCST(&rx->d.prod->waiters))
		ch->ops->wake(ch->ops_ctx, rx->d.area,
			      rx->d.cons_off + offsetof(struct ipcsvc_area_consumer,
							consumed));
}

int ipcsvc_channel_release(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg)
{
	struct rx *rx;
	int rc = 0;

	if (!ch || !ch->rx || !msg || !slot_of(ch->rx->slot, msg))
		return -EINVAL;
	rx = ch->rx;
	pthread_mutex_lock(&rx->lock);
	if (atomic_load_explicit(&msg->state, memory_order_relaxed) !=
	    SLOT_WORD(msg->ticket, SLOT_RESERVED)) {
		rc = -EINVAL;
	} else {
		atomic_store_explicit(&msg->state,
				      SLOT_WORD(msg->ticket, SLOT_WRITTEN),
				      memory_order_relaxed);
		rx_retire(ch);
	}
	pthread_mutex_unlock(&rx->lock);
	return rc;
}

/* ---- Messages --------------------------------------------------------- */

static bool msg_live(const struct ipcsvc_msg *msg)
{
	const struct ipcsvc_channel *ch;

	if (!msg || !msg->ch)
		return false;
	ch = msg->ch;
	if (msg->tx ? !ch->tx || !slot_of(ch->tx->slot, msg) :
		      !ch->rx || !slot_of(ch->rx->slot, msg))
		return false;
	return atomic_load_explicit(&((struct ipcsvc_msg *)msg)->state,
				    memory_order_relaxed) ==
	       SLOT_WORD(msg->ticket, SLOT_RESERVED);
}

int ipcsvc_msg_info(const struct ipcsvc_msg *msg, struct ipcsvc_msg_info *info)
{
	if (!info || !msg_live(msg))
		return -EINVAL;
	info->id = msg->id;
	info->flags = msg->flags;
	info->length = msg->length;
	info->object_count = msg->object_count;
	return 0;
}

int ipcsvc_msg_next_object(const struct ipcsvc_msg *msg,
			   struct ipcsvc_object *obj)
{
	struct rx *rx;
	uint64_t p, olen;

	if (!obj || !msg_live(msg) || msg->tx)
		return -EINVAL;
	rx = msg->ch->rx;
	if (is_broken(&rx->d))
		return -EBADMSG;
	if (obj->index > msg->object_count)
		return -EINVAL;
	if (obj->index == msg->object_count)
		return 0;
	p = obj->index ? obj->cursor : msg->start + HDR_BYTES;
	/* The cursor is the caller's: it must be one we handed out. */
	if (p < msg->start + HDR_BYTES || p > msg->end || p % 8)
		return -EINVAL;
	if (msg->end - p < OBJ_BYTES)
		return mark_broken(&rx->d, false);
	olen = ld64(rx->d.data + p + 8);
	if (olen > msg->end - p - OBJ_BYTES ||
	    align8(olen) > msg->end - p - OBJ_BYTES)
		return mark_broken(&rx->d, false);
	obj->id = ld64(rx->d.data + p);
	obj->length = olen;
	obj->data = rx->d.data + p + OBJ_BYTES;
	obj->cursor = p + OBJ_BYTES + align8(olen);
	obj->index++;
	return 1;
}

int ipcsvc_channel_info(struct ipcsvc_channel *ch,
			struct ipcsvc_channel_info *info)
{
	if (!ch || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (ch->tx) {
		struct tx *tx = ch->tx;

		info->tx_size = atomic_load_explicit(&tx->size,
						     memory_order_relaxed);
		info->tx_max_size = tx->d.max_size;
		/* pairs with the release of producer.tail in tx_publish() */
		info->tx_tail = LOAD_ACQUIRE(&tx->d.prod->tail);
		/* MessageCount = published - consumed. pairs with the
		 * releases of both counters in tx_publish() and rx_retire() */
		info->tx_queued = LOAD_ACQUIRE(&tx->d.prod->published) -
				  LOAD_ACQUIRE(&tx->d.cons->consumed);
		if (is_broken(&tx->d))
			info->broken |= IPCSVC_BROKEN_TX;
	}
	if (ch->rx) {
		struct rx *rx = ch->rx;

		pthread_mutex_lock(&rx->lock);
		/* pairs with the release of identity.size in futex_backend_grow() */
		info->rx_size = LOAD_ACQUIRE(&rx->d.id->size);
		info->rx_max_size = rx->d.max_size;
		/* pairs with the release of producer.published in tx_publish() */
		info->rx_queued = LOAD_ACQUIRE(&rx->d.prod->published) -
				  rx->consumed;
		if (is_broken(&rx->d))
			info->broken |= IPCSVC_BROKEN_RX;
		pthread_mutex_unlock(&rx->lock);
	}
	return 0;
}
