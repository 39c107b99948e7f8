// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc channels: connect, close, wait/wake, arming and peer credentials.
 *
 * A channel has two ends, client (side 0) and server (side 1), each named by
 * a handle in its own port, and two areas: area[s] is produced by side s.
 *
 * Wait and wake
 * -------------
 * The message queue lives in the areas and is run by userspace. A thread
 * that finds nothing to do sleeps in IPCSVC_IOC_WAIT on a word of the
 * producer or consumer page it has just read; the kernel compares the word
 * (through its own mapping) to the value the thread saw and sleeps only
 * while they are equal, like futex(FUTEX_WAIT). The peer calls
 * IPCSVC_IOC_WAKE after publishing (TX) or releasing (RX), but only when the
 * sleeping side has announced itself in its page's @waiters word, so a busy
 * channel costs no system call per message.
 *
 * Lost wakeups: a waiter registers on area->wq before it compares the word
 * and the wake counter (wait_event()); a waker changes the word in
 * userspace, then bumps the counter and calls wake_up_all(), which takes
 * the wait queue lock. Either the waiter's comparison sees the new word or
 * counter, or it is already on the queue and is woken.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "ipcsvc.h"
#include "trace.h"

static void ipcsvc_channel_release(struct kref *ref)
{
	struct ipcsvc_channel *chan = container_of(ref, struct ipcsvc_channel,
						   ref);
	int s;

	ipcsvc_service_detach(chan);
	ipcsvc_service_put(chan->svc);
	for (s = 0; s < 2; s++) {
		if (!IS_ERR_OR_NULL(chan->area[s]))
			ipcsvc_area_put(chan->area[s]);
		put_pid(chan->pid[s]);
	}
	ipcsvc_user_uncharge_channel(chan->user);
	ipcsvc_user_put(chan->user);
	kfree(chan);
}

void ipcsvc_channel_put(struct ipcsvc_channel *chan)
{
	kref_put(&chan->ref, ipcsvc_channel_release);
}

/*
 * A new channel of @svc with data regions of @max_size[side] bytes, holding
 * the caller's reference on @svc. Errors: EDQUOT, ENOMEM; @svc's reference
 * is dropped then.
 */
static struct ipcsvc_channel *
ipcsvc_channel_alloc(struct ipcsvc_service *svc, const u64 *max_size)
{
	const struct cred *cred = current_cred();
	struct ipcsvc_channel *chan;
	struct ipcsvc_header *hdr;
	int ret, s;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan) {
		ipcsvc_service_put(svc);
		return ERR_PTR(-ENOMEM);
	}
	chan->svc = svc;
	INIT_LIST_HEAD(&chan->svc_node);
	INIT_LIST_HEAD(&chan->all_node);
	chan->ctime = ktime_get_real_ns();
	chan->user = ipcsvc_user_get(cred);
	if (!chan->user) {
		ipcsvc_service_put(svc);
		kfree(chan);
		return ERR_PTR(-ENOMEM);
	}
	ret = ipcsvc_user_charge_channel(chan->user);
	if (ret) {
		ipcsvc_user_put(chan->user);
		ipcsvc_service_put(svc);
		kfree(chan);
		return ERR_PTR(ret);
	}
	kref_init(&chan->ref);	/* from here on, put undoes everything */
	spin_lock_init(&chan->lock);
	chan->version = svc->version;
	for (s = 0; s < 2; s++) {
		chan->ep[s].h.type = IPCSVC_H_CHANNEL;
		INIT_LIST_HEAD(&chan->ep[s].h.ev.node);
		chan->ep[s].h.ev.dead = true;
		chan->ep[s].chan = chan;
		chan->ep[s].side = s;
	}
	chan->pid[IPCSVC_SIDE_CLIENT] = get_pid(task_tgid(current));
	chan->euid[IPCSVC_SIDE_CLIENT] = cred->euid;
	chan->egid[IPCSVC_SIDE_CLIENT] = cred->egid;
	chan->pid[IPCSVC_SIDE_SERVER] = get_pid(svc->pid);
	chan->euid[IPCSVC_SIDE_SERVER] = svc->euid;
	chan->egid[IPCSVC_SIDE_SERVER] = svc->egid;

	/*
	 * The header is the connecting user's; each area's data pages will
	 * be charged to the user of the side that produces, and commits, them.
	 */
	hdr = ipcsvc_header_create(svc->version, svc->name, svc->name_len,
				   chan->user);
	if (IS_ERR(hdr)) {
		ipcsvc_channel_put(chan);
		return ERR_CAST(hdr);
	}
	chan->area[IPCSVC_SIDE_CLIENT] =
		ipcsvc_area_create(hdr, IPCSVC_SIDE_CLIENT,
				   max_size[IPCSVC_SIDE_CLIENT], chan->user);
	chan->area[IPCSVC_SIDE_SERVER] =
		ipcsvc_area_create(hdr, IPCSVC_SIDE_SERVER,
				   max_size[IPCSVC_SIDE_SERVER], svc->user);
	ipcsvc_header_put(hdr);	/* the areas hold it */
	for (s = 0; s < 2; s++) {
		if (IS_ERR(chan->area[s])) {
			ret = PTR_ERR(chan->area[s]);
			ipcsvc_channel_put(chan);
			return ERR_PTR(ret);
		}
	}
	return chan;
}

