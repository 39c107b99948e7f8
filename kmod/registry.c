// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc service registry.
 *
 * Services are named by (IPC namespace, protocol name): the same name may
 * exist once in every IPC namespace, and a connect looks only in the
 * caller's, so containers with their own IPC namespace are isolated from
 * each other and from the host. The namespace is the one the port was
 * opened in.
 *
 * A service records its creator's fsuid/fsgid as owner and a permission
 * mode checked on connect the way a Unix socket's inode is: the owner, group
 * or other class is selected, and its write bit must be set.
 * CAP_DAC_OVERRIDE in the user namespace of the service's creator
 * overrides the mode, as it does for sockets. Introspection lists a
 * service to its owner and to those whose class has the read bit.
 *
 * Registered services are also on a list in the order of their ids, and
 * published channels on another, so that a dump can resume after the
 * last id it reported however the registry changed in between.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "ipcsvc.h"
#include "trace.h"

static DEFINE_MUTEX(ipcsvc_registry_lock);
static DEFINE_HASHTABLE(ipcsvc_services, 8);	/* registry lock */
static unsigned int ipcsvc_nr_services;		/* registry lock */
static LIST_HEAD(ipcsvc_service_list);		/* registry lock; by id */
static LIST_HEAD(ipcsvc_channel_list);		/* registry lock; by id */
static unsigned int ipcsvc_nr_channels;		/* registry lock */
static u64 ipcsvc_last_service_id;		/* registry lock */
static u64 ipcsvc_last_channel_id;		/* registry lock */

/* ---- names ---- */

/* A protocol name is 1..64 bytes of UTF-8 without NUL. */
int ipcsvc_name_check(const u8 *name, u32 len)
{
	u32 i = 0, n;

	if (len < 1 || len > IPCSVC_PROTOCOL_NAME_MAX)
		return -EINVAL;
	while (i < len) {
		u8 c = name[i];

		if (c == 0)
			return -EINVAL;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return -EINVAL;
		if (i + n >= len)
			return -EINVAL;	/* truncated sequence */
		/* No overlong forms, no surrogates, nothing past U+10FFFF. */
		if ((c == 0xe0 && name[i + 1] < 0xa0) ||
		    (c == 0xed && name[i + 1] >= 0xa0) ||
		    (c == 0xf0 && name[i + 1] < 0x90) ||
		    (c == 0xf4 && name[i + 1] >= 0x90))
			return -EINVAL;
		for (i++; n; n--, i++)
			if ((name[i] & 0xc0) != 0x80)
				return -EINVAL;
	}
	return 0;
}

static u32 ipcsvc_name_hash(struct ipc_namespace *ns, const u8 *name, u32 len)
{
	return jhash(name, len, hash_ptr(ns, 32));
}

/* ---- services ---- */

static struct ipcsvc_service *
ipcsvc_registry_find(struct ipc_namespace *ns, const u8 *name, u32 len)
{
	struct ipcsvc_service *svc;

	lockdep_assert_held(&ipcsvc_registry_lock);
	hash_for_each_possible(ipcsvc_services, svc, node,
			       ipcsvc_name_hash(ns, name, len))
		if (svc->ipc_ns == ns && svc->name_len == len &&
		    !memcmp(svc->name, name, len))
			return svc;
	return NULL;
}

/* Let other units check that they run under the registry lock. */
void ipcsvc_registry_assert_held(void)
{
	lockdep_assert_held(&ipcsvc_registry_lock);
}

/* For connect, which publishes a channel under the registry lock. */
void ipcsvc_registry_enter(void)
{
	mutex_lock(&ipcsvc_registry_lock);
}

void ipcsvc_registry_leave(void)
{
	mutex_unlock(&ipcsvc_registry_lock);
}

