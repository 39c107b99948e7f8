// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of ipcsvc_area_check_fd(): a module-less area is shared as a
 * memfd, and a peer that can shrink the file makes every access past the
 * new end a SIGBUS in every process that maps it. Only a memfd sealed
 * against shrinking, and large enough, is safe to map.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "channel_helpers.h"
#include "kselftest_harness.h"

/* An area's memfd of ipcsvc_area_bytes(@max) bytes, not sealed yet. */
static int area_memfd(uint64_t max, unsigned int flags, int64_t *bytesp)
{
	int64_t bytes = ipcsvc_area_bytes(max);
	int fd;

	if (bytes < 0)
		return -1;
	fd = memfd_create("ipcsvc-fd-test", MFD_CLOEXEC | flags);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)bytes) < 0) {
		close(fd);
		return -1;
	}
	*bytesp = bytes;
	return fd;
}

TEST(unsealed_memfd_refused)
{
	int64_t bytes;
	int fd = area_memfd(page_size(), 0, &bytes);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(fd, (uint64_t)bytes));
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(fd, 0));
	/* and the peer can indeed shrink it */
	EXPECT_EQ(0, ftruncate(fd, 0));
	close(fd);
}

/* Sealable, but sealed against anything else than shrinking: refused. */
TEST(seals_without_shrink_refused)
{
	int64_t bytes;
	int fd = area_memfd(page_size(), MFD_ALLOW_SEALING, &bytes);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(fd, (uint64_t)bytes));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(fd, (uint64_t)bytes));
	close(fd);
}

TEST(sealed_memfd_accepted)
{
	const uint64_t max = 2 * page_size();
	struct ipcsvc_area_params p = {
		.size = 0, .max_size = max, .protocol_version = 1,
		.protocol_name = "sealed",
	};
	struct ipcsvc_channel *tx, *rx;
	int64_t bytes;
	int fd = area_memfd(max, MFD_ALLOW_SEALING, &bytes);
	void *a, *b;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS,
			   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	EXPECT_EQ(0, ipcsvc_area_check_fd(fd, (uint64_t)bytes));
	EXPECT_EQ(0, ipcsvc_area_check_fd(fd, 0));
	/* More than the file holds would fault past its end. */
	EXPECT_EQ(-ENOSPC, ipcsvc_area_check_fd(fd, (uint64_t)bytes + 1));
	/* The size is fixed for good, and so are the seals. */
	EXPECT_EQ(-1, ftruncate(fd, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(fd, bytes - (off_t)page_size()));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ftruncate(fd, bytes + (off_t)page_size()));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, ipcsvc_area_check_fd(fd, (uint64_t)bytes));

	/* And the area works as any other. */
	a = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, ipcsvc_area_format(a, (size_t)bytes, &p));
	ASSERT_EQ(0, ipcsvc_channel_open(a, (size_t)bytes, NULL, 0, NULL, &tx));
	ASSERT_EQ(0, ipcsvc_channel_open(NULL, 0, b, (size_t)bytes, NULL, &rx));
	ASSERT_EQ(0, send_blob(tx, 7, "sealed", 6, 0));
	EXPECT_EQ(7, take_id(rx));
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	munmap(a, (size_t)bytes);
	munmap(b, (size_t)bytes);
	close(fd);
}

/* Sealed after it was shrunk: too small for the area it claims. */
TEST(sealed_too_small_refused)
{
	int64_t bytes;
	int fd = area_memfd(page_size(), MFD_ALLOW_SEALING, &bytes);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, bytes / 2));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL));
	EXPECT_EQ(-ENOSPC, ipcsvc_area_check_fd(fd, (uint64_t)bytes));
	EXPECT_EQ(0, ipcsvc_area_check_fd(fd, (uint64_t)bytes / 2));
	close(fd);
}

/* Files that cannot be sealed at all, and fds that are not open. */
TEST(not_a_memfd_refused)
{
	char path[] = "/tmp/ipcsvc-fd-test-XXXXXX";
	int pipefd[2], fd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(fd, (off_t)page_size()));
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(fd, 0));
	close(fd);

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-EPERM, ipcsvc_area_check_fd(pipefd[0], 0));
	close(pipefd[0]);
	close(pipefd[1]);

	EXPECT_EQ(-EBADF, ipcsvc_area_check_fd(-1, 0));
	EXPECT_EQ(-EBADF, ipcsvc_area_check_fd(pipefd[0], 0));
}

TEST_HARNESS_MAIN