/* Raise @bits on an open, attached end. */
static void ipcsvc_ep_post(struct ipcsvc_endpoint *ep, u32 bits)
{
	lockdep_assert_held(&ep->chan->lock);
	if (!ep->closed && ep->port)
		ipcsvc_event_post(ep->port, &ep->h.ev, bits);
}

/* Called by ipcsvc_service_close() under the registry lock. */
void ipcsvc_service_gone(struct ipcsvc_channel *chan)
{
	ipcsvc_registry_assert_held();
	spin_lock(&chan->lock);
	ipcsvc_ep_post(&chan->ep[IPCSVC_SIDE_CLIENT], IPCSVC_EVB_SERVICE_GONE);
	spin_unlock(&chan->lock);
}

/*
 * Make an installed channel known: attach both ends to their ports, raise
 * the connect events, and link the channel to its service for
 * ServiceGone. All of it happens under the registry lock, after checking
 * that the service is still registered and has room, so that a service
 * closing concurrently either refuses this connect or sees the channel:
 * no ServiceGone is lost, and no ServiceConnected names a closed service.
 * Errors: ECONNREFUSED (service closed), EUSERS, EAGAIN (its limits).
 */
static int ipcsvc_channel_publish(struct ipcsvc_channel *chan,
				  struct ipcsvc_port *cport,
				  struct ipcsvc_port *sport)
{
	struct ipcsvc_endpoint *cep = &chan->ep[IPCSVC_SIDE_CLIENT];
	struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];
	struct user_namespace *uns = sport->cred->user_ns;
	struct ipcsvc_service *svc = chan->svc;
	u64 pid, uid, gid;
	int ret;

	pid = pid_nr_ns(chan->pid[IPCSVC_SIDE_CLIENT], sport->pid_ns);
	uid = from_kuid_munged(uns, chan->euid[IPCSVC_SIDE_CLIENT]);
	gid = from_kgid_munged(uns, chan->egid[IPCSVC_SIDE_CLIENT]);

	ipcsvc_registry_enter();
	if (!svc->registered || svc->port != sport) {
		ret = -ECONNREFUSED;
		goto out;
	}
	ret = ipcsvc_service_admit(svc, true);
	if (ret)
		goto out;
	list_add_tail(&chan->svc_node, &svc->channels);
	ipcsvc_registry_link_channel(chan);

	spin_lock(&chan->lock);
	sep->h.ev.connected_a = svc->h.ev.handle | pid << 32;
	sep->h.ev.connected_c = uid | gid << 32;
	sep->h.ev.connected_id = chan->id;
	/* Another thread may already have closed a freshly installed handle. */
	if (!cep->closed) {
		ipcsvc_port_get(cport);
		cep->port = cport;
	}
	if (!sep->closed) {
		ipcsvc_port_get(sport);
		sep->port = sport;
		if (ipcsvc_event_post_connected(sport, &sep->h.ev,
						cep->closed ?
						IPCSVC_EVB_PEER_CLOSED : 0,
						&svc->nr_unaccepted)) {
			sep->counted_open = true;
			atomic_inc(&svc->nr_open);
		}
	} else if (!cep->closed) {
		ipcsvc_event_post(cport, &cep->h.ev, IPCSVC_EVB_PEER_CLOSED);
	}
	spin_unlock(&chan->lock);
