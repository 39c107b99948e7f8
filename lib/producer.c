// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sending side of a channel: reserving room in the ring (growing the
 * area where that is what is missing), waiting for room, publishing in
 * order, and waking a sleeping consumer.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

/*
 * Why a reservation failed with -EAGAIN. BLOCK_SIZE: the committed size is
 * what is missing (only with auto-growth, below max_size); growing the area
 * to *need bytes or more makes room, so the caller grows and tries again.
 */
enum reserve_block { BLOCK_NONE, BLOCK_SPACE, BLOCK_SLOTS, BLOCK_SIZE };

/*
 * The reservation of ticket @t, [@start, @start + @len), is ours: vouch
 * for the head it was decided with to the next reservation, unless the
 * ring was @empty, and fill in the ticket's slot and the message header.
 *
 * An empty ring is how a request/reply exchange finds it, message after
 * message: the next reservation then reads the real head, finds the ring
 * empty again and goes back to its first bytes, so that every message
 * reuses the lines the consumer read last rather than new ones, which
 * shortens the round trip (Documentation/performance.md). A stream,
 * whose ring holds messages when it reserves, keeps appending on the
 * cached head and reads the consumer's line once a page.
 */
static inline struct ipcsvc_msg *tx_place(struct tx *tx, uint32_t t,
					  uint64_t head, uint64_t start,
					  uint64_t len, uint64_t flags,
					  bool empty)
{
	struct ipcsvc_msg *m = slot_at(&tx->slot, t);
	uint8_t *h = tx->d.data + start;

	/* a tag of a ticket no reservation will have: not vouched */
	atomic_store_explicit(&tx->head_cache,
			      ((uint64_t)(empty ? t : t + 1) << 32) |
			      (uint32_t)head, memory_order_relaxed);
	m->ticket = t;
	m->start = start;
	m->length = len;
	m->flags = IPCSVC_MSG_ALLOCATED | flags;
	m->object_count = 0;
	m->fill = HDR_BYTES;
	st64(h, IPCSVC_MSG_MAGIC);
	st64(h + offsetof(struct ipcsvc_msg_header, flags), m->flags);
	st64(h + offsetof(struct ipcsvc_msg_header, length), len);
	st64(h + offsetof(struct ipcsvc_msg_header, object_count), 0);
	atomic_store_explicit(&m->state, SLOT_WORD(t, SLOT_RESERVED),
			      memory_order_relaxed);
	return m;
}

/*
 * The common reservations, decided in a few loads: append at the
 * reservation offset, or go back to the start of an empty ring, with no
 * flag to honour. These are the decisions tx_reserve() makes in those
 * cases (see there for each load's pairing), on the head the previous
 * reservation vouched for (then only to append within the offset's page)
 * or on the consumer's. false: not one of those cases, or another sender
 * thread moved first; nothing was reserved, and tx_reserve() decides in
 * full.
 */
static inline bool tx_reserve_fast(struct tx *tx, uint64_t len, uint64_t flags,
				   struct ipcsvc_msg **msgp)
{
	/* acquire: as in tx_reserve() */
	uint64_t cur = atomic_load_explicit(&tx->rsv, memory_order_acquire);
	uint64_t w = (uint32_t)cur, start = w, head, size, hc;
	uint32_t t = (uint32_t)(cur >> 32);
	bool cached;

