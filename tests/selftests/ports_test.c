// SPDX-License-Identifier: GPL-2.0
/*
 * Ports and handles: every open() is a port with its own handle table and
 * event queue; handles are small integers valid only in their port.
 */
#include <poll.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(ports) {
	int a, b;
};

FIXTURE_SETUP(ports)
{
	self->a = st_open();
	self->b = st_open();
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
}

FIXTURE_TEARDOWN(ports)
{
	close(self->a);
	close(self->b);
}

TEST_F(ports, handles_are_small_and_reused)
{
	uint32_t h1 = 0, h2 = 0, h3 = 0;

	ASSERT_EQ(0, st_service(self->a, "ports.one", 1, 0600, &h1));
	ASSERT_EQ(0, st_service(self->a, "ports.two", 1, 0600, &h2));
	EXPECT_EQ(1u, h1);
	EXPECT_EQ(2u, h2);
	ASSERT_EQ(0, st_close(self->a, h1));
	ASSERT_EQ(0, st_service(self->a, "ports.three", 1, 0600, &h3));
	EXPECT_EQ(1u, h3);
}

TEST_F(ports, handle_of_other_port_is_ebadslt)
{
	uint32_t h = 0;

	ASSERT_EQ(0, st_service(self->a, "ports.other", 1, 0600, &h));
	EXPECT_EQ(-EBADSLT, st_close(self->b, h));
	EXPECT_EQ(0, st_close(self->a, h));
}

TEST_F(ports, closed_handle_is_ebadslt)
{
	struct ipcsvc_map_info mi;
	uint32_t h = 0;

	ASSERT_EQ(0, st_service(self->a, "ports.closed", 1, 0600, &h));
	ASSERT_EQ(0, st_close(self->a, h));
	EXPECT_EQ(-EBADSLT, st_close(self->a, h));
	EXPECT_EQ(-EBADSLT, st_close(self->a, 0));
	EXPECT_EQ(-EBADSLT, st_close(self->a, 12345));
	EXPECT_EQ(-EBADSLT, st_close(self->a, ~0u));
	EXPECT_EQ(-EBADSLT, st_map_info(self->a, h, IPCSVC_DIR_TX, &mi));
}

/* A service handle where a channel handle belongs: EPROTOTYPE. */
TEST_F(ports, wrong_handle_kind_is_eprototype)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_map_info mi;
	uint32_t h = 0;

	ASSERT_EQ(0, st_service(self->a, "ports.type", 1, 0600, &h));
	EXPECT_EQ(-EPROTOTYPE, st_map_info(self->a, h, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(-EPROTOTYPE, st_grow(self->a, h, 8192, NULL));
	EXPECT_EQ(-EPROTOTYPE, st_wake(self->a, h, IPCSVC_DIR_TX));
	EXPECT_EQ(-EPROTOTYPE, st_wait(self->a, h, IPCSVC_DIR_RX,
				       st_prod_word(1), 0, 0));
	EXPECT_EQ(-EPROTOTYPE, st_arm(self->a, h, IPCSVC_DIR_RX,
				      st_prod_word(1), 0));
	EXPECT_EQ(-EPROTOTYPE, st_peer_creds(self->a, h, &pc));
	/* CLOSE takes either kind. */
	EXPECT_EQ(0, st_close(self->a, h));
}

TEST_F(ports, no_events_reads_eagain_and_polls_idle)
{
	struct pollfd pfd = { .fd = self->a, .events = POLLIN };
	struct ipcsvc_event ev;
	char small[8];

	EXPECT_EQ(-EAGAIN, st_events(self->a, &ev, 1));
	EXPECT_EQ(-1, read(self->a, small, sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
}

TEST_F(ports, close_flags_and_padding_are_checked)
{
	struct ipcsvc_handle_arg a;
	uint32_t h = 0;

	ASSERT_EQ(0, st_service(self->a, "ports.flags", 1, 0600, &h));
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.handle = h;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->a, IPCSVC_IOC_CLOSE, &a));
	a.flags = 0;
	a.__pad = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->a, IPCSVC_IOC_CLOSE, &a));
	a.__pad = 0;
	a.size = 8;
	EXPECT_EQ(-EINVAL, st_ioctl(self->a, IPCSVC_IOC_CLOSE, &a));
	EXPECT_EQ(-EFAULT, st_ioctl(self->a, IPCSVC_IOC_CLOSE, (void *)8));
	a.size = sizeof(a);
	EXPECT_EQ(0, st_ioctl(self->a, IPCSVC_IOC_CLOSE, &a));
}

/*
 * The handle table is bounded by the port's own limit: ENOSPC when the
 * caller's is full; a connect to a server whose table is full is refused
 * (ECONNREFUSED) and leaves nothing behind in either port.
 */