out:
	ipcsvc_registry_leave();
	return ret;
}

/* The size granted for a direction: 0 asks for the service's maximum. */
static int ipcsvc_grant_size(u64 *size, u64 max)
{
	if (!*size)
		*size = max;
	if (*size > max)
		return -EMSGSIZE;
	*size = PAGE_ALIGN(*size);
	return 0;
}

/*
 * Connect @port to the service @p->name in its IPC namespace. On success
 * the client's handle is in *@handle, its object, with a reference for the
 * caller, in *@objp, and @p->max_size holds the sizes granted. Errors, in
 * the order they are checked: ENOENT (no such service), EACCES (mode),
 * EPROTONOSUPPORT (version), EMSGSIZE (a size above the service's
 * maximum), EUSERS or EAGAIN (the service's connection or backlog limit),
 * EDQUOT (per-user channel or byte limit), ENOMEM, ENOSPC (caller's
 * handle table full), ECONNREFUSED (the service went away, or its port
 * cannot take another handle).
 */
static int __ipcsvc_connect(struct ipcsvc_port *port,
			    struct ipcsvc_connect_params *p,
			    struct ipcsvc_hobj **objp, u32 *handle)
{
	struct ipcsvc_endpoint *cep, *sep;
	struct ipcsvc_service *svc;
	struct ipcsvc_channel *chan;
	struct ipcsvc_port *sport;
	u32 sh, ch;
	int ret, s;

	svc = ipcsvc_service_lookup(port->ipc_ns, p->name, p->name_len);
	if (!svc)
		return -ENOENT;
	if (!ipcsvc_service_may_connect(svc, current_cred()) &&
	    !ns_capable(svc->cred->user_ns, CAP_DAC_OVERRIDE))
		ret = -EACCES;
	else if (p->version != svc->version)
		ret = -EPROTONOSUPPORT;
	else
		ret = 0;
	for (s = 0; s < 2 && !ret; s++)
		ret = ipcsvc_grant_size(&p->max_size[s], svc->max_size[s]);
	if (!ret)	/* early answer; publish checks again under the lock */
		ret = ipcsvc_service_admit(svc, false);
	if (ret) {
		ipcsvc_service_put(svc);
		return ret;
	}

	chan = ipcsvc_channel_alloc(svc, p->max_size);	/* takes svc */
	if (IS_ERR(chan))
		return PTR_ERR(chan);
	cep = &chan->ep[IPCSVC_SIDE_CLIENT];
	sep = &chan->ep[IPCSVC_SIDE_SERVER];
	sport = ipcsvc_service_port(svc);
	if (!sport) {
		ipcsvc_channel_put(chan);
		return -ECONNREFUSED;
	}

	kref_get(&chan->ref);	/* for the client's handle table */
	ret = ipcsvc_port_install(port, &cep->h, &ch);
	if (ret) {
		ipcsvc_channel_put(chan);
		goto put;
	}
	kref_get(&chan->ref);	/* for the server's handle table */
	ret = ipcsvc_port_install(sport, &sep->h, &sh);
	if (ret) {
		ipcsvc_channel_put(chan);
		ipcsvc_port_close_object(port, ch, &cep->h,
					 IPCSVC_REASON_CLOSED);
		ret = -ECONNREFUSED;
		goto put;
	}
	ret = ipcsvc_channel_publish(chan, port, sport);
	if (ret) {
		ipcsvc_port_close_object(port, ch, &cep->h,
					 IPCSVC_REASON_CLOSED);
		ipcsvc_port_close_object(sport, sh, &sep->h,
					 IPCSVC_REASON_CLOSED);
		goto put;
	}
	trace_ipcsvc_connect(chan);
	ipcsvc_observe_channel(chan, true);
	kref_get(&chan->ref);	/* for the caller */
	*objp = &cep->h;
	*handle = ch;
put:
	ipcsvc_port_put(sport);
	ipcsvc_channel_put(chan);	/* the creation reference */
	return ret;
}

