// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc introspection: the generic netlink family "ipcsvc", described by
 * Documentation/netlink/specs/ipcsvc.yaml and Documentation/netlink.md.
 *
 * service-get (do by name, dump), channel-get (do by id, dump filtered by
 * service), stats-get (do) and user-get (dump) report; monitor subscribes
 * the requesting socket to lifecycle events (monitor.c).
 *
 * Who sees what: a caller sees only the services and channels of its own
 * IPC namespace. In it, a service is visible to its owner and to those
 * whose class has the read bit of its mode; a channel to the users of its
 * two ends and to its service's owner. CAP_SYS_ADMIN over the namespace's
 * user namespace, held by both the socket's opener and the caller
 * (netlink_ns_capable()), sees everything in the namespace.
 *
 * Dumps resume after the last id they reported: services and channels
 * are kept in id order by the registry, so a dump spanning many messages
 * neither repeats nor skips an object that exists throughout it.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/netlink.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "ipcsvc.h"
#include "netlink.h"

static struct genl_family ipcsvc_genl_family;

/* ---- visibility ---- */

static void ipcsvc_viewer_current(struct ipcsvc_viewer *v,
				  const struct sk_buff *skb)
{
	v->ipc_ns = current->nsproxy->ipc_ns;
	v->pid_ns = task_active_pid_ns(current);
	v->cred = current_cred();
	v->admin = netlink_ns_capable(skb, v->ipc_ns->user_ns, CAP_SYS_ADMIN);
}

/* ---- messages ---- */

/* A protocol name as a NUL-terminated string attribute. */
static int ipcsvc_nl_put_name(struct sk_buff *skb, int type, const u8 *name,
			      u32 len)
{
	char buf[IPCSVC_PROTOCOL_NAME_MAX + 1];

	memcpy(buf, name, len);
	buf[len] = '\0';
	return nla_put(skb, type, len + 1, buf);
}

/* A process's tgid as @ns sees it; 0 if not there, or it has exited. */
static u32 ipcsvc_nl_pid(struct pid *pid, struct pid_namespace *ns)
{
	u32 nr;

	rcu_read_lock();
	nr = pid_has_task(pid, PIDTYPE_TGID) ? pid_nr_ns(pid, ns) : 0;
	rcu_read_unlock();
	return nr;
}

int ipcsvc_nl_fill_service(struct sk_buff *skb, struct ipcsvc_service *svc,
			   const struct ipcsvc_viewer *v, u32 portid, u32 seq,
			   int flags, u8 cmd, u32 reason)
{
	struct user_namespace *uns = v->cred->user_ns;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ipcsvc_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, IPCSVC_A_SERVICE_ID, svc->id,
			      IPCSVC_A_SERVICE_PAD) ||
	    ipcsvc_nl_put_name(skb, IPCSVC_A_SERVICE_NAME, svc->name,
			       svc->name_len) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_SERVICE_VERSION, svc->version,
			      IPCSVC_A_SERVICE_PAD) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_UID,
			from_kuid_munged(uns, svc->uid)) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_GID,
			from_kgid_munged(uns, svc->gid)) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_MODE, svc->mode) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_PID,
			ipcsvc_nl_pid(svc->pid, v->pid_ns)) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_CONNECTIONS,
			atomic_read(&svc->nr_open)) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_PENDING,
			atomic_read(&svc->nr_unaccepted)) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_MAX_CONNECTIONS,
			svc->max_connections) ||
	    nla_put_u32(skb, IPCSVC_A_SERVICE_MAX_PENDING, svc->max_pending) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_SERVICE_MAX_TO_SERVER,
			      svc->max_size[IPCSVC_SIDE_CLIENT],
			      IPCSVC_A_SERVICE_PAD) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_SERVICE_MAX_TO_CLIENT,
			      svc->max_size[IPCSVC_SIDE_SERVER],
			      IPCSVC_A_SERVICE_PAD) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_SERVICE_CTIME, svc->ctime,
			      IPCSVC_A_SERVICE_PAD) ||
	    (reason && nla_put_u32(skb, IPCSVC_A_SERVICE_REASON, reason)))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* One direction, nested: the area produced by the side it leaves. */
