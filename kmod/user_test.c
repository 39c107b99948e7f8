// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for user.c: who is charged, the per-user records, and the
 * three limits.
 *
 * Each case charges uids of its own (900xx), so the records it looks at are
 * its alone; it uncharges and puts everything it took.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>

#include "ipcsvc_kunit.h"

/*
 * A credential with just what ipcsvc_user_get() reads: the user namespace
 * and the euid. Not a live cred: never install or put it.
 */
static const struct cred *user_fake_cred(struct kunit *test,
					 struct user_namespace *ns, u32 euid)
{
	struct cred *cred = kunit_kzalloc(test, sizeof(*cred), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->user_ns = ns;
	cred->euid = KUIDT_INIT(euid);
	return cred;
}

/* A user namespace with just a parent and an owner, for the same use. */
static struct user_namespace *user_fake_ns(struct kunit *test,
					   struct user_namespace *parent,
					   u32 owner)
{
	struct user_namespace *ns = kunit_kzalloc(test, sizeof(*ns),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ns);
	ns->parent = parent;
	ns->owner = KUIDT_INIT(owner);
	return ns;
}

/* One record per charged uid, shared by every cred that maps to it. */
static void ipcsvc_user_records_shared_by_uid(struct kunit *test)
{
	const struct cred *c1 = user_fake_cred(test, &init_user_ns, 90001);
	const struct cred *c2 = user_fake_cred(test, &init_user_ns, 90001);
	const struct cred *c3 = user_fake_cred(test, &init_user_ns, 90002);
	struct ipcsvc_user *u1, *u2, *u3;

	u1 = ipcsvc_user_get(c1);
	u2 = ipcsvc_user_get(c2);
	u3 = ipcsvc_user_get(c3);
	KUNIT_ASSERT_NOT_NULL(test, u1);
	KUNIT_ASSERT_NOT_NULL(test, u2);
	KUNIT_ASSERT_NOT_NULL(test, u3);
	KUNIT_EXPECT_PTR_EQ(test, u1, u2);
	KUNIT_EXPECT_PTR_NE(test, u1, u3);
	KUNIT_EXPECT_TRUE(test, uid_eq(u1->uid, KUIDT_INIT(90001)));
	KUNIT_EXPECT_TRUE(test, uid_eq(u3->uid, KUIDT_INIT(90002)));
	KUNIT_EXPECT_EQ(test, refcount_read(&u1->ref), 2u);
	ipcsvc_user_hold(u1);
	KUNIT_EXPECT_EQ(test, refcount_read(&u1->ref), 3u);

	/* A charge through one reference is seen through the others. */
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_channel(u1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u2->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&u3->channels), 0);
	ipcsvc_user_uncharge_channel(u2);

	ipcsvc_user_put(u1);
	ipcsvc_user_put(u1);
	ipcsvc_user_put(u2);
	ipcsvc_user_put(u3);

	/* Freed with the last reference: the next one starts from nothing. */
	u1 = ipcsvc_user_get(c1);
	KUNIT_ASSERT_NOT_NULL(test, u1);
	KUNIT_EXPECT_EQ(test, refcount_read(&u1->ref), 1u);
	ipcsvc_user_put(u1);
}

/*
 * Inside user namespaces the owner of the outermost one below the initial
 * namespace is charged, whatever the euid: a container's whole uid range
 * shares its creator's limits.
 */
static void ipcsvc_user_charged_uid_in_user_ns(struct kunit *test)
{
	struct user_namespace *outer = user_fake_ns(test, &init_user_ns, 90010);
	struct user_namespace *inner = user_fake_ns(test, outer, 90011);
	struct ipcsvc_user *host, *in_outer, *in_inner, *other;

	host = ipcsvc_user_get(user_fake_cred(test, &init_user_ns, 90010));
	in_outer = ipcsvc_user_get(user_fake_cred(test, outer, 0));
	in_inner = ipcsvc_user_get(user_fake_cred(test, inner, 1000));
	other = ipcsvc_user_get(user_fake_cred(test, &init_user_ns, 90011));
	KUNIT_ASSERT_NOT_NULL(test, host);
	KUNIT_ASSERT_NOT_NULL(test, in_outer);
	KUNIT_ASSERT_NOT_NULL(test, in_inner);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_PTR_EQ(test, in_outer, host);
	KUNIT_EXPECT_PTR_EQ(test, in_inner, host);
	/* The inner namespace's owner is not who is charged. */
	KUNIT_EXPECT_PTR_NE(test, other, host);
	ipcsvc_user_put(host);
	ipcsvc_user_put(in_outer);
	ipcsvc_user_put(in_inner);
	ipcsvc_user_put(other);
}

