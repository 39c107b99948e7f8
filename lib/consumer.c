// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The receiving side of a channel: validating what the peer published,
 * handing messages out, waiting for them, and releasing their space in
 * order (waking a producer that waits for room).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>

#include "queue.h"

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

	rx_lock_take(&rx->lock);
	if (is_broken(&rx->d)) {
		rc = -EBADMSG;
		goto out;
	}
	if ((uint32_t)(rx->rcv_seq - rx->rel_seq) >= NSLOTS) {
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
		/* Went backwards, or more unreleased messages than fit the
		 * area? */
		if (pub - rx->consumed < rx->received - rx->consumed ||
		    pub - rx->consumed > rx->d.max_size / HDR_BYTES) {
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
	rx_lock_give(&rx->lock);
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
				   struct ipcsvc_msg **msgp,
				   ipcsvc_timeout_t timeout)
{
	struct ipcsvc_deadline d;
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
	/* A message already there costs no clock read. */
	rc = rx_take(ch, msgp, &seen);
	if (rc != -EAGAIN)
		return rc;
	rc = ipcsvc__deadline_init(&d, timeout);
	if (rc)
		return rc;
	for (;;) {
		if (ipcsvc__deadline_passed(&d))
			return -ETIMEDOUT;
		rc = peer_wait(ch, &rx->d, rx->d.prod_off +
			       offsetof(struct ipcsvc_area_producer, published),
			       seen, &rx->d.cons->waiters, &rx->d.prod->cpu,
			       &spins, &d);
		if (rc)
			return rc;
		rc = rx_take(ch, msgp, &seen);
		if (rc != -EAGAIN)
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
		struct ipcsvc_msg *m = slot_at(&rx->slot, rx->rel_seq);

		if (atomic_load_explicit(&m->state, memory_order_relaxed) !=
		    SLOT_WORD(rx->rel_seq, SLOT_WRITTEN))
			break;
		head = msg_end(m);
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
	 * consumer.consumed in peer_wait() (queue.h) */
	STORE_SEQCST(&rx->d.cons->consumed, rx->consumed);
	/* seq_cst: pairs with the seq_cst increment of producer.waiters in
	 * peer_wait() (queue.h), and with the kernel's
	 * count of a ChannelWritable arming (ipcsvc_area_arm()); as in
	 * tx_publish(), either we see the sleeper (or arming) or it sees our
	 * new count */
	if (LOAD_SEQCST(&rx->d.prod->waiters) || armed_pending(
			&rx->d.id->writable_armed, &rx->d.id->writable_fired))
		ch->ops->wake(ch->ops_ctx, rx->d.area,
			      rx->d.cons_off + offsetof(struct ipcsvc_area_consumer,
							consumed));
}

int ipcsvc_channel_release(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg)
{
	struct rx *rx;
	int rc = 0;

	if (!ch || !ch->rx || !msg || !slot_of(&ch->rx->slot, msg))
		return -EINVAL;
	rx = ch->rx;
	rx_lock_take(&rx->lock);
	if (atomic_load_explicit(&msg->state, memory_order_relaxed) !=
	    SLOT_WORD(msg->ticket, SLOT_RESERVED)) {
		rc = -EINVAL;
	} else {
		atomic_store_explicit(&msg->state,
				      SLOT_WORD(msg->ticket, SLOT_WRITTEN),
				      memory_order_relaxed);
		rx_retire(ch);
	}
	rx_lock_give(&rx->lock);
	return rc;
}
