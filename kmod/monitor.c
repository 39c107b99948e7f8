// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc introspection: monitor subscriptions and the delivery of
 * lifecycle events to them. netlink.c, above, subscribes sockets and
 * supplies the messages; this file decides who gets what, and when.
 *
 * The monitor is a subscription rather than a multicast group: a
 * multicast message reaches every member of the group, and 6.1 exports no
 * filtered broadcast, so events could not be kept to one IPC namespace
 * and one user's view. Each event is built for each subscriber whose view
 * includes the object, in that subscriber's pid and user namespaces, and
 * unicast without blocking; what a full socket refuses is counted, and
 * the count is sent (MONITOR_LOST_NTF) before the next event that gets
 * through. A subscription ends when its socket is released.
 */
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "ipcsvc.h"
#include "netlink.h"

/* Subscriptions: at most this many, and this many per charged user. */
#define IPCSVC_MONITORS_MAX		256
#define IPCSVC_MONITORS_PER_USER	16

struct ipcsvc_monitor {
	struct list_head node;		/* ipcsvc_monitor_lock */
	struct net *net;		/* counted */
	u32 portid;
	kuid_t charged;			/* for the per-user limit */
	/* The subscriber's view: ipc_ns pinned, pid_ns and cred counted. */
	struct ipcsvc_viewer v;
	struct file *ns_pin;		/* see ipcsvc_ipc_ns_get() */
	u64 lost;			/* ipcsvc_monitor_lock */
};

static DEFINE_MUTEX(ipcsvc_monitor_lock);
static LIST_HEAD(ipcsvc_monitors);		/* ipcsvc_monitor_lock */
static unsigned int ipcsvc_nr_monitors;	/* ipcsvc_monitor_lock */
static const struct ipcsvc_monitor_msgs *ipcsvc_msgs;	/* constant */

/* ---- visibility, for requests and events alike ---- */

bool ipcsvc_nl_service_visible(const struct ipcsvc_service *svc,
			       const struct ipcsvc_viewer *v)
{
	return svc->ipc_ns == v->ipc_ns &&
	       (v->admin || ipcsvc_service_visible(svc, v->cred));
}

bool ipcsvc_nl_channel_visible(const struct ipcsvc_channel *chan,
			       const struct ipcsvc_viewer *v)
{
	return chan->svc->ipc_ns == v->ipc_ns &&
	       (v->admin || ipcsvc_channel_visible(chan, v->cred));
}

/* ---- subscriptions ---- */

unsigned int ipcsvc_monitor_count(void)
{
	unsigned int n;

	mutex_lock(&ipcsvc_monitor_lock);
	n = ipcsvc_nr_monitors;
	mutex_unlock(&ipcsvc_monitor_lock);
	return n;
}

static void ipcsvc_monitor_free(struct ipcsvc_monitor *mon)
{
	ipcsvc_ipc_ns_put(mon->v.ipc_ns, mon->ns_pin);
	put_pid_ns(mon->v.pid_ns);
	put_cred(mon->v.cred);
	put_net(mon->net);
	kfree(mon);
}

static struct ipcsvc_monitor *ipcsvc_monitor_find(struct net *net, u32 portid)
{
	struct ipcsvc_monitor *mon;

	lockdep_assert_held(&ipcsvc_monitor_lock);
	list_for_each_entry(mon, &ipcsvc_monitors, node)
		if (net_eq(mon->net, net) && mon->portid == portid)
			return mon;
	return NULL;
}

/*
 * Subscribe the socket @portid of @net, seeing what @v (the requesting
 * task's view, whose namespaces and credentials it holds) sees from now
 * on. Subscribing twice changes nothing. Errors: EDQUOT (the limits),
 * ENOMEM.
 */
int ipcsvc_monitor_subscribe(struct net *net, u32 portid,
			     const struct ipcsvc_viewer *v,
			     struct netlink_ext_ack *extack)
{
	struct ipcsvc_monitor *mon, *it;
	unsigned int mine = 0;
	int ret;

