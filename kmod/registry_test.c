// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for registry.c: protocol names, uniqueness per IPC namespace,
 * access control and the per-user service limit.
 *
 * Each case makes its own ports over fake namespace keys (the registry only
 * compares namespace pointers) and closes everything it made, so the
 * registry is empty again afterwards.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

#include "ipcsvc.h"

static struct ipcsvc_port *registry_port(struct kunit *test, void *ns_key)
{
	struct ipcsvc_port *port;

	port = ipcsvc_port_create(ns_key, task_active_pid_ns(current),
				  current_cred());
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}

static void registry_port_done(struct ipcsvc_port *port)
{
	ipcsvc_port_shutdown(port);
	ipcsvc_port_put(port);
}

static int registry_create(struct ipcsvc_port *port, const char *name,
			   u32 *h)
{
	return ipcsvc_service_create(port, name, strlen(name), 1, 0600, h);
}

static void ipcsvc_registry_name_rules(struct kunit *test)
{
	static const u8 long_name[IPCSVC_PROTOCOL_NAME_MAX + 1] = { [0 ... 64] = 'x' };

	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("a", 1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check(long_name, 64), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check(long_name, 65), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("", 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("a\0b", 3), -EINVAL);
	/* UTF-8: valid two-, three- and four-byte forms. */
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xc3\xa9", 2), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xe2\x82\xac", 3), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xf0\x9f\x98\x80", 4), 0);
	/* Lone continuation, truncation, overlong, surrogate, > U+10FFFF. */
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\x80", 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xe2\x82", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xc0\xaf", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xe0\x80\xaf", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xed\xa0\x80", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xf4\x90\x80\x80", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xff", 1), -EINVAL);
}

static void ipcsvc_registry_unique_per_namespace(struct kunit *test)
{
	static int ns_a, ns_b;
	struct ipcsvc_port *a = registry_port(test, &ns_a);
	struct ipcsvc_port *a2 = registry_port(test, &ns_a);
	struct ipcsvc_port *b = registry_port(test, &ns_b);
	unsigned int before = ipcsvc_registry_count();
	struct ipcsvc_service *svc;
	u32 h1, h2, h3;

	KUNIT_ASSERT_EQ(test, registry_create(a, "reg.unique", &h1), 0);
	KUNIT_EXPECT_EQ(test, registry_create(a2, "reg.unique", &h2),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, registry_create(b, "reg.unique", &h3), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before + 2);

	svc = ipcsvc_service_lookup((void *)&ns_a, "reg.unique", 10);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_PTR_EQ(test, svc->port, a);
	ipcsvc_service_put(svc);
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup((void *)&ns_a,
						      "reg.uniqu", 9));

	/* Closing the handle frees the name at once. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(a, h1), 0);
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup((void *)&ns_a,
						      "reg.unique", 10));
	KUNIT_EXPECT_EQ(test, registry_create(a2, "reg.unique", &h2), 0);

	/* So does the port's release. */
	registry_port_done(a2);
	registry_port_done(b);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	registry_port_done(a);
}

/* A lookup's reference keeps the service alive past its closing. */
static void ipcsvc_registry_lookup_outlives_close(struct kunit *test)
{
	static int ns;
	struct ipcsvc_port *port = registry_port(test, &ns);
	struct ipcsvc_service *svc;
	u32 h;

	KUNIT_ASSERT_EQ(test, registry_create(port, "reg.ref", &h), 0);
	svc = ipcsvc_service_lookup((void *)&ns, "reg.ref", 7);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, h), 0);
	KUNIT_EXPECT_FALSE(test, svc->registered);
	KUNIT_EXPECT_NULL(test, svc->port);
	KUNIT_EXPECT_EQ(test, kref_read(&svc->ref), 1u);
	ipcsvc_service_put(svc);
	registry_port_done(port);
}