	if (flags || is_broken(&tx->d))
		return false;
	/* pairs with the release store of pub_seq in tx_publish_one() */
	if ((uint32_t)(t - atomic_load_explicit(&tx->pub_seq,
						memory_order_acquire)) >= NSLOTS)
		return false;
	hc = atomic_load_explicit(&tx->head_cache, memory_order_relaxed);
	cached = (uint32_t)(hc >> 32) == t;
	/* pairs with the release of consumer.head in rx_retire() */
	head = cached ? (uint32_t)hc : LOAD_ACQUIRE(&tx->d.cons->head);
	/* pairs with the release store of tx->size in
	 * ipcsvc__tx_grow_locked(); loaded after head, as in tx_reserve() */
	size = atomic_load_explicit(&tx->size, memory_order_acquire);
	if (len > max_message(size) || (!cached && !pos_ok(head, size)))
		return false;
	if (w == head) {
		/* Empty: back to the start, short of head, or else on at w
		 * (tx_reserve()). A vouched head is never the offset: left to
		 * tx_reserve(). */
		if (cached)
			return false;
		if (w && len < head)
			start = 0;
		else if (w + len > size - WRAP_BYTES)
			return false;
	} else if (w > head ? w + len > size - WRAP_BYTES :
			      w + len >= head) {
		return false;
	} else if (cached && (w ^ (w + len + WRAP_BYTES - 1)) >= tx->page) {
		return false;
	}
	/* release: as in tx_reserve() */
	if (!atomic_compare_exchange_strong_explicit(&tx->rsv, &cur,
			((uint64_t)(t + 1) << 32) | (start + len),
			memory_order_acq_rel, memory_order_relaxed))
		return false;
	if (start != w)
		st64(tx->d.data + w, IPCSVC_WRAP_MAGIC);
	*msgp = tx_place(tx, t, head, start, len, 0, w == head);
	return true;
}

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
	uint64_t cur, w, size, head, consumed, start, end, hc;
	uint32_t t, pub;
	bool wrap, too_big, can_grow, fresh = false;
	int rc;

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
		/* pairs with the release store of pub_seq in tx_publish_one(): the
		 * slot of ticket t - NSLOTS has been published and is free */
		pub = atomic_load_explicit(&tx->pub_seq, memory_order_acquire);
		if ((uint32_t)(t - pub) >= NSLOTS) {
			*block = BLOCK_SLOTS;
			return -EAGAIN;
		}
		/* Only a tag that names rsv's ticket vouches for the head:
		 * its store comes after the compare-and-swap that made cur,
		 * and a later reservation changes the ticket. */
		hc = atomic_load_explicit(&tx->head_cache, memory_order_relaxed);
		if (!fresh && (uint32_t)(hc >> 32) == t) {
			head = (uint32_t)hc;
		} else {
			fresh = true;
			/* pairs with the release of consumer.consumed in
			 * rx_retire() */
			consumed = LOAD_ACQUIRE(&tx->d.cons->consumed);
			/* pairs with the release of consumer.head in
			 * rx_retire(): the consumer has finished reading
			 * everything before head */
			head = LOAD_ACQUIRE(&tx->d.cons->head);
			*seen_consumed = consumed;
		}
		/*
		 * pairs with the release store of tx->size in
		 * ipcsvc__tx_grow_locked().
		 * Loaded after head and rsv: a head or an offset that lies in
		 * room another sender thread grew came after that thread's
		 * acquire of the new size, so this load sees it too, and
		 * neither is ever past the size we check them against. (A
		 * cached head was checked against an older size; sizes only
		 * grow.)
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
		/* head == w: everything reserved has been released. */
		rc = 0;
		wrap = false;
		start = w;
		if ((flags & IPCSVC_MSG_NOQUEUE) && head != w) {
			rc = -EBUSY;
		} else if (too_big) {
			/* The smallest ring whose max_message() is len. */
			*need = 2 * len + 2 * WRAP_BYTES;
			*block = BLOCK_SIZE;
			rc = -EAGAIN;
		} else if (w >= head) {
			/* used: [head, w); free: [w, size - 8) and [0, head) */
			if (w == head && w && len < head) {
				/*
				 * Empty: go back to the start, so that a ring
				 * with one message in flight at a time keeps
				 * using its first bytes and its other pages
				 * are never touched (never made resident). The
				 * message ends before the marker, and short of
				 * head, where it would look like an empty ring.
				 */
				start = 0;
				wrap = true;
			} else if (len <= size - WRAP_BYTES - w) {
				/* start = w */
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
				rc = -EAGAIN;
			} else {
				*block = BLOCK_SPACE;
				rc = -EAGAIN;
			}
		} else if (len >= head - w) {
			/* used: [head, marker) and [0, w); free: [w, head).
			 * Room past the marker, grown or not, is usable only
			 * once the consumer has passed the marker. */
			*block = BLOCK_SPACE;
			rc = -EAGAIN;
		}
		/*
		 * A cached head vouches for one decision only: append at w,
		 * within w's page. Every other one is made again on the real
		 * head, so that at a page's end an empty ring goes back to its
		 * start rather than touch a new page.
		 */
		if (!fresh && (rc || wrap ||
			       (w ^ (w + len + WRAP_BYTES - 1)) >= tx->page)) {
			*block = BLOCK_NONE;
			fresh = true;
			continue;
		}
		if (rc)
			return rc;
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
	*msgp = tx_place(tx, t, head, start, len, flags, head == w);
	return 0;
}

/*
 * Publish @m, whose ticket @p is pub_seq's value: everything before it is
 * published, and we hold the baton for @p. The producer words are ours
 * until the store of pub_seq hands the baton on.
 */
static inline void tx_publish_one(struct tx *tx, struct ipcsvc_msg *m,
				  uint32_t p)
{
	tx->published++;
	/* WriteOffset, for inspection: pairs with the acquire of
	 * producer.tail in ipcsvc_channel_info() */
	STORE_RELEASE(&tx->d.prod->tail, msg_end(m));
	/* pairs with the acquire of producer.published in rx_take(): the
	 * message and the wrap marker before it are complete. The wake
	 * decision's ordering is the fence in tx_publish(). */
	STORE_RELEASE(&tx->d.prod->published, tx->published);
	atomic_store_explicit(&m->state, SLOT_WORD(p, SLOT_FREE),
			      memory_order_relaxed);
	/* pairs with the acquire of pub_seq in tx_reserve() and
	 * ipcsvc_channel_send(): our slot is free, our words are written */
	atomic_store_explicit(&tx->pub_seq, p + 1, memory_order_release);
}

