// SPDX-License-Identifier: GPL-2.0
/*
 * IPCSVC_IOC_USAGE: the module's limits as its parameters set them, and
 * the calling user's counts, the same from any of its ports, following
 * every create, connect and close. Then what a channel costs: three pages
 * idle, data pages only as GROW commits them, max_user_bytes enforced to
 * the page, and the pages a mapping holds charged until it goes.
 */
#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(usage) {
	int sfd, cfd;
};

FIXTURE_SETUP(usage)
{
	self->sfd = st_open();
	self->cfd = st_open();
	ASSERT_LE(0, self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(usage)
{
	close(self->sfd);
	close(self->cfd);
}

TEST_F(usage, flags_are_checked)
{
	struct ipcsvc_usage u;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.flags = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->sfd, IPCSVC_IOC_USAGE, &u));
	u.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, st_ioctl(self->sfd, IPCSVC_IOC_USAGE, &u));
}

/* The limits are the module's parameters; the counts follow our calls. */
TEST_F(usage, values_are_plausible)
{
	unsigned long max_services, max_channels, max_bytes;
	struct ipcsvc_usage u0, u1, u2;
	struct ipcsvc_event ev;
	uint32_t svc = 0, ch = 0;

	ASSERT_EQ(0, st_param_get("max_services", &max_services));
	ASSERT_EQ(0, st_param_get("max_channels", &max_channels));
	ASSERT_EQ(0, st_param_get("max_user_bytes", &max_bytes));
	ASSERT_EQ(0, st_usage(self->sfd, &u0));
	EXPECT_EQ(max_services, u0.max_services);
	EXPECT_EQ(max_channels, u0.max_channels);
	EXPECT_EQ(max_bytes, u0.max_bytes);
	EXPECT_EQ(0u, u0.bytes % ST_PAGE);
	EXPECT_GE(u0.max_services, u0.services);
	EXPECT_GE(u0.max_channels, u0.channels);

	ASSERT_EQ(0, st_service(self->sfd, "usage.svc", 1, 0600, &svc));
	ASSERT_EQ(0, st_usage(self->sfd, &u1));
	EXPECT_EQ(u0.services + 1, u1.services);
	EXPECT_EQ(u0.channels, u1.channels);
	ASSERT_EQ(0, st_connect(self->cfd, "usage.svc", 1, &ch));
	ASSERT_EQ(0, st_usage(self->cfd, &u2));
	EXPECT_EQ(u1.services, u2.services);
	EXPECT_EQ(u1.channels + 1, u2.channels);
	EXPECT_LT(u1.bytes, u2.bytes);

	/* The same user seen from either port. */
	ASSERT_EQ(0, st_usage(self->sfd, &u1));
	EXPECT_EQ(u2.channels, u1.channels);
	EXPECT_EQ(u2.bytes, u1.bytes);

	/* Everything freed: back to where we started. */
	ASSERT_EQ(1, st_events(self->sfd, &ev, 1));
	ASSERT_EQ(0, st_close(self->sfd, (uint32_t)ev.b));
	ASSERT_EQ(0, st_close(self->cfd, ch));
	ASSERT_EQ(0, st_close(self->sfd, svc));
	ASSERT_EQ(0, st_usage(self->sfd, &u1));
	EXPECT_EQ(u0.services, u1.services);
	EXPECT_EQ(u0.channels, u1.channels);
	EXPECT_EQ(u0.bytes, u1.bytes);

	/* Changing a parameter shows at once. */
	ASSERT_EQ(0, st_param_set("max_services", max_services + 1));
	ASSERT_EQ(0, st_usage(self->sfd, &u1));
	ASSERT_EQ(0, st_param_set("max_services", max_services));
	EXPECT_EQ(max_services + 1, u1.max_services);
}

/*
 * What an idle channel costs: exactly three pages (the identity page and
 * two control pages), charged at connect; a data page only on the first
 * GROW; all of it returned when both ends are closed.
 */
