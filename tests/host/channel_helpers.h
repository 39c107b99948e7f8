/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the channel host tests: areas in plain shared memory
 * (memfd) and channel pairs over them.
 */
#ifndef IPCSVC_TESTS_CHANNEL_HELPERS_H
#define IPCSVC_TESTS_CHANNEL_HELPERS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"

struct test_area {
	int fd;
	void *mem;
	size_t len;
};

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* A formatted area in a memfd, mapped shared. 0 or -errno. */
static inline int test_area_make(struct test_area *a, uint64_t size,
				 uint64_t max_size)
{
	struct ipcsvc_area_params p = {
		.size = size,
		.max_size = max_size,
		.protocol_version = 1,
		.protocol_name = "test",
	};
	int64_t bytes = ipcsvc_area_bytes(max_size);
	int rc;

	a->fd = -1;
	a->mem = NULL;
	a->len = 0;
	if (bytes < 0)
		return (int)bytes;
	a->len = (size_t)bytes;
	a->fd = memfd_create("ipcsvc-test", MFD_CLOEXEC);
	if (a->fd < 0)
		return -errno;
	if (ftruncate(a->fd, (off_t)a->len) < 0)
		return -errno;
	/* Reserve a guard page after the area, as the module does, so that
	 * a stray access past the end faults instead of going unnoticed. */
	a->mem = mmap(NULL, a->len + page_size(), PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->mem == MAP_FAILED)
		return -errno;
	if (mmap(a->mem, a->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 a->fd, 0) == MAP_FAILED)
		return -errno;
	rc = ipcsvc_area_format(a->mem, a->len, &p);
	return rc;
}

/* Map the same memfd a second time, as another process would. */
static inline void *test_area_remap(const struct test_area *a)
{
	void *m = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);

	return m == MAP_FAILED ? NULL : m;
}

static inline void test_area_free(struct test_area *a)
{
	if (a->mem && a->mem != MAP_FAILED)
		munmap(a->mem, a->len + page_size());
	if (a->fd >= 0)
		close(a->fd);
	a->mem = NULL;
	a->fd = -1;
}

static inline struct ipcsvc_area_identity *area_id(const struct test_area *a)
{
	return a->mem;
}

static inline struct ipcsvc_area_producer *area_prod(const struct test_area *a)
{
	return (void *)((char *)a->mem + area_id(a)->producer_offset);
}

static inline struct ipcsvc_area_consumer *area_cons(const struct test_area *a)
{
	return (void *)((char *)a->mem + area_id(a)->consumer_offset);
}

static inline uint8_t *area_data(const struct test_area *a)
{
	return (uint8_t *)a->mem + area_id(a)->data_offset;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Send one message with one object holding @len bytes of @data. */
static inline int send_blob(struct ipcsvc_channel *ch, uint64_t id,
			    const void *data, uint64_t len, uint64_t flags)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send(ch, IPCSVC_OBJECT_SPACE(len),
						  id, 1, flags, &m);

	if (rc)
		return rc;
	rc = ipcsvc_msg_add_object(m, 0x0b, data, len);
	if (rc)
		return rc;
	return ipcsvc_channel_send(ch, m);
}

/*
 * Receive the next message, release it and return its id: -errno when
 * there is none or it cannot be read.
 */
static inline int64_t take_id(struct ipcsvc_channel *ch)
{
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_receive(ch, &m);

	if (rc)
		return rc;
	rc = ipcsvc_msg_info(m, &info);
	if (!rc)
		rc = ipcsvc_channel_release(ch, m);
	return rc ? rc : (int64_t)info.id;
}

/* Fill @buf with a pattern derived from @seed. */
static inline void pattern(uint8_t *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static inline int pattern_ok(const uint8_t *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(seed * 131 + i * 7 + (i >> 8)))
			return 0;
	return 1;
}

/*
 * Receive the next message, check that it is @id with one object holding
 * pattern(@id), and release it: 0, the -errno of a call, or -EBADMSG when
 * it is not the message expected.
 */
static inline int take_blob(struct ipcsvc_channel *ch, uint64_t id)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_receive(ch, &m), rel;

	if (rc)
		return rc;
	rc = ipcsvc_msg_info(m, &info);
	if (!rc && (info.id != id || ipcsvc_msg_next_object(m, &o) != 1 ||
		    !pattern_ok(o.data, o.length, id)))
		rc = -EBADMSG;
	rel = ipcsvc_channel_release(ch, m);
	return rc ? rc : rel;
}

#endif /* IPCSVC_TESTS_CHANNEL_HELPERS_H */
