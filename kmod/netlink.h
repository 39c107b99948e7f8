/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Introspection: the netlink family (netlink.c), the top unit, over the
 * monitor subscriptions (monitor.c). Both reach the registry, channels
 * and areas through ipcsvc.h. Only the module's init and exit (main.c)
 * and the KUnit suite call into netlink.c; monitor.c calls back up only
 * through the message builders netlink.c gives it.
 */
#ifndef IPCSVC_NETLINK_H
#define IPCSVC_NETLINK_H

#include <linux/types.h>

struct cred;
struct ipc_namespace;
struct net;
struct netlink_ext_ack;
struct ipcsvc_channel;
struct ipcsvc_service;
struct pid_namespace;
struct sk_buff;

int ipcsvc_netlink_init(void);
void ipcsvc_netlink_exit(void);

/*
 * Who asks: the requesting task, or a monitor's subscriber as it was when
 * it subscribed. @admin: CAP_SYS_ADMIN over @ipc_ns's user namespace.
 */
struct ipcsvc_viewer {
	struct ipc_namespace *ipc_ns;
	struct pid_namespace *pid_ns;
	const struct cred *cred;
	bool admin;
};

/* netlink.c: one message for @svc or @chan; -EMSGSIZE without room. */
int ipcsvc_nl_fill_service(struct sk_buff *skb, struct ipcsvc_service *svc,
			   const struct ipcsvc_viewer *v, u32 portid, u32 seq,
			   int flags, u8 cmd, u32 reason);
int ipcsvc_nl_fill_channel(struct sk_buff *skb, struct ipcsvc_channel *chan,
			   const struct ipcsvc_viewer *v, u32 portid, u32 seq,
			   int flags, u8 cmd);

/* ---- monitor.c ---- */

bool ipcsvc_nl_service_visible(const struct ipcsvc_service *svc,
			       const struct ipcsvc_viewer *v);
bool ipcsvc_nl_channel_visible(const struct ipcsvc_channel *chan,
			       const struct ipcsvc_viewer *v);

/* The event messages, built by netlink.c; NULL when out of memory. */
struct ipcsvc_monitor_msgs {
	struct sk_buff *(*service)(struct ipcsvc_service *svc,
				   const struct ipcsvc_viewer *v, u8 cmd,
				   u32 reason);
	struct sk_buff *(*channel)(struct ipcsvc_channel *chan,
				   const struct ipcsvc_viewer *v, u8 cmd);
	struct sk_buff *(*lost)(u64 lost);
};

int ipcsvc_monitor_init(const struct ipcsvc_monitor_msgs *msgs);
void ipcsvc_monitor_exit(void);
int ipcsvc_monitor_subscribe(struct net *net, u32 portid,
			     const struct ipcsvc_viewer *v,
			     struct netlink_ext_ack *extack);
unsigned int ipcsvc_monitor_count(void);

#endif /* IPCSVC_NETLINK_H */
