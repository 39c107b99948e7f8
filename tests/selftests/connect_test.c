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
	ASSERT_EQ(0, st_peer_creds(self->sfd, ev[0].b, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(geteuid(), pc.uid);
	EXPECT_EQ(getegid(), pc.gid);
	EXPECT_EQ(0u, pc.flags);
	EXPECT_EQ(7u, pc.version);
	ASSERT_EQ(0, st_peer_creds(self->cfd, ch, &pc));
	EXPECT_EQ((uint32_t)getpid(), pc.pid);
	EXPECT_EQ(geteuid(), pc.uid);
	EXPECT_EQ(getegid(), pc.gid);
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

/*
 * The service's maxima (here the defaults, 1 MiB) bound the sizes: 0 asks
 * the maximum, sizes round up to pages, the granted sizes are written
 * back, and more than the maximum is EMSGSIZE.
 */
TEST_F(connect, buffer_sizes_default_round_and_cap)
{
	uint64_t ts = 0, tc = 5000;
	struct ipcsvc_map_info mi;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_connect_ex(self->cfd, "conn.svc", 7, &ts, &tc, &ch));
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, ts);
	EXPECT_EQ(2 * ST_PAGE, tc);
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, mi.max_size);
	EXPECT_EQ(0u, mi.committed);
	EXPECT_EQ(mi.data_offset + mi.max_size, mi.area_bytes);
	EXPECT_EQ(mi.area_bytes + ST_PAGE, mi.map_size);
	EXPECT_EQ(0u, mi.identity_offset);
	EXPECT_EQ(ST_PAGE, mi.producer_offset);
	EXPECT_EQ(2 * ST_PAGE + 256, mi.consumer_offset);
	EXPECT_EQ(3 * ST_PAGE, mi.data_offset);
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(2 * ST_PAGE, mi.max_size);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, mi.identity_offset);

	/* Exactly the maximum, and one byte more (a page after rounding). */
	EXPECT_EQ(0, st_connect_sized(self->cfd, "conn.svc", 7,
				      IPCSVC_DEFAULT_BUFFER_SIZE,
				      IPCSVC_DEFAULT_BUFFER_SIZE, NULL));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.svc", 7,
					      IPCSVC_DEFAULT_BUFFER_SIZE + 1,
					      0, NULL));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.svc", 7,
					      0, IPCSVC_DEFAULT_BUFFER_SIZE + 1,
					      NULL));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.svc", 7,
					      ~0ULL, 0, NULL));
}

/* A service with maxima of its own: they bound and default the sizes. */
TEST_F(connect, service_maxima_bound_connects)
{
	struct st_limits lim = { .max_to_server = 3 * ST_PAGE - 100,
				 .max_to_client = 5 * ST_PAGE };
	struct ipcsvc_event ev;
	struct ipcsvc_map_info mi;
	uint64_t ts, tc;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_service_ex(self->sfd, "conn.lim", 7, 0666, &lim,
				   NULL));
	/* 0: the service's maximum, page-rounded. */
	ts = 0;
	tc = 0;
	ASSERT_EQ(0, st_connect_ex(self->cfd, "conn.lim", 7, &ts, &tc, &ch));
	EXPECT_EQ(3 * ST_PAGE, ts);
	EXPECT_EQ(5 * ST_PAGE, tc);
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(3 * ST_PAGE, mi.max_size);
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(5 * ST_PAGE, mi.max_size);
	/* The server sees the same sizes, directions swapped. */
	ASSERT_EQ(1, st_events(self->sfd, &ev, 1));
	ASSERT_EQ(0, st_map_info(self->sfd, ev.b, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(3 * ST_PAGE, mi.max_size);
	ASSERT_EQ(0, st_map_info(self->sfd, ev.b, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(5 * ST_PAGE, mi.max_size);

	/* Less than the maximum: granted as asked, rounded. */
	ts = 1;
	tc = ST_PAGE;
	ASSERT_EQ(0, st_connect_ex(self->cfd, "conn.lim", 7, &ts, &tc, &ch));
	EXPECT_EQ(ST_PAGE, ts);
	EXPECT_EQ(ST_PAGE, tc);

	/* More, in either direction: EMSGSIZE, and no event. */
	ASSERT_EQ(1, st_events(self->sfd, &ev, 1));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.lim", 7,
					      3 * ST_PAGE + 1, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, st_connect_sized(self->cfd, "conn.lim", 7,
					      0, 6 * ST_PAGE, NULL));
	EXPECT_EQ(-EAGAIN, st_events(self->sfd, &ev, 1));
}

/*
 * max_connections counts channels whose server end is open: the client
 * closing its end frees nothing, the server closing its end does.
 */
TEST_F(connect, max_connections_is_eusers)
{
	struct st_limits lim = { .max_connections = 2 };
	struct ipcsvc_event ev[3];
	uint32_t c1 = 0;

	ASSERT_EQ(0, st_service_ex(self->sfd, "conn.two", 7, 0666, &lim,
				   NULL));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.two", 7, &c1));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.two", 7, NULL));
	/* Read the events, so that only the connection limit applies. */
	ASSERT_EQ(2, st_events(self->sfd, ev, 3));
	EXPECT_EQ(-EUSERS, st_connect(self->cfd, "conn.two", 7, NULL));
	ASSERT_EQ(0, st_close(self->cfd, c1));
	EXPECT_EQ(-EUSERS, st_connect(self->cfd, "conn.two", 7, NULL));
	ASSERT_EQ(1, st_events(self->sfd, ev, 3));
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, ev[0].type);
	/* The server closes that end: a slot is free again, and only one. */
	ASSERT_EQ(0, st_close(self->sfd, (uint32_t)ev[0].a));
	EXPECT_EQ(0, st_connect(self->cfd, "conn.two", 7, NULL));
	EXPECT_EQ(-EUSERS, st_connect(self->cfd, "conn.two", 7, NULL));
}

