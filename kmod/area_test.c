// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for area.c: the identity page, growth, commit accounting,
 * the guard page, page ownership and the per-user byte limit.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/stddef.h>

#include "ipcsvc.h"

#define HDR	IPCSVC_AREA_HEADER_PAGES

static struct ipcsvc_user *area_user(struct kunit *test)
{
	/* A uid of our own, so that nothing else is charged to it. */
	struct ipcsvc_user *user = ipcsvc_user_get(KUIDT_INIT(77001));

	KUNIT_ASSERT_NOT_NULL(test, user);
	return user;
}

static struct ipcsvc_area *new_area(struct kunit *test, u64 max,
				    struct ipcsvc_user *user)
{
	struct ipcsvc_area *area;

	area = ipcsvc_area_create(max, 7, "area.proto", 10, user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(area));
	return area;
}

#define ID(field) offsetof(struct ipcsvc_area_identity, field)

static void ipcsvc_area_identity_written(struct kunit *test)
{
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, 8 * PAGE_SIZE, user);
	const struct ipcsvc_area_identity *id = area->kaddr;

	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(magic)),
			IPCSVC_AREA_MAGIC);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(reserved_lock)),
			0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(size)),
			(u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area,
							ID(protocol_version)), 7ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area,
							ID(protocol_name_len)), 10ull);
	KUNIT_EXPECT_EQ(test, memcmp(id->protocol_name, "area.proto", 10), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(max_size)),
			(u64)8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(data_offset)),
			(u64)HDR * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(area_bytes)),
			(u64)(HDR + 8) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area,
							ID(producer_offset)),
			(u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area,
							ID(consumer_offset)),
			(u64)2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(closed)), 0ull);
	ipcsvc_area_put(area);
	ipcsvc_user_put(user);
}

/* Creation commits the header and one data page, never the maximum. */
static void ipcsvc_area_commit_accounting(struct kunit *test)
{
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, 64 * PAGE_SIZE, user);

	KUNIT_EXPECT_EQ(test, area->nr_committed, (unsigned long)HDR + 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes),
			(long)(HDR + 1) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 5 * PAGE_SIZE + 1), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(size)),
			(u64)6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes),
			(long)(HDR + 6) * PAGE_SIZE);
	/* Smaller requests change nothing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)6 * PAGE_SIZE);

	ipcsvc_area_put(area);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	ipcsvc_user_put(user);
}

static void ipcsvc_area_growth_limits(struct kunit *test)
{
	unsigned long old = ipcsvc_max_user_bytes;
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, 16 * PAGE_SIZE, user);

	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 17 * PAGE_SIZE), -EFBIG);
	WRITE_ONCE(ipcsvc_max_user_bytes, (HDR + 4) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 5 * PAGE_SIZE), -EDQUOT);
	/* A failed growth leaves the area and the charge as they were. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes),
			(long)(HDR + 1) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 4 * PAGE_SIZE), 0);
	WRITE_ONCE(ipcsvc_max_user_bytes, old);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 16 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(closed)), 0ull);
	ipcsvc_area_kill(area);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(closed)), 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 16 * PAGE_SIZE), -EPIPE);
	/* Growth after the kill leaves the flag alone. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_identity(area, ID(closed)), 1ull);
	ipcsvc_area_put(area);
	ipcsvc_user_put(user);
}

/* Creation fails cleanly when even the first pages exceed the budget. */
static void ipcsvc_area_create_over_budget(struct kunit *test)
{
	unsigned long old = ipcsvc_max_user_bytes;
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area;

	WRITE_ONCE(ipcsvc_max_user_bytes, HDR * PAGE_SIZE);
	area = ipcsvc_area_create(PAGE_SIZE, 1, "x", 1, user);
	WRITE_ONCE(ipcsvc_max_user_bytes, old);
	KUNIT_EXPECT_TRUE(test, IS_ERR(area));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	ipcsvc_user_put(user);
}

/*
 * The fault handler's view: committed pages exist, everything from the
 * committed size up to and including the guard page has no page.
 */
static void ipcsvc_area_guard_and_reserve(struct kunit *test)
{
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, 4 * PAGE_SIZE, user);
	unsigned long i;

	for (i = 0; i <= HDR; i++)
		KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(area, i));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR + 1));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, area->nr_max));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, area->nr_max + 1));
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(area, area->nr_max - 1));
	/* The guard page is never committed, even at the maximum. */
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, area->nr_max));
	ipcsvc_area_put(area);
	ipcsvc_user_put(user);
}

/* Each page has one writing side; nobody writes the identity page. */
static void ipcsvc_area_page_ownership(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(0, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(0, false));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(1, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(1, false));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(2, true));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(2, false));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(HDR, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(HDR, false));
}

static void ipcsvc_area_wait_words(struct kunit *test)
{
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, PAGE_SIZE, user);
	u64 *prod;

	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, 3 * PAGE_SIZE - 8),
			0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, PAGE_SIZE - 8),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, PAGE_SIZE + 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(area, 3 * PAGE_SIZE),
			-EINVAL);
	prod = page_address(ipcsvc_area_page(area, 1));
	prod[1] = 99;
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(area, PAGE_SIZE + 8), 99ull);
	ipcsvc_area_put(area);
	ipcsvc_user_put(user);
}

static void ipcsvc_area_view_survives_growth(struct kunit *test)
{
	struct ipcsvc_user *user = area_user(test);
	struct ipcsvc_area *area = new_area(test, 32 * PAGE_SIZE, user);
	u8 *data;

	data = page_address(ipcsvc_area_page(area, HDR));
	data[0] = 0x5a;
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(area, 32 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ((u8 *)area->kaddr)[HDR * PAGE_SIZE], 0x5a);
	((u8 *)area->kaddr)[(HDR + 32) * PAGE_SIZE - 1] = 0xa5;
	data = page_address(ipcsvc_area_page(area, HDR + 31));
	KUNIT_EXPECT_EQ(test, data[PAGE_SIZE - 1], 0xa5);
	ipcsvc_area_put(area);
	ipcsvc_user_put(user);
}

static struct kunit_case ipcsvc_area_cases[] = {
	KUNIT_CASE(ipcsvc_area_identity_written),
	KUNIT_CASE(ipcsvc_area_commit_accounting),
	KUNIT_CASE(ipcsvc_area_growth_limits),
	KUNIT_CASE(ipcsvc_area_create_over_budget),
	KUNIT_CASE(ipcsvc_area_guard_and_reserve),
	KUNIT_CASE(ipcsvc_area_page_ownership),
	KUNIT_CASE(ipcsvc_area_wait_words),
	KUNIT_CASE(ipcsvc_area_view_survives_growth),
	{}
};

static struct kunit_suite ipcsvc_area_suite = {
	.name = "ipcsvc_area",
	.test_cases = ipcsvc_area_cases,
};

kunit_test_suite(ipcsvc_area_suite);
