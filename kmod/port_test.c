// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for port.c: the handle table.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>

#include "ipcsvc.h"

static int port_ns;	/* a private registry key */

static struct ipcsvc_port *test_port(struct kunit *test)
{
	struct ipcsvc_port *port;

	port = ipcsvc_port_create((void *)&port_ns,
				  task_active_pid_ns(current), current_cred());
	KUNIT_ASSERT_NOT_NULL(test, port);
	return port;
}

static void test_port_done(struct ipcsvc_port *port)
{
	ipcsvc_port_shutdown(port);
	ipcsvc_port_put(port);
}

static int add_service(struct ipcsvc_port *port, const char *name, u32 *h)
{
	return ipcsvc_service_create(port, name, strlen(name), 1, 0600, h);
}

/* Handles start at 1 and the lowest free one is reused, like fds. */
static void ipcsvc_port_handles_lowest_first(struct kunit *test)
{
	struct ipcsvc_port *port = test_port(test);
	u32 h1, h2, h3;

	KUNIT_ASSERT_EQ(test, add_service(port, "port.a", &h1), 0);
	KUNIT_ASSERT_EQ(test, add_service(port, "port.b", &h2), 0);
	KUNIT_EXPECT_EQ(test, h1, 1u);
	KUNIT_EXPECT_EQ(test, h2, 2u);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 2u);
	KUNIT_ASSERT_EQ(test, ipcsvc_port_close_handle(port, h1), 0);
	KUNIT_ASSERT_EQ(test, add_service(port, "port.c", &h3), 0);
	KUNIT_EXPECT_EQ(test, h3, 1u);
	test_port_done(port);
}

static void ipcsvc_port_lookup_checks_type(struct kunit *test)
{
	struct ipcsvc_port *port = test_port(test);
	struct ipcsvc_hobj *h;
	u32 id;

	KUNIT_ASSERT_EQ(test, add_service(port, "port.type", &id), 0);
	KUNIT_EXPECT_NULL(test, ipcsvc_port_lookup(port, id, IPCSVC_H_CHANNEL));
	KUNIT_EXPECT_NULL(test, ipcsvc_port_lookup(port, 0, IPCSVC_H_SERVICE));
	KUNIT_EXPECT_NULL(test, ipcsvc_port_lookup(port, id + 1,
						   IPCSVC_H_SERVICE));
	h = ipcsvc_port_lookup(port, id, IPCSVC_H_SERVICE);
	KUNIT_ASSERT_NOT_NULL(test, h);
	/* The table's reference plus ours. */
	KUNIT_EXPECT_EQ(test, kref_read(&ipcsvc_to_svc(h)->ref), 2u);
	ipcsvc_hobj_put(h);
	test_port_done(port);
}

static void ipcsvc_port_closed_handle_is_gone(struct kunit *test)
{
	struct ipcsvc_port *port = test_port(test);
	u32 id;

	KUNIT_ASSERT_EQ(test, add_service(port, "port.closed", &id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, id), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(port, id), -EBADF);
	KUNIT_EXPECT_NULL(test, ipcsvc_port_lookup(port, id, IPCSVC_H_SERVICE));
	KUNIT_EXPECT_EQ(test, port->nr_handles, 0u);
	test_port_done(port);
}

/* Handles of one port mean nothing in another. */
static void ipcsvc_port_handles_are_per_port(struct kunit *test)
{
	struct ipcsvc_port *a = test_port(test), *b = test_port(test);
	u32 id;

	KUNIT_ASSERT_EQ(test, add_service(a, "port.per", &id), 0);
	KUNIT_EXPECT_NULL(test, ipcsvc_port_lookup(b, id, IPCSVC_H_SERVICE));
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(b, id), -EBADF);
	test_port_done(a);
	test_port_done(b);
}

static void ipcsvc_port_table_limit(struct kunit *test)
{
	unsigned int old = ipcsvc_max_handles;
	struct ipcsvc_port *port = test_port(test);
	u32 id;

	WRITE_ONCE(ipcsvc_max_handles, 2);
	KUNIT_EXPECT_EQ(test, add_service(port, "port.l1", &id), 0);
	KUNIT_EXPECT_EQ(test, add_service(port, "port.l2", &id), 0);
	KUNIT_EXPECT_EQ(test, add_service(port, "port.l3", &id), -EMFILE);
	/* The failed create left no name behind. */
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup((void *)&port_ns,
						      "port.l3", 7));
	WRITE_ONCE(ipcsvc_max_handles, old);
	test_port_done(port);
}

/* Shutdown closes everything and refuses new handles. */
static void ipcsvc_port_shutdown_closes_all(struct kunit *test)
{
	unsigned int before = ipcsvc_registry_count();
	struct ipcsvc_port *port = test_port(test);
	u32 id;

	KUNIT_ASSERT_EQ(test, add_service(port, "port.s1", &id), 0);
	KUNIT_ASSERT_EQ(test, add_service(port, "port.s2", &id), 0);
	ipcsvc_port_shutdown(port);
	KUNIT_EXPECT_EQ(test, port->nr_handles, 0u);
	KUNIT_EXPECT_TRUE(test, xa_empty(&port->handles));
	KUNIT_EXPECT_EQ(test, ipcsvc_registry_count(), before);
	KUNIT_EXPECT_EQ(test, add_service(port, "port.s3", &id), -EBADF);
	/* The failed create's service holds no port reference. */
	KUNIT_EXPECT_EQ(test, kref_read(&port->ref), 1u);
	ipcsvc_port_put(port);
}

static struct kunit_case ipcsvc_port_cases[] = {
	KUNIT_CASE(ipcsvc_port_handles_lowest_first),
	KUNIT_CASE(ipcsvc_port_lookup_checks_type),
	KUNIT_CASE(ipcsvc_port_closed_handle_is_gone),
	KUNIT_CASE(ipcsvc_port_handles_are_per_port),
	KUNIT_CASE(ipcsvc_port_table_limit),
	KUNIT_CASE(ipcsvc_port_shutdown_closes_all),
	{}
};

static struct kunit_suite ipcsvc_port_suite = {
	.name = "ipcsvc_port",
	.test_cases = ipcsvc_port_cases,
};

kunit_test_suite(ipcsvc_port_suite);
