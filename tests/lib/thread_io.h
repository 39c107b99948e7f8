/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The read()-like system calls the calling thread has made, as the kernel
 * counts them in /proc/thread-self/io (syscr), or -1 where it does not
 * (a kernel without task I/O accounting). Counting them tells a test or a
 * benchmark how many read()s some work cost. The count includes the read
 * of that file itself: subtract one per call in between.
 */
#ifndef IPCSVC_TESTS_THREAD_IO_H
#define IPCSVC_TESTS_THREAD_IO_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline long thread_reads(void)
{
	char buf[512], *p;
	int fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "syscr: ");
	return p ? atol(p + 7) : -1;
}

#endif /* IPCSVC_TESTS_THREAD_IO_H */
