// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for port.c: the handle table.
 *
 * Each case registers its services under a registry key of its own
 * (ipcsvc_kunit_ns()) and closes every port it made.
 */
#include <kunit/test.h>

#include "ipcsvc_kunit.h"

/* Handles start at 1 and the lowest free one is reused, like fds. */
static void ipcsvc_port_handles_lowest_first(struct kunit *test)
{
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	u32 h1, h2, h3;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.a", &h1), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.b", &h2), 0);
	KUNIT_EXPECT_EQ(test, h1, 1u);
	KUNIT_EXPECT_EQ(test, h2, 2u);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 2u);
	KUNIT_ASSERT_EQ(test, ipcsvc_port_close_handle(port, h1), 0);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 1u);
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.c", &h3), 0);
	KUNIT_EXPECT_EQ(test, h3, 1u);
	ipcsvc_kunit_port_done(port);
}

/*
 * A lookup names the object with a reference of its own, or fails with
 * EBADSLT (no such handle) or EPROTOTYPE (a handle of the other kind).
 */
static void ipcsvc_port_lookup_errors(struct kunit *test)
{
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	struct ipcsvc_hobj *h;
	u32 id;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.type", &id), 0);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(port, id, IPCSVC_H_CHANNEL),
			    ERR_PTR(-EPROTOTYPE));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(port, 0, IPCSVC_H_SERVICE),
			    ERR_PTR(-EBADSLT));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(port, id + 1,
						     IPCSVC_H_SERVICE),
			    ERR_PTR(-EBADSLT));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(port, U32_MAX,
						     IPCSVC_H_CHANNEL),
			    ERR_PTR(-EBADSLT));

	h = ipcsvc_port_lookup(port, id, IPCSVC_H_SERVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(h));
	KUNIT_EXPECT_EQ(test, h->type, IPCSVC_H_SERVICE);
	KUNIT_EXPECT_EQ(test, h->ev.handle, id);
	/* The table's reference plus ours. */
	KUNIT_EXPECT_EQ(test, kref_read(&ipcsvc_to_svc(h)->ref), 2u);
	ipcsvc_hobj_put(h);
	KUNIT_EXPECT_EQ(test, kref_read(&ipcsvc_to_svc(h)->ref), 1u);
	ipcsvc_kunit_port_done(port);
}

static void ipcsvc_port_closed_handle_is_gone(struct kunit *test)
{
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	u32 id;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.closed", &id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, id), -EBADSLT);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, 0), -EBADSLT);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(port, id, IPCSVC_H_SERVICE),
			    ERR_PTR(-EBADSLT));
	KUNIT_EXPECT_EQ(test, port->nr_handles, 0u);
	ipcsvc_kunit_port_done(port);
}

/* Handles of one port mean nothing in another. */
static void ipcsvc_port_handles_are_per_port(struct kunit *test)
{
	struct ipc_namespace *ns = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *a = ipcsvc_kunit_port(test, ns);
	struct ipcsvc_port *b = ipcsvc_kunit_port(test, ns);
	u32 id;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(a, "port.per", &id), 0);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_port_lookup(b, id, IPCSVC_H_SERVICE),
			    ERR_PTR(-EBADSLT));
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(b, id), -EBADSLT);
	KUNIT_EXPECT_EQ(test, a->nr_handles, 1u);
	ipcsvc_kunit_port_done(a);
	ipcsvc_kunit_port_done(b);
}

/* A full table refuses with ENOSPC, and the refused create leaves nothing. */
static void ipcsvc_port_table_limit(struct kunit *test)
{
	struct ipcsvc_port_limits lim = {
		.flags = IPCSVC_PORT_LIMITS_SET, .max_handles = 2,
	};
	struct ipc_namespace *ns = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ns);
	unsigned int before = ipcsvc_registry_count();
	struct ipcsvc_user *user = ipcsvc_user_get(current_cred());
	int services;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, user);
	services = atomic_read(&user->services);
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(port, &lim), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "port.l1", &id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "port.l2", &id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "port.l3", &id),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, lim.nr_handles, 0u);
	lim.max_handles = ipcsvc_max_handles;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(port, &lim), 0);
	KUNIT_EXPECT_EQ(test, lim.nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 2u);
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(ns, "port.l3", 7));
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before + 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), services + 2);
	/* Room again once a handle is closed. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, 1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "port.l3", &id), 0);
	ipcsvc_kunit_port_done(port);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->services), services);
	ipcsvc_user_put(user);
}

/*
 * Undoing a creation closes the handle only while it still names the
 * object created: a number closed and reused meanwhile is left alone.
 */
