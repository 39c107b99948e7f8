// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Channels: opening one over two mapped areas (checking what each area's
 * identity says before trusting it), closing it, and a snapshot of its
 * state. The sending and receiving sides are producer.c and consumer.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

/* Where the byte at @off of the area's layout is mapped here. */
static uint8_t *view_at(const struct ipcsvc__area_view *v, uint64_t page,
			uint64_t off)
{
	return v->area ? v->area + off : v->page[off / page] + off % page;
}

/*
 * Check an area's identity and remember its layout. The identity is the
 * kernel's (or ipcsvc_area_format()'s) and does not change but for size
 * and closed (see dir_closed()); it is still read once and checked, so a
 * bad mapping fails here with -EPROTO rather than faulting later.
 *
 * The identity sits at @v->id_off of the area's first page (MAP_INFO's
 * identity_offset: with the module the two areas of a channel share one
 * identity page, the server-to-client area's identity at
 * IPCSVC_IDENTITY_STRIDE), before the producer words. Every offset it
 * holds is from the area's start, not from the identity. A view of the
 * header pages alone (@v->area NULL) must have the module's layout: the
 * producer words in the second page, the consumer words in the third; its
 * data region is mapped later (dir_map_data()).
 */
static int dir_open(struct dir *d, const struct ipcsvc__area_view *v,
		    uint32_t dir, uint64_t page, uint64_t *sizep)
{
	uint64_t magic, size, max, poff, coff, doff, bytes, id_off = v->id_off;
	/* bytes mapped from the area's start: with header pages alone,
	 * the page of each struct is checked below instead */
	uint64_t len = v->area ? v->len : 3 * page;
	struct ipcsvc_area_identity *id;

	if (v->area ? (uintptr_t)v->area % 8 || v->len < sizeof(*id) :
		      !v->page[0] || !v->page[1] || !v->page[2] ||
		      (uintptr_t)v->page[0] % 8 || (uintptr_t)v->page[1] % 8 ||
		      (uintptr_t)v->page[2] % 8)
		return -EINVAL;
	if (id_off % 8 || id_off > page - sizeof(*id) ||
	    id_off > len - sizeof(*id))
		return -EPROTO;
	id = (struct ipcsvc_area_identity *)view_at(v, page, id_off);
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
	if (!v->area && (poff / page != 1 ||
			 poff % page > page - sizeof(*d->prod) ||
			 coff / page != 2 ||
			 coff % page > page - sizeof(*d->cons)))
		return -EPROTO;
	/* size 0: nothing committed yet (a module area before its first
	 * GROW); otherwise a ring with room for a message */
	if (max > IPCSVC_AREA_MAX_SIZE_LIMIT || max % 8 || max < MIN_RING ||
	    size % 8 || size > max || (size && size < MIN_RING))
		return -EPROTO;
	if (bytes != doff + max ||
	    (v->area && (doff > len || max > len - doff)))
		return -EPROTO;

	d->id = id;
	d->prod = (struct ipcsvc_area_producer *)view_at(v, page, poff);
	d->cons = (struct ipcsvc_area_consumer *)view_at(v, page, coff);
	d->data = v->area ? v->area + doff : NULL;
	d->dir = dir;
	d->id_off = id_off;
	d->prod_off = poff;
	d->cons_off = coff;
	d->data_off = doff;
	d->max_size = max;
	atomic_init(&d->broken, false);
	*sizep = size;
	return 0;
}

/*
 * Take the whole-area view @v of the area whose header pages @d was opened
 * on. It must be the same area: an identity at the same place that says
 * the same (a handle closed and given out again behind the library's back
 * would name another channel), and room for the data region.
 */
static int dir_map_data(struct dir *d, const struct ipcsvc__area_view *v,
			uint64_t page)
{
	const struct ipcsvc_area_identity *id;

	if (!v->area || (uintptr_t)v->area % page || v->id_off != d->id_off ||
	    v->len < d->data_off || d->max_size > v->len - d->data_off)
		return -EPROTO;
	id = (const struct ipcsvc_area_identity *)(v->area + d->id_off);
	if (LOAD_RELAXED(&id->magic) != IPCSVC_AREA_MAGIC ||
	    LOAD_RELAXED(&id->max_size) != d->max_size ||
	    LOAD_RELAXED(&id->producer_offset) != d->prod_off ||
	    LOAD_RELAXED(&id->consumer_offset) != d->cons_off ||
	    LOAD_RELAXED(&id->data_offset) != d->data_off ||
	    memcmp((const void *)id->protocol_name,
		   (const void *)d->id->protocol_name,
		   sizeof(id->protocol_name)) ||
	    LOAD_RELAXED(&id->protocol_version) !=
	    LOAD_RELAXED(&d->id->protocol_version))
		return -EPROTO;
	d->data = v->area + d->data_off;
	return 0;
}

