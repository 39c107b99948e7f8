// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for main.c, and the compile-time checks of the ABI layout
 * that the ioctl dispatcher and the area geometry rely on.
 */
#include <kunit/test.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "ipcsvc_kunit.h"

/*
 * Each struct's first published size is its size today; a change to
 * either must be a deliberate new *_SIZE_VER*.
 */
static_assert(sizeof(struct ipcsvc_version) == IPCSVC_VERSION_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_service_create) ==
	      IPCSVC_SERVICE_CREATE_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_connect) == IPCSVC_CONNECT_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_handle_arg) == IPCSVC_HANDLE_ARG_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_map_info) == IPCSVC_MAP_INFO_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_grow) == IPCSVC_GROW_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_wait) == IPCSVC_WAIT_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_arm) == IPCSVC_ARM_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_wake) == IPCSVC_WAKE_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_peer_creds) ==
	      IPCSVC_PEER_CREDS_SIZE_VER0);
static_assert(sizeof(struct ipcsvc_usage) == IPCSVC_USAGE_SIZE_VER0);

/* The dispatcher reads @size, a __u32, first in every struct. */
static_assert(offsetof(struct ipcsvc_version, size) == 0);
static_assert(offsetof(struct ipcsvc_service_create, size) == 0);
static_assert(offsetof(struct ipcsvc_connect, size) == 0);
static_assert(offsetof(struct ipcsvc_wait, size) == 0);

/* read() refuses a buffer smaller than one record: 32 bytes (abi). */
static_assert(sizeof(struct ipcsvc_event) == 32);

/* Every __u64 of the shared words sits at a multiple of 8. */
static_assert(offsetof(struct ipcsvc_area_producer, published) % 8 == 0);
static_assert(offsetof(struct ipcsvc_area_producer, waiters) == 128);
static_assert(offsetof(struct ipcsvc_area_consumer, waiters) == 128);
static_assert(sizeof(struct ipcsvc_area_producer) == 256);
static_assert(sizeof(struct ipcsvc_area_consumer) == 256);
static_assert(IPCSVC_CONTROL_CONSUMER ==
	      IPCSVC_CONTROL_PRODUCER + sizeof(struct ipcsvc_area_producer));
static_assert(sizeof(struct ipcsvc_area_identity) <= IPCSVC_IDENTITY_STRIDE);
static_assert(offsetof(struct ipcsvc_area_identity, closed) % 8 == 0);

/*
 * VERSION's answer: the release string spells the three numbers, and
 * every byte of @release past it is zero, so that the copy to userspace
 * carries no stale kernel memory. @size is the caller's to set.
 */
static void ipcsvc_main_version_fill(struct kunit *test)
{
	struct ipcsvc_version v;
	char spelled[sizeof(v.release)];
	size_t len;

	memset(&v, 0xcc, sizeof(v));
	v.size = 12345;
	ipcsvc_version_fill(&v);
	KUNIT_EXPECT_EQ(test, v.size, 12345u);
	len = strnlen(v.release, sizeof(v.release));
	KUNIT_ASSERT_LT(test, len, sizeof(v.release));
	KUNIT_EXPECT_GT(test, len, (size_t)0);
	KUNIT_EXPECT_NULL(test, memchr_inv(v.release + len, 0,
					   sizeof(v.release) - len));
	snprintf(spelled, sizeof(spelled), "%u.%u.%u", v.major, v.minor,
		 v.patch);
	KUNIT_EXPECT_STREQ(test, v.release, spelled);
}

static struct kunit_case ipcsvc_main_cases[] = {
	KUNIT_CASE(ipcsvc_main_version_fill),
	{}
};

static struct kunit_suite ipcsvc_main_suite = {
	.name = "ipcsvc_main",
	.test_cases = ipcsvc_main_cases,
};

kunit_test_suite(ipcsvc_main_suite);
