/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The channel queue engine's private state, shared by its parts:
 * channel.c opens and closes a channel, producer.c is the sending side,
 * consumer.c the receiving side and message.c the objects of a message.
 * Documentation/library.md explains the algorithm; the comments here
 * explain the code.
 *
 * Trust: the peer's words and the data region it writes may change under
 * us at any time. Each shared word is read once into a local and checked
 * before use; positions and sizes that steer our own accesses are kept in
 * private memory. A check that fails marks the direction broken and every
 * later call on it returns -EBADMSG.
 */
#ifndef IPCSVC_LIB_QUEUE_H
#define IPCSVC_LIB_QUEUE_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 35)
#include <sys/rseq.h>
#endif

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/* Messages one side may hold between allocate and send (or receive and
 * release) at once. */
#define NSLOTS		64U
_Static_assert((NSLOTS & (NSLOTS - 1)) == 0, "slot_of() masks with NSLOTS");

#define HDR_BYTES	((uint64_t)sizeof(struct ipcsvc_msg_header))
#define OBJ_BYTES	((uint64_t)sizeof(struct ipcsvc_obj_header))
#define WRAP_BYTES	8ULL
#define CACHE_LINE	64ULL
/* Polls between two looks at the caller's whole path (clock, closed
 * channel, yield in busy-poll mode): 64 pauses are 1.6 us on an EPYC. */
#define SPIN_BATCH	64U

#define MSG_KNOWN_FLAGS	(IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN | \
			 IPCSVC_MSG_NOQUEUE)

/* Slot states; a slot's state word is (ticket << 2) | state. */
enum {
	SLOT_FREE = 0,
	SLOT_RESERVED = 1,	/* tx: allocated; rx: received */
	SLOT_WRITTEN = 2,	/* tx: sent, waiting for its turn; rx: released */
	SLOT_PUBLISHING = 3,	/* tx: being published */
	SLOT_RETIRING = 3,	/* rx: being retired */
};

#define SLOT_WORD(ticket, st)	(((uint64_t)(uint32_t)(ticket) << 2) | (st))

/*
 * A message descriptor: one cache line, so that a table of NSLOTS is one
 * page and a handle is checked with a mask. The 32-bit fields hold values
 * below IPCSVC_AREA_MAX_SIZE_LIMIT (2^31): lengths and offsets within a
 * message, and the object counts that fit one.
 */
struct ipcsvc_msg {
	struct ipcsvc_channel *ch;
	_Atomic uint64_t state;
	uint64_t id;
	uint64_t start;		/* offset of the header in the data region */
	uint64_t length;	/* it ends at start + length */
	uint32_t ticket;
	uint32_t flags;
	uint32_t object_count;	/* tx: added so far; rx: validated count */
	uint32_t object_limit;	/* tx: at most this many */
	uint32_t fill;		/* tx: next free offset in the message */
	bool tx;
};

_Static_assert(sizeof(struct ipcsvc_msg) == CACHE_LINE, "a descriptor is a line");

/* Where @m ends in the data region: where the next message may go. */
static inline uint64_t msg_end(const struct ipcsvc_msg *m)
{
	return m->start + m->length;
}
_Static_assert(IPCSVC_AREA_MAX_SIZE_LIMIT <= UINT32_MAX,
	       "message lengths fit the descriptor's 32-bit fields");

/*
 * One area, as mapped here. Everything but the pointers' targets is ours.
 * The offsets are in the area's layout, whatever the mapping: the backend
 * names words by them.
 */
struct dir {
	struct ipcsvc_area_identity *id;
	struct ipcsvc_area_producer *prod;
	struct ipcsvc_area_consumer *cons;
	/* NULL until the data region is mapped (ipcsvc__channel_map_data()),
	 * which comes before any slot table is made */
	uint8_t *data;
	uint32_t dir;		/* IPCSVC_DIR_TX or IPCSVC_DIR_RX, as this end sees it */
	uint64_t id_off;
	uint64_t prod_off;
	uint64_t cons_off;
	uint64_t data_off;
	uint64_t max_size;
	atomic_bool broken;
};

