// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc port event queues.
 *
 * Events are not stored as records. Each handle carries a set of pending
 * event bits (struct ipcsvc_evsrc); a handle whose set becomes non-empty is
 * appended to its port's ready list, and read() turns bits into records. So:
 *
 *  - the queue is bounded by the port's handle count, itself bounded by
 *    the max_handles module parameter; it cannot overflow;
 *  - an event raised again while still pending on the same handle
 *    coalesces with the pending one (a busy channel raises ChannelReadable
 *    at most once per arming anyway);
 *  - ServiceConnected is a bit of the new channel handle, so concurrent
 *    connects to one service never coalesce with each other;
 *  - PeerClosed is never lost: it is a bit of the surviving handle.
 *
 * Handles are delivered in the order their first pending bit was raised;
 * the bits of one handle come out in IPCSVC_EVB_* order.
 */
#include <linux/poll.h>

#include "ipcsvc.h"
#include "trace.h"

static const u32 ipcsvc_evb_type[] = {
	IPCSVC_EVENT_SERVICE_CONNECTED,
	IPCSVC_EVENT_CHANNEL_READABLE,
	IPCSVC_EVENT_CHANNEL_WRITABLE,
	IPCSVC_EVENT_PEER_CLOSED,
	IPCSVC_EVENT_SERVICE_GONE,
};

/* Raise @bits on @src; ev_lock held. True if a waiter needs waking. */
static bool __ipcsvc_event_post(struct ipcsvc_port *port,
				struct ipcsvc_evsrc *src, u32 bits)
{
	u32 fresh = bits & ~src->pending;

	lockdep_assert_held(&port->ev_lock);
	if (src->dead || !fresh)
		return false;
	this_cpu_add(ipcsvc_counters.events, hweight32(fresh));
	trace_ipcsvc_event_post(src->handle, fresh);
	port->ev_records += hweight32(fresh);
	src->pending |= fresh;
	if (src->pending != fresh)
		return false;
	list_add_tail(&src->node, &port->ev_ready);
	port->ev_queued++;
	return true;
}

/*
 * The list update is ordered before the waitqueue check inside
 * wake_up_poll() by ev_lock; ipcsvc_poll() and ipcsvc_read() register on
 * ev_wq before they take ev_lock to look at the list, so a waiter either
 * sees the entry or is on the queue when we wake it.
 */
static void ipcsvc_event_wake(struct ipcsvc_port *port)
{
	wake_up_interruptible_poll(&port->ev_wq, EPOLLIN | EPOLLRDNORM);
}

/* Raise @bits on @src, a handle of @port, and wake pollers. */
void ipcsvc_event_post(struct ipcsvc_port *port, struct ipcsvc_evsrc *src,
		       u32 bits)
{
	unsigned long flags;
	bool wake;

	spin_lock_irqsave(&port->ev_lock, flags);
	wake = __ipcsvc_event_post(port, src, bits);
	spin_unlock_irqrestore(&port->ev_lock, flags);
	if (wake)
		ipcsvc_event_wake(port);
}

/*
 * Raise ServiceConnected (with @bits) on a new channel's server end, and
 * count it in @unaccepted until it is read or discarded. False, and
 * nothing counted, when the handle was already closed.
 */
bool ipcsvc_event_post_connected(struct ipcsvc_port *port,
				 struct ipcsvc_evsrc *src, u32 bits,
				 atomic_t *unaccepted)
{
	unsigned long flags;
	bool wake = false, posted = false;

	spin_lock_irqsave(&port->ev_lock, flags);
	if (!src->dead) {
		atomic_inc(unaccepted);
		src->unaccepted = unaccepted;
		wake = __ipcsvc_event_post(port, src,
					   bits | IPCSVC_EVB_CONNECTED);
		posted = true;
	}
	spin_unlock_irqrestore(&port->ev_lock, flags);
	if (wake)
		ipcsvc_event_wake(port);
	return posted;
}

/* Forget the ServiceConnected accounting of @src; ev_lock held. */
static void ipcsvc_event_uncount(struct ipcsvc_evsrc *src)
{
	if (src->unaccepted) {
		atomic_dec(src->unaccepted);
		src->unaccepted = NULL;
	}
}

static void __ipcsvc_event_discard(struct ipcsvc_port *port,
				   struct ipcsvc_evsrc *src)
{
	if (src->pending) {
		list_del_init(&src->node);
		port->ev_queued--;
		port->ev_records -= hweight32(src->pending);
		src->pending = 0;
	}
	ipcsvc_event_uncount(src);
	src->dead = true;
}

/*
 * Closing a service drops the channels the server has not accepted, as
 * closing a listening socket drops its backlog. If @src's ServiceConnected
 * is still unread, discard its events, refuse new ones and return true:
 * the caller then closes the handle. False if the server has read it.
 */
bool ipcsvc_event_withdraw_connected(struct ipcsvc_port *port,
				     struct ipcsvc_evsrc *src)
{
	unsigned long flags;
	bool withdrawn = false;

	spin_lock_irqsave(&port->ev_lock, flags);
	if (!src->dead && (src->pending & IPCSVC_EVB_CONNECTED)) {
		__ipcsvc_event_discard(port, src);
		withdrawn = true;
	}
	spin_unlock_irqrestore(&port->ev_lock, flags);
	return withdrawn;
}

/* Discard @src's pending events and refuse new ones: its handle closed. */
void ipcsvc_event_kill(struct ipcsvc_port *port, struct ipcsvc_evsrc *src)
{
	unsigned long flags;

	spin_lock_irqsave(&port->ev_lock, flags);
	__ipcsvc_event_discard(port, src);
	spin_unlock_irqrestore(&port->ev_lock, flags);
}

static void ipcsvc_event_fill(struct ipcsvc_evsrc *src, unsigned int bit,
			      struct ipcsvc_event *ev)
{
	ev->type = ipcsvc_evb_type[bit];
	ev->__pad = 0;
	if (BIT(bit) == IPCSVC_EVB_CONNECTED) {
		ev->a = src->connected_a;
		ev->b = src->handle;
		ev->c = src->connected_c;
	} else {
		ev->a = src->handle;
		ev->b = 0;
		ev->c = 0;
	}
}

/* Move up to @max pending events into @ev; returns how many. */
size_t ipcsvc_event_take(struct ipcsvc_port *port, struct ipcsvc_event *ev,
			 size_t max)
{
	struct ipcsvc_evsrc *src;
	unsigned long flags;
	unsigned int bit;
	size_t n = 0;

	spin_lock_irqsave(&port->ev_lock, flags);
	while (n < max && !list_empty(&port->ev_ready)) {
		src = list_first_entry(&port->ev_ready, struct ipcsvc_evsrc,
				       node);
		bit = __ffs(src->pending);
		ipcsvc_event_fill(src, bit, &ev[n++]);
		if (BIT(bit) == IPCSVC_EVB_CONNECTED) {
			ipcsvc_event_uncount(src);	/* accepted */
			trace_ipcsvc_accept(src->connected_id, src->handle);
		}
		src->pending &= ~BIT(bit);
		port->ev_records--;
		if (!src->pending) {
			list_del_init(&src->node);
			port->ev_queued--;
		}
	}
	spin_unlock_irqrestore(&port->ev_lock, flags);
	return n;
}

/* Event records pending now. */
unsigned int ipcsvc_event_count(struct ipcsvc_port *port)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&port->ev_lock, flags);
	n = port->ev_records;
	spin_unlock_irqrestore(&port->ev_lock, flags);
	return n;
}
