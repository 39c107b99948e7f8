// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the device entry points of main.c.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "ipcsvc.h"

/* The version reported to userspace is the one the module was built from. */
static void ipcsvc_main_version_matches_build(struct kunit *test)
{
	struct ipcsvc_version v;

	memset(&v, 0xcc, sizeof(v));
	ipcsvc_version_fill(&v);
	KUNIT_EXPECT_EQ(test, v.abi, IPCSVC_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, v.major, IPCSVC_RELEASE_MAJOR);
	KUNIT_EXPECT_EQ(test, v.minor, IPCSVC_RELEASE_MINOR);
	KUNIT_EXPECT_EQ(test, v.patch, IPCSVC_RELEASE_PATCH);
	KUNIT_EXPECT_EQ(test, v.__pad, 0u);
	KUNIT_EXPECT_STREQ(test, v.release, IPCSVC_RELEASE);
}

/* The published first size must not drift from the struct's real layout. */
static void ipcsvc_main_version_struct_size(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct ipcsvc_version),
			(size_t)IPCSVC_VERSION_SIZE_VER0);
}

static struct kunit_case ipcsvc_main_cases[] = {
	KUNIT_CASE(ipcsvc_main_version_matches_build),
	KUNIT_CASE(ipcsvc_main_version_struct_size),
	{}
};

static struct kunit_suite ipcsvc_main_suite = {
	.name = "ipcsvc_main",
	.test_cases = ipcsvc_main_cases,
};

kunit_test_suite(ipcsvc_main_suite);