/*
 * Where producer.published and consumer.consumed lie in @d's area, in its
 * layout: the backend names the words the waits watch, and an arming's
 * word, by these offsets.
 */
static inline uint64_t published_off(const struct dir *d)
{
	return d->prod_off + offsetof(struct ipcsvc_area_producer, published);
}

static inline uint64_t consumed_off(const struct dir *d)
{
	return d->cons_off + offsetof(struct ipcsvc_area_consumer, consumed);
}

/*
 * The engine's locks (the receiving side's, growth's, the data mapping's):
 * a compare-and-swap to take one and an exchange to give it back while
 * nobody contends, a private futex when somebody does (0 free, 1 held, 2
 * held and maybe waited for). A pthread mutex cost four times the
 * instructions on every receive and release, and ten times the bytes of
 * every channel, idle ones included.
 */
struct qlock {
	_Atomic uint32_t word;
};

static inline void qlock_take(struct qlock *l)
{
	static const struct ipcsvc_deadline forever = { .set = true,
							  .forever = true };
	uint32_t free_word = 0;

	/* acquire: pairs with the release in qlock_give() */
	if (atomic_compare_exchange_strong_explicit(&l->word, &free_word, 1,
			memory_order_acquire, memory_order_relaxed))
		return;
	/* acquire, as above; 2: the holder must wake us when it gives */
	while (atomic_exchange_explicit(&l->word, 2, memory_order_acquire))
		ipcsvc__futex_wait((uint32_t *)&l->word, 2, false, &forever);
}

static inline void qlock_give(struct qlock *l)
{
	/* release: pairs with the acquire in qlock_take() */
	if (atomic_exchange_explicit(&l->word, 0, memory_order_release) == 2)
		ipcsvc__futex_wake((uint32_t *)&l->word, false);
}

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
	/*
	 * (ticket << 32) | head: the consumer's head that the reservation
	 * which moved rsv to that ticket decided with. While the tag is
	 * rsv's ticket, the next reservation may use it instead of reading
	 * the consumer's line, which the peer writes on every message: the
	 * real head can only be further on, so the room it shows is there.
	 */
	_Atomic uint64_t head_cache;
	/* allocation grows the area by itself (no IPCSVC_CHANNEL_NO_AUTOGROW) */
	bool autogrow;
	/* bytes of a page: growth commits whole pages */
	uint64_t page;
	struct qlock grow_lock;
	/* NSLOTS descriptors, made by the first allocation (tx_slots()):
	 * an idle channel costs no more than its words */
	struct ipcsvc_msg *_Atomic slot;
};

/*
 * The receiving side. Receives take the lock; releases do not: they hand
 * a baton along the tickets, as sends do (rx_retire()).
 */
struct rx {
	struct dir d;
	struct qlock lock;	/* the fields up to rcv_seq */
	uint64_t size;		/* committed size as last validated */
	uint64_t next;		/* offset of the next unread message */
	uint64_t known;		/* published, as last loaded and checked */
	uint64_t received;	/* messages taken */
	uint32_t rcv_seq;	/* next ticket to hand out */
	/* oldest ticket not yet retired; stored by the baton holder */
	_Atomic uint32_t rel_seq;
	/* messages retired; touched only by the baton holder */
	uint64_t consumed;
	/* NSLOTS descriptors, made by the first receive that finds a
	 * message; set under the lock, read without it by release and
	 * ipcsvc_msg_*() only on a handle that receive returned */
	struct ipcsvc_msg *_Atomic slot;
};