/* Each limit admits up to its value and refuses past it with EDQUOT. */
static void ipcsvc_user_limits(struct kunit *test)
{
	unsigned int old_services = ipcsvc_max_services;
	unsigned int old_channels = ipcsvc_max_channels;
	unsigned long old_bytes = ipcsvc_max_user_bytes;
	struct ipcsvc_user *user;

	user = ipcsvc_user_get(user_fake_cred(test, &init_user_ns, 90020));
	KUNIT_ASSERT_NOT_NULL(test, user);
	WRITE_ONCE(ipcsvc_max_services, 2);
	WRITE_ONCE(ipcsvc_max_channels, 1);
	WRITE_ONCE(ipcsvc_max_user_bytes, 4 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_service(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_service(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_service(user), -EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), 2);

	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_channel(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_channel(user), -EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 1);

	/* A refused byte charge takes nothing, even where part would fit. */
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, 2 * PAGE_SIZE),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes),
			(long)(3 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, 1), -EDQUOT);

	/* Uncharging makes room again. */
	ipcsvc_user_uncharge_service(user);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_service(user), 0);
	ipcsvc_user_uncharge_bytes(user, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, PAGE_SIZE), 0);

	ipcsvc_user_uncharge_service(user);
	ipcsvc_user_uncharge_service(user);
	ipcsvc_user_uncharge_channel(user);
	ipcsvc_user_uncharge_bytes(user, 4 * PAGE_SIZE);
	WRITE_ONCE(ipcsvc_max_services, old_services);
	WRITE_ONCE(ipcsvc_max_channels, old_channels);
	WRITE_ONCE(ipcsvc_max_user_bytes, old_bytes);
	ipcsvc_user_put(user);
}

/* IPCSVC_IOC_USAGE's snapshot: the charges and the limits in force. */
static void ipcsvc_user_usage_snapshot(struct kunit *test)
{
	unsigned int old_channels = ipcsvc_max_channels;
	struct ipcsvc_user *user;
	struct ipcsvc_usage u;

	user = ipcsvc_user_get(user_fake_cred(test, &init_user_ns, 90030));
	KUNIT_ASSERT_NOT_NULL(test, user);
	WRITE_ONCE(ipcsvc_max_channels, 7);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_service(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_channel(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_channel(user), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(user, 5 * PAGE_SIZE), 0);

	memset(&u, 0xcc, sizeof(u));
	ipcsvc_user_usage(user, &u);
	KUNIT_EXPECT_EQ(test, u.services, 1u);
	KUNIT_EXPECT_EQ(test, u.channels, 2u);
	KUNIT_EXPECT_EQ(test, u.bytes, (u64)5 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, u.max_services, ipcsvc_max_services);
	KUNIT_EXPECT_EQ(test, u.max_channels, 7u);
	KUNIT_EXPECT_EQ(test, u.max_bytes, (u64)ipcsvc_max_user_bytes);

	ipcsvc_user_uncharge_service(user);
	ipcsvc_user_uncharge_channel(user);
	ipcsvc_user_uncharge_channel(user);
	ipcsvc_user_uncharge_bytes(user, 5 * PAGE_SIZE);
	WRITE_ONCE(ipcsvc_max_channels, old_channels);
	ipcsvc_user_put(user);
}

static struct kunit_case ipcsvc_user_cases[] = {
	KUNIT_CASE(ipcsvc_user_records_shared_by_uid),
	KUNIT_CASE(ipcsvc_user_charged_uid_in_user_ns),
	KUNIT_CASE(ipcsvc_user_limits),
	KUNIT_CASE(ipcsvc_user_usage_snapshot),
	{}
};

static struct kunit_suite ipcsvc_user_suite = {
	.name = "ipcsvc_user",
	.test_cases = ipcsvc_user_cases,
};

kunit_test_suite(ipcsvc_user_suite);
