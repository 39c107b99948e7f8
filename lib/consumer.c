// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The receiving side of a channel: validating what the peer published,
 * handing messages out, waiting for them, and releasing their space in
 * order (waking a producer that waits for room).
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "queue.h"

/* Bytes after a message's first line that a receive asks for at once. */
#define RX_PREFETCH_BYTES	(4 * CACHE_LINE)

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
	/* Allocated and written; NoQueue the only other known flag. */
	_Static_assert(MSG_KNOWN_FLAGS == (IPCSVC_MSG_ALLOCATED |
			IPCSVC_MSG_WRITTEN | IPCSVC_MSG_NOQUEUE),
		       "one compare checks every known flag");
	if ((flags & ~IPCSVC_MSG_NOQUEUE) !=
	    (IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN))
		return -EBADMSG;
	if (count > (len - HDR_BYTES) / OBJ_BYTES)
		return -EBADMSG;
	end = off + len;
	/*
	 * Each object header's place depends on the length before it, so
	 * with several objects the walk below would miss the lines the peer
	 * just wrote one after another. Ask for the first few now, to
	 * arrive together; a larger message is mostly payload, which its
	 * reader streams in order.
	 */
	if (count > 1)
		for (p = (off | (CACHE_LINE - 1)) + 1;
		     p < end && p <= off + RX_PREFETCH_BYTES; p += CACHE_LINE)
			__builtin_prefetch(rx->d.data + p);
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
	m->length = len;
	m->flags = flags;
	m->object_count = count;
	m->id = ld64(h + offsetof(struct ipcsvc_msg_header, id));
	return 0;
}

/*
 * Take in the committed size @size, loaded with acquire, that differs from
 * the one last taken in (or is 0): 0, or -EBADMSG with the direction
 * marked broken. Called with the rx lock held, once a message is
 * published.
 */