/*
 * Publish @mine (a message whose turn had come when its sender looked, or
 * NULL) and then every sent message whose turn has come, in ticket order,
 * and wake the consumer if it may sleep. The thread that moves pub_seq
 * from p to p + 1 holds the baton for ticket p: it alone writes the
 * producer words meanwhile.
 *
 * One full fence per call while a single thread sends: publishing is
 * release stores, and the fence after them serves both pairings below.
 */
static inline void tx_publish(struct ipcsvc_channel *ch,
			      struct ipcsvc_msg *mine)
{
	struct tx *tx = ch->tx;
	bool wake = false;

	if (mine) {
		tx_publish_one(tx, mine, mine->ticket);
		wake = true;
	}
	for (;;) {
		uint32_t p;
		struct ipcsvc_msg *m;
		uint64_t expect;

		/*
		 * Dekker pairing with ipcsvc_channel_send(), which stores
		 * its slot's state (seq_cst) and then loads pub_seq
		 * (seq_cst): after our store of pub_seq and this fence,
		 * either we see its slot written here, or it sees its turn
		 * there and publishes the slot itself.
		 */
		if (wake)
			atomic_thread_fence(memory_order_seq_cst);
		p = atomic_load(&tx->pub_seq);
		m = slot_at(&tx->slot, p);
		expect = SLOT_WORD(p, SLOT_WRITTEN);
		/* Look before the compare-and-swap: with one sender thread
		 * the next slot is never written yet. */
		if (atomic_load_explicit(&m->state, memory_order_relaxed) !=
		    expect)
			break;
		/* seq_cst: two threads may both see the slot written (its
		 * sender, and a baton holder); one claims it. On success it
		 * also acquires the message's contents from the sender's
		 * seq_cst store of the state. */
		if (!atomic_compare_exchange_strong(&m->state, &expect,
				SLOT_WORD(p, SLOT_PUBLISHING)))
			break;
		tx_publish_one(tx, m, p);
		wake = true;
	}
	if (!wake)
		return;
	cpu_tell(ch);
	/*
	 * Dekker pairing with peer_wait() (queue.h), for a receiver: we store
	 * published, then the fence above, then load waiters; it increments
	 * waiters then loads published, both seq_cst. Either we see the
	 * sleeper and wake it, or it sees the new count and does not sleep.
	 * No wakeup is lost, and no wake call is made while nobody sleeps.
	 *
	 * The same pairing with the kernel's ARM (ipcsvc_area_arm() in
	 * kmod/area.c), which counts the arming then compares published with
	 * a full barrier between: either we see the arming pending and wake,
	 * or it sees our message and fires at once. An event loop that is
	 * awake has no arming pending, and costs us no wake call.
	 */
	if (LOAD_SEQCST(&tx->d.cons->waiters) || armed_pending(
			&tx->d.id->readable_armed, &tx->d.id->readable_fired))
		ch->ops->wake(ch->ops_ctx, tx->d.dir, &tx->d.prod->published,
			      published_off(&tx->d));
}

static inline int check_alloc(struct ipcsvc_channel *ch, uint64_t size,
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
	/* Bounds that keep ipcsvc_msg_space() far from overflow; either is
	 * past any area's max_size anyway. */
	if (size > IPCSVC_AREA_MAX_SIZE_LIMIT ||
	    object_count > IPCSVC_AREA_MAX_SIZE_LIMIT / (OBJ_BYTES + 7))
		return -EMSGSIZE;
	/* @size is the objects' data; their headers and padding are ours
	 * to add, so that any @object_count objects of @size bytes fit. */
	*lenp = ipcsvc_msg_space(size, object_count);
	/* With auto-growth, whether a message can ever fit is a matter of
	 * max_size alone: decided here, once, and never after a wait. */
	if (ch->tx->autogrow && *lenp > max_message(ch->tx->d.max_size))
		return -EMSGSIZE;
	return 0;
}

int ipcsvc__tx_grow_locked(struct ipcsvc_channel *ch, uint64_t new_size)
{
	struct tx *tx = ch->tx;
	/* The backend publishes identity.size with a release store before
	 * we use the new room. */
	int rc = ch->ops->grow(ch->ops_ctx, tx->d.id, new_size);

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
	qlock_take(&tx->grow_lock);
	/* Only grow_lock holders store tx->size: the lock orders it. */
	cur = atomic_load_explicit(&tx->size, memory_order_relaxed);
	if (cur < need && cur < tx->d.max_size) {
		target = 2 * cur > need ? 2 * cur : need;
		target = (target + tx->page - 1) / tx->page * tx->page;
		if (target > tx->d.max_size)
			target = tx->d.max_size;
		rc = ipcsvc__tx_grow_locked(ch, target);
	}
	qlock_give(&tx->grow_lock);
	return rc;
}

