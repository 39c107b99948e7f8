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
 * overrides the mode, as it does for sockets.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ipcsvc.h"

static DEFINE_MUTEX(ipcsvc_registry_lock);
static DEFINE_HASHTABLE(ipcsvc_services, 8);	/* registry lock */
static unsigned int ipcsvc_nr_services;		/* registry lock */

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
	/* The table takes over the creation reference. */
	ret = ipcsvc_port_install(port, &svc->h, handle);
	if (ret)
		goto fail;
	hash_add(ipcsvc_services, &svc->node,
		 ipcsvc_name_hash(port->ipc_ns, p->name, p->name_len));
	svc->registered = true;
	ipcsvc_port_get(port);
	svc->port = port;
	ipcsvc_nr_services++;
	kref_get(&svc->ref);
	*svcp = svc;
	mutex_unlock(&ipcsvc_registry_lock);
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
void ipcsvc_service_close(struct ipcsvc_service *svc)
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
	svc->registered = false;
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

	list_for_each_entry_safe(chan, tmp, &backlog, backlog_node) {
		struct ipcsvc_endpoint *sep = &chan->ep[IPCSVC_SIDE_SERVER];

		ipcsvc_port_close_object(port, sep->h.ev.handle, &sep->h);
		ipcsvc_channel_put(chan);
	}
	ipcsvc_port_put(port);
}

void ipcsvc_service_detach(struct ipcsvc_channel *chan)
{
	mutex_lock(&ipcsvc_registry_lock);
	list_del_init(&chan->svc_node);
	mutex_unlock(&ipcsvc_registry_lock);
}

unsigned int ipcsvc_registry_count(void)
{
	unsigned int n;

	mutex_lock(&ipcsvc_registry_lock);
	n = ipcsvc_nr_services;
	mutex_unlock(&ipcsvc_registry_lock);
	return n;
}