	mon = kzalloc(sizeof(*mon), GFP_KERNEL_ACCOUNT);
	if (!mon)
		return -ENOMEM;
	mon->v = *v;
	ret = ipcsvc_ipc_ns_get(mon->v.ipc_ns, &mon->ns_pin);
	if (ret) {
		kfree(mon);
		return ret;
	}
	get_pid_ns(mon->v.pid_ns);
	get_cred(mon->v.cred);
	mon->net = get_net(net);
	mon->portid = portid;
	mon->charged = ipcsvc_user_charged_uid(mon->v.cred);

	mutex_lock(&ipcsvc_monitor_lock);
	if (ipcsvc_monitor_find(net, portid))
		goto out;		/* already subscribed: frees @mon */
	list_for_each_entry(it, &ipcsvc_monitors, node)
		mine += uid_eq(it->charged, mon->charged);
	if (ipcsvc_nr_monitors >= IPCSVC_MONITORS_MAX ||
	    mine >= IPCSVC_MONITORS_PER_USER) {
		NL_SET_ERR_MSG(extack, "too many monitors");
		ret = -EDQUOT;
		goto out;
	}
	list_add_tail(&mon->node, &ipcsvc_monitors);
	ipcsvc_nr_monitors++;
	mon = NULL;
out:
	mutex_unlock(&ipcsvc_monitor_lock);
	if (mon)
		ipcsvc_monitor_free(mon);
	return ret;
}

/* A subscriber's socket is gone: so is its subscription. */
static int ipcsvc_monitor_release(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct ipcsvc_monitor *mon;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&ipcsvc_monitor_lock);
	mon = ipcsvc_monitor_find(n->net, n->portid);
	if (mon) {
		list_del(&mon->node);
		ipcsvc_nr_monitors--;
	}
	mutex_unlock(&ipcsvc_monitor_lock);
	if (mon)
		ipcsvc_monitor_free(mon);
	return NOTIFY_DONE;
}

static struct notifier_block ipcsvc_monitor_notifier = {
	.notifier_call = ipcsvc_monitor_release,
};

/* ---- delivery ---- */

/* An event: a service's (@svc) or a channel's (@chan). */
struct ipcsvc_monitor_event {
	u8 cmd;
	struct ipcsvc_service *svc;
	struct ipcsvc_channel *chan;
	u32 reason;
};

/* Queue @skb on @mon's socket, or count it lost. */
static bool ipcsvc_monitor_send(struct ipcsvc_monitor *mon,
				struct sk_buff *skb)
{
	if (!skb || genlmsg_unicast(mon->net, skb, mon->portid) < 0) {
		mon->lost++;
		return false;
	}
	return true;
}

static void ipcsvc_monitor_deliver(struct ipcsvc_monitor *mon,
				   const struct ipcsvc_monitor_event *ev)
{
	struct sk_buff *skb;
	u64 lost = mon->lost;

	lockdep_assert_held(&ipcsvc_monitor_lock);
	/* Report losses first, so the subscriber knows where they were. */
	if (lost) {
		mon->lost = 0;
		if (!ipcsvc_monitor_send(mon, ipcsvc_msgs->lost(lost))) {
			mon->lost = lost + 1;
			return;
		}
	}
	if (ev->svc)
		skb = ipcsvc_msgs->service(ev->svc, &mon->v, ev->cmd,
					   ev->reason);
	else
		skb = ipcsvc_msgs->channel(ev->chan, &mon->v, ev->cmd);
	ipcsvc_monitor_send(mon, skb);
}

static void ipcsvc_monitor_notify(const struct ipcsvc_monitor_event *ev)
{
	struct ipcsvc_monitor *mon;

	lockdep_assert_held(&ipcsvc_monitor_lock);
	list_for_each_entry(mon, &ipcsvc_monitors, node) {
		if (ev->svc ? ipcsvc_nl_service_visible(ev->svc, &mon->v) :
			      ipcsvc_nl_channel_visible(ev->chan, &mon->v))
			ipcsvc_monitor_deliver(mon, ev);
	}
}