TEST_F(usage, idle_channel_costs_three_pages)
{
	struct ipcsvc_usage u0, u1, u2, u3, u4;
	struct ipcsvc_event ev;
	uint32_t ch = 0;

	ASSERT_EQ(0, st_service(self->sfd, "usage.idle", 1, 0600, NULL));
	ASSERT_EQ(0, st_usage(self->cfd, &u0));
	ASSERT_EQ(0, st_connect(self->cfd, "usage.idle", 1, &ch));
	ASSERT_EQ(1, st_events(self->sfd, &ev, 1));
	ASSERT_EQ(0, st_usage(self->cfd, &u1));
	TH_LOG("idle channel: %llu bytes committed",
	       (unsigned long long)(u1.bytes - u0.bytes));
	ksft_print_msg("idle channel: %llu bytes committed\n",
		       (unsigned long long)(u1.bytes - u0.bytes));
	EXPECT_EQ(3 * ST_PAGE, u1.bytes - u0.bytes);

	/* The first data page, by one GROW of a byte. */
	ASSERT_EQ(0, st_grow(self->cfd, ch, 1, NULL));
	ASSERT_EQ(0, st_usage(self->cfd, &u2));
	EXPECT_EQ(ST_PAGE, u2.bytes - u1.bytes);
	/* A GROW that commits nothing new costs nothing. */
	ASSERT_EQ(0, st_grow(self->cfd, ch, ST_PAGE, NULL));
	ASSERT_EQ(0, st_usage(self->cfd, &u3));
	EXPECT_EQ(u2.bytes, u3.bytes);
	/* The server's first page in its own direction. */
	ASSERT_EQ(0, st_grow(self->sfd, (uint32_t)ev.b, 2 * ST_PAGE, NULL));
	ASSERT_EQ(0, st_usage(self->cfd, &u3));
	EXPECT_EQ(2 * ST_PAGE, u3.bytes - u2.bytes);

	ASSERT_EQ(0, st_close(self->cfd, ch));
	ASSERT_EQ(0, st_close(self->sfd, (uint32_t)ev.b));
	ASSERT_EQ(0, st_usage(self->cfd, &u4));
	EXPECT_EQ(u0.bytes, u4.bytes);
	EXPECT_EQ(u0.channels, u4.channels);
}

/*
 * max_user_bytes bounds what is committed, to the page: a connect needs
 * its three header pages of budget (EDQUOT without them), a GROW its data
 * pages.
 */
TEST_F(usage, byte_budget_is_exact)
{
	struct ipcsvc_usage u0;
	unsigned long old;
	uint32_t ch = 0;
	int r1, r2, r3, r4;

	ASSERT_EQ(0, st_service(self->sfd, "usage.budget", 1, 0600, NULL));
	ASSERT_EQ(0, st_param_get("max_user_bytes", &old));
	ASSERT_EQ(0, st_usage(self->cfd, &u0));
	/* Set, try, and restore before any assertion can end the test. */
	st_param_set("max_user_bytes", u0.bytes + 3 * ST_PAGE - 1);
	r1 = st_connect(self->cfd, "usage.budget", 1, NULL);
	st_param_set("max_user_bytes", u0.bytes + 3 * ST_PAGE);
	r2 = st_connect(self->cfd, "usage.budget", 1, &ch);
	r3 = r2 ? r2 : st_grow(self->cfd, ch, 1, NULL);
	st_param_set("max_user_bytes", u0.bytes + 4 * ST_PAGE);
	r4 = r2 ? r2 : st_grow(self->cfd, ch, 1, NULL);
	ASSERT_EQ(0, st_param_set("max_user_bytes", old));
	EXPECT_EQ(-EDQUOT, r1);
	EXPECT_EQ(0, r2);
	EXPECT_EQ(-EDQUOT, r3);
	EXPECT_EQ(0, r4);
}

/* Mappings hold the pages, and the charge, until they go. */
TEST_F(usage, mapping_keeps_pages_charged)
{
	struct ipcsvc_usage u0, u1, u2;
	struct ipcsvc_map_info mi;
	struct ipcsvc_event ev;
	uint32_t ch = 0;
	void *a;

	ASSERT_EQ(0, st_service(self->sfd, "usage.map", 1, 0600, NULL));
	ASSERT_EQ(0, st_usage(self->cfd, &u0));
	ASSERT_EQ(0, st_connect(self->cfd, "usage.map", 1, &ch));
	ASSERT_EQ(1, st_events(self->sfd, &ev, 1));
	ASSERT_EQ(0, st_grow(self->cfd, ch, 1, NULL));
	ASSERT_EQ(0, st_map_info(self->cfd, ch, IPCSVC_DIR_TX, &mi));
	a = st_map(self->cfd, ch, IPCSVC_DIR_TX, PROT_READ);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, st_close(self->cfd, ch));
	ASSERT_EQ(0, st_close(self->sfd, (uint32_t)ev.b));
	ASSERT_EQ(0, st_usage(self->cfd, &u1));
	EXPECT_EQ(u0.bytes + 4 * ST_PAGE, u1.bytes);
	ASSERT_EQ(0, munmap(a, mi.map_size));
	ASSERT_EQ(0, st_usage(self->cfd, &u2));
	EXPECT_EQ(u0.bytes, u2.bytes);
}

TEST_HARNESS_MAIN
