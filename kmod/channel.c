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
#include <linux/user_namespace.h>

#include "ipcsvc.h"

static void ipcsvc_channel_release(struct kref *ref)
{
	struct ipcsvc_channel *chan = container_of(ref, struct ipcsvc_channel,
						   ref);
	int s;

	if (chan->svc) {
		ipcsvc_service_detach(chan);
		ipcsvc_service_put(chan->svc);
	}
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

/* 0 means the default; the result is page-aligned, or -EMSGSIZE. */
static int ipcsvc_buffer_size(u64 *size)
{
	u64 cap = min_t(u64, READ_ONCE(ipcsvc_max_buffer_size),
			IPCSVC_BUFFER_SIZE_LIMIT) & PAGE_MASK;

	if (!cap)
		cap = PAGE_SIZE;
	if (!*size)
		*size = min_t(u64, IPCSVC_DEFAULT_BUFFER_SIZE, cap);
	if (*size > cap)
		return -EMSGSIZE;
	*size = PAGE_ALIGN(*size);
	return 0;
}

static struct ipcsvc_channel *
ipcsvc_channel_alloc(struct ipcsvc_service *svc, u64 max_send, u64 max_recv)
{
	const struct cred *cred = current_cred();
	struct ipcsvc_channel *chan;
	int ret, s;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan)
		return ERR_PTR(-ENOMEM);
	chan->user = ipcsvc_user_get(cred->euid);
	if (!chan->user) {
		kfree(chan);
		return ERR_PTR(-ENOMEM);
	}
	ret = ipcsvc_user_charge_channel(chan->user);
	if (ret) {
		ipcsvc_user_put(chan->user);
		kfree(chan);
		return ERR_PTR(ret);
	}
	kref_init(&chan->ref);
	spin_lock_init(&chan->lock);
	INIT_LIST_HEAD(&chan->svc_node);
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

	/* Each area is charged to the user of the side that produces it. */
	chan->area[IPCSVC_SIDE_CLIENT] =
		ipcsvc_area_create(max_send, svc->version, svc->name,
				   svc->name_len, chan->user);
	chan->area[IPCSVC_SIDE_SERVER] =
		ipcsvc_area_create(max_recv, svc->version, svc->name,
				   svc->name_len, svc->user);
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

/* Attach both ends to their ports and raise the connect events. */
static void ipcsvc_channel_publish(struct ipcsvc_channel *chan,
				   struct ipcsvc_port *cport,
				   struct ipcsvc_port *sport, u32 svc_handle)
{
	struct ipcsvc_endpoint *cep = &chan->ep[IPCSVC_SIDE_CLIENT];
	struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];
	struct user_namespace *uns = sport->cred->user_ns;
	u64 pid, uid, gid;

	pid = pid_nr_ns(chan->pid[IPCSVC_SIDE_CLIENT], sport->pid_ns);
	uid = from_kuid_munged(uns, chan->euid[IPCSVC_SIDE_CLIENT]);
	gid = from_kgid_munged(uns, chan->egid[IPCSVC_SIDE_CLIENT]);
	sep->h.ev.connected_a = svc_handle | pid << 32;
	sep->h.ev.connected_c = uid | gid << 32;

	spin_lock(&chan->lock);
	/* Another thread may already have closed a freshly installed handle. */
	if (!cep->closed) {
		ipcsvc_port_get(cport);
		cep->port = cport;
	}
	if (!sep->closed) {
		ipcsvc_port_get(sport);
		sep->port = sport;
		ipcsvc_event_post(sport, &sep->h.ev, IPCSVC_EVB_CONNECTED |
				  (cep->closed ? IPCSVC_EVB_PEER_CLOSED : 0));
	} else if (!cep->closed) {
		ipcsvc_event_post(cport, &cep->h.ev, IPCSVC_EVB_PEER_CLOSED);
	}
	spin_unlock(&chan->lock);
}

/*
 * Connect @port to the service @name in its IPC namespace. Errors: EINVAL
 * (name), EMSGSIZE (buffer size above the max_buffer_size parameter),
 * ENOENT (no such service), EACCES (mode), EPROTONOSUPPORT (version),
 * EDQUOT (per-user channel or byte limit), EMFILE (caller's handle table
 * full), ECONNREFUSED (the service went away or its port cannot take
 * another handle), ENOMEM.
 */
