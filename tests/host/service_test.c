// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the service, client and event calls that do not need the
 * module: argument checks, and what a device that is not ipcsvc gives.
 */
#include <errno.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"

TEST(null_arguments)
{
	struct ipcsvc_service *svc = (void *)1;
	struct ipcsvc_conn *conn = (void *)1;
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_port_event ev;

	EXPECT_EQ(-EINVAL, ipcsvc_service_create(NULL, "x", 1, 0600, &svc));
	EXPECT_EQ(NULL, svc);
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(NULL, "x", 1, 0600, NULL));
	svc = (void *)1;
	EXPECT_EQ(-EINVAL, ipcsvc_service_create_attr(NULL, "x", 1, 0600, NULL,
						      &svc));
	EXPECT_EQ(NULL, svc);
	EXPECT_EQ(-EINVAL, ipcsvc_service_create_attr(NULL, "x", 1, 0600, NULL,
						      NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(NULL, "x", 1, 0, 0, NULL,
						 &conn));
	EXPECT_EQ(NULL, conn);
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(NULL, "x", 1, 0, 0, NULL,
						 NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_service_accept(NULL, &ev, NULL, &conn));
	EXPECT_EQ(-EINVAL, ipcsvc_service_accept(NULL, &ev, NULL, NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_service_reject(NULL, &ev));
	EXPECT_EQ(-EINVAL, ipcsvc_service_handle(NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_service_fd(NULL));
	EXPECT_EQ(0, ipcsvc_service_close(NULL));
	EXPECT_EQ(0, ipcsvc_conn_close(NULL));
	EXPECT_EQ(NULL, ipcsvc_conn_channel(NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_conn_handle(NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_conn_fd(NULL));
	EXPECT_EQ(-EINVAL, ipcsvc_conn_peer_creds(NULL, &pc));
	EXPECT_EQ(-EINVAL, ipcsvc_conn_arm(NULL, IPCSVC_DIR_RX));
	EXPECT_EQ(-EINVAL, ipcsvc_port_read_event(NULL, &ev));
	EXPECT_EQ(-EINVAL, ipcsvc_port_wait_event(NULL, &ev, ipcsvc_timeout_ns(0)));
}

FIXTURE(foreign) {
	struct ipcsvc_port *port;
};

/* /dev/null stands in for a device that is not ipcsvc. */
FIXTURE_SETUP(foreign)
{
	ASSERT_EQ(0, ipcsvc_port_open("/dev/null", &self->port));
}

FIXTURE_TEARDOWN(foreign)
{
	ipcsvc_port_close(self->port);
}

TEST_F(foreign, names_are_checked_before_the_device)
{
	char long_name[IPCSVC_PROTOCOL_NAME_MAX + 2];
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conn;

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(self->port, "", 1, 0600,
						 &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(self->port, NULL, 1, 0600,
						 &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(self->port, long_name, 1,
						 0600, &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_service_create(self->port, "x", 1, 01000,
						 &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->port, long_name, 1, 0,
						 0, NULL, &conn));
	/* 64 bytes is the longest name. */
	long_name[IPCSVC_PROTOCOL_NAME_MAX] = '\0';
	EXPECT_EQ(-ENOTTY, ipcsvc_service_create(self->port, long_name, 1,
						 0600, &svc));
}

/* Limits the engine cannot serve are refused before the device is asked;
 * the others reach it. */
TEST_F(foreign, service_attr)
{
	struct ipcsvc_service_attr a = { 0 };
	struct ipcsvc_service *svc = (void *)1;
	struct ipcsvc_conn *conn = (void *)1;

	EXPECT_EQ(-ENOTTY, ipcsvc_service_create_attr(self->port, "x", 1, 0600,
						      &a, &svc));
	EXPECT_EQ(NULL, svc);
	EXPECT_EQ(-ENOTTY, ipcsvc_service_create_attr(self->port, "x", 1, 0600,
						      NULL, &svc));
	a.max_to_server = IPCSVC_AREA_MAX_SIZE_LIMIT;
	a.max_to_client = 1 << 16;
	a.max_connections = 4;
	a.max_pending = 2;
	EXPECT_EQ(-ENOTTY, ipcsvc_service_create_attr(self->port, "x", 1, 0600,
						      &a, &svc));
	a.max_to_server = IPCSVC_AREA_MAX_SIZE_LIMIT + 1;
	EXPECT_EQ(-EMSGSIZE, ipcsvc_service_create_attr(self->port, "x", 1,
							0600, &a, &svc));
	a.max_to_server = 0;
	a.max_to_client = UINT64_MAX;
	EXPECT_EQ(-EMSGSIZE, ipcsvc_service_create_attr(self->port, "x", 1,
							0600, &a, &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_service_create_attr(self->port, "", 1, 0600,
						      &a, &svc));
	EXPECT_EQ(-EINVAL, ipcsvc_service_create_attr(self->port, "x", 1,
						      01000, &a, &svc));
	EXPECT_EQ(NULL, svc);
	EXPECT_EQ(-EMSGSIZE, ipcsvc_client_connect(self->port, "x", 1,
						   IPCSVC_AREA_MAX_SIZE_LIMIT + 1,
						   0, NULL, &conn));
	EXPECT_EQ(NULL, conn);
	EXPECT_EQ(-EMSGSIZE, ipcsvc_client_connect(self->port, "x", 1, 0,
						   UINT64_MAX, NULL, &conn));
	EXPECT_EQ(-ENOTTY, ipcsvc_client_connect(self->port, "x", 1,
						 IPCSVC_AREA_MAX_SIZE_LIMIT,
						 1, NULL, &conn));
}

TEST_F(foreign, bad_channel_attr)
{
	struct ipcsvc_channel_attr a = { .size = sizeof(a) };
	struct ipcsvc_conn *conn;

	a.wait_mode = 3;
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->port, "x", 1, 0, 0, &a,
						 &conn));
	a.wait_mode = IPCSVC_WAIT_SLEEP;
	a.flags = IPCSVC_CHANNEL_NO_AUTOGROW << 1;
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->port, "x", 1, 0, 0, &a,
						 &conn));
	a.flags = 1U << 31 | IPCSVC_CHANNEL_NO_AUTOGROW;
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->port, "x", 1, 0, 0, &a,
						 &conn));
	a.flags = 0;
	a.size = 4;
	EXPECT_EQ(-EINVAL, ipcsvc_client_connect(self->port, "x", 1, 0, 0, &a,
						 &conn));
}

TEST_F(foreign, ioctls_fail_with_enotty)
{
	struct ipcsvc_service *svc = (void *)1;
	struct ipcsvc_conn *conn = (void *)1;

	EXPECT_EQ(-ENOTTY, ipcsvc_service_create(self->port, "x", 1, 0600,
						 &svc));
	EXPECT_EQ(NULL, svc);
	EXPECT_EQ(-ENOTTY, ipcsvc_client_connect(self->port, "x", 1, 0, 0,
						 NULL, &conn));
	EXPECT_EQ(NULL, conn);
}

/* A read that is not a whole event record is a protocol error. */
TEST_F(foreign, short_read_is_not_an_event)
{
	struct ipcsvc_port_event ev;

	EXPECT_EQ(-EPROTO, ipcsvc_port_read_event(self->port, &ev));
	EXPECT_EQ(-EPROTO, ipcsvc_port_wait_event(self->port, &ev, ipcsvc_timeout_ns(0)));
}

/* Accepting checks its arguments before it touches any port. */
TEST(accept_checks_the_event_first)
{
	struct ipcsvc_conn *conn = (void *)1;
	struct ipcsvc_port_event ev = { .type = IPC_MSG_PEER_CLOSED, .handle = 1 };

	EXPECT_EQ(-EINVAL, ipcsvc_service_accept(NULL, &ev, NULL, &conn));
	EXPECT_EQ(NULL, conn);
}

/* Closing no port is allowed. */
TEST(port_close_null)
{
	ipcsvc_port_close(NULL);
}

TEST_HARNESS_MAIN