/* ipcsvc_connect(), counted for introspection. */
int ipcsvc_connect(struct ipcsvc_port *port, struct ipcsvc_connect_params *p,
		   struct ipcsvc_hobj **objp, u32 *handle)
{
	int ret = __ipcsvc_connect(port, p, objp, handle);

	if (ret)
		ipcsvc_count_refused(ret);
	else
		ipcsvc_count(connects);
	return ret;
}

/*
 * Undo a connect whose result could not be written back: close the
 * client's new handle @handle (by object, @h), and withdraw the server's
 * end too if the server has not read its ServiceConnected yet, so that for
 * the server the connect never happened either.
 */
void ipcsvc_connect_undo(struct ipcsvc_port *port, u32 handle,
			 struct ipcsvc_hobj *h)
{
	struct ipcsvc_channel *chan = ipcsvc_to_ep(h)->chan;
	struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];
	struct ipcsvc_port *sport;
	bool withdrawn = false;

	spin_lock(&chan->lock);
	sport = sep->port;
	if (sport)
		ipcsvc_port_get(sport);
	spin_unlock(&chan->lock);
	if (sport)
		withdrawn = ipcsvc_event_withdraw_connected(sport, &sep->h.ev);
	ipcsvc_port_close_object(port, handle, h, IPCSVC_REASON_CLOSED);
	if (withdrawn)
		ipcsvc_port_close_object(sport, sep->h.ev.handle, &sep->h,
					 IPCSVC_REASON_CLOSED);
	if (sport)
		ipcsvc_port_put(sport);
}

/*
 * Close one end: the peer gets PeerClosed, every waiter on either area
 * wakes with EPIPE, growth stops. The areas stay mapped wherever they are.
 * The first end to close records @reason (IPCSVC_REASON_*) for
 * introspection, or BROKEN if a side had given up on an area and the
 * reason is not SERVICE_GONE.
 */
void ipcsvc_endpoint_close(struct ipcsvc_endpoint *ep, u32 reason)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct ipcsvc_endpoint *peer = &chan->ep[!ep->side];
	struct ipcsvc_port *port;
	bool counted, first;
	u32 recorded;

	if (reason != IPCSVC_REASON_SERVICE_GONE &&
	    (ipcsvc_area_broken(chan->area[0]) ||
	     ipcsvc_area_broken(chan->area[1])))
		reason = IPCSVC_REASON_BROKEN;
	spin_lock(&chan->lock);
	if (ep->closed) {
		spin_unlock(&chan->lock);
		return;
	}
	first = !peer->closed;
	if (first) {
		chan->close_reason = reason;
		chan->closed_by = ep->side == IPCSVC_SIDE_CLIENT ?
				  IPCSVC_SIDE_CLIENT_END :
				  IPCSVC_SIDE_SERVER_END;
	}
	recorded = chan->close_reason;
	ep->closed = true;
	ep->armed = 0;
	port = ep->port;
	ep->port = NULL;
	counted = ep->counted_open;
	ep->counted_open = false;
	ipcsvc_ep_post(peer, IPCSVC_EVB_PEER_CLOSED);
	spin_unlock(&chan->lock);

	if (counted)
		atomic_dec(&chan->svc->nr_open);
	ipcsvc_area_kill(chan->area[0]);
	ipcsvc_area_kill(chan->area[1]);
	/* A server that closes gets the memory of its replies back at once. */
	if (ep->side == IPCSVC_SIDE_SERVER)
		ipcsvc_area_revoke(chan->area[IPCSVC_SIDE_SERVER]);
	/*
	 * The channel stays on its service's list until it is freed, so that
	 * closing the service can still withdraw an unaccepted server end.
	 */
	if (port)
		ipcsvc_port_put(port);
	trace_ipcsvc_channel_close(chan->id, ep->side, recorded, first);
	if (first)
		ipcsvc_observe_channel(chan, false);
}