struct ipcsvc_channel {
	const struct ipcsvc_wait_ops *ops;
	void *ops_ctx;
	uint32_t wait_mode;
	uint32_t spin_count;
	/* the CPU we last told the peer we run on, plus one (0: none) */
	_Atomic uint32_t cpu_told;
	struct tx *tx;
	struct rx *rx;
	/* state of a layer above (ipcsvc__channel_set_layer()) */
	_Atomic(void *) layer;
	void (*layer_free)(void *state);
	/* the data regions are mapped: set once, with release, under
	 * data_lock (ipcsvc__channel_map_data()); past the fields every
	 * message reads */
	atomic_bool data_mapped;
	struct qlock data_lock;
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
static inline uint64_t max_message(uint64_t size)
{
	return size < MIN_RING ? 0 : ((size - 2 * WRAP_BYTES) / 2) & ~7ULL;
}

/*
 * Is @pos a valid position (tail or head) in a ring of @size committed
 * bytes? A multiple of 8 with room for a wrap marker after it; with
 * nothing committed, only 0.
 */
static inline bool pos_ok(uint64_t pos, uint64_t size)
{
	if (pos % 8)
		return false;
	return size ? pos <= size - WRAP_BYTES : pos == 0;
}

static inline int mark_broken(struct dir *d, bool tx)
{
	atomic_store_explicit(&d->broken, true, memory_order_relaxed);
	/* Our own words say so too, for the peer and for inspection tools. */
	if (tx)
		STORE_RELAXED(&d->prod->broken, 1);
	else
		STORE_RELAXED(&d->cons->broken, 1);
	return -EBADMSG;
}

static inline bool is_broken(struct dir *d)
{
	return atomic_load_explicit(&d->broken, memory_order_relaxed);
}

/*
 * Have the area's data pages been taken back? The kernel revokes the
 * server-to-client area when the server closes its end: the data region
 * then reads as zeroes, which is not corruption but a closed channel.
 */
static inline bool dir_revoked(struct dir *d)
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
static inline bool dir_closed(struct dir *d)
{
	/* pairs with smp_store_release() of identity.closed in
	 * ipcsvc_area_kill() in kmod/area.c: what the peer published before
	 * it closed is visible once we see the flag */
	return LOAD_ACQUIRE(&d->id->closed) != 0;
}

/*
 * Has the peer's event loop armed an event the kernel has not fired yet
 * (the identity's @armed and @fired counts differ)? Then a message or a
 * release must be followed by a wake call. Without the module both stay 0.
 */
static inline bool armed_pending(const __u64 *armed, const __u64 *fired)
{
	/* seq_cst: the Dekker pairing with the kernel's count then full
	 * barrier in ipcsvc_area_arm() (kmod/area.c); see tx_publish() */
	uint64_t a = LOAD_SEQCST(armed);

	/* pairs with smp_store_release() of the fired count in
	 * ipcsvc_area_set_fired() in kmod/area.c */
	return a != LOAD_ACQUIRE(fired);
}

/*
 * Is @msg one of the slots of @table (NULL: none made yet)? Handles are
 * pointers into our own tables.
 */
static inline bool slot_of(struct ipcsvc_msg *_Atomic *table,
			   const struct ipcsvc_msg *msg)
{
	/* pairs with the release in slots_make(): a handle of the table
	 * was returned after the table was made */
	uintptr_t base = (uintptr_t)atomic_load_explicit(table,
							 memory_order_acquire);

	/* One mask checks both: an offset below the table's end (NSLOTS is
	 * a power of 2) that is a whole number of descriptors. */
	return base && (((uintptr_t)msg - base) &
			~(uintptr_t)((NSLOTS - 1) * sizeof(struct ipcsvc_msg))) == 0;
}

/* The slot of @ticket, in a table known to be made. */
static inline struct ipcsvc_msg *slot_at(struct ipcsvc_msg *_Atomic *table,
					 uint32_t ticket)
{
	/* relaxed: our caller's own earlier use of the table ordered it */
	return atomic_load_explicit(table, memory_order_relaxed) +
	       ticket % NSLOTS;
}

/*
 * Make @ch's slot table at @table, unless another thread installs one
 * first, mapping the data regions first if they are not yet
 * (ipcsvc__channel_map_data()): 0, -ENOMEM or the mapping's error. Each
 * slot is free (state 0) and names its channel. Called by slots_ready()
 * when it found none: a table is made before anything touches a data
 * region, and whoever finds one also finds the data mapped.
 */
int ipcsvc__slots_make(struct ipcsvc_channel *ch,
		       struct ipcsvc_msg *_Atomic *table, bool tx);

/*
 * Map @ch's data regions, if a backend left them for later: 0, or the
 * backend's error (then nothing changed; the next call asks again).
 */
int ipcsvc__channel_map_data(struct ipcsvc_channel *ch);

static inline int slots_ready(struct ipcsvc_channel *ch,
			      struct ipcsvc_msg *_Atomic *table, bool tx)
{
	/* pairs with the release in ipcsvc__slots_make() */
	if (atomic_load_explicit(table, memory_order_acquire))
		return 0;
	return ipcsvc__slots_make(ch, table, tx);
}

/*
 * Busy polling never sleeps. Every poll already sees identity.closed
 * (rx_take() and tx_alloc() read it when they find nothing to do), which
 * ends the call with -EPIPE at the cost of one load. For a module that
 * predates that field, every 64 polls it also asks the backend to look
 * without sleeping (a wait whose deadline has passed): a backend that
 * knows the peer is gone says -EPIPE, which ends the call.
 */
static inline int poll_peer(struct ipcsvc_channel *ch, uint32_t spins,
			    const struct dir *d, __u64 *word, uint64_t off,
			    uint64_t val)
{
	static const struct ipcsvc_deadline now = { .set = true };

	if (ch->wait_mode != IPCSVC_WAIT_BUSY_POLL || spins % SPIN_BATCH)
		return 0;
	return ch->ops->wait(ch->ops_ctx, d->dir, word, off, val, &now) ==
	       -EPIPE ? -EPIPE : 0;
}

/*
 * The CPU this thread runs on, plus one, or 0 when that is not known for
 * the price of a load: glibc (2.35 on) registers rseq for every thread,
 * and the kernel keeps the CPU in it. Without rseq (valgrind, an older
 * libc) there is no hint, rather than a call to sched_getcpu() on every
 * message.
 */
static inline uint32_t this_cpu(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 35)
	if (__rseq_size) {
		const struct rseq *rs = (const struct rseq *)
			((char *)__builtin_thread_pointer() + __rseq_offset);
		int32_t cpu = (int32_t)__atomic_load_n(&rs->cpu_id,
						       __ATOMIC_RELAXED);

		if (cpu >= 0)
			return (uint32_t)cpu + 1;
	}
#endif
	return 0;
}

