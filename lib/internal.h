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
 * Wait/wake backend
 * =================
 *
 * The engine never sleeps by itself: it asks a backend. Words are named by
 * their byte offset from the start of the area so that a backend can be a
 * kernel that has its own mapping of the area.
 *
 * @wait:  sleep while the 64-bit word at byte offset @off of @area holds
 *         @val, until woken or @d passes. Spurious returns are allowed:
 *         the caller re-checks. Returns 0, -ETIMEDOUT, -EINTR, -EPIPE (the
 *         peer is gone: ends the engine's blocking call) or another
 *         negative errno. With @d already passed it only looks, without
 *         sleeping; busy polling calls it so to learn of a dead peer.
 * @wake:  wake every sleeper on the word at @off.
 * @grow:  commit the data region of @area up to @new_size bytes, then
 *         publish the size in @area's identity @id (release store). The
 *         identity need not sit at the area's start: with the module the
 *         server-to-client area's is at IPCSVC_IDENTITY_STRIDE.
 *
 * The futex backend serves plain shared memory (threads, or processes
 * sharing memfd pages); a module backend can use the device instead.
 */
struct ipcsvc_wait_ops {
	const char *name;
	int (*wait)(void *ctx, void *area, uint64_t off, uint64_t val,
		    const struct ipcsvc_deadline *d);
	int (*wake)(void *ctx, void *area, uint64_t off);
	int (*grow)(void *ctx, void *area, struct ipcsvc_area_identity *id,
		    uint64_t new_size);
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
 * IPCSVC_IOC_GROW on the channel end @handle of the port @fd. @tx and @rx
 * are this end's mappings of its two areas; they tell the directions apart.
 */
struct ipcsvc_module_ctx {
	int fd;
	uint32_t handle;
	void *tx;
	void *rx;
};

extern const struct ipcsvc_wait_ops ipcsvc__module_ops;

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
