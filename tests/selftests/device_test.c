// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of the device node itself: it exists, opens, and reports the
 * version the module was built from.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/ipcsvc.h>

#include "kselftest_harness.h"

FIXTURE(device) {
	int fd;
};

FIXTURE_SETUP(device)
{
	self->fd = open("/dev/" IPCSVC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/ipcsvc: %s", strerror(errno));
}

FIXTURE_TEARDOWN(device)
{
	close(self->fd);
}

TEST_F(device, version_reports_build_release)
{
	struct ipcsvc_version v;
	char want[32];

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	ASSERT_EQ(0, ioctl(self->fd, IPCSVC_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(IPCSVC_ABI_VERSION, v.abi);
	snprintf(want, sizeof(want), "%u.%u.%u", v.major, v.minor, v.patch);
	EXPECT_STREQ(want, v.release);
	EXPECT_STREQ(IPCSVC_EXPECTED_RELEASE, v.release);
}

/* Output-only fields are ignored on input: callers may poison them. */
TEST_F(device, version_ignores_poisoned_output_fields)
{
	struct ipcsvc_version v;

	memset(&v, 0xcc, sizeof(v));
	v.size = sizeof(v);
	v.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, IPCSVC_IOC_VERSION, &v));
	EXPECT_EQ(IPCSVC_ABI_VERSION, v.abi);
	EXPECT_STREQ(IPCSVC_EXPECTED_RELEASE, v.release);
}

TEST_F(device, version_rejects_unknown_flags)
{
	struct ipcsvc_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, IPCSVC_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	v.flags = 1u << 31;
	EXPECT_EQ(-1, ioctl(self->fd, IPCSVC_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, version_rejects_short_size)
{
	struct ipcsvc_version v;

	memset(&v, 0, sizeof(v));
	v.size = IPCSVC_VERSION_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, IPCSVC_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, version_rejects_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, IPCSVC_IOC_VERSION, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

/* A bigger struct from a newer caller works if its extra bytes are zero. */
TEST_F(device, version_accepts_larger_zeroed_struct)
{
	struct {
		struct ipcsvc_version v;
		__u64 future[4];
	} big;

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, IPCSVC_IOC_VERSION, &big));
	EXPECT_EQ(IPCSVC_ABI_VERSION, big.v.abi);
	EXPECT_STREQ(IPCSVC_EXPECTED_RELEASE, big.v.release);
	/* Nothing past the kernel's struct is written. */
	EXPECT_EQ(0u, big.future[0] | big.future[1] | big.future[2] |
		  big.future[3]);
	big.future[0] = 1;
	memset(&big.v, 0, sizeof(big.v));
	big.v.size = sizeof(big);
	EXPECT_EQ(-1, ioctl(self->fd, IPCSVC_IOC_VERSION, &big));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(device, unknown_ioctl_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(IPCSVC_IOC_MAGIC, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