static void ipcsvc_service_release(struct kref *ref)
{
	struct ipcsvc_service *svc = container_of(ref, struct ipcsvc_service,
						  ref);

	WARN_ON(svc->registered);
	WARN_ON(!list_empty(&svc->channels));
	if (svc->charged)	/* never registered */
		ipcsvc_user_uncharge_service(svc->user);
	ipcsvc_user_put(svc->user);
	put_pid(svc->pid);
	put_cred(svc->cred);
	kfree(svc);
}

void ipcsvc_service_put(struct ipcsvc_service *svc)
{
	kref_put(&svc->ref, ipcsvc_service_release);
}

/*
 * A buffer size as SERVICE_CREATE takes it: 0 means the default, and the
 * result is page-aligned; -EMSGSIZE above the max_buffer_size parameter.
 */
int ipcsvc_buffer_size(u64 *size)
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

/*
 * Create a service in @port's IPC namespace and install its handle; the
 * caller checked the name and mode and settled the sizes and limits. On
 * success *@svcp is the service with a reference for the caller. Errors:
 * EADDRINUSE (name taken), EDQUOT (per-user service limit), ENOSPC (handle
 * table full), ENOMEM.
 */
int ipcsvc_service_create(struct ipcsvc_port *port,
			  const struct ipcsvc_service_params *p,
			  struct ipcsvc_service **svcp, u32 *handle)
{
	const struct cred *cred = current_cred();
	struct ipcsvc_service *svc;
	int ret;

	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return -ENOMEM;
	svc->user = ipcsvc_user_get(cred);
	if (!svc->user) {
		kfree(svc);
		return -ENOMEM;
	}
	ret = ipcsvc_user_charge_service(svc->user);
	if (ret) {
		ipcsvc_user_put(svc->user);
		kfree(svc);
		return ret;
	}
	svc->charged = true;
	svc->h.type = IPCSVC_H_SERVICE;
	INIT_LIST_HEAD(&svc->h.ev.node);
	svc->h.ev.dead = true;
	kref_init(&svc->ref);
	INIT_LIST_HEAD(&svc->channels);
	INIT_LIST_HEAD(&svc->all_node);
	svc->ctime = ktime_get_real_ns();
	svc->ipc_ns = port->ipc_ns;
	svc->uid = cred->fsuid;
	svc->gid = cred->fsgid;
	svc->mode = p->mode;
	svc->version = p->version;
	svc->max_size[0] = p->max_size[0];
	svc->max_size[1] = p->max_size[1];
	svc->max_connections = p->max_connections;
	svc->max_pending = p->max_pending;
	svc->name_len = p->name_len;
	memcpy(svc->name, p->name, p->name_len);
	svc->pid = get_pid(task_tgid(current));
	svc->euid = cred->euid;
	svc->egid = cred->egid;
	svc->cred = get_cred(cred);

	/*
	 * Install the handle and publish the name in one step, so that a
	 * connect never sees a service whose handle number is not yet known.
	 * This is one place a port lock nests inside the registry lock.
	 */
	mutex_lock(&ipcsvc_registry_lock);
	if (ipcsvc_registry_find(port->ipc_ns, p->name, p->name_len)) {
		ret = -EADDRINUSE;
		goto fail;
	}
	/* Numbered first, so its handle never shows id 0 (fdinfo). */
	svc->id = ++ipcsvc_last_service_id;
	/* The table takes over the creation reference. */
	ret = ipcsvc_port_install(port, &svc->h, handle);
	if (ret)
		goto fail;
	hash_add(ipcsvc_services, &svc->node,
		 ipcsvc_name_hash(port->ipc_ns, p->name, p->name_len));
	list_add_tail(&svc->all_node, &ipcsvc_service_list);
	svc->registered = true;
	ipcsvc_port_get(port);
	svc->port = port;
	ipcsvc_nr_services++;
	kref_get(&svc->ref);
	*svcp = svc;
	mutex_unlock(&ipcsvc_registry_lock);
	trace_ipcsvc_service_create(svc, 0);
	ipcsvc_observe_service(svc, true, 0);
	return 0;
fail:
	mutex_unlock(&ipcsvc_registry_lock);
	ipcsvc_service_put(svc);
	return ret;
}