/* max_pending counts ServiceConnected events the server has not read. */
TEST_F(connect, max_pending_is_eagain)
{
	struct st_limits lim = { .max_connections = 4, .max_pending = 1 };
	struct ipcsvc_event ev[2];

	ASSERT_EQ(0, st_service_ex(self->sfd, "conn.pend", 7, 0666, &lim,
				   NULL));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.pend", 7, NULL));
	EXPECT_EQ(-EAGAIN, st_connect(self->cfd, "conn.pend", 7, NULL));
	/* The refused connect raised nothing. */
	ASSERT_EQ(1, st_events(self->sfd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev[0].type);
	EXPECT_EQ(0, st_connect(self->cfd, "conn.pend", 7, NULL));
	EXPECT_EQ(-EAGAIN, st_connect(self->cfd, "conn.pend", 7, NULL));
	ASSERT_EQ(1, st_events(self->sfd, ev, 2));
	EXPECT_EQ(0, st_connect(self->cfd, "conn.pend", 7, NULL));
}

/* max_pending 0: min(128, max_connections). */
TEST_F(connect, max_pending_defaults_to_128)
{
	struct st_limits lim = { .max_connections = 200 };
	int i, ret = 0;

	ASSERT_EQ(0, st_service_ex(self->sfd, "conn.p128", 7, 0666, &lim,
				   NULL));
	for (i = 0; i < IPCSVC_DEFAULT_MAX_PENDING; i++) {
		ret = st_connect(self->cfd, "conn.p128", 7, NULL);
		if (ret)
			break;
	}
	EXPECT_EQ(0, ret) TH_LOG("connect %d", i);
	EXPECT_EQ(-EAGAIN, st_connect(self->cfd, "conn.p128", 7, NULL));
}

/* Both defaults: max_pending is capped by a small max_connections. */
TEST_F(connect, max_pending_default_capped_by_connections)
{
	struct st_limits lim = { .max_connections = 2 };

	ASSERT_EQ(0, st_service_ex(self->sfd, "conn.cap", 7, 0666, &lim,
				   NULL));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.cap", 7, NULL));
	ASSERT_EQ(0, st_connect(self->cfd, "conn.cap", 7, NULL));
	/* Both limits are reached; the connection limit is checked first. */
	EXPECT_EQ(-EUSERS, st_connect(self->cfd, "conn.cap", 7, NULL));
}

/*
 * PEER_CREDS names the process that connected while it lives, and pid 0
 * once it has exited, even though the channel (connected through a port
 * the parent shares) is still open.
 */
TEST_F(connect, peer_pid_is_zero_after_exit)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_event ev;
	int go[2], status;
	pid_t pid;
	char b = 0;

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Connect through the inherited client port, wait, exit. */
		if (st_connect(self->cfd, "conn.svc", 7, NULL))
			_exit(1);
		_exit(read(go[0], &b, 1) == 1 ? 0 : 2);
	}
	/* Wait for the child's connect without a timing assumption. */
	for (int i = 0; i < 10000 && st_events(self->sfd, &ev, 1) != 1; i++)
		usleep(1000);
	ASSERT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, ev.type);
	EXPECT_EQ((uint64_t)pid, ev.a >> 32);
	ASSERT_EQ(0, st_peer_creds(self->sfd, ev.b, &pc));
	EXPECT_EQ((uint32_t)pid, pc.pid);
	ASSERT_EQ(1, write(go[1], &b, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, st_peer_creds(self->sfd, ev.b, &pc));
	EXPECT_EQ(0u, pc.pid);
	EXPECT_EQ(geteuid(), pc.uid);
	EXPECT_EQ(getegid(), pc.gid);
	EXPECT_EQ(7u, pc.version);
	/* The channel itself is untouched: nothing was closed. */
	EXPECT_EQ(0, st_wake(self->sfd, ev.b, IPCSVC_DIR_TX));
	EXPECT_EQ(-EAGAIN, st_events(self->sfd, &ev, 1));
	close(go[0]);
	close(go[1]);
}

TEST_F(connect, peer_creds_checks_arguments)
{
	struct ipcsvc_peer_creds pc;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_connect(self->cfd, "conn.svc", 7, &ch));
	memset(&pc, 0, sizeof(pc));
	pc.size = sizeof(pc);
	pc.handle = ch;
	pc.flags = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_PEER_CREDS, &pc));
	/* Flags are checked before the handle. */
	pc.handle = ch + 50;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_PEER_CREDS, &pc));
	pc.flags = 0;
	EXPECT_EQ(-EBADSLT, st_ioctl(self->cfd, IPCSVC_IOC_PEER_CREDS, &pc));
	EXPECT_EQ(-EPROTOTYPE, st_peer_creds(self->sfd, self->svc, &pc));
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
	c.__pad = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.__pad = 0;
	c.name_len = 0;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.name_len = 65;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	c.name_len = 8;
	c.size = 16;
	EXPECT_EQ(-EINVAL, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	EXPECT_EQ(-EFAULT, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, (void *)8));
	c.size = sizeof(c);
	/* The output handle may come in poisoned. */
	c.handle = 0xcccccccc;
	EXPECT_EQ(0, st_ioctl(self->cfd, IPCSVC_IOC_CONNECT, &c));
	EXPECT_NE(0xccccccccu, c.handle);
	EXPECT_NE(0u, c.handle);
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, c.max_to_server);
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, c.max_to_client);
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