/*
 * tx_reserve(), growing the area first wherever the committed size is
 * what is missing. Each round either reserves, fails, or finds the size
 * larger than before (grown here or by another sender thread), and the
 * size is bounded by max_size: the loop ends.
 */
static int tx_alloc_slow(struct ipcsvc_channel *ch, uint64_t len,
			 uint64_t flags, struct ipcsvc_msg **msgp,
			 enum reserve_block *block, uint64_t *seen_consumed)
{
	uint64_t need;
	int rc = slots_ready(ch, &ch->tx->slot, true);

	if (rc)
		return rc;
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

/*
 * Allocate @len bytes: the common case on tx_reserve_fast(), every other
 * one on tx_alloc_slow(), whose stack frame the common case does without.
 */
static inline int tx_alloc(struct ipcsvc_channel *ch, uint64_t len,
			   uint64_t flags, struct ipcsvc_msg **msgp,
			   enum reserve_block *block, uint64_t *seen_consumed)
{
	/* pairs with the release in ipcsvc__slots_make(), as in
	 * slots_ready(): without a table, tx_alloc_slow() makes it */
	if (atomic_load_explicit(&ch->tx->slot, memory_order_acquire) &&
	    tx_reserve_fast(ch->tx, len, flags, msgp))
		return 0;
	return tx_alloc_slow(ch, len, flags, msgp, block, seen_consumed);
}

static inline void write_id(struct ipcsvc_channel *ch, struct ipcsvc_msg *m,
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

int ipcsvc_channel_allocate_for_send_timeout(struct ipcsvc_channel *ch,
					     uint64_t size, uint64_t message_id,
					     uint64_t object_count,
					     uint64_t flags,
					     struct ipcsvc_msg **msgp,
					     ipcsvc_timeout_t timeout)
{
	struct ipcsvc_deadline d;
	enum reserve_block block;
	uint64_t len, seen;
	uint32_t spins = 0;
	struct tx *tx;
	int rc = check_alloc(ch, size, object_count, flags, msgp, &len);

	if (!rc && !ipcsvc__timeout_valid(timeout))
		rc = -EINVAL;
	if (rc)
		return rc;
	tx = ch->tx;
	/* Room already there costs no clock read, nor does room the
	 * consumer makes within the first polls. Both kinds of wait watch
	 * its release count. */
	rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
	if (rc == -EAGAIN && block == BLOCK_SPACE &&
	    spin_before_clock(ch, &tx->d.cons->consumed, seen,
			      &tx->d.cons->cpu, &spins, timeout))
		rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
	if (rc == -EAGAIN)
		rc = ipcsvc__deadline_init(&d, timeout) ?: -EAGAIN;
	while (rc == -EAGAIN) {
		if (ipcsvc__deadline_passed(&d)) {
			rc = -ETIMEDOUT;
			break;
		}
		/* Slots come back when this process's own senders send. */
		if (block == BLOCK_SLOTS) {
			sched_yield();
			rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
			continue;
		}
		rc = peer_wait(ch, &tx->d, &tx->d.cons->consumed,
			       consumed_off(&tx->d), seen, &tx->d.prod->waiters, &tx->d.cons->cpu,
			       &spins, &d);
		if (rc)
			break;
		rc = tx_alloc(ch, len, flags, msgp, &block, &seen);
	}
	if (!rc)
		write_id(ch, *msgp, message_id, object_count);
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
	/* Our turn already (pairs with the release of pub_seq in
	 * tx_publish_one()): nobody else publishes a slot that never shows
	 * SLOT_WRITTEN, so no compare-and-swap is needed. */
	if (atomic_load_explicit(&ch->tx->pub_seq, memory_order_acquire) ==
	    msg->ticket) {
		tx_publish(ch, msg);
		return 0;
	}
	/* seq_cst: Dekker pairing with the fence then load of the slot
	 * state in tx_publish(); then our own look at pub_seq there */
	atomic_store(&msg->state, SLOT_WORD(msg->ticket, SLOT_WRITTEN));
	tx_publish(ch, NULL);
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
	qlock_take(&tx->grow_lock);
	cur = atomic_load_explicit(&tx->size, memory_order_relaxed);
	if (new_size < cur)
		rc = -EINVAL;
	else if (new_size > cur)
		rc = ipcsvc__tx_grow_locked(ch, new_size);
	qlock_give(&tx->grow_lock);
	return rc;
}