static void ipcsvc_registry_mode_classes(struct kunit *test)
{
	struct ipcsvc_service svc = { };
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	svc.uid = KUIDT_INIT(1000);
	svc.gid = KGIDT_INIT(1000);

	/* Owner class. */
	cred->fsuid = KUIDT_INIT(1000);
	cred->fsgid = KGIDT_INIT(2000);
	svc.mode = 0200;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred, false));
	svc.mode = 0477;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred, false));
	/* Group class. */
	cred->fsuid = KUIDT_INIT(1001);
	cred->fsgid = KGIDT_INIT(1000);
	svc.mode = 0020;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred, false));
	svc.mode = 0707;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred, false));
	/* Other class: only the write bit counts. */
	cred->fsgid = KGIDT_INIT(3000);
	svc.mode = 0002;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred, false));
	svc.mode = 0775;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred, false));
	/* CAP_DAC_OVERRIDE, as decided by the caller. */
	svc.mode = 0;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred, true));
	abort_creds(cred);
}

static void ipcsvc_registry_bad_mode_and_name(struct kunit *test)
{
	unsigned int before = ipcsvc_registry_count();
	static int ns;
	struct ipcsvc_port *port = registry_port(test, &ns);
	u32 h;

	KUNIT_EXPECT_EQ(test, ipcsvc_service_create(port, "m", 1, 1, 01000, &h),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_create(port, "\x80", 1, 1, 0, &h),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	registry_port_done(port);
}

static void ipcsvc_registry_user_limit(struct kunit *test)
{
	unsigned int old = ipcsvc_max_services;
	static int ns;
	struct ipcsvc_port *port = registry_port(test, &ns);
	u32 h1, h2;

	WRITE_ONCE(ipcsvc_max_services, 1);
	KUNIT_EXPECT_EQ(test, registry_create(port, "reg.q1", &h1), 0);
	KUNIT_EXPECT_EQ(test, registry_create(port, "reg.q2", &h2), -EDQUOT);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, h1), 0);
	KUNIT_EXPECT_EQ(test, registry_create(port, "reg.q2", &h2), 0);
	WRITE_ONCE(ipcsvc_max_services, old);
	registry_port_done(port);
}

/* Per-user records are shared by uid and freed with their last user. */
static void ipcsvc_registry_user_records(struct kunit *test)
{
	struct ipcsvc_user *u1 = ipcsvc_user_get(KUIDT_INIT(4242));
	struct ipcsvc_user *u2 = ipcsvc_user_get(KUIDT_INIT(4242));
	struct ipcsvc_user *u3 = ipcsvc_user_get(KUIDT_INIT(4243));
	unsigned long old = ipcsvc_max_user_bytes;

	KUNIT_ASSERT_NOT_NULL(test, u1);
	KUNIT_ASSERT_NOT_NULL(test, u3);
	KUNIT_EXPECT_PTR_EQ(test, u1, u2);
	KUNIT_EXPECT_PTR_NE(test, u1, u3);
	WRITE_ONCE(ipcsvc_max_user_bytes, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(u1, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(u2, 2 * PAGE_SIZE),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, ipcsvc_user_charge_bytes(u3, 2 * PAGE_SIZE), 0);
	ipcsvc_user_uncharge_bytes(u1, PAGE_SIZE);
	ipcsvc_user_uncharge_bytes(u3, 2 * PAGE_SIZE);
	WRITE_ONCE(ipcsvc_max_user_bytes, old);
	ipcsvc_user_put(u1);
	ipcsvc_user_put(u2);
	ipcsvc_user_put(u3);
}

static struct kunit_case ipcsvc_registry_cases[] = {
	KUNIT_CASE(ipcsvc_registry_name_rules),
	KUNIT_CASE(ipcsvc_registry_unique_per_namespace),
	KUNIT_CASE(ipcsvc_registry_lookup_outlives_close),
	KUNIT_CASE(ipcsvc_registry_mode_classes),
	KUNIT_CASE(ipcsvc_registry_bad_mode_and_name),
	KUNIT_CASE(ipcsvc_registry_user_limit),
	KUNIT_CASE(ipcsvc_registry_user_records),
	{}
};

static struct kunit_suite ipcsvc_registry_suite = {
	.name = "ipcsvc_registry",
	.test_cases = ipcsvc_registry_cases,
};

kunit_test_suite(ipcsvc_registry_suite);