static int rx_size_check(struct rx *rx, uint64_t size)
{
	if (size == 0) {
		/*
		 * A message is published, but no data page is committed.
		 * The acquire of the caller already sees the size of the
		 * producer's first growth, which came before its first
		 * publish; look once more all the same (pairs with the
		 * release of identity.size in futex_backend_grow() or the
		 * kernel's) before calling it corruption. Still 0: the
		 * producer published what it cannot have written. The data
		 * region is never touched.
		 */
		size = LOAD_ACQUIRE(&rx->d.id->size);
		if (size == 0)
			return mark_broken(&rx->d, false);
	}
	if (size < rx->size || size > rx->d.max_size || size % 8 ||
	    size < MIN_RING)
		return mark_broken(&rx->d, false);
	rx->size = size;
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

	qlock_take(&rx->lock);
	if (is_broken(&rx->d)) {
		rc = -EBADMSG;
		goto out;
	}
	/* pairs with the release of rel_seq in rx_retire(): the slot of
	 * ticket rcv_seq - NSLOTS is free */
	if ((uint32_t)(rx->rcv_seq - atomic_load_explicit(&rx->rel_seq,
			memory_order_acquire)) >= NSLOTS) {
		rc = -ENOBUFS;
		goto out;
	}
	/* Messages counted by the last look at published come first: the
	 * producer's line, which it writes on every message, is read only
	 * once they are all taken. */
	pub = rx->known;
	if (pub == rx->received) {
		/* pairs with the release of producer.published in
		 * tx_publish_one(): the messages it counts, and wrap markers,
		 * are complete */
		pub = LOAD_ACQUIRE(&rx->d.prod->published);
		if (pub == rx->received) {
			if (!dir_closed(&rx->d)) {
				*seen_published = pub;
				rc = -EAGAIN;
				goto out;
			}
			/*
			 * Closed. The producer may have published more
			 * between our load of published and that of the
			 * flag: look again. This load is ordered after the
			 * acquire in dir_closed(), so it sees every message
			 * published before the close, and those are still
			 * delivered; only an empty channel is -EPIPE.
			 * pairs with the release of producer.published in
			 * tx_publish_one().
			 */
			pub = LOAD_ACQUIRE(&rx->d.prod->published);
			if (pub == rx->received) {
				rc = -EPIPE;
				goto out;
			}
		}
		/* Went backwards, or more messages than fit the area? */
		if (pub - rx->received > rx->d.max_size / HDR_BYTES) {
			rc = mark_broken(&rx->d, false);
			goto out;
		}
		rx->known = pub;
	}
	*seen_published = pub;
	/* pairs with the release of identity.size in futex_backend_grow()
	 * (or the kernel's): the producer grew before publishing anything
	 * placed in the new room, so this is at least as new as the
	 * message */
	size = LOAD_ACQUIRE(&rx->d.id->size);
	/* The size checked last time needs no new check: sizes only grow */
	if (size != rx->size || size == 0) {
		rc = rx_size_check(rx, size);
		if (rc)
			goto out;
	}
	/* under the lock: no other receiver makes it meanwhile */
	rc = slots_ready(ch, &rx->slot, false);
	if (rc)
		goto out;
	m = slot_at(&rx->slot, rx->rcv_seq);
	if (rx_parse(rx, rx->next, m)) {
		/* Zeroes where a message was: the server closed and the
		 * kernel took the pages back. Unread replies are gone. */
		rc = dir_revoked(&rx->d) ? -EPIPE : mark_broken(&rx->d, false);
		goto out;
	}
	m->ticket = rx->rcv_seq;
	atomic_store_explicit(&m->state, SLOT_WORD(m->ticket, SLOT_RESERVED),
			      memory_order_relaxed);
	rx->next = msg_end(m);
	cpu_tell(ch);
	rx->received++;
	rx->rcv_seq++;
	*msgp = m;
	rc = 0;
out:
	qlock_give(&rx->lock);
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

int ipcsvc__channel_receive_until(struct ipcsvc_channel *ch,
				  struct ipcsvc_msg **msgp,
				  ipcsvc_timeout_t timeout,
				  struct ipcsvc_deadline *d)
{
	uint32_t spins = 0;
	uint64_t seen;
	struct rx *rx;
	int rc;

	if (!msgp)
		return -EINVAL;
	*msgp = NULL;
	if (!ch || !ch->rx || !ipcsvc__timeout_valid(timeout))
		return -EINVAL;
	rx = ch->rx;
	/* A message already there costs no clock read, nor does one that
	 * comes within the first polls. */
	rc = rx_take(ch, msgp, &seen);
	if (rc != -EAGAIN)
		return rc;
	/* the producer's count, which both kinds of wait watch */
	if (spin_before_clock(ch, &rx->d.prod->published, seen,
			      &rx->d.prod->cpu, &spins, timeout)) {
		rc = rx_take(ch, msgp, &seen);
		if (rc != -EAGAIN)
			return rc;
	}
	rc = ipcsvc__deadline_init(d, timeout);
	if (rc)
		return rc;
	for (;;) {
		if (ipcsvc__deadline_passed(d))
			return -ETIMEDOUT;
		rc = peer_wait(ch, &rx->d, &rx->d.prod->published,
			       published_off(&rx->d), seen, &rx->d.cons->waiters, &rx->d.prod->cpu,
			       &spins, d);
		if (rc)
			return rc;
		rc = rx_take(ch, msgp, &seen);
		if (rc != -EAGAIN)
			return rc;
	}
}

int ipcsvc_channel_receive_timeout(struct ipcsvc_channel *ch,
				   struct ipcsvc_msg **msgp,
				   ipcsvc_timeout_t timeout)
{
	struct ipcsvc_deadline d;

	return ipcsvc__channel_receive_until(ch, msgp, timeout, &d);
}

/*
 * Retire the message @m of ticket @p, whose turn it is (rel_seq is @p)
 * and which we claimed, then every released message whose turn comes
 * after it, in order, and tell the producer. The thread that claims the
 * slot of rel_seq's ticket holds the baton: it alone writes consumed and
 * head, and rx->consumed, until its store of rel_seq hands the baton on.
 */
static void rx_retire(struct ipcsvc_channel *ch, struct ipcsvc_msg *m,
		      uint32_t p)
{
	struct rx *rx = ch->rx;
	uint64_t expect;

	for (;;) {
		rx->consumed++;
		/* pairs with the acquire of consumer.head in tx_reserve(): we
		 * are done reading everything before it */
		STORE_RELEASE(&rx->d.cons->head, msg_end(m));
		/* pairs with the acquire of consumer.consumed in
		 * tx_reserve() */
		STORE_RELEASE(&rx->d.cons->consumed, rx->consumed);
		atomic_store_explicit(&m->state, SLOT_WORD(0, SLOT_FREE),
				      memory_order_relaxed);
		/* release: pairs with the acquire of rel_seq in rx_take()
		 * (the slot is free) and in ipcsvc_channel_release() (our
		 * words are written: the baton passes) */
		atomic_store_explicit(&rx->rel_seq, ++p, memory_order_release);
		/*
		 * One fence for three Dekker pairings. With the releaser of
		 * ticket p, which marks its slot written (seq_cst) and then
		 * loads rel_seq (seq_cst): either we see the slot written
		 * below, or it sees its turn and retires itself. With
		 * peer_wait() (queue.h), for a sender waiting for room: it
		 * increments producer.waiters then loads consumed, both
		 * seq_cst. With the kernel's count of a ChannelWritable
		 * arming (ipcsvc_area_arm()). Either we see the sleeper (or
		 * arming) below, or it sees our new count.
		 */
		atomic_thread_fence(memory_order_seq_cst);
		m = slot_at(&rx->slot, p);
		expect = SLOT_WORD(p, SLOT_WRITTEN);
		/* Look before the compare-and-swap: with one receiving
		 * thread the next slot is rarely released yet. Two threads
		 * may both see it written (its releaser, and us); one
		 * claims it. */
		if (atomic_load_explicit(&m->state, memory_order_relaxed) !=
		    expect ||
		    !atomic_compare_exchange_strong(&m->state, &expect,
				SLOT_WORD(p, SLOT_RETIRING)))
			break;
	}
	if (LOAD_SEQCST(&rx->d.prod->waiters) || armed_pending(
			&rx->d.id->writable_armed, &rx->d.id->writable_fired))
		ch->ops->wake(ch->ops_ctx, rx->d.dir, &rx->d.cons->consumed,
			      consumed_off(&rx->d));
}

int ipcsvc_channel_release(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg)
{
	uint64_t expect;
	uint32_t t;
	struct rx *rx;

	if (!ch || !ch->rx || !msg || !slot_of(&ch->rx->slot, msg))
		return -EINVAL;
	rx = ch->rx;
	t = msg->ticket;
	expect = SLOT_WORD(t, SLOT_RESERVED);
	/*
	 * Our turn already (pairs with the release of rel_seq in
	 * rx_retire(): the words are ours): nobody else retires a slot that
	 * never shows written. The swap only catches a second release of
	 * the handle.
	 */
	if (atomic_load_explicit(&rx->rel_seq, memory_order_acquire) == t) {
		if (!atomic_compare_exchange_strong_explicit(&msg->state,
				&expect, SLOT_WORD(t, SLOT_RETIRING),
				memory_order_relaxed, memory_order_relaxed))
			return -EINVAL;
		rx_retire(ch, msg, t);
		return 0;
	}
	/* seq_cst: Dekker pairing with the fence then load of the slot
	 * state in rx_retire(); then our own look at rel_seq */
	if (!atomic_compare_exchange_strong(&msg->state, &expect,
					    SLOT_WORD(t, SLOT_WRITTEN)))
		return -EINVAL;
	expect = SLOT_WORD(t, SLOT_WRITTEN);
	if (atomic_load(&rx->rel_seq) == t &&
	    atomic_compare_exchange_strong(&msg->state, &expect,
					   SLOT_WORD(t, SLOT_RETIRING)))
		rx_retire(ch, msg, t);
	return 0;
}