/*
 * Spin or sleep per the channel's policy? true: spin once more. @peer_cpu
 * is the peer's hint of the CPU it last ran on (plus one): spinning on
 * that CPU keeps the peer from running, so the adaptive wait yields it
 * instead. A false hint only costs its writer's peer some speed.
 */
static inline bool should_spin(struct ipcsvc_channel *ch, uint32_t *spins,
			       const __u64 *peer_cpu)
{
	uint32_t cpu;

	switch (ch->wait_mode) {
	case IPCSVC_WAIT_BUSY_POLL:
		if (++*spins % SPIN_BATCH == 0)
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
		cpu = this_cpu();
		if (cpu && LOAD_RELAXED(peer_cpu) == cpu)
			sched_yield();
		else
			cpu_relax();
		return true;
	}
}

/*
 * The first polls of a blocking call that found nothing, made before it
 * reads the clock: true when @word (the one peer_wait() watches) moved
 * from @seen, and the caller looks again. A
 * round trip's answer usually comes within them, and then the call never
 * reads the clock (each wait read it twice, 23 ns a read on an EPYC,
 * against a busy round trip of 250 ns). At most one batch, counted in
 * *@spins as should_spin() counts, and only where spinning would come
 * first anyway: not in sleep mode, not on the CPU the peer last ran on,
 * and only for a timeout that ipcsvc__timeout_spins_first() allows,
 * whose start these polls delay.
 */