static int ipcsvc_nl_put_dir(struct sk_buff *skb, int type,
			     struct ipcsvc_area *area)
{
	struct ipcsvc_area_stat st;
	struct nlattr *nest;

	ipcsvc_area_stat(area, &st);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, IPCSVC_A_DIR_MAX_SIZE, st.max_size,
			      IPCSVC_A_DIR_PAD) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_DIR_COMMITTED, st.committed,
			      IPCSVC_A_DIR_PAD) ||
	    (!st.invalid &&
	     (nla_put_u64_64bit(skb, IPCSVC_A_DIR_MESSAGES, st.messages,
				IPCSVC_A_DIR_PAD) ||
	      nla_put_u64_64bit(skb, IPCSVC_A_DIR_BYTES, st.bytes,
				IPCSVC_A_DIR_PAD))) ||
	    nla_put_u32(skb, IPCSVC_A_DIR_PRODUCER_WAITERS, st.waiters[0]) ||
	    nla_put_u32(skb, IPCSVC_A_DIR_CONSUMER_WAITERS, st.waiters[1]) ||
	    nla_put_u32(skb, IPCSVC_A_DIR_PRODUCER_SLEEPERS,
			st.sleepers[IPCSVC_DIR_TX]) ||
	    nla_put_u32(skb, IPCSVC_A_DIR_CONSUMER_SLEEPERS,
			st.sleepers[IPCSVC_DIR_RX]) ||
	    (st.broken[0] && nla_put_flag(skb, IPCSVC_A_DIR_PRODUCER_BROKEN)) ||
	    (st.broken[1] && nla_put_flag(skb, IPCSVC_A_DIR_CONSUMER_BROKEN)) ||
	    (st.invalid && nla_put_flag(skb, IPCSVC_A_DIR_INVALID)) ||
	    (st.revoked && nla_put_flag(skb, IPCSVC_A_DIR_REVOKED))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The pid, uid and gid of @side of @chan, as @v sees them. */
static int ipcsvc_nl_put_end(struct sk_buff *skb, struct ipcsvc_channel *chan,
			     unsigned int side, const struct ipcsvc_viewer *v,
			     int first)
{
	struct user_namespace *uns = v->cred->user_ns;

	return nla_put_u32(skb, first, ipcsvc_nl_pid(chan->pid[side],
						     v->pid_ns)) ||
	       nla_put_u32(skb, first + 1,
			   from_kuid_munged(uns, chan->euid[side])) ||
	       nla_put_u32(skb, first + 2,
			   from_kgid_munged(uns, chan->egid[side]));
}