int ipcsvc__channel_map_data(struct ipcsvc_channel *ch)
{
	struct ipcsvc__area_view tx = { 0 }, rx = { 0 };
	long page = sysconf(_SC_PAGESIZE);
	int rc = 0;

	/* pairs with the release below: the data pointers are set */
	if (atomic_load_explicit(&ch->data_mapped, memory_order_acquire))
		return 0;
	qlock_take(&ch->data_lock);
	if (atomic_load_explicit(&ch->data_mapped, memory_order_relaxed))
		goto out;
	rc = ch->ops->map_data(ch->ops_ctx, ch->tx ? &tx : NULL,
			       ch->rx ? &rx : NULL);
	if (!rc && ch->tx)
		rc = dir_map_data(&ch->tx->d, &tx, (uint64_t)page);
	if (!rc && ch->rx)
		rc = dir_map_data(&ch->rx->d, &rx, (uint64_t)page);
	if (!rc)
		/* pairs with the acquire above */
		atomic_store_explicit(&ch->data_mapped, true,
				      memory_order_release);
out:
	qlock_give(&ch->data_lock);
	return rc;
}

static int tx_open(struct tx *tx, const struct ipcsvc__area_view *v,
		   uint64_t page, bool autogrow)
{
	uint64_t size, tail;
	int rc = dir_open(&tx->d, v, IPCSVC_DIR_TX, page, &size);

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
	/* a tag no ticket has yet: the first reservation reads head */
	atomic_init(&tx->head_cache, (uint64_t)UINT32_MAX << 32);
	atomic_init(&tx->pub_seq, 0);
	atomic_init(&tx->size, size);
	atomic_init(&tx->slot, NULL);
	atomic_init(&tx->grow_lock.word, 0);
	return 0;
}

static int rx_open(struct rx *rx, const struct ipcsvc__area_view *v,
		   uint64_t page)
{
	uint64_t size, head;
	int rc = dir_open(&rx->d, v, IPCSVC_DIR_RX, page, &size);

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
	rx->known = rx->consumed;
	rx->rcv_seq = 0;
	atomic_init(&rx->rel_seq, 0);
	atomic_init(&rx->lock.word, 0);
	atomic_init(&rx->slot, NULL);
	return 0;
}

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

	qlock_take(&tx->grow_lock);
	if (atomic_load_explicit(&tx->size, memory_order_relaxed) == 0)
		rc = ipcsvc__tx_grow_locked(ch, want);
	qlock_give(&tx->grow_lock);
	return rc;
}

