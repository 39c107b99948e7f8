// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the device entry points of main.c, and the namespace
 * reference (compat.h) that open() takes for a port.
 */
#include <kunit/test.h>
#include <linux/file.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "compat.h"
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

/*
 * Pinning the caller's IPC namespace leaves the file table as it was and,
 * where it is done through nsfs, holds the file of that very namespace.
 */
static void ipcsvc_main_ipc_ns_pin(struct kunit *test)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct file *pin = ERR_PTR(-EINVAL);
	int fd_before, fd_after;

	/* The lowest free descriptor, before and after. */
	fd_before = get_unused_fd_flags(0);
	KUNIT_ASSERT_GE(test, fd_before, 0);
	put_unused_fd(fd_before);

	KUNIT_ASSERT_EQ(test, ipcsvc_ipc_ns_get(ns, &pin), 0);

	fd_after = get_unused_fd_flags(0);
	KUNIT_EXPECT_GE(test, fd_after, 0);
	if (fd_after >= 0)
		put_unused_fd(fd_after);
	KUNIT_EXPECT_EQ(test, fd_after, fd_before);

	KUNIT_EXPECT_FALSE(test, IS_ERR(pin));
	if (pin) {
		KUNIT_EXPECT_EQ(test, file_inode(pin)->i_sb->s_magic,
				(unsigned long)NSFS_MAGIC);
		KUNIT_EXPECT_PTR_EQ(test, get_proc_ns(file_inode(pin)),
				    &ns->ns);
	}
	ipcsvc_ipc_ns_put(ns, pin);
}

static struct kunit_case ipcsvc_main_cases[] = {
	KUNIT_CASE(ipcsvc_main_version_matches_build),
	KUNIT_CASE(ipcsvc_main_version_struct_size),
	KUNIT_CASE(ipcsvc_main_ipc_ns_pin),
	{}
};

static struct kunit_suite ipcsvc_main_suite = {
	.name = "ipcsvc_main",
	.test_cases = ipcsvc_main_cases,
};

kunit_test_suite(ipcsvc_main_suite);