int ipcsvc_nl_fill_channel(struct sk_buff *skb, struct ipcsvc_channel *chan,
			   const struct ipcsvc_viewer *v, u32 portid, u32 seq,
			   int flags, u8 cmd)
{
	struct ipcsvc_service *svc = chan->svc;
	struct ipcsvc_channel_state st;
	void *hdr;

	ipcsvc_channel_state(chan, &st);
	hdr = genlmsg_put(skb, portid, seq, &ipcsvc_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, IPCSVC_A_CHANNEL_ID, chan->id,
			      IPCSVC_A_CHANNEL_PAD) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_CHANNEL_SERVICE_ID, svc->id,
			      IPCSVC_A_CHANNEL_PAD) ||
	    ipcsvc_nl_put_name(skb, IPCSVC_A_CHANNEL_SERVICE_NAME, svc->name,
			       svc->name_len) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_CHANNEL_VERSION, chan->version,
			      IPCSVC_A_CHANNEL_PAD) ||
	    ipcsvc_nl_put_end(skb, chan, IPCSVC_SIDE_CLIENT, v,
			      IPCSVC_A_CHANNEL_CLIENT_PID) ||
	    ipcsvc_nl_put_end(skb, chan, IPCSVC_SIDE_SERVER, v,
			      IPCSVC_A_CHANNEL_SERVER_PID) ||
	    (st.closed[IPCSVC_SIDE_CLIENT] &&
	     nla_put_flag(skb, IPCSVC_A_CHANNEL_CLIENT_CLOSED)) ||
	    (st.closed[IPCSVC_SIDE_SERVER] &&
	     nla_put_flag(skb, IPCSVC_A_CHANNEL_SERVER_CLOSED)) ||
	    ipcsvc_nl_put_dir(skb, IPCSVC_A_CHANNEL_TO_SERVER,
			      chan->area[IPCSVC_SIDE_CLIENT]) ||
	    ipcsvc_nl_put_dir(skb, IPCSVC_A_CHANNEL_TO_CLIENT,
			      chan->area[IPCSVC_SIDE_SERVER]) ||
	    (st.close_reason &&
	     (nla_put_u32(skb, IPCSVC_A_CHANNEL_REASON, st.close_reason) ||
	      nla_put_u32(skb, IPCSVC_A_CHANNEL_CLOSED_BY, st.closed_by))) ||
	    nla_put_u64_64bit(skb, IPCSVC_A_CHANNEL_CTIME, chan->ctime,
			      IPCSVC_A_CHANNEL_PAD))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- requests ---- */

/* A name attribute's bytes, without a trailing NUL; 0 or -EINVAL. */
static int ipcsvc_nl_name(const struct nlattr *attr, const u8 **name,
			  u32 *len, struct netlink_ext_ack *extack)
{
	*name = nla_data(attr);
	*len = nla_len(attr);
	if (*len && !(*name)[*len - 1])
		(*len)--;
	if (ipcsvc_name_check(*name, *len)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "not a protocol name: 1 to 64 bytes of UTF-8 without NUL");
		return -EINVAL;
	}
	return 0;
}

/* Dump cursors are u64 ids, kept in two longs for 32-bit kernels. */
static u64 ipcsvc_nl_cursor(const struct netlink_callback *cb)
{
	return (u64)(u32)cb->args[1] << 32 | (u32)cb->args[0];
}

static void ipcsvc_nl_set_cursor(struct netlink_callback *cb, u64 id)
{
	cb->args[0] = (u32)id;
	cb->args[1] = (u32)(id >> 32);
}

struct ipcsvc_nl_walk {
	struct sk_buff *skb;
	struct ipcsvc_viewer v;
	u32 portid;
	u32 seq;
	int flags;
	u64 last;			/* the last id put in @skb */
	u64 want_id;			/* do: the channel asked for */
	u64 svc_id;			/* channel filters; 0, NULL: none */
	const u8 *name;
	u32 name_len;
};

static int ipcsvc_nl_walk_service(struct ipcsvc_service *svc, void *arg)
{
	struct ipcsvc_nl_walk *w = arg;

	if (!ipcsvc_nl_service_visible(svc, &w->v))
		return 0;
	if (w->name && (svc->name_len != w->name_len ||
			memcmp(svc->name, w->name, w->name_len)))
		return 0;
	if (ipcsvc_nl_fill_service(w->skb, svc, &w->v, w->portid, w->seq,
				   w->flags, IPCSVC_CMD_SERVICE_GET, 0))
		return -EMSGSIZE;
	w->last = svc->id;
	return 0;
}

static int ipcsvc_nl_walk_channel(struct ipcsvc_channel *chan, void *arg)
{
	struct ipcsvc_nl_walk *w = arg;
	struct ipcsvc_service *svc = chan->svc;

	if (w->want_id && chan->id != w->want_id)
		return -ENOENT;		/* the walk starts at the id asked */
	if (!ipcsvc_nl_channel_visible(chan, &w->v))
		return w->want_id ? -ENOENT : 0;
	if ((w->svc_id && svc->id != w->svc_id) ||
	    (w->name && (svc->name_len != w->name_len ||
			 memcmp(svc->name, w->name, w->name_len))))
		return 0;
	if (ipcsvc_nl_fill_channel(w->skb, chan, &w->v, w->portid, w->seq,
				   w->flags, IPCSVC_CMD_CHANNEL_GET))
		return -EMSGSIZE;
	w->last = chan->id;
	return w->want_id ? 1 : 0;
}

