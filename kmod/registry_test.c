// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for registry.c: protocol names, buffer sizes, uniqueness per
 * IPC namespace, access control, admission and the per-user service limit.
 *
 * Each case makes its own ports over registry keys of its own
 * (ipcsvc_kunit_ns()) and closes everything it made, so the registry is
 * as it was afterwards.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sizes.h>

#include "ipcsvc_kunit.h"

static void ipcsvc_registry_name_rules(struct kunit *test)
{
	static const u8 long_name[IPCSVC_PROTOCOL_NAME_MAX + 1] = {
		[0 ... IPCSVC_PROTOCOL_NAME_MAX] = 'x'
	};

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
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("a\xc3", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xc0\xaf", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xe0\x80\xaf", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xed\xa0\x80", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xf4\x90\x80\x80", 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xc3\x28", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_name_check("\xff", 1), -EINVAL);
}

/*
 * SERVICE_CREATE's sizes: 0 is the default (1 MiB, or the cap if that is
 * smaller), anything else is rounded up to pages, and more than the
 * max_buffer_size parameter (itself capped at 1 GiB) is EMSGSIZE.
 */
static void ipcsvc_registry_buffer_size(struct kunit *test)
{
	unsigned long old = ipcsvc_max_buffer_size;
	u64 size;

	WRITE_ONCE(ipcsvc_max_buffer_size, SZ_64M);
	size = 0;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, IPCSVC_DEFAULT_BUFFER_SIZE);
	size = 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, (u64)PAGE_SIZE);
	size = PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, (u64)2 * PAGE_SIZE);
	size = SZ_64M;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, (u64)SZ_64M);
	size = SZ_64M + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), -EMSGSIZE);
	size = U64_MAX;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), -EMSGSIZE);

	/* A cap below the default makes the default the cap. */
	WRITE_ONCE(ipcsvc_max_buffer_size, 16 * PAGE_SIZE + 5);
	size = 0;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, (u64)16 * PAGE_SIZE);
	size = 16 * PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), -EMSGSIZE);

	/* The parameter cannot lift the hard limit, nor go below a page. */
	WRITE_ONCE(ipcsvc_max_buffer_size, ULONG_MAX);
	size = IPCSVC_BUFFER_SIZE_LIMIT;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	size = IPCSVC_BUFFER_SIZE_LIMIT + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), -EMSGSIZE);
	WRITE_ONCE(ipcsvc_max_buffer_size, 0);
	size = 0;
	KUNIT_EXPECT_EQ(test, ipcsvc_buffer_size(&size), 0);
	KUNIT_EXPECT_EQ(test, size, (u64)PAGE_SIZE);
	WRITE_ONCE(ipcsvc_max_buffer_size, old);
}

/* The service records its parameters and its creator. */
static void ipcsvc_registry_create_records_creator(struct kunit *test)
{
	struct ipc_namespace *ns = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ns);
	struct ipcsvc_service_params p = ipcsvc_kunit_params("reg.rec");
	struct cred *cred = ipcsvc_kunit_creds(test, 90101);
	const struct cred *old;
	struct ipcsvc_service *svc;
	u32 h;
	int ret;

	p.mode = 0642;
	p.version = 77;
	p.max_connections = 5;
	p.max_pending = 2;
	cred->fsuid = KUIDT_INIT(90102);
	cred->fsgid = KGIDT_INIT(90103);
	old = override_creds(cred);
	ret = ipcsvc_service_create(port, &p, &svc, &h);
	revert_creds(old);
	KUNIT_ASSERT_EQ(test, ret, 0);

	KUNIT_EXPECT_EQ(test, svc->h.type, IPCSVC_H_SERVICE);
	KUNIT_EXPECT_EQ(test, svc->h.ev.handle, h);
	KUNIT_EXPECT_PTR_EQ(test, svc->ipc_ns, ns);
	KUNIT_EXPECT_PTR_EQ(test, svc->port, port);
	KUNIT_EXPECT_TRUE(test, svc->registered);
	/* The owner is the fs identity, as for a socket inode. */
	KUNIT_EXPECT_TRUE(test, uid_eq(svc->uid, KUIDT_INIT(90102)));
	KUNIT_EXPECT_TRUE(test, gid_eq(svc->gid, KGIDT_INIT(90103)));
	KUNIT_EXPECT_TRUE(test, uid_eq(svc->euid, KUIDT_INIT(90101)));
	KUNIT_EXPECT_TRUE(test, gid_eq(svc->egid, KGIDT_INIT(90101)));
	KUNIT_EXPECT_PTR_EQ(test, svc->cred, (const struct cred *)cred);
	KUNIT_EXPECT_PTR_EQ(test, svc->pid, task_tgid(current));
	KUNIT_EXPECT_TRUE(test, uid_eq(svc->user->uid, KUIDT_INIT(90101)));
	KUNIT_EXPECT_EQ(test, atomic_read(&svc->user->services), 1);
	KUNIT_EXPECT_EQ(test, svc->mode, (umode_t)0642);
	KUNIT_EXPECT_EQ(test, svc->version, 77ull);
	KUNIT_EXPECT_EQ(test, svc->max_size[0], (u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, svc->max_size[1], (u64)8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, svc->max_connections, 5u);
	KUNIT_EXPECT_EQ(test, svc->max_pending, 2u);
	KUNIT_EXPECT_EQ(test, svc->name_len, 7u);
	KUNIT_EXPECT_EQ(test, memcmp(svc->name, "reg.rec", 7), 0);
	ipcsvc_service_put(svc);
	ipcsvc_kunit_port_done(port);
	put_cred(cred);
}

