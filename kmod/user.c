// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc per-user accounting: services, channels and committed area bytes,
 * each against a module parameter.
 *
 * This unit is the bottom layer: services, channels and areas charge it,
 * and it knows none of them.
 *
 * Who is charged: the caller's euid in the initial user namespace, or, for
 * a caller inside user namespaces, the owner of the outermost namespace
 * below the initial one. Every uid a container maps (a subuid range of
 * 65536, say) thus shares the limits of the one user who created the
 * container, instead of multiplying them. The kernel's own ucounts do this
 * at every level, but neither 6.1 nor 6.12 exports them to modules.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/user_namespace.h>

#include "ipcsvc.h"

static DEFINE_SPINLOCK(ipcsvc_users_lock);
static DEFINE_HASHTABLE(ipcsvc_users, 6);	/* ipcsvc_users_lock */

/* The kuid charged for @cred; see the comment at the top. */
kuid_t ipcsvc_user_charged_uid(const struct cred *cred)
{
	const struct user_namespace *ns = cred->user_ns;
	kuid_t uid = cred->euid;

	while (ns->parent) {
		uid = ns->owner;
		ns = ns->parent;
	}
	return uid;
}

/* The record of the user charged for @cred, with a reference; or NULL. */
struct ipcsvc_user *ipcsvc_user_get(const struct cred *cred)
{
	kuid_t uid = ipcsvc_user_charged_uid(cred);
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

void ipcsvc_user_hold(struct ipcsvc_user *user)
{
	refcount_inc(&user->ref);
}

void ipcsvc_user_put(struct ipcsvc_user *user)
{
	/* refcount_dec_and_lock(), spelled out so that sparse can follow it */
	if (refcount_dec_not_one(&user->ref))
		return;
	spin_lock(&ipcsvc_users_lock);
	if (!refcount_dec_and_test(&user->ref)) {
		spin_unlock(&ipcsvc_users_lock);
		return;
	}
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

/* For IPCSVC_IOC_USAGE: a snapshot of @user's charges and the limits. */
void ipcsvc_user_usage(struct ipcsvc_user *user, struct ipcsvc_usage *u)
{
	u->services = atomic_read(&user->services);
	u->channels = atomic_read(&user->channels);
	u->bytes = atomic_long_read(&user->bytes);
	u->max_services = READ_ONCE(ipcsvc_max_services);
	u->max_channels = READ_ONCE(ipcsvc_max_channels);
	u->max_bytes = READ_ONCE(ipcsvc_max_user_bytes);
}

static int ipcsvc_user_stat_cmp(const void *a, const void *b)
{
	const struct ipcsvc_user_stat *x = a, *y = b;

	return uid_lt(x->uid, y->uid) ? -1 : uid_gt(x->uid, y->uid);
}

/*
 * A copy of every user's charges, sorted by uid, for a dump that may span
 * several messages; kvfree() it. NULL with *@nr == 0 when there is no
 * user, NULL with *@nr != 0 when out of memory.
 */
struct ipcsvc_user_stat *ipcsvc_users_snapshot(unsigned int *nr)
{
	struct ipcsvc_user_stat *st = NULL;
	struct ipcsvc_user *user;
	unsigned int n, room = 0, bkt;

	for (;;) {
		n = 0;
		spin_lock(&ipcsvc_users_lock);
		hash_for_each(ipcsvc_users, bkt, user, node) {
			if (n < room) {
				st[n].uid = user->uid;
				st[n].services = atomic_read(&user->services);
				st[n].channels = atomic_read(&user->channels);
				st[n].bytes = atomic_long_read(&user->bytes);
			}
			n++;
		}
		spin_unlock(&ipcsvc_users_lock);
		if (n <= room)
			break;
		/* More users than room: allocate without the lock, retry. */
		kvfree(st);
		room = n + 8;
		st = kvmalloc_array(room, sizeof(*st), GFP_KERNEL_ACCOUNT);
		if (!st) {
			*nr = n;
			return NULL;
		}
	}
	sort(st, n, sizeof(*st), ipcsvc_user_stat_cmp, NULL);
	*nr = n;
	return st;
}

/* Bytes committed module-wide: every user's charges. */
u64 ipcsvc_users_bytes(void)
{
	struct ipcsvc_user *user;
	unsigned int bkt;
	u64 sum = 0;

	spin_lock(&ipcsvc_users_lock);
	hash_for_each(ipcsvc_users, bkt, user, node)
		sum += atomic_long_read(&user->bytes);
	spin_unlock(&ipcsvc_users_lock);
	return sum;
}
