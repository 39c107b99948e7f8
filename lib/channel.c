// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Channels: opening one over two mapped areas (checking what each area's
 * identity says before trusting it), closing it, and a snapshot of its
 * state. The sending and receiving sides are producer.c and consumer.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

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
	/* a tag no ticket has yet: the first reservation reads head */
	atomic_init(&tx->head_cache, (uint64_t)UINT32_MAX << 32);
	atomic_init(&tx->pub_seq, 0);
	atomic_init(&tx->size, size);
	atomic_init(&tx->slot, NULL);
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

	pthread_mutex_lock(&tx->grow_lock);
	if (atomic_load_explicit(&tx->size, memory_order_relaxed) == 0)
		rc = ipcsvc__tx_grow_locked(ch, want);
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
	if (ch->layer_free)
		ch->layer_free(atomic_load_explicit(&ch->layer,
						    memory_order_acquire));
	if (ch->tx) {
		pthread_mutex_destroy(&ch->tx->grow_lock);
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

	/* slots_ready() found none: make one, and race to install it */
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