static void ipcsvc_registry_unique_per_namespace(struct kunit *test)
{
	struct ipc_namespace *ns_a = ipcsvc_kunit_ns(test);
	struct ipc_namespace *ns_b = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *a = ipcsvc_kunit_port(test, ns_a);
	struct ipcsvc_port *a2 = ipcsvc_kunit_port(test, ns_a);
	struct ipcsvc_port *b = ipcsvc_kunit_port(test, ns_b);
	unsigned int before = ipcsvc_registry_count();
	struct ipcsvc_service *svc;
	u32 h1, h2, h3;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(a, "reg.unique", &h1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(a2, "reg.unique", &h2),
			-EADDRINUSE);
	/* The refused create took no handle. */
	KUNIT_EXPECT_EQ(test, a2->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(b, "reg.unique", &h3), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before + 2);

	svc = ipcsvc_service_lookup(ns_a, "reg.unique", 10);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_PTR_EQ(test, svc->port, a);
	ipcsvc_service_put(svc);
	svc = ipcsvc_service_lookup(ns_b, "reg.unique", 10);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	KUNIT_EXPECT_PTR_EQ(test, svc->port, b);
	ipcsvc_service_put(svc);
	/* Names match whole: no prefix, no longer name. */
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(ns_a, "reg.uniqu", 9));
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(ns_a, "reg.unique2",
						      11));

	/* Closing the handle frees the name at once. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(a, h1), 0);
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(ns_a, "reg.unique", 10));
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(a2, "reg.unique", &h2), 0);

	/* So does the port's release. */
	ipcsvc_kunit_port_done(a2);
	ipcsvc_kunit_port_done(b);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	ipcsvc_kunit_port_done(a);
}

/* A lookup's reference keeps the service alive past its closing. */
static void ipcsvc_registry_lookup_outlives_close(struct kunit *test)
{
	struct ipc_namespace *ns = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ns);
	struct ipcsvc_service *svc;
	struct ipcsvc_port *sport;
	u32 h;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "reg.ref", &h), 0);
	svc = ipcsvc_service_lookup(ns, "reg.ref", 7);
	KUNIT_ASSERT_NOT_NULL(test, svc);
	sport = ipcsvc_service_port(svc);
	KUNIT_EXPECT_PTR_EQ(test, sport, port);
	if (sport)
		ipcsvc_port_put(sport);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, h), 0);
	KUNIT_EXPECT_FALSE(test, svc->registered);
	KUNIT_EXPECT_NULL(test, svc->port);
	/* A connect that looked it up before learns it is gone. */
	KUNIT_EXPECT_NULL(test, ipcsvc_service_port(svc));
	KUNIT_EXPECT_EQ(test, kref_read(&svc->ref), 1u);
	/* Closing it again (release after close) is harmless. */
	ipcsvc_service_close(svc, IPCSVC_REASON_CLOSED);
	ipcsvc_service_put(svc);
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), 1u);
	ipcsvc_kunit_port_done(port);
}

