/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc internals: atomic accessors for shared words, deadlines, and
 * the wait/wake backend interface the queue engine sleeps through.
 */
#ifndef IPCSVC_LIB_INTERNAL_H
#define IPCSVC_LIB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ipcsvc/mailbox.h"
#include "ipcsvc/timeout.h"

/*
 * Shared structures are declared with plain integer types (they are ABI);
 * these access them as C11 atomics. Every use of an acquire, a release or
 * a fence names its partner in a comment.
 */
#define ATOMIC_PTR(p)		((_Atomic __typeof__(*(p)) *)(p))
#define LOAD_RELAXED(p)		atomic_load_explicit(ATOMIC_PTR(p), memory_order_relaxed)
#define LOAD_ACQUIRE(p)		atomic_load_explicit(ATOMIC_PTR(p), memory_order_acquire)
#define LOAD_SEQCST(p)		atomic_load_explicit(ATOMIC_PTR(p), memory_order_seq_cst)
#define STORE_RELAXED(p, v)	atomic_store_explicit(ATOMIC_PTR(p), (v), memory_order_relaxed)
#define STORE_RELEASE(p, v)	atomic_store_explicit(ATOMIC_PTR(p), (v), memory_order_release)
#define STORE_SEQCST(p, v)	atomic_store_explicit(ATOMIC_PTR(p), (v), memory_order_seq_cst)

/* The public spin_pause() of <ipcsvc/mailbox.h>: the same pause. */
static inline void cpu_relax(void)
{
	spin_pause();
}

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t ipcsvc__now_ns(void);

/*
 * A deadline, as the engine keeps one: none (wait for ever), or an
 * absolute CLOCK_MONOTONIC time. Made once from the caller's
 * ipcsvc_timeout_t, when the call first needs it, so that the call's
 * every wait shares it.
 */
struct ipcsvc_deadline {
	bool set;		/* made: ipcsvc__deadline_init() succeeded */
	bool forever;
	uint64_t at_ns;
};

/* Is @t a timeout <ipcsvc/timeout.h> accepts? No clock read: a call that
 * finds its work done at once never reads the clock. */
bool ipcsvc__timeout_valid(ipcsvc_timeout_t t);
/*
 * May a blocking call spin for a batch of polls (SPIN_BATCH in queue.h,
 * microseconds) before it reads the clock, which starts @t that much
 * late? Only where that is noise: no limit, or a relative limit of
 * IPCSVC_SPIN_FIRST_MIN_NS or more. A deadline may have passed already
 * (and must then look only once), and a short limit is short.
 */
#define IPCSVC_SPIN_FIRST_MIN_NS	1000000
static inline bool ipcsvc__timeout_spins_first(ipcsvc_timeout_t t)
{
	return (t.flags & IPCSVC_TIMEOUT_NEVER) ||
	       (!t.flags && t.ns >= IPCSVC_SPIN_FIRST_MIN_NS);
}
/* 0, or -EINVAL for a timeout <ipcsvc/timeout.h> refuses. */
int ipcsvc__deadline_init(struct ipcsvc_deadline *d, ipcsvc_timeout_t t);
bool ipcsvc__deadline_passed(const struct ipcsvc_deadline *d);

/*
 * Where one area of a channel is mapped in this process: the whole area at
 * @area, @len bytes (its identity at @id_off of its first page); or, with
 * @area NULL, only its three header pages, each where @page says: the
 * identity page, the producer's control page and the consumer's, which a
 * module header mapping (IPCSVC_MAP_HEADERS) shows in an order of its own
 * for each of the two areas. The data region then comes later, whole,
 * from the backend's @map_data.
 */
struct ipcsvc__area_view {
	uint8_t *area;
	size_t len;
	uint64_t id_off;
	uint8_t *page[3];
};

/*
 * Wait/wake backend
 * =================
 *
 * The engine never sleeps by itself: it asks a backend. A word is named
 * both by its address here and by its direction (IPCSVC_DIR_TX: the area
 * this end sends on) and byte offset in the area's layout, so that a
 * backend can be a kernel that has its own mapping of the area.
 *
 * @wait:  sleep while the 64-bit word @word (at @off of area @dir) holds
 *         @val, until woken or @d passes. Spurious returns are allowed:
 *         the caller re-checks. Returns 0, -ETIMEDOUT, -EINTR, -EPIPE (the
 *         peer is gone: ends the engine's blocking call) or another
 *         negative errno. With @d already passed it only looks, without
 *         sleeping; busy polling calls it so to learn of a dead peer.
 * @wake:  wake every sleeper on that word.
 * @grow:  commit the TX area's data region up to @new_size bytes, then
 *         publish the size in its identity @id (release store).
 * @map_data: NULL when the channel was opened on whole areas. Otherwise
 *         it was opened on header pages alone, and the engine calls this
 *         once, before it first touches a data region (the first message
 *         sent or received): fill @tx and @rx (each NULL for an area the
 *         channel does not use) with whole-area views. 0 or a negative
 *         errno; asked again after a failure.
 *
 * The futex backend serves plain shared memory (threads, or processes
 * sharing memfd pages); a module backend can use the device instead.
 */
