// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the port calls that do not need the module: argument checks
 * and the errors a missing or foreign device gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ipcsvc/ipcsvc.h"
#include "kselftest_harness.h"

/* The library reports the release in the one VERSION file. */
TEST(library_version_is_VERSION)
{
	char want[64] = "";
	FILE *f = fopen(IPCSVC_VERSION_FILE, "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	EXPECT_STREQ(want, ipcsvc_library_version());
}

TEST(open_missing_device_is_enoent)
{
	struct ipcsvc_port *port = (void *)0x1;

	EXPECT_EQ(-ENOENT, ipcsvc_port_open("/nonexistent/ipcsvc", &port));
	EXPECT_EQ(NULL, port);
}

TEST(open_without_result_pointer_is_einval)
{
	EXPECT_EQ(-EINVAL, ipcsvc_port_open("/dev/null", NULL));
}

/* A device that is not ipcsvc answers the version ioctl with ENOTTY. */
TEST(version_on_foreign_device_is_enotty)
{
	struct ipcsvc_port *port;
	struct ipcsvc_version v;

	ASSERT_EQ(0, ipcsvc_port_open("/dev/null", &port));
	EXPECT_LE(0, ipcsvc_port_fd(port));
	EXPECT_EQ(-ENOTTY, ipcsvc_port_version(port, &v));
	ipcsvc_port_close(port);
}

/*
 * The port fd is close-on-exec and non-blocking: read() of an ipcsvc port
 * sleeps while no event is pending unless it is O_NONBLOCK, and
 * ipcsvc_port_read_event() must not wait.
 */
TEST(port_fd_is_cloexec_and_nonblocking)
{
	struct ipcsvc_port *port;
	int fd, fl;

	ASSERT_EQ(0, ipcsvc_port_open("/dev/null", &port));
	fd = ipcsvc_port_fd(port);
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFL);
	ASSERT_LE(0, fl);
	EXPECT_EQ(O_NONBLOCK, fl & O_NONBLOCK);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ipcsvc_port_close(port);
}

TEST(null_arguments_are_rejected)
{
	struct ipcsvc_version v;

	EXPECT_EQ(-EINVAL, ipcsvc_port_version(NULL, &v));
	EXPECT_EQ(-EINVAL, ipcsvc_port_fd(NULL));
	ipcsvc_port_close(NULL);
}

TEST_HARNESS_MAIN