/* Set up a dump's walk, resuming after the cursor. */
static void ipcsvc_nl_dump_walk(struct ipcsvc_nl_walk *w, struct sk_buff *skb,
				struct netlink_callback *cb)
{
	memset(w, 0, sizeof(*w));
	w->skb = skb;
	ipcsvc_viewer_current(&w->v, cb->skb);
	w->portid = NETLINK_CB(cb->skb).portid;
	w->seq = cb->nlh->nlmsg_seq;
	w->flags = NLM_F_MULTI;
	w->last = ipcsvc_nl_cursor(cb);
}

/* A dump step's result: more to come while something was put. */
static int ipcsvc_nl_dump_done(struct ipcsvc_nl_walk *w,
			       struct netlink_callback *cb, int ret)
{
	ipcsvc_nl_set_cursor(cb, w->last);
	if (ret == -EMSGSIZE && !w->skb->len)
		return -EMSGSIZE;	/* one object larger than a message */
	return w->skb->len;
}

static int ipcsvc_nl_service_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct ipcsvc_viewer v;
	struct ipcsvc_service *svc;
	struct sk_buff *msg;
	const u8 *name;
	u32 len;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, IPCSVC_A_SERVICE_NAME))
		return -EINVAL;
	ret = ipcsvc_nl_name(info->attrs[IPCSVC_A_SERVICE_NAME], &name, &len,
			     info->extack);
	if (ret)
		return ret;
	ipcsvc_viewer_current(&v, skb);
	svc = ipcsvc_service_lookup(v.ipc_ns, name, len);
	/* A service the caller may not see does not exist for it. */
	if (!svc || !ipcsvc_nl_service_visible(svc, &v)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPCSVC_A_SERVICE_NAME],
				    "no such service");
		ret = -ENOENT;
		goto out;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ipcsvc_nl_fill_service(msg, svc, &v, info->snd_portid,
				     info->snd_seq, 0, IPCSVC_CMD_SERVICE_GET, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	if (svc)
		ipcsvc_service_put(svc);
	return ret;
}

static int ipcsvc_nl_service_get_dumpit(struct sk_buff *skb,
					struct netlink_callback *cb)
{
	struct nlattr **attrs = ipcsvc_genl_dump_attrs(cb);
	struct ipcsvc_nl_walk w;
	int ret;

	ipcsvc_nl_dump_walk(&w, skb, cb);
	/* A name narrows the dump to that service. */
	if (attrs[IPCSVC_A_SERVICE_NAME]) {
		ret = ipcsvc_nl_name(attrs[IPCSVC_A_SERVICE_NAME], &w.name,
				     &w.name_len, cb->extack);
		if (ret)
			return ret;
	}
	ret = ipcsvc_service_walk(w.last, ipcsvc_nl_walk_service, &w);
	return ipcsvc_nl_dump_done(&w, cb, ret);
}

static int ipcsvc_nl_channel_get_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct ipcsvc_nl_walk w = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
	};
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, IPCSVC_A_CHANNEL_ID))
		return -EINVAL;
	w.want_id = nla_get_u64(info->attrs[IPCSVC_A_CHANNEL_ID]);
	if (!w.want_id) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPCSVC_A_CHANNEL_ID],
				    "channel ids start at 1");
		return -EINVAL;
	}
	ipcsvc_viewer_current(&w.v, skb);
	w.skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!w.skb)
		return -ENOMEM;
	ret = ipcsvc_channel_walk(w.want_id - 1, ipcsvc_nl_walk_channel, &w);
	if (ret != 1) {
		nlmsg_free(w.skb);
		if (ret == -EMSGSIZE)
			return ret;
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IPCSVC_A_CHANNEL_ID],
				    "no such channel");
		return -ENOENT;
	}
	return genlmsg_reply(w.skb, info);
}