/* Find a registered service; returns it with a reference, or NULL. */
struct ipcsvc_service *ipcsvc_service_lookup(struct ipc_namespace *ns,
					     const u8 *name, u32 name_len)
{
	struct ipcsvc_service *svc;

	mutex_lock(&ipcsvc_registry_lock);
	svc = ipcsvc_registry_find(ns, name, name_len);
	if (svc)
		kref_get(&svc->ref);
	mutex_unlock(&ipcsvc_registry_lock);
	return svc;
}

/*
 * Does @svc's mode let @cred connect? CAP_DAC_OVERRIDE over the service's
 * user namespace is checked by the caller, against the current task.
 */
bool ipcsvc_service_may_connect(const struct ipcsvc_service *svc,
				const struct cred *cred)
{
	umode_t mode = svc->mode;

	if (uid_eq(cred->fsuid, svc->uid))
		mode >>= 6;
	else if (gid_eq(cred->fsgid, svc->gid) ||
		 (cred == current_cred() && in_group_p(svc->gid)))
		mode >>= 3;	/* supplementary groups only for current */
	return mode & 02;
}

static bool ipcsvc_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(cred->fsgid, gid) || gid_eq(cred->egid, gid))
		return true;
	for (i = 0; i < gi->ngroups; i++)
		if (gid_eq(gi->gid[i], gid))
			return true;
	return false;
}

/*
 * May @cred see @svc in introspection? Its owner may; others if their
 * class (group, supplementary groups included, or other) has the read
 * bit. CAP_SYS_ADMIN over the namespace is the caller's to check.
 */
bool ipcsvc_service_visible(const struct ipcsvc_service *svc,
			    const struct cred *cred)
{
	umode_t mode = svc->mode;

	if (uid_eq(cred->fsuid, svc->uid))
		return true;
	if (ipcsvc_cred_in_group(cred, svc->gid))
		mode >>= 3;
	return mode & 04;
}

/*
 * May one more channel be added to @svc? -EUSERS when max_connections
 * server ends are open, -EAGAIN when max_pending of them are unaccepted.
 * With @recheck the registry lock is held and the answer is final until
 * it is dropped (only the lock holder raises the counts).
 */
int ipcsvc_service_admit(struct ipcsvc_service *svc, bool recheck)
{
	if (recheck)
		lockdep_assert_held(&ipcsvc_registry_lock);
	if (atomic_read(&svc->nr_open) >= svc->max_connections)
		return -EUSERS;
	if (atomic_read(&svc->nr_unaccepted) >= svc->max_pending)
		return -EAGAIN;
	return 0;
}

/* The port serving @svc, with a reference, or NULL once it is closed. */
struct ipcsvc_port *ipcsvc_service_port(struct ipcsvc_service *svc)
{
	struct ipcsvc_port *port = NULL;

	mutex_lock(&ipcsvc_registry_lock);
	if (svc->registered) {
		port = svc->port;
		ipcsvc_port_get(port);
	}
	mutex_unlock(&ipcsvc_registry_lock);
	return port;
}

/*
 * Withdraw @svc from the registry: its name is free again at once.
 * Channels the server has accepted (read their ServiceConnected) stay up,
 * and their client ends get ServiceGone. Channels it has not accepted are
 * closed, as a listening socket's backlog is: the server never hears of
 * them, so it can never mistake one for a channel of a newer service that
 * reuses the handle number.
 */
