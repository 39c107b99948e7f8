// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc service registry and per-user accounting.
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
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ipcsvc.h"

static DEFINE_MUTEX(ipcsvc_registry_lock);
static DEFINE_HASHTABLE(ipcsvc_services, 8);	/* registry lock */
static unsigned int ipcsvc_nr_services;		/* registry lock */

static DEFINE_SPINLOCK(ipcsvc_users_lock);
static DEFINE_HASHTABLE(ipcsvc_users, 6);	/* ipcsvc_users_lock */

/* ---- per-user accounting ---- */

struct ipcsvc_user *ipcsvc_user_get(kuid_t uid)
{
	struct ipcsvc_user *user, *fresh;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	spin_lock(&ipcsvc_users_lock);
	hash_for_each_possible(ipcsvc_users, user, node, __kuid_val(uid)) {
		if (uid_eq(user->uid, uid)) {
			refcount_inc(&user->ref);
			goto out;
		}
	}
	user = fresh;
	fresh = NULL;
	if (user) {
		user->uid = uid;
		refcount_set(&user->ref, 1);
		hash_add(ipcsvc_users, &user->node, __kuid_val(uid));
	}
out:
	spin_unlock(&ipcsvc_users_lock);
	kfree(fresh);
	return user;
}

void ipcsvc_user_put(struct ipcsvc_user *user)
{
	if (!refcount_dec_and_lock(&user->ref, &ipcsvc_users_lock))
		return;
	hash_del(&user->node);
	spin_unlock(&ipcsvc_users_lock);
	WARN_ON(atomic_read(&user->services) || atomic_read(&user->channels) ||
		atomic_long_read(&user->bytes));
	kfree(user);
}

static int ipcsvc_charge(atomic_t *count, unsigned int limit)
{
	if (atomic_inc_return(count) > limit) {
		atomic_dec(count);
		return -EDQUOT;
	}
	return 0;
}

int ipcsvc_user_charge_service(struct ipcsvc_user *user)
{
	return ipcsvc_charge(&user->services, READ_ONCE(ipcsvc_max_services));
}

void ipcsvc_user_uncharge_service(struct ipcsvc_user *user)
{
	atomic_dec(&user->services);
}

int ipcsvc_user_charge_channel(struct ipcsvc_user *user)
{
	return ipcsvc_charge(&user->channels, READ_ONCE(ipcsvc_max_channels));
}

void ipcsvc_user_uncharge_channel(struct ipcsvc_user *user)
{
	atomic_dec(&user->channels);
}

int ipcsvc_user_charge_bytes(struct ipcsvc_user *user, unsigned long bytes)
{
	unsigned long limit = READ_ONCE(ipcsvc_max_user_bytes);

	if (atomic_long_add_return(bytes, &user->bytes) > limit) {
		atomic_long_sub(bytes, &user->bytes);
		return -EDQUOT;
	}
	return 0;
}

void ipcsvc_user_uncharge_bytes(struct ipcsvc_user *user, unsigned long bytes)
{
	atomic_long_sub(bytes, &user->bytes);
}

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

static void ipcsvc_service_release(struct kref *ref)
{
	struct ipcsvc_service *svc = container_of(ref, struct ipcsvc_service,
						  ref);

	WARN_ON(svc->registered);
	WARN_ON(!list_empty(&svc->channels));
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
 * Create a service in @port's IPC namespace and install its handle.
 * Errors: EINVAL (name, mode), EADDRINUSE (name taken), EDQUOT (per-user
 * service limit), EMFILE (handle table full), ENOMEM.
 */
int ipcsvc_service_create(struct ipcsvc_port *port, const u8 *name,
			  u32 name_len, u64 version, umode_t mode,
			  u32 *handle)
{
	const struct cred *cred = current_cred();
	struct ipcsvc_service *svc;
	int ret;

	ret = ipcsvc_name_check(name, name_len);
	if (ret)
		return ret;
	if (mode & ~0777)
		return -EINVAL;

	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return -ENOMEM;
	svc->user = ipcsvc_user_get(cred->euid);
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
	svc->h.type = IPCSVC_H_SERVICE;
	INIT_LIST_HEAD(&svc->h.ev.node);
	svc->h.ev.dead = true;
	kref_init(&svc->ref);
	INIT_LIST_HEAD(&svc->channels);
	svc->ipc_ns = port->ipc_ns;
	svc->uid = cred->fsuid;
	svc->gid = cred->fsgid;
	svc->mode = mode;
	svc->version = version;
	svc->name_len = name_len;
	memcpy(svc->name, name, name_len);
	svc->pid = get_pid(task_tgid(current));
	svc->euid = cred->euid;
	svc->egid = cred->egid;
	svc->cred = get_cred(cred);

	/*
	 * Install the handle and publish the name in one step, so that a
	 * connect never sees a service whose handle number is not yet known.
	 * This is the one place a port lock nests inside the registry lock.
	 */
	mutex_lock(&ipcsvc_registry_lock);
	if (ipcsvc_registry_find(port->ipc_ns, name, name_len)) {
		ret = -EADDRINUSE;
		goto fail;
	}
	/* The table takes over the creation reference. */
	ret = ipcsvc_port_install(port, &svc->h, handle);
	if (ret)
		goto fail;
	hash_add(ipcsvc_services, &svc->node,
		 ipcsvc_name_hash(port->ipc_ns, name, name_len));
	svc->registered = true;
	ipcsvc_port_get(port);
	svc->port = port;
	ipcsvc_nr_services++;
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

bool ipcsvc_service_may_connect(const struct ipcsvc_service *svc,
				const struct cred *cred, bool dac_override)
{
	umode_t mode = svc->mode;

	if (dac_override)
		return true;
	if (uid_eq(cred->fsuid, svc->uid))
		mode >>= 6;
	else if (gid_eq(cred->fsgid, svc->gid) ||
		 (cred == current_cred() && in_group_p(svc->gid)))
		mode >>= 3;	/* supplementary groups only for current */
	return mode & 02;
}

/*
 * Withdraw @svc from the registry: its name is free again at once. Channels
 * made through it stay up; their client ends get ServiceGone.
 */
void ipcsvc_service_close(struct ipcsvc_service *svc)
{
	struct ipcsvc_channel *chan, *tmp;
	struct ipcsvc_port *port;

	mutex_lock(&ipcsvc_registry_lock);
	if (!svc->registered) {
		mutex_unlock(&ipcsvc_registry_lock);
		return;
	}
	hash_del(&svc->node);
	svc->registered = false;
	ipcsvc_nr_services--;
	port = svc->port;
	svc->port = NULL;
	list_for_each_entry_safe(chan, tmp, &svc->channels, svc_node) {
		list_del_init(&chan->svc_node);
		ipcsvc_service_gone(chan);
	}
	mutex_unlock(&ipcsvc_registry_lock);
	ipcsvc_port_put(port);
}

/*
 * For connect: the service's port, with a reference, and @chan linked to
 * the service for ServiceGone; or NULL when the service was closed
 * meanwhile.
 */
struct ipcsvc_port *ipcsvc_service_attach(struct ipcsvc_service *svc,
					  struct ipcsvc_channel *chan)
{
	struct ipcsvc_port *port = NULL;

	mutex_lock(&ipcsvc_registry_lock);
	if (svc->registered) {
		port = svc->port;
		ipcsvc_port_get(port);
		list_add_tail(&chan->svc_node, &svc->channels);
	}
	mutex_unlock(&ipcsvc_registry_lock);
	return port;
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