static int ipcsvc_nl_channel_get_dumpit(struct sk_buff *skb,
					struct netlink_callback *cb)
{
	struct nlattr **attrs = ipcsvc_genl_dump_attrs(cb);
	struct ipcsvc_nl_walk w;
	int ret;

	ipcsvc_nl_dump_walk(&w, skb, cb);
	if (attrs[IPCSVC_A_CHANNEL_SERVICE_ID])
		w.svc_id = nla_get_u64(attrs[IPCSVC_A_CHANNEL_SERVICE_ID]);
	if (attrs[IPCSVC_A_CHANNEL_SERVICE_NAME]) {
		ret = ipcsvc_nl_name(attrs[IPCSVC_A_CHANNEL_SERVICE_NAME],
				     &w.name, &w.name_len, cb->extack);
		if (ret)
			return ret;
	}
	ret = ipcsvc_channel_walk(w.last, ipcsvc_nl_walk_channel, &w);
	return ipcsvc_nl_dump_done(&w, cb, ret);
}

static int ipcsvc_nl_put_refused(struct sk_buff *skb,
				 const struct ipcsvc_counters *c)
{
	struct nlattr *nest = nla_nest_start(skb, IPCSVC_A_STATS_REFUSED);
	unsigned int i;

	/* IPCSVC_A_REFUSED_* follow enum ipcsvc_refusal, one apart. */
	BUILD_BUG_ON(IPCSVC_A_REFUSED_NOMEM - IPCSVC_A_REFUSED_NOENT !=
		     IPCSVC_REFUSED_NOMEM - IPCSVC_REFUSED_NOENT);
	BUILD_BUG_ON(IPCSVC_REFUSED_NOMEM + 1 != IPCSVC_NR_REFUSALS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < IPCSVC_NR_REFUSALS; i++) {
		if (nla_put_u64_64bit(skb, IPCSVC_A_REFUSED_NOENT + i,
				      c->refused[i], IPCSVC_A_REFUSED_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Module-wide figures: aggregates only, so every caller may read them. */
static int ipcsvc_nl_stats_get_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct ipcsvc_counters c;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ipcsvc_genl_family, 0,
				IPCSVC_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	ipcsvc_counters_read(&c);
	if (nla_put_u32(msg, IPCSVC_A_STATS_PORTS, ipcsvc_port_count()) ||
	    nla_put_u32(msg, IPCSVC_A_STATS_SERVICES,
			ipcsvc_registry_count()) ||
	    nla_put_u32(msg, IPCSVC_A_STATS_CHANNELS,
			ipcsvc_registry_channels()) ||
	    nla_put_u64_64bit(msg, IPCSVC_A_STATS_COMMITTED,
			      ipcsvc_users_bytes(), IPCSVC_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, IPCSVC_A_STATS_EVENTS, c.events,
			      IPCSVC_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, IPCSVC_A_STATS_WAITS, c.waits,
			      IPCSVC_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, IPCSVC_A_STATS_WAKES, c.wakes,
			      IPCSVC_A_STATS_PAD) ||
	    nla_put_u64_64bit(msg, IPCSVC_A_STATS_CONNECTS, c.connects,
			      IPCSVC_A_STATS_PAD) ||
	    ipcsvc_nl_put_refused(msg, &c) ||
	    nla_put_u32(msg, IPCSVC_A_STATS_MONITORS,
			ipcsvc_monitor_count()))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * user-get: a snapshot taken when the dump starts (cb->args[2], its
 * length in args[3]); the cursor in args[0] is an index into it. Without
 * CAP_SYS_ADMIN (in the initial user namespace, as users are the module's,
 * not a namespace's), a caller sees only the user it is charged as.
 */
static int ipcsvc_nl_user_get_start(struct netlink_callback *cb)
{
	struct ipcsvc_user_stat *st;
	unsigned int nr;

	st = ipcsvc_users_snapshot(&nr);
	if (!st && nr)
		return -ENOMEM;
	cb->args[2] = (long)st;
	cb->args[3] = nr;
	return 0;
}

static int ipcsvc_nl_user_get_done(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[2]);
	return 0;
}

static int ipcsvc_nl_user_get_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	const struct ipcsvc_user_stat *st = (const void *)cb->args[2];
	struct user_namespace *uns = current_user_ns();
	kuid_t self = ipcsvc_user_charged_uid(current_cred());
	bool admin = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	unsigned long i;
	void *hdr;

	for (i = cb->args[0]; i < cb->args[3]; i++) {
		if (!admin && !uid_eq(st[i].uid, self))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ipcsvc_genl_family,
				  NLM_F_MULTI, IPCSVC_CMD_USER_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, IPCSVC_A_USER_UID,
				from_kuid_munged(uns, st[i].uid)) ||
		    nla_put_u32(skb, IPCSVC_A_USER_SERVICES, st[i].services) ||
		    nla_put_u32(skb, IPCSVC_A_USER_CHANNELS, st[i].channels) ||
		    nla_put_u64_64bit(skb, IPCSVC_A_USER_BYTES, st[i].bytes,
				      IPCSVC_A_USER_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

/* Subscribe the requesting socket to events; see monitor.c. */
static int ipcsvc_nl_monitor_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipcsvc_viewer v;

	ipcsvc_viewer_current(&v, skb);
	return ipcsvc_monitor_subscribe(genl_info_net(info), info->snd_portid,
					&v, info->extack);
}

/* ---- event messages, for monitor.c ---- */

/*
 * Events are sized to what they hold, not to a page: a subscriber's
 * receive buffer is charged the allocation, so small ones let it queue
 * many more before events are lost.
 */
static size_t ipcsvc_nl_service_size(void)
{
	return 5 * nla_total_size_64bit(sizeof(u64)) +
	       9 * nla_total_size(sizeof(u32)) +
	       nla_total_size(IPCSVC_PROTOCOL_NAME_MAX + 1);
}

static size_t ipcsvc_nl_channel_size(void)
{
	size_t dir = 4 * nla_total_size_64bit(sizeof(u64)) +
		     4 * nla_total_size(sizeof(u32)) + 4 * nla_total_size(0);

	return 4 * nla_total_size_64bit(sizeof(u64)) +
	       8 * nla_total_size(sizeof(u32)) + 2 * nla_total_size(0) +
	       nla_total_size(IPCSVC_PROTOCOL_NAME_MAX + 1) +
	       2 * nla_total_size(dir);
}

static struct sk_buff *ipcsvc_nl_service_msg(struct ipcsvc_service *svc,
					     const struct ipcsvc_viewer *v,
					     u8 cmd, u32 reason)
{
	struct sk_buff *skb = genlmsg_new(ipcsvc_nl_service_size(),
					  GFP_KERNEL);

	if (skb && ipcsvc_nl_fill_service(skb, svc, v, 0, 0, 0, cmd, reason)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	return skb;
}

static struct sk_buff *ipcsvc_nl_channel_msg(struct ipcsvc_channel *chan,
					     const struct ipcsvc_viewer *v,
					     u8 cmd)
{
	struct sk_buff *skb = genlmsg_new(ipcsvc_nl_channel_size(),
					  GFP_KERNEL);

	if (skb && ipcsvc_nl_fill_channel(skb, chan, v, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	return skb;
}

static struct sk_buff *ipcsvc_nl_lost_msg(u64 lost)
{
	struct sk_buff *skb = genlmsg_new(nla_total_size_64bit(sizeof(u64)),
					  GFP_KERNEL);
	void *hdr;

	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &ipcsvc_genl_family, 0,
			  IPCSVC_CMD_MONITOR_LOST_NTF);
	if (!hdr || nla_put_u64_64bit(skb, IPCSVC_A_MONITOR_LOST, lost,
				      IPCSVC_A_MONITOR_PAD)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static const struct ipcsvc_monitor_msgs ipcsvc_nl_msgs = {
	.service = ipcsvc_nl_service_msg,
	.channel = ipcsvc_nl_channel_msg,
	.lost = ipcsvc_nl_lost_msg,
};

/* ---- the family ---- */

/*
 * Strict per-operation policies: an attribute the operation does not take
 * is refused ("Unsupported attribute", or "Unknown attribute type" above
 * its maximum), and a known one of the wrong size or type too, with the
 * attribute pointed at in the extended ack.
 */
static const struct nla_policy
ipcsvc_service_get_policy[IPCSVC_A_SERVICE_NAME + 1] = {
	[IPCSVC_A_SERVICE_NAME] = { .type = NLA_STRING,
				    .len = IPCSVC_PROTOCOL_NAME_MAX },
};

static const struct nla_policy
ipcsvc_channel_get_policy[IPCSVC_A_CHANNEL_SERVICE_NAME + 1] = {
	[IPCSVC_A_CHANNEL_ID] = { .type = NLA_U64 },
	[IPCSVC_A_CHANNEL_SERVICE_ID] = { .type = NLA_U64 },
	[IPCSVC_A_CHANNEL_SERVICE_NAME] = { .type = NLA_STRING,
					    .len = IPCSVC_PROTOCOL_NAME_MAX },
};

/* stats-get, user-get and monitor take no attribute: no policy rejects all. */
static const struct genl_ops ipcsvc_genl_ops[] = {
	{
		.cmd = IPCSVC_CMD_SERVICE_GET,
		.doit = ipcsvc_nl_service_get_doit,
		.dumpit = ipcsvc_nl_service_get_dumpit,
		.policy = ipcsvc_service_get_policy,
		.maxattr = IPCSVC_A_SERVICE_NAME,
	},
	{
		.cmd = IPCSVC_CMD_CHANNEL_GET,
		.doit = ipcsvc_nl_channel_get_doit,
		.dumpit = ipcsvc_nl_channel_get_dumpit,
		.policy = ipcsvc_channel_get_policy,
		.maxattr = IPCSVC_A_CHANNEL_SERVICE_NAME,
	},
	{
		.cmd = IPCSVC_CMD_STATS_GET,
		.doit = ipcsvc_nl_stats_get_doit,
	},
	{
		.cmd = IPCSVC_CMD_USER_GET,
		.start = ipcsvc_nl_user_get_start,
		.dumpit = ipcsvc_nl_user_get_dumpit,
		.done = ipcsvc_nl_user_get_done,
	},
	{
		.cmd = IPCSVC_CMD_MONITOR,
		.doit = ipcsvc_nl_monitor_doit,
	},
};

/*
 * Present in every network namespace: what a caller sees follows its IPC
 * namespace, not its network namespace. Requests run in parallel; the
 * registry and the monitor lock serialise what needs it.
 */
static struct genl_family ipcsvc_genl_family __ro_after_init = {
	.name = IPCSVC_GENL_NAME,
	.version = IPCSVC_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = ipcsvc_genl_ops,
	.n_ops = ARRAY_SIZE(ipcsvc_genl_ops),
};

int ipcsvc_netlink_init(void)
{
	int ret = ipcsvc_monitor_init(&ipcsvc_nl_msgs);

	if (ret)
		return ret;
	ret = genl_register_family(&ipcsvc_genl_family);
	if (ret)
		ipcsvc_monitor_exit();
	return ret;
}

void ipcsvc_netlink_exit(void)
{
	genl_unregister_family(&ipcsvc_genl_family);
	ipcsvc_monitor_exit();
}