void ipcsvc_channel_state(struct ipcsvc_channel *chan,
			  struct ipcsvc_channel_state *st)
{
	spin_lock(&chan->lock);
	st->closed[0] = chan->ep[0].closed;
	st->closed[1] = chan->ep[1].closed;
	st->close_reason = chan->close_reason;
	st->closed_by = chan->closed_by;
	spin_unlock(&chan->lock);
}

/*
 * May @cred see @chan in introspection? The users of its two ends (their
 * effective uids when the channel was made) and its service's owner may.
 * CAP_SYS_ADMIN over the namespace is the caller's to check.
 */
bool ipcsvc_channel_visible(const struct ipcsvc_channel *chan,
			    const struct cred *cred)
{
	return uid_eq(cred->euid, chan->euid[IPCSVC_SIDE_CLIENT]) ||
	       uid_eq(cred->euid, chan->euid[IPCSVC_SIDE_SERVER]) ||
	       uid_eq(cred->fsuid, chan->svc->uid);
}

struct ipcsvc_area *ipcsvc_endpoint_area(struct ipcsvc_endpoint *ep, u32 dir)
{
	return ep->chan->area[dir == IPCSVC_DIR_TX ? ep->side : !ep->side];
}

static bool ipcsvc_wait_done(struct ipcsvc_area *area, u64 offset, u64 value,
			     atomic_t *seq, int start)
{
	return ipcsvc_area_read_word(area, offset) != value ||
	       atomic_read(seq) != start || READ_ONCE(area->dead);
}

/*
 * Sleep until the word at @offset of the @dir area differs from @value, the
 * peer wakes this direction, or the channel closes. @timeout is in ns:
 * relative, or with @abstime a CLOCK_MONOTONIC deadline; < 0 is no limit.
 * Returns 0, or -ETIMEDOUT, -EPIPE (closed, and the word still equal), and
 * on a signal -ERESTARTSYS, or -EINTR for a relative timeout, which could
 * not restart without stretching it.
 */
int ipcsvc_channel_wait(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
			u64 value, s64 timeout, bool abstime)
{
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	atomic_t *seq = dir == IPCSVC_DIR_RX ? &area->rd_seq : &area->wr_seq;
	ktime_t left = ns_to_ktime(timeout);
	int start, ret;

	ipcsvc_count(waits);
	trace_ipcsvc_wait_begin(ep->chan->id, ep->side, dir, offset, value,
				timeout);
	/* A deadline is re-read on restart, so the wait never drifts. */
	if (abstime && timeout >= 0)
		left = ktime_sub(left, ktime_get());
	start = atomic_read(seq);
	atomic_inc(&area->sleepers[dir]);
	if (timeout < 0)
		ret = wait_event_interruptible(area->wq,
					       ipcsvc_wait_done(area, offset, value, seq, start));
	else if (ktime_to_ns(left) <= 0)
		ret = ipcsvc_wait_done(area, offset, value, seq, start) ?
		      0 : -ETIME;
	else
		ret = wait_event_interruptible_hrtimeout(area->wq,
							 ipcsvc_wait_done(area, offset, value,
									  seq, start),
							 left);
	atomic_dec(&area->sleepers[dir]);
	if (ret == -ETIME)
		ret = -ETIMEDOUT;
	else if (ret == -ERESTARTSYS && !abstime && timeout > 0)
		ret = -EINTR;
	else if (!ret && ipcsvc_area_read_word(area, offset) == value &&
		 READ_ONCE(area->dead))
		ret = -EPIPE;
	trace_ipcsvc_wait_end(ep->chan->id, ep->side, dir, ret);
	return ret;
}

/*
 * Fire @ep's armed event @bit: post it, and tell the peer's library,
 * through the area's identity, that the arming it saw is spent. Under
 * chan->lock, as the arming itself.
 */
