// SPDX-License-Identifier: GPL-2.0
/*
 * Connect: by name, with a protocol version and a maximum buffer size per
 * direction. The server gets ServiceConnected with the new channel handle
 * and the client's credentials; the client gets its own channel handle.
 */
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(connect) {
	int sfd, cfd;
	uint32_t svc;
};

FIXTURE_SETUP(connect)
{
	self->sfd = st_open();
	self->cfd = st_open();
	ASSERT_LE(0, self->sfd);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, st_service(self->sfd, "conn.svc", 7, 0666, &self->svc));
}

FIXTURE_TEARDOWN(connect)
{
	close(self->sfd);
	close(self->cfd);
}

TEST_F(connect, server_gets_service_connected)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_event ev[2];
	uint32_t ch = 0;

	ASSERT_EQ(0, st_connect(self->cfd, "conn.svc", 7, &ch));
	EXPECT_NE(0u, ch);
	ASSERT_EQ(1, st_events(self->sfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev[0].type);
	EXPECT_EQ(0u, ev[0].__pad);
	EXPECT_EQ(self->svc, (uint32_t)ev[0].a);
	EXPECT_EQ((uint64_t)getpid(), ev[0].a >> 32);
	EXPECT_NE(0u, ev[0].b);
	EXPECT_NE(self->svc, ev[0].b);
	EXPECT_EQ((uint64_t)geteuid(), (uint32_t)ev[0].c);
	EXPECT_EQ((uint64_t)getegid(), ev[0].c >> 32);

	/* Both ends can ask for the other's credentials. */
	memset(&pc, 0xcc, sizeof(pc));
	pc.size = sizeof(pc);
	pc.handle = ev[0].b;
	ASSERT_EQ(0, st_ioctl(self->sfd, IPCSVC_IOC_PEER_CREDS, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(geteuid(), pc.uid);
	EXPECT_EQ(getegid(), pc.gid);
	EXPECT_EQ(0u, pc.__pad);
	EXPECT_EQ(7u, pc.version);
	memset(&pc, 0xcc, sizeof(pc));
	pc.size = sizeof(pc);
	pc.handle = ch;
	ASSERT_EQ(0, st_ioctl(self->cfd, IPCSVC_IOC_PEER_CREDS, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(7u, pc.version);
}

TEST_F(connect, each_connect_is_its_own_event)
{
	struct ipcsvc_event ev[4];
	uint32_t a = 0, b = 0;

	ASSERT_EQ(0, st_connect(self->cfd, "conn.svc", 7, &a));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.svc", 7, &b));
	EXPECT_NE(a, b);
	ASSERT_EQ(2, st_events(self->sfd, ev, 4));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev[0].type);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev[1].type);
	EXPECT_NE(ev[0].b, ev[1].b);
}

TEST_F(connect, unknown_name_is_enoent)
{
	EXPECT_EQ(-ENOENT, st_connect(self->cfd, "conn.nobody", 7, NULL));
}

TEST_F(connect, version_mismatch_is_eprotonosupport)
{
	struct ipcsvc_event ev;

	EXPECT_EQ(-EPROTONOSUPPORT, st_connect(self->cfd, "conn.svc", 6, NULL));
	EXPECT_EQ(-EAGAIN, st_events(self->sfd, &ev, 1));
}

TEST_F(connect, buffer_sizes_default_round_and_cap)
{
	struct ipcsvc_map_info mi;
	unsigned long cap;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_connect_sized(self->cfd, "conn.svc", 7, 0, 5000, &ch));
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(1u << 20, mi.max_size);
	EXPECT_EQ(ST_PAGE, mi.committed);
	EXPECT_EQ(mi.data_offset + mi.max_size, mi.area_bytes);
	EXPECT_EQ(mi.area_bytes + ST_PAGE, mi.map_size);
	EXPECT_EQ(ST_PAGE, mi.producer_offset);
	EXPECT_EQ(2 * ST_PAGE, mi.consumer_offset);
	EXPECT_EQ(3 * ST_PAGE, mi.data_offset);
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(2 * ST_PAGE, mi.max_size);

	ASSERT_EQ(0, st_param_get("max_buffer_size", &cap));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.svc", 7,
					      cap + 1, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.svc", 7,
					      0, cap + 1, NULL));
}

TEST_F(connect, bad_arguments)
{
	struct ipcsvc_connect c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.version = 7;
	c.name_len = 8;
	memcpy(c.name, "conn.svc", 8);
	c.flags = 2;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.flags = 0;
	c.__pad2 = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.__pad2 = 0;
	c.name_len = 0;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.name_len = 65;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.name_len = 8;
	c.size = 16;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	EXPECT_EQ(-EFAULT, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, (void *)8));
	c.size = sizeof(c);
	EXPECT_EQ(0, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
}

/* A closed service refuses connects: the name is gone. */
TEST_F(connect, closed_service_is_enoent)
{
	ASSERT_EQ(0, st_close(self->sfd, self->svc));
	EXPECT_EQ(-ENOENT, st_connect(self->cfd, "conn.svc", 7, NULL));
}

/* The per-user channel limit (max_channels parameter): EDQUOT. */
TEST_F(connect, per_user_channel_limit_is_edquot)
{
	unsigned long old;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_param_get("max_channels", &old));
	ASSERT_EQ(0, st_param_set("max_channels", 1));
	EXPECT_EQ(0, st_connect(self->cfd, "conn.svc", 7, &ch));
	EXPECT_EQ(-EDQUOT, st_connect(self->cfd, "conn.svc", 7, NULL));
	ASSERT_EQ(0, st_close(self->cfd, ch));
	/* The server's end still holds the channel. */
	EXPECT_EQ(-EDQUOT, st_connect(self->cfd, "conn.svc", 7, NULL));
	ASSERT_EQ(0, st_param_set("max_channels", old));
	EXPECT_EQ(0, st_connect(self->cfd, "conn.svc", 7, NULL));
}

TEST_HARNESS_MAIN