static inline bool spin_before_clock(struct ipcsvc_channel *ch,
				     const __u64 *word, uint64_t seen,
				     const __u64 *peer_cpu, uint32_t *spins,
				     ipcsvc_timeout_t t)
{
	uint32_t cpu, limit = SPIN_BATCH;

	if (ch->wait_mode == IPCSVC_WAIT_SLEEP ||
	    !ipcsvc__timeout_spins_first(t))
		return false;
	if (ch->wait_mode != IPCSVC_WAIT_BUSY_POLL) {
		if (ch->spin_count < limit)
			limit = ch->spin_count;
		cpu = this_cpu();
		if (cpu && LOAD_RELAXED(peer_cpu) == cpu)
			return false;
	}
	while (*spins < limit) {
		++*spins;
		cpu_relax();
		/* only a hint, as in peer_wait() */
		if (LOAD_RELAXED(word) != seen)
			return true;
	}
	return false;
}

/*
 * Tell the peer which CPU we run on, in both our words it reads while it
 * waits (see should_spin()); stored only when it changed.
 */
static inline void cpu_tell(struct ipcsvc_channel *ch)
{
	uint32_t cpu = this_cpu();

	if (atomic_load_explicit(&ch->cpu_told, memory_order_relaxed) == cpu)
		return;
	atomic_store_explicit(&ch->cpu_told, cpu, memory_order_relaxed);
	if (ch->tx)
		STORE_RELAXED(&ch->tx->d.prod->cpu, cpu);
	if (ch->rx)
		STORE_RELAXED(&ch->rx->d.cons->cpu, cpu);
}

/*
 * Wait once for the peer to move @word, at @off of @d's area, away from
 * @seen: producer.published for a receiver, consumer.consumed for a
 * sender waiting for room. Spinning watches that one word, going
 * back to the caller's whole path (its clock read, its look for a closed
 * channel) every 64 polls; sleeping counts itself in @waiters, the
 * sleeper word the peer reads after it changes the watched one.
 * 0: look again. Otherwise the backend's error (-EPIPE, ...).
 */
static inline int peer_wait(struct ipcsvc_channel *ch, struct dir *d,
			    __u64 *word, uint64_t off, uint64_t seen,
			    __u64 *waiters, const __u64 *peer_cpu,
			    uint32_t *spins, const struct ipcsvc_deadline *dl)
{
	bool spun = false;
	int rc;

	while (should_spin(ch, spins, peer_cpu)) {
		spun = true;
		rc = poll_peer(ch, *spins, d, word, off, seen);
		if (rc)
			return rc;
		/* only a hint: the caller loads it again, with the acquire
		 * that orders what it guards */
		if (LOAD_RELAXED(word) != seen || *spins % SPIN_BATCH == 0)
			return 0;
	}
	if (spun)
		return 0;
	/*
	 * Dekker pairing with the peer, which stores the watched word and
	 * then, after a full fence, loads @waiters (the fence in
	 * tx_publish(), the seq_cst store of consumed in rx_retire()). Our
	 * increment and load are seq_cst: either we see the new value here,
	 * or the peer sees us counted and wakes us.
	 */
	atomic_fetch_add(ATOMIC_PTR(waiters), 1);
	rc = 0;
	if (LOAD_SEQCST(word) == seen)
		rc = ch->ops->wait(ch->ops_ctx, d->dir, word, off, seen, dl);
	atomic_fetch_sub(ATOMIC_PTR(waiters), 1);
	/* on -ETIMEDOUT the caller looks once more, then at the clock */
	return rc == -ETIMEDOUT || rc == -EINTR ? 0 : rc;
}

static inline int tx_msg_check(struct ipcsvc_msg *msg)
{
	if (!msg || !msg->ch || !msg->tx || !msg->ch->tx ||
	    !slot_of(&msg->ch->tx->slot, msg))
		return -EINVAL;
	if (atomic_load_explicit(&msg->state, memory_order_relaxed) !=
	    SLOT_WORD(msg->ticket, SLOT_RESERVED))
		return -EINVAL;
	return 0;
}

/*
 * Grow the tx area to @new_size, with grow_lock held, @new_size above the
 * current size and at most max_size (producer.c).
 */
int ipcsvc__tx_grow_locked(struct ipcsvc_channel *ch, uint64_t new_size);

#endif /* IPCSVC_LIB_QUEUE_H */