static void ipcsvc_port_close_object_checks_object(struct kunit *test)
{
	struct ipc_namespace *ns = ipcsvc_kunit_ns(test);
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ns);
	struct ipcsvc_service_params p1 = ipcsvc_kunit_params("port.obj1");
	struct ipcsvc_service_params p2 = ipcsvc_kunit_params("port.obj2");
	struct ipcsvc_service *s1, *s2;
	u32 h1, h2;

	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(port, &p1, &s1, &h1), 0);
	/* Another thread closes it and creates something in its place. */
	KUNIT_ASSERT_EQ(test, ipcsvc_port_close_handle(port, h1), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(port, &p2, &s2, &h2), 0);
	KUNIT_EXPECT_EQ(test, h2, h1);
	KUNIT_EXPECT_FALSE(test,
			   ipcsvc_port_close_object(port, h1, &s1->h,
						    IPCSVC_REASON_CLOSED));
	KUNIT_EXPECT_EQ(test, port->nr_handles, 1u);
	KUNIT_EXPECT_TRUE(test, s2->registered);
	/* The right object is closed, once. */
	KUNIT_EXPECT_TRUE(test,
			  ipcsvc_port_close_object(port, h2, &s2->h,
						   IPCSVC_REASON_CLOSED));
	KUNIT_EXPECT_FALSE(test,
			   ipcsvc_port_close_object(port, h2, &s2->h,
						    IPCSVC_REASON_CLOSED));
	KUNIT_EXPECT_FALSE(test, s2->registered);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 0u);
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(ns, "port.obj2", 9));
	/* Only the creators' references are left. */
	KUNIT_EXPECT_EQ(test, kref_read(&s1->ref), 1u);
	KUNIT_EXPECT_EQ(test, kref_read(&s2->ref), 1u);
	ipcsvc_service_put(s1);
	ipcsvc_service_put(s2);
	ipcsvc_kunit_port_done(port);
}

/* Shutdown closes everything and refuses new handles with EBADF. */
static void ipcsvc_port_shutdown_closes_all(struct kunit *test)
{
	unsigned int before = ipcsvc_registry_count();
	struct ipcsvc_port *port = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	u32 id;

	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.s1", &id), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(port, "port.s2", &id), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), 3u);
	ipcsvc_port_shutdown(port, IPCSVC_REASON_CLOSED);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 0u);
	KUNIT_EXPECT_TRUE(test, xa_empty(&port->handles));
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	KUNIT_EXPECT_EQ(test, ipcsvc_kunit_service(port, "port.s3", &id),
			-EBADF);
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	/* The services' references are gone; the refused one took none. */
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), 1u);
	ipcsvc_port_put(port);
}

static struct kunit_case ipcsvc_port_cases[] = {
	KUNIT_CASE(ipcsvc_port_handles_lowest_first),
	KUNIT_CASE(ipcsvc_port_lookup_errors),
	KUNIT_CASE(ipcsvc_port_closed_handle_is_gone),
	KUNIT_CASE(ipcsvc_port_handles_are_per_port),
	KUNIT_CASE(ipcsvc_port_table_limit),
	KUNIT_CASE(ipcsvc_port_close_object_checks_object),
	KUNIT_CASE(ipcsvc_port_shutdown_closes_all),
	{}
};

static struct kunit_suite ipcsvc_port_suite = {
	.name = "ipcsvc_port",
	.test_cases = ipcsvc_port_cases,
};

kunit_test_suite(ipcsvc_port_suite);