/*
 * mon_state of a service or channel, under ipcsvc_monitor_lock. Owners
 * call the observer after dropping their locks, so the removal of an
 * object can overtake the report of its creation; the removal then waits
 * for that report, which sends both, in order.
 */
enum {
	IPCSVC_MON_NEW,		/* nothing sent */
	IPCSVC_MON_UP,		/* ADD sent */
	IPCSVC_MON_DOWN_EARLY,	/* removed before ADD was sent */
	IPCSVC_MON_DONE,	/* DEL sent */
};

static void ipcsvc_monitor_service(struct ipcsvc_service *svc, bool up,
				   u32 reason)
{
	struct ipcsvc_monitor_event ev = { .svc = svc };

	mutex_lock(&ipcsvc_monitor_lock);
	if (up && (svc->mon_state == IPCSVC_MON_NEW ||
		   svc->mon_state == IPCSVC_MON_DOWN_EARLY)) {
		ev.cmd = IPCSVC_CMD_SERVICE_ADD_NTF;
		ipcsvc_monitor_notify(&ev);
		/* written under the registry lock before the removal's call */
		reason = svc->mon_state == IPCSVC_MON_DOWN_EARLY ?
			 READ_ONCE(svc->close_reason) : 0;
		svc->mon_state = IPCSVC_MON_UP;
	} else if (!up && svc->mon_state == IPCSVC_MON_NEW) {
		svc->mon_state = IPCSVC_MON_DOWN_EARLY;
		reason = 0;
	}
	if (reason && svc->mon_state == IPCSVC_MON_UP) {
		ev.cmd = IPCSVC_CMD_SERVICE_DEL_NTF;
		ev.reason = reason;
		ipcsvc_monitor_notify(&ev);
		svc->mon_state = IPCSVC_MON_DONE;
	}
	mutex_unlock(&ipcsvc_monitor_lock);
}

static void ipcsvc_monitor_channel(struct ipcsvc_channel *chan, bool up)
{
	struct ipcsvc_monitor_event ev = { .chan = chan };
	struct ipcsvc_channel_state st;
	bool down = !up;

	mutex_lock(&ipcsvc_monitor_lock);
	if (up && chan->mon_state == IPCSVC_MON_NEW) {
		ev.cmd = IPCSVC_CMD_CHANNEL_ADD_NTF;
		ipcsvc_monitor_notify(&ev);
		chan->mon_state = IPCSVC_MON_UP;
		/* Closed while this report was on its way? */
		ipcsvc_channel_state(chan, &st);
		down = st.close_reason;
	}
	if (down && chan->mon_state == IPCSVC_MON_UP) {
		ev.cmd = IPCSVC_CMD_CHANNEL_DEL_NTF;
		ipcsvc_monitor_notify(&ev);
		chan->mon_state = IPCSVC_MON_DONE;
	}
	mutex_unlock(&ipcsvc_monitor_lock);
}

static const struct ipcsvc_observer ipcsvc_monitor_observer = {
	.service = ipcsvc_monitor_service,
	.channel = ipcsvc_monitor_channel,
};

/* Start observing; @msgs builds the messages. */
int ipcsvc_monitor_init(const struct ipcsvc_monitor_msgs *msgs)
{
	int ret = netlink_register_notifier(&ipcsvc_monitor_notifier);

	if (ret)
		return ret;
	ipcsvc_msgs = msgs;
	ipcsvc_observer_set(&ipcsvc_monitor_observer);
	return 0;
}

/*
 * At unload, after the family is gone: no service or channel is left
 * (see observe.c), only subscriptions of sockets still open.
 */
void ipcsvc_monitor_exit(void)
{
	struct ipcsvc_monitor *mon, *tmp;

	ipcsvc_observer_set(NULL);
	netlink_unregister_notifier(&ipcsvc_monitor_notifier);
	list_for_each_entry_safe(mon, tmp, &ipcsvc_monitors, node) {
		list_del(&mon->node);
		ipcsvc_monitor_free(mon);
	}
	ipcsvc_nr_monitors = 0;
}