int ipcsvc__channel_open_views(const struct ipcsvc__area_view *tx,
			       const struct ipcsvc__area_view *rx,
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
	if ((!tx && !rx) || !ops || page <= 0)
		return -EINVAL;
	if (tx && rx && tx->area && tx->area == rx->area)
		return -EINVAL;
	/* header pages alone: the data regions come from the backend */
	if (((tx && !tx->area) || (rx && !rx->area)) && !ops->map_data)
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
	atomic_init(&ch->data_lock.word, 0);
	ch->ops = ops;
	ch->ops_ctx = ops_ctx;
	ch->wait_mode = attr ? attr->wait_mode : IPCSVC_WAIT_ADAPTIVE;
	ch->spin_count = attr && attr->spin_count ? attr->spin_count :
			 IPCSVC_SPIN_DEFAULT;
	/* whole areas are mapped already; header pages are completed by
	 * ipcsvc__channel_map_data() */
	atomic_init(&ch->data_mapped, (!tx || tx->area) && (!rx || rx->area));
	if (tx) {
		ch->tx = calloc(1, sizeof(*ch->tx));
		rc = ch->tx ? tx_open(ch->tx, tx, (uint64_t)page, !attr ||
				      !(attr->flags & IPCSVC_CHANNEL_NO_AUTOGROW)) :
			      -ENOMEM;
		if (rc) {
			free(ch->tx);
			ch->tx = NULL;
			goto fail;
		}
	}
	if (rx) {
		ch->rx = calloc(1, sizeof(*ch->rx));
		rc = ch->rx ? rx_open(ch->rx, rx, (uint64_t)page) : -ENOMEM;
		if (rc) {
			free(ch->rx);
			ch->rx = NULL;
			goto fail;
		}
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

int ipcsvc__channel_open_ops(void *tx, size_t tx_len, uint64_t tx_id_off,
			     void *rx, size_t rx_len, uint64_t rx_id_off,
			     const struct ipcsvc_channel_attr *attr,
			     const struct ipcsvc_wait_ops *ops, void *ops_ctx,
			     struct ipcsvc_channel **chp)
{
	struct ipcsvc__area_view t = { .area = tx, .len = tx_len,
				       .id_off = tx_id_off };
	struct ipcsvc__area_view r = { .area = rx, .len = rx_len,
				       .id_off = rx_id_off };

	if (!chp)
		return -EINVAL;
	*chp = NULL;
	if ((tx && !tx_len) || (rx && !rx_len))
		return -EINVAL;
	return ipcsvc__channel_open_views(tx ? &t : NULL, rx ? &r : NULL,
					  attr, ops, ops_ctx, chp);
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
	if (ch->layer_free)
		ch->layer_free(atomic_load_explicit(&ch->layer,
						    memory_order_acquire));
	if (ch->tx) {
		free(atomic_load_explicit(&ch->tx->slot, memory_order_relaxed));
		free(ch->tx);
	}
	if (ch->rx) {
		free(atomic_load_explicit(&ch->rx->slot, memory_order_relaxed));
		free(ch->rx);
	}
	free(ch);
}

int ipcsvc__slots_make(struct ipcsvc_channel *ch,
		       struct ipcsvc_msg *_Atomic *table, bool tx)
{
	struct ipcsvc_msg *none = NULL, *slots;
	/* slots_ready() found none: map the data first, then make one, and
	 * race to install it */
	int rc = ipcsvc__channel_map_data(ch);

	if (rc)
		return rc;
	slots = calloc(NSLOTS, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (unsigned int i = 0; i < NSLOTS; i++) {
		slots[i].ch = ch;
		slots[i].tx = tx;
		atomic_init(&slots[i].state, SLOT_WORD(0, SLOT_FREE));
	}
	/* release: pairs with the acquires in slots_ready() and
	 * slot_of(); the first sender thread to get here installs its
	 * table, the others free theirs */
	if (!atomic_compare_exchange_strong_explicit(table, &none, slots,
			memory_order_release, memory_order_acquire))
		free(slots);
	return 0;
}

void *ipcsvc__channel_layer(struct ipcsvc_channel *ch)
{
	/* pairs with the release in ipcsvc__channel_set_layer() */
	return atomic_load_explicit(&ch->layer, memory_order_acquire);
}

bool ipcsvc__channel_set_layer(struct ipcsvc_channel *ch, void *state,
			       void (*free_fn)(void *state))
{
	void *none = NULL;

	/* release: the state is initialised before another thread uses it */
	if (!atomic_compare_exchange_strong_explicit(&ch->layer, &none, state,
			memory_order_release, memory_order_acquire))
		return false;
	/* Only the winner stores it; ipcsvc_channel_close() reads it after
	 * every user of the channel is done. */
	ch->layer_free = free_fn;
	return true;
}

int ipcsvc__channel_arm_word(struct ipcsvc_channel *ch, uint32_t dir,
			     uint64_t *off, uint64_t *value)
{
	if (dir == IPCSVC_DIR_RX && ch->rx) {
		*off = published_off(&ch->rx->d);
		/* our own word: the messages released here */
		*value = LOAD_SEQCST(&ch->rx->d.cons->consumed);
		return 0;
	}
	if (dir == IPCSVC_DIR_TX && ch->tx) {
		*off = consumed_off(&ch->tx->d);
		*value = LOAD_SEQCST(&ch->tx->d.cons->consumed);
		return 0;
	}
	return -EINVAL;
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

		/* pairs with the release of identity.size in futex_backend_grow() */
		info->rx_size = LOAD_ACQUIRE(&rx->d.id->size);
		info->rx_max_size = rx->d.max_size;
		/* pairs with the release of producer.published in tx_publish();
		 * consumed is our own word */
		info->rx_queued = LOAD_ACQUIRE(&rx->d.prod->published) -
				  LOAD_RELAXED(&rx->d.cons->consumed);
		if (is_broken(&rx->d))
			info->broken |= IPCSVC_BROKEN_RX;
	}
	return 0;
}