struct ipcsvc_wait_ops {
	const char *name;
	int (*wait)(void *ctx, uint32_t dir, __u64 *word, uint64_t off,
		    uint64_t val, const struct ipcsvc_deadline *d);
	int (*wake)(void *ctx, uint32_t dir, __u64 *word, uint64_t off);
	int (*grow)(void *ctx, struct ipcsvc_area_identity *id,
		    uint64_t new_size);
	int (*map_data)(void *ctx, struct ipcsvc__area_view *tx,
			struct ipcsvc__area_view *rx);
};

extern const struct ipcsvc_wait_ops ipcsvc__futex_ops;

/*
 * Sleep on the 32-bit futex word @word while it holds @val, until @d.
 * @shared selects process-shared futexes. 0, -ETIMEDOUT, -EINTR, -EAGAIN.
 */
int ipcsvc__futex_wait(uint32_t *word, uint32_t val, bool shared,
		       const struct ipcsvc_deadline *d);
void ipcsvc__futex_wake(uint32_t *word, bool shared);

/* The low 32 bits of a 64-bit word, as the futex sees them. */
static inline uint32_t *ipcsvc__low_word(uint64_t *w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint32_t *)w;
#else
	return (uint32_t *)w + 1;
#endif
}

struct ipcsvc_channel;

/*
 * Open a channel over a given backend (for backends other than futex).
 * @tx_id_off and @rx_id_off: where each area's struct ipcsvc_area_identity
 * sits, in bytes from the area's start (MAP_INFO's identity_offset; 0 for
 * areas of ipcsvc_area_format()). It must lie in the area's first page,
 * 8-byte aligned, before the producer words; every offset in the identity
 * stays relative to the area's start.
 */
int ipcsvc__channel_open_ops(void *tx, size_t tx_len, uint64_t tx_id_off,
			     void *rx, size_t rx_len, uint64_t rx_id_off,
			     const struct ipcsvc_channel_attr *attr,
			     const struct ipcsvc_wait_ops *ops, void *ops_ctx,
			     struct ipcsvc_channel **chp);

/*
 * The same on views of the areas (NULL: the channel does not use that
 * one). A view of header pages alone needs a backend with map_data, and
 * the module's layout: the producer words in the second page, the
 * consumer words in the third, the data region right after.
 */
int ipcsvc__channel_open_views(const struct ipcsvc__area_view *tx,
			       const struct ipcsvc__area_view *rx,
			       const struct ipcsvc_channel_attr *attr,
			       const struct ipcsvc_wait_ops *ops, void *ops_ctx,
			       struct ipcsvc_channel **chp);

/*
 * What an arming of @ch's area @dir (IPCSVC_IOC_ARM) watches: the byte
 * offset, in that area, of the peer's word that moves (producer.published
 * of the RX area, consumer.consumed of the TX area), and in *@value the
 * count past which the event fires: the messages released here (RX), or
 * the consumer's current count (TX). -EINVAL if the channel does not use
 * that area.
 */
int ipcsvc__channel_arm_word(struct ipcsvc_channel *ch, uint32_t dir,
			     uint64_t *off, uint64_t *value);

/*
 * One slot per channel for the state of a layer built on it (the sync
 * calls of lib/call.c): installed once, by the first thread to ask, and
 * freed with the channel by @free_fn. The channel knows nothing else of
 * that layer. set returns false, installing nothing, if a state is there.
 */
void *ipcsvc__channel_layer(struct ipcsvc_channel *ch);
bool ipcsvc__channel_set_layer(struct ipcsvc_channel *ch, void *state,
			       void (*free_fn)(void *state));

/*
 * ipcsvc_channel_receive_timeout() for a layer that goes on waiting after
 * it: *@d is left as the deadline of @timeout the receive worked to (set)
 * once it read the clock, and untouched when it returned before that, as
 * a message that comes within the first polls lets it.
 */