TEST_F(ports, handle_table_full_is_enospc)
{
	struct ipcsvc_port_limits lim;
	struct ipcsvc_event ev;
	uint32_t h = 0, h2 = 0, ch = 0;

	ASSERT_EQ(0, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET, 2,
				    &lim));
	ASSERT_EQ(0, st_port_limits(self->b, IPCSVC_PORT_LIMITS_SET, 2,
				    &lim));
	EXPECT_EQ(0, st_service(self->a, "ports.full1", 1, 0666, &h));
	EXPECT_EQ(0, st_service(self->a, "ports.full2", 1, 0600, &h2));
	EXPECT_EQ(-ENOSPC, st_service(self->a, "ports.full3", 1, 0600, NULL));
	EXPECT_EQ(-ECONNREFUSED, st_connect(self->b, "ports.full1", 1, &ch));
	EXPECT_EQ(-EAGAIN, st_events(self->a, &ev, 1));
	ASSERT_EQ(0, st_close(self->a, h2));
	/* b has both of its handles free: the refusal left none. */
	EXPECT_EQ(0, st_service(self->b, "ports.b1", 1, 0600, NULL));
	EXPECT_EQ(0, st_service(self->b, "ports.b2", 1, 0600, &h2));
	EXPECT_EQ(-ENOSPC, st_connect(self->b, "ports.full1", 1, &ch));
	EXPECT_EQ(-EAGAIN, st_events(self->a, &ev, 1));
	ASSERT_EQ(0, st_close(self->b, h2));
	EXPECT_EQ(0, st_connect(self->b, "ports.full1", 1, &ch));
	/* raised again: room at once */
	ASSERT_EQ(0, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET, 3,
				    &lim));
	EXPECT_EQ(0, st_service(self->a, "ports.full3", 1, 0600, NULL));
}

/*
 * The limit is the port's own: it starts at the max_handles parameter,
 * the port may set it from 1 up to max_handles_cap, and lowering it below
 * the handles held closes none of them.
 */
TEST_F(ports, handle_limit_is_the_ports_own)
{
	unsigned long def, cap;
	struct ipcsvc_port_limits lim;
	uint32_t h1, h2;
	int c;

	ASSERT_EQ(0, st_param_get("max_handles", &def));
	ASSERT_EQ(0, st_param_get("max_handles_cap", &cap));
	ASSERT_EQ(0, st_port_limits(self->a, 0, 0, &lim));
	EXPECT_EQ(def < cap ? def : cap, lim.max_handles);
	EXPECT_EQ(cap, lim.max_handles_cap);
	EXPECT_EQ(0, lim.nr_handles);
	EXPECT_EQ(0, lim.__pad);

	/* bad requests change nothing */
	EXPECT_EQ(-EINVAL, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET, 0,
					  &lim));
	EXPECT_EQ(-EINVAL, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET,
					  (uint32_t)cap + 1, &lim));
	EXPECT_EQ(-EINVAL, st_port_limits(self->a, 2, 5, &lim));
	memset(&lim, 0, sizeof(lim));
	lim.size = sizeof(lim);
	lim.__pad = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->a, IPCSVC_IOC_PORT_LIMITS, &lim));
	ASSERT_EQ(0, st_port_limits(self->a, 0, 0, &lim));
	EXPECT_EQ(def < cap ? def : cap, lim.max_handles);

	/* up to the cap, and a lower limit closes nothing */
	ASSERT_EQ(0, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET,
				    (uint32_t)cap, &lim));
	EXPECT_EQ(cap, lim.max_handles);
	ASSERT_EQ(0, st_service(self->a, "ports.lim1", 1, 0600, &h1));
	ASSERT_EQ(0, st_service(self->a, "ports.lim2", 1, 0600, &h2));
	ASSERT_EQ(0, st_port_limits(self->a, IPCSVC_PORT_LIMITS_SET, 1,
				    &lim));
	EXPECT_EQ(1, lim.max_handles);
	EXPECT_EQ(2, lim.nr_handles);
	EXPECT_EQ(-ENOSPC, st_service(self->a, "ports.lim3", 1, 0600, NULL));
	EXPECT_EQ(0, st_close(self->a, h2));
	EXPECT_EQ(-ENOSPC, st_service(self->a, "ports.lim3", 1, 0600, NULL));
	EXPECT_EQ(0, st_close(self->a, h1));
	EXPECT_EQ(0, st_service(self->a, "ports.lim3", 1, 0600, NULL));

	/* the parameter sets the limit of ports opened after it changes */
	ASSERT_EQ(0, st_param_set("max_handles", 7));
	c = st_open();
	ASSERT_LE(0, c);
	EXPECT_EQ(0, st_port_limits(c, 0, 0, &lim));
	EXPECT_EQ(7 < cap ? 7 : cap, lim.max_handles);
	close(c);
	ASSERT_EQ(0, st_param_set("max_handles", def));
}

TEST_HARNESS_MAIN