static void ipcsvc_registry_mode_classes(struct kunit *test)
{
	struct ipcsvc_service svc = { };
	struct cred *cred = ipcsvc_kunit_creds(test, 1001);
	struct group_info *groups;
	const struct cred *old;

	svc.uid = KUIDT_INIT(1000);
	svc.gid = KGIDT_INIT(1000);

	/* Owner class: only the owner's write bit counts. */
	cred->fsuid = KUIDT_INIT(1000);
	cred->fsgid = KGIDT_INIT(1000);
	svc.mode = 0200;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred));
	svc.mode = 0577;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred));
	/* Group class, by fsgid. */
	cred->fsuid = KUIDT_INIT(1001);
	svc.mode = 0020;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred));
	svc.mode = 0757;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred));
	/* Other class. */
	cred->fsgid = KGIDT_INIT(3000);
	svc.mode = 0002;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc, cred));
	svc.mode = 0775;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred));
	/* Only the write bit matters; capabilities are the caller's business. */
	svc.mode = 0;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred));

	/*
	 * A supplementary group selects the group class, but only for the
	 * current task's own credentials.
	 */
	groups = groups_alloc(1);
	KUNIT_ASSERT_NOT_NULL(test, groups);
	groups->gid[0] = KGIDT_INIT(1000);
	groups_sort(groups);
	set_groups(cred, groups);
	put_group_info(groups);
	svc.mode = 0020;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc, cred));
	old = override_creds(cred);
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_may_connect(&svc,
							   current_cred()));
	svc.mode = 0702;
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_may_connect(&svc,
							    current_cred()));
	revert_creds(old);
	put_cred(cred);
}

/*
 * Admission: EUSERS once max_connections server ends are open, EAGAIN once
 * max_pending of them are unaccepted; the connection limit is checked
 * first.
 */
static void ipcsvc_registry_admit_limits(struct kunit *test)
{
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	struct ipcsvc_service_params p = ipcsvc_kunit_params("reg.admit");
	struct ipcsvc_service *svc;
	u32 h;

	p.max_connections = 3;
	p.max_pending = 2;
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(port, &p, &svc, &h), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, false), 0);
	atomic_set(&svc->nr_open, 2);
	atomic_set(&svc->nr_unaccepted, 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, false), 0);
	atomic_set(&svc->nr_unaccepted, 2);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, false), -EAGAIN);
	atomic_set(&svc->nr_open, 3);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, false), -EUSERS);
	atomic_set(&svc->nr_unaccepted, 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, false), -EUSERS);
	/* Under the registry lock the answer is the same. */
	ipcsvc_registry_enter();
	KUNIT_EXPECT_EQ(test, ipcsvc_service_admit(svc, true), -EUSERS);
	ipcsvc_registry_leave();
	atomic_set(&svc->nr_open, 0);
	ipcsvc_service_put(svc);
	ipcsvc_kunit_port_done(port);
}

/* max_services per charged user, EDQUOT beyond; closing gives it back. */
static void ipcsvc_registry_user_limit(struct kunit *test)
{
	unsigned int old_max = ipcsvc_max_services;
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	struct cred *cred = ipcsvc_kunit_creds(test, 90110);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);
	const struct cred *old;
	u32 h1, h2;

	KUNIT_ASSERT_NOT_NULL(test, user);
	WRITE_ONCE(ipcsvc_max_services, 1);
	old = override_creds(cred);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "reg.q1", &h1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "reg.q2", &h2),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), 1);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, h1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "reg.q2", &h2), 0);
	revert_creds(old);
	/* Another user is not affected by the first one's charges. */
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "reg.q3", &h1), 0);
	WRITE_ONCE(ipcsvc_max_services, old_max);
	ipcsvc_kunit_port_done(port);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), 0);
	ipcsvc_user_put(user);
	put_cred(cred);
}

static struct kunit_case ipcsvc_registry_cases[] = {
	KUNIT_CASE(ipcsvc_registry_name_rules),
	KUNIT_CASE(ipcsvc_registry_buffer_size),
	KUNIT_CASE(ipcsvc_registry_create_records_creator),
	KUNIT_CASE(ipcsvc_registry_unique_per_namespace),
	KUNIT_CASE(ipcsvc_registry_lookup_outlives_close),
	KUNIT_CASE(ipcsvc_registry_mode_classes),
	KUNIT_CASE(ipcsvc_registry_admit_limits),
	KUNIT_CASE(ipcsvc_registry_user_limit),
	{}
};

static struct kunit_suite ipcsvc_registry_suite = {
	.name = "ipcsvc_registry",
	.test_cases = ipcsvc_registry_cases,
};

kunit_test_suite(ipcsvc_registry_suite);