static void ipcsvc_ep_fire(struct ipcsvc_endpoint *ep, u32 bit)
{
	bool readable = bit == IPCSVC_EVB_READABLE;
	struct ipcsvc_area *area =
		ipcsvc_endpoint_area(ep, readable ? IPCSVC_DIR_RX :
					 IPCSVC_DIR_TX);

	lockdep_assert_held(&ep->chan->lock);
	ep->armed &= ~bit;
	ipcsvc_area_fire(area, readable);
	ipcsvc_ep_post(ep, bit);
}

/*
 * TX: this end published; wake the peer's RX waiters, fire its armed
 * ChannelReadable. RX: this end released; wake the peer's TX waiters, fire
 * its armed ChannelWritable. -EPIPE when the channel is closed.
 */
int ipcsvc_channel_wake(struct ipcsvc_endpoint *ep, u32 dir)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct ipcsvc_endpoint *peer = &chan->ep[!ep->side];
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	u32 bit;
	int ret = 0;

	ipcsvc_count(wakes);
	if (dir == IPCSVC_DIR_TX) {
		atomic_inc(&area->rd_seq);
		bit = IPCSVC_EVB_READABLE;
	} else {
		atomic_inc(&area->wr_seq);
		bit = IPCSVC_EVB_WRITABLE;
	}
	wake_up_all(&area->wq);

	spin_lock(&chan->lock);
	if (ep->closed || peer->closed)
		ret = -EPIPE;
	else if (peer->armed & bit)
		ipcsvc_ep_fire(peer, bit);
	spin_unlock(&chan->lock);
	trace_ipcsvc_wake(chan->id, ep->side, dir, ret);
	return ret;
}

/*
 * Arm a one-shot ChannelReadable (RX) or ChannelWritable (TX) event. It
 * fires on the peer's next matching wake, or at once if the word at
 * @offset already differs from @value. -EPIPE when the channel is closed.
 *
 * The arming is ordered before the comparison by chan->lock, which
 * ipcsvc_channel_wake() also takes: a wake that missed the armed bit ran
 * its critical section before ours, after its caller's store to the word,
 * so our comparison sees that store. A peer that skipped its wake call
 * because it saw no arming pending (ipcsvc_area_arm()) stored the word
 * before the full barrier there, so the comparison sees it too.
 */
int ipcsvc_channel_arm(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
		       u64 value)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	u32 bit = dir == IPCSVC_DIR_RX ? IPCSVC_EVB_READABLE :
					 IPCSVC_EVB_WRITABLE;
	int ret = 0;

	spin_lock(&chan->lock);
	if (ep->closed || chan->ep[!ep->side].closed) {
		ret = -EPIPE;
	} else if (!(ep->armed & bit)) {
		ep->armed |= bit;
		/* the peer wakes us from now until the arming fires */
		ipcsvc_area_arm(area, dir == IPCSVC_DIR_RX);
	}
	spin_unlock(&chan->lock);
	if (ret)
		return ret;

	if (ipcsvc_area_read_word(area, offset) != value) {
		spin_lock(&chan->lock);
		if (ep->armed & bit)
			ipcsvc_ep_fire(ep, bit);
		spin_unlock(&chan->lock);
	}
	return 0;
}

/* The peer's credentials at connect time, as seen from @viewer. */
void ipcsvc_channel_peer_creds(struct ipcsvc_endpoint *ep,
			       struct ipcsvc_port *viewer,
			       struct ipcsvc_peer_creds *pc)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct user_namespace *uns = viewer->cred->user_ns;
	unsigned int peer = !ep->side;

	/* A pid whose process exited may name another one by now. */
	rcu_read_lock();
	pc->pid = pid_has_task(chan->pid[peer], PIDTYPE_TGID) ?
		  pid_nr_ns(chan->pid[peer], viewer->pid_ns) : 0;
	rcu_read_unlock();
	pc->uid = from_kuid_munged(uns, chan->euid[peer]);
	pc->gid = from_kgid_munged(uns, chan->egid[peer]);
	pc->version = chan->version;
}