int ipcsvc_connect(struct ipcsvc_port *port, const u8 *name, u32 name_len,
		   u64 version, u64 max_send, u64 max_recv, u32 *handle)
{
	struct ipcsvc_service *svc;
	struct ipcsvc_channel *chan;
	struct ipcsvc_port *sport;
	u32 sh, ch;
	int ret;

	ret = ipcsvc_name_check(name, name_len);
	if (ret)
		return ret;
	ret = ipcsvc_buffer_size(&max_send);
	if (!ret)
		ret = ipcsvc_buffer_size(&max_recv);
	if (ret)
		return ret;

	svc = ipcsvc_service_lookup(port->ipc_ns, name, name_len);
	if (!svc)
		return -ENOENT;
	if (!ipcsvc_service_may_connect(svc, current_cred(), false) &&
	    !ns_capable(svc->cred->user_ns, CAP_DAC_OVERRIDE)) {
		ret = -EACCES;
		goto put_svc;
	}
	if (version != svc->version) {
		ret = -EPROTONOSUPPORT;
		goto put_svc;
	}

	chan = ipcsvc_channel_alloc(svc, max_send, max_recv);
	if (IS_ERR(chan)) {
		ret = PTR_ERR(chan);
		goto put_svc;
	}
	sport = ipcsvc_service_attach(svc, chan);
	chan->svc = svc;	/* the lookup's reference */
	if (!sport) {
		ret = -ECONNREFUSED;
		goto put_chan;
	}

	kref_get(&chan->ref);	/* for the server's handle table */
	ret = ipcsvc_port_install(sport, &chan->ep[IPCSVC_SIDE_SERVER].h, &sh);
	if (ret) {
		ipcsvc_channel_put(chan);
		ret = -ECONNREFUSED;
		goto put_sport;
	}
	kref_get(&chan->ref);	/* for the client's handle table */
	ret = ipcsvc_port_install(port, &chan->ep[IPCSVC_SIDE_CLIENT].h, &ch);
	if (ret) {
		ipcsvc_channel_put(chan);
		/* Nobody was told of the server end yet; -EBADF: already gone. */
		ipcsvc_port_close_handle(sport, sh);
		goto put_sport;
	}
	ipcsvc_channel_publish(chan, port, sport, svc->h.ev.handle);
	*handle = ch;
	ret = 0;
put_sport:
	ipcsvc_port_put(sport);
put_chan:
	ipcsvc_channel_put(chan);	/* the creation reference */
	return ret;
put_svc:
	ipcsvc_service_put(svc);
	return ret;
}

/*
 * Close one end: the peer gets PeerClosed, every waiter on either area
 * wakes with EPIPE, growth stops. The areas stay mapped wherever they are.
 */
void ipcsvc_endpoint_close(struct ipcsvc_endpoint *ep)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct ipcsvc_endpoint *peer = &chan->ep[!ep->side];
	struct ipcsvc_port *port;

	spin_lock(&chan->lock);
	if (ep->closed) {
		spin_unlock(&chan->lock);
		return;
	}
	ep->closed = true;
	ep->armed = 0;
	port = ep->port;
	ep->port = NULL;
	ipcsvc_ep_post(peer, IPCSVC_EVB_PEER_CLOSED);
	spin_unlock(&chan->lock);

	ipcsvc_area_kill(chan->area[0]);
	ipcsvc_area_kill(chan->area[1]);
	if (ep->side == IPCSVC_SIDE_CLIENT && chan->svc)
		ipcsvc_service_detach(chan);	/* no ServiceGone any more */
	if (port)
		ipcsvc_port_put(port);
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
 * peer wakes this direction, or the channel closes. Returns 0, or
 * -ETIMEDOUT, -EINTR (signal), -EPIPE (closed, and the word still equal).
 */
int ipcsvc_channel_wait(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
			u64 value, s64 timeout_ns)
{
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	atomic_t *seq = dir == IPCSVC_DIR_RX ? &area->rd_seq : &area->wr_seq;
	int start, ret;

	ret = ipcsvc_area_check_word(area, offset);
	if (ret)
		return ret;
	start = atomic_read(seq);
	if (!timeout_ns)
		ret = ipcsvc_wait_done(area, offset, value, seq, start) ?
		      0 : -ETIMEDOUT;
	else if (timeout_ns < 0)
		ret = wait_event_interruptible(area->wq,
					       ipcsvc_wait_done(area, offset, value, seq, start));
	else
		ret = wait_event_interruptible_hrtimeout(area->wq,
							 ipcsvc_wait_done(area, offset, value,
									  seq, start),
							 ns_to_ktime(timeout_ns));
	if (ret == -ETIME)
		return -ETIMEDOUT;
	if (ret == -ERESTARTSYS)
		return -EINTR;
	if (ret)
		return ret;
	if (ipcsvc_area_read_word(area, offset) == value &&
	    READ_ONCE(area->dead))
		return -EPIPE;
	return 0;
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

	if (dir == IPCSVC_DIR_TX) {
		atomic_inc(&area->rd_seq);
		bit = IPCSVC_EVB_READABLE;
	} else {
		atomic_inc(&area->wr_seq);
		bit = IPCSVC_EVB_WRITABLE;
	}
	wake_up_all(&area->wq);

	spin_lock(&chan->lock);
	if (ep->closed || peer->closed) {
		ret = -EPIPE;
	} else if (peer->armed & bit) {
		peer->armed &= ~bit;
		ipcsvc_ep_post(peer, bit);
	}
	spin_unlock(&chan->lock);
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
 * so our comparison sees that store.
 */
int ipcsvc_channel_arm(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
		       u64 value)
{
	struct ipcsvc_channel *chan = ep->chan;
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	u32 bit = dir == IPCSVC_DIR_RX ? IPCSVC_EVB_READABLE :
					 IPCSVC_EVB_WRITABLE;
	int ret;

	ret = ipcsvc_area_check_word(area, offset);
	if (ret)
		return ret;
	spin_lock(&chan->lock);
	if (ep->closed || chan->ep[!ep->side].closed)
		ret = -EPIPE;
	else
		ep->armed |= bit;
	spin_unlock(&chan->lock);
	if (ret)
		return ret;

	if (ipcsvc_area_read_word(area, offset) != value) {
		spin_lock(&chan->lock);
		if (ep->armed & bit) {
			ep->armed &= ~bit;
			ipcsvc_ep_post(ep, bit);
		}
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

	pc->pid = pid_nr_ns(chan->pid[peer], viewer->pid_ns);
	pc->uid = from_kuid_munged(uns, chan->euid[peer]);
	pc->gid = from_kgid_munged(uns, chan->egid[peer]);
	pc->__pad = 0;
	pc->version = chan->version;
}
