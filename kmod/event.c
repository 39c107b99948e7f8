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

static const u32 ipcsvc_evb_type[] = {
	IPCSVC_EVENT_SERVICE_CONNECTED,
	IPCSVC_EVENT_CHANNEL_READABLE,
	IPCSVC_EVENT_CHANNEL_WRITABLE,
	IPCSVC_EVENT_PEER_CLOSED,
	IPCSVC_EVENT_SERVICE_GONE,
};

/* Raise @bits on @src, a handle of @port, and wake pollers. */
void ipcsvc_event_post(struct ipcsvc_port *port, struct ipcsvc_evsrc *src,
		       u32 bits)
{
	unsigned long flags;
	bool wake = false;

	spin_lock_irqsave(&port->ev_lock, flags);
	if (!src->dead && (bits & ~src->pending)) {
		if (!src->pending) {
			list_add_tail(&src->node, &port->ev_ready);
			port->ev_queued++;
			wake = true;
		}
		src->pending |= bits;
	}
	spin_unlock_irqrestore(&port->ev_lock, flags);
	/*
	 * The list update is ordered before the waitqueue check inside
	 * wake_up_poll() by ev_lock; ipcsvc_poll() registers on ev_wq before
	 * it takes ev_lock to look at the list, so a poller either sees the
	 * entry or is on the queue when we wake it.
	 */
	if (wake)
		wake_up_interruptible_poll(&port->ev_wq, EPOLLIN | EPOLLRDNORM);
}

/* Discard @src's pending events and refuse new ones: its handle closed. */
void ipcsvc_event_kill(struct ipcsvc_port *port, struct ipcsvc_evsrc *src)
{
	unsigned long flags;

	spin_lock_irqsave(&port->ev_lock, flags);
	if (src->pending) {
		list_del_init(&src->node);
		port->ev_queued--;
		src->pending = 0;
	}
	src->dead = true;
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
		src->pending &= ~BIT(bit);
		if (!src->pending) {
			list_del_init(&src->node);
			port->ev_queued--;
		}
	}
	spin_unlock_irqrestore(&port->ev_lock, flags);
	return n;
}

bool ipcsvc_event_pending(struct ipcsvc_port *port)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&port->ev_lock, flags);
	ret = !list_empty(&port->ev_ready);
	spin_unlock_irqrestore(&port->ev_lock, flags);
	return ret;
}