void ipcsvc_service_close(struct ipcsvc_service *svc, u32 reason)
{
	struct ipcsvc_channel *chan, *tmp;
	struct ipcsvc_port *port;
	LIST_HEAD(backlog);

	mutex_lock(&ipcsvc_registry_lock);
	if (!svc->registered) {
		mutex_unlock(&ipcsvc_registry_lock);
		return;
	}
	hash_del(&svc->node);
	list_del_init(&svc->all_node);
	svc->registered = false;
	svc->close_reason = reason;
	ipcsvc_nr_services--;
	/* The charge is for the name: it ends with it, not with the object. */
	ipcsvc_user_uncharge_service(svc->user);
	svc->charged = false;
	port = svc->port;
	svc->port = NULL;
	list_for_each_entry_safe(chan, tmp, &svc->channels, svc_node) {
		struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];

		list_del_init(&chan->svc_node);
		ipcsvc_service_gone(chan);
		/* Once withdrawn, the server can no longer read the event. */
		if (ipcsvc_event_withdraw_connected(port, &sep->h.ev)) {
			kref_get(&chan->ref);
			list_add_tail(&chan->backlog_node, &backlog);
		}
	}
	mutex_unlock(&ipcsvc_registry_lock);
	trace_ipcsvc_service_close(svc, reason);
	ipcsvc_observe_service(svc, false, reason);

	list_for_each_entry_safe(chan, tmp, &backlog, backlog_node) {
		struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];

		ipcsvc_port_close_object(port, sep->h.ev.handle, &sep->h,
					 IPCSVC_REASON_SERVICE_GONE);
		ipcsvc_channel_put(chan);
	}
	ipcsvc_port_put(port);
}

/* For the channel's release: off its service's list and the registry's. */
void ipcsvc_service_detach(struct ipcsvc_channel *chan)
{
	mutex_lock(&ipcsvc_registry_lock);
	list_del_init(&chan->svc_node);
	if (!list_empty(&chan->all_node)) {
		list_del_init(&chan->all_node);
		ipcsvc_nr_channels--;
	}
	mutex_unlock(&ipcsvc_registry_lock);
}

/* For connect's publication, under the registry lock: number the channel. */
void ipcsvc_registry_link_channel(struct ipcsvc_channel *chan)
{
	lockdep_assert_held(&ipcsvc_registry_lock);
	chan->id = ++ipcsvc_last_channel_id;
	list_add_tail(&chan->all_node, &ipcsvc_channel_list);
	ipcsvc_nr_channels++;
}

/*
 * Call @fn, under the registry lock, on every registered service (every
 * IPC namespace's) with an id above @after, in id order, until it returns
 * non-zero; return that. @fn must not sleep or take the registry lock.
 */
int ipcsvc_service_walk(u64 after,
			int (*fn)(struct ipcsvc_service *svc, void *arg),
			void *arg)
{
	struct ipcsvc_service *svc;
	int ret = 0;

	mutex_lock(&ipcsvc_registry_lock);
	list_for_each_entry(svc, &ipcsvc_service_list, all_node) {
		if (svc->id <= after)
			continue;
		ret = fn(svc, arg);
		if (ret)
			break;
	}
	mutex_unlock(&ipcsvc_registry_lock);
	return ret;
}

/* The same over published channels not yet freed, open or closed. */
int ipcsvc_channel_walk(u64 after,
			int (*fn)(struct ipcsvc_channel *chan, void *arg),
			void *arg)
{
	struct ipcsvc_channel *chan;
	int ret = 0;

	mutex_lock(&ipcsvc_registry_lock);
	list_for_each_entry(chan, &ipcsvc_channel_list, all_node) {
		if (chan->id <= after)
			continue;
		ret = fn(chan, arg);
		if (ret)
			break;
	}
	mutex_unlock(&ipcsvc_registry_lock);
	return ret;
}

unsigned int ipcsvc_registry_count(void)
{
	unsigned int n;

	mutex_lock(&ipcsvc_registry_lock);
	n = ipcsvc_nr_services;
	mutex_unlock(&ipcsvc_registry_lock);
	return n;
}

unsigned int ipcsvc_registry_channels(void)
{
	unsigned int n;

	mutex_lock(&ipcsvc_registry_lock);
	n = ipcsvc_nr_channels;
	mutex_unlock(&ipcsvc_registry_lock);
	return n;
}