int ipcsvc__channel_receive_until(struct ipcsvc_channel *ch,
				  struct ipcsvc_msg **msgp,
				  ipcsvc_timeout_t timeout,
				  struct ipcsvc_deadline *d);

/*
 * Ports (lib/port.c). A port is counted: one reference for the caller of
 * ipcsvc_port_open(), one for each service and connection made through it.
 * The fd is closed with the last reference.
 */
struct ipcsvc_cookie {
	uint32_t handle;	/* 0: a free entry */
	void *cookie;
};

/* Event records read from the module at once, kept for the next calls. */
#define IPCSVC_PORT_EVENT_BATCH	32

struct ipcsvc_port {
	_Atomic unsigned int ref;
	int fd;
	pthread_mutex_t lock;		/* the cookies and the events below */
	struct ipcsvc_cookie *cookies;	/* cookie_cap entries, a power of 2 */
	size_t cookie_cap;
	size_t cookie_count;
	/* read but not yet returned: ev[ev_next, ev_end) */
	struct ipcsvc_event ev[IPCSVC_PORT_EVENT_BATCH];
	unsigned int ev_next, ev_end;
	bool ev_drained;	/* the last read() left nothing pending */
};

void ipcsvc__port_get(struct ipcsvc_port *port);
void ipcsvc__port_put(struct ipcsvc_port *port);

/*
 * The cookie events about @handle carry: set (NULL removes it; 0 or
 * -ENOMEM) and look up (NULL if none). A handle's cookie is removed before
 * the handle is closed, so a handle number the module hands out again
 * never inherits it.
 */
int ipcsvc__port_set_cookie(struct ipcsvc_port *port, uint32_t handle,
			    void *cookie);
void *ipcsvc__port_cookie(struct ipcsvc_port *port, uint32_t handle);

/*
 * Close a handle of @port, and drop the events read for it but not yet
 * returned: the module discards a closed handle's pending events, and so
 * does the library. 0 or a negative errno.
 */
int ipcsvc__port_close_handle(struct ipcsvc_port *port, uint32_t handle);

/*
 * The module backend (lib/module_backend.c): the engine sleeps in
 * IPCSVC_IOC_WAIT, wakes with IPCSVC_IOC_WAKE and grows with
 * IPCSVC_IOC_GROW on the channel end @handle of the port @fd, and the
 * backend maps the end's areas.
 */
struct ipcsvc_module_ctx {
	int fd;
	uint32_t handle;
	/* the header mapping (IPCSVC_MAP_HEADERS), or NULL */
	uint8_t *hdr;
	size_t hdr_len;
	/* the areas, once mapped: one channel mapping (rx_len 0, rx inside
	 * it) or one mapping each; mmap() lengths, guard pages included */
	uint8_t *tx, *rx;
	size_t tx_len, rx_len;
	/* MAP_INFO's area_bytes and identity_offset of each area */
	uint64_t tx_bytes, rx_bytes, tx_id_off, rx_id_off;
};

extern const struct ipcsvc_wait_ops ipcsvc__module_ops;

/*
 * Map the channel end @mc->handle of @mc->fd and describe its areas in
 * @tx and @rx: its header pages alone where the module offers a header
 * mapping (the data regions follow on first use, through map_data), the
 * whole areas otherwise. 0, or a negative errno with nothing mapped.
 */
int ipcsvc__module_map(struct ipcsvc_module_ctx *mc,
		       struct ipcsvc__area_view *tx,
		       struct ipcsvc__area_view *rx);

/* The module backend's map_data (struct ipcsvc_wait_ops). */
int ipcsvc__module_map_data(void *ctx, struct ipcsvc__area_view *tx,
			    struct ipcsvc__area_view *rx);

/* Unmap whatever ipcsvc__module_map() and map_data mapped. */
void ipcsvc__module_unmap(struct ipcsvc_module_ctx *mc);

/*
 * The timeout of IPCSVC_IOC_WAIT for the engine's deadline @d, and its
 * flags in *@flags: -1 (flags 0) for no deadline; the absolute
 * CLOCK_MONOTONIC deadline with IPCSVC_WAIT_ABSTIME while it lies ahead;
 * a relative 0 (flags 0: look without sleeping) once it has passed.
 * @now_ns: CLOCK_MONOTONIC now.
 */
int64_t ipcsvc__module_wait_timeout(const struct ipcsvc_deadline *d,
				    uint64_t now_ns, uint32_t *flags);

#endif /* IPCSVC_LIB_INTERNAL_H */
