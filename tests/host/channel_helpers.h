/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the channel host tests: areas in plain shared memory
 * (memfd) and channel pairs over them.
 */
#ifndef IPCSVC_TESTS_CHANNEL_HELPERS_H
#define IPCSVC_TESTS_CHANNEL_HELPERS_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "../lib/identity.h"
#include "../lib/pattern.h"

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
	uint8_t *base;
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
	/* Reserve a guard page after the area, as the module does, and one
	 * before it, so that a stray access past either end (an offset that
	 * wrapped round included) faults instead of going unnoticed. */
	base = mmap(NULL, a->len + 2 * page_size(), PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	a->mem = base + page_size();
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
	if (a->mem)
		munmap((uint8_t *)a->mem - page_size(), a->len + 2 * page_size());
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

/* Wake every process-shared futex sleeper on the low word of the 64-bit
 * word at @w. */
static inline void test_wake_word(void *w)
{
	uint32_t *low = w;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	low++;
#endif
	syscall(SYS_futex, low, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* What the module does when either end closes (ipcsvc_area_kill()):
 * flag both areas, wake every sleeper. */
static inline void test_close_channel(struct test_area *x,
				      struct test_area *y)
{
	struct test_area *areas[2] = { x, y };

	for (int i = 0; i < 2; i++)
		__atomic_store_n(&area_id(areas[i])->closed, 1,
				 __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++) {
		test_wake_word(&area_prod(areas[i])->published);
		test_wake_word(&area_cons(areas[i])->consumed);
	}
}

/*
 * One channel's pages as the module lays them out, in a memfd: page 0 the
 * identity page (the client-to-server area's identity at 0, the
 * server-to-client area's at IPCSVC_IDENTITY_STRIDE), page 1 the client's
 * control page, page 2 the server's, then the client-to-server data pages,
 * then the server-to-client ones. Each area is mapped as the module maps
 * it: the identity page, its producer's control page, its consumer's
 * control page, its data pages and a guard page. So the client's control
 * page is the second page of @cs and the third of @sc, and each end's
 * producer words (IPCSVC_CONTROL_PRODUCER) and consumer words
 * (IPCSVC_CONTROL_CONSUMER) share that page.
 */
struct test_chan {
	int fd;
	uint8_t *cs, *sc;	/* the areas; NULL until mapped */
	size_t cs_len, sc_len;	/* area bytes, guard page excluded */
};

static inline struct ipcsvc_area_identity *chan_id_cs(const struct test_chan *c)
{
	return (void *)c->cs;
}

static inline struct ipcsvc_area_identity *chan_id_sc(const struct test_chan *c)
{
	return (void *)(c->cs + IPCSVC_IDENTITY_STRIDE);
}

/* Map @n pages of the memfd at file page @fpage to @at. */
static inline int test_chan_map(int fd, uint8_t *at, uint64_t fpage,
				uint64_t n)
{
	return mmap(at, n * page_size(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_FIXED, fd,
		    (off_t)(fpage * page_size())) == MAP_FAILED ? -errno : 0;
}

static inline int test_chan_area(const struct test_chan *c, uint8_t **areap,
				 uint64_t prod_page, uint64_t cons_page,
				 uint64_t data_page, uint64_t max_size)
{
	size_t page = page_size(), len = 3 * page + max_size;
	uint8_t *a = mmap(NULL, len + page, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	if (a == MAP_FAILED)
		return -errno;
	*areap = a;
	rc = test_chan_map(c->fd, a, 0, 1);
	if (!rc)
		rc = test_chan_map(c->fd, a + page, prod_page, 1);
	if (!rc)
		rc = test_chan_map(c->fd, a + 2 * page, cons_page, 1);
	if (!rc)
		rc = test_chan_map(c->fd, a + 3 * page, data_page,
				   max_size / page);
	return rc;
}

/* Both areas, with identities of committed @size (0: none yet, as the
 * module starts them) and the given maxima (page multiples). */
static inline int test_chan_make(struct test_chan *c, uint64_t size,
				 uint64_t max_cs, uint64_t max_sc)
{
	uint64_t page = page_size();
	int rc;

	memset(c, 0, sizeof(*c));
	c->cs_len = 3 * page + max_cs;
	c->sc_len = 3 * page + max_sc;
	c->fd = memfd_create("ipcsvc-chan", MFD_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (ftruncate(c->fd, (off_t)(3 * page + max_cs + max_sc)) < 0)
		return -errno;
	rc = test_chan_area(c, &c->cs, 1, 2, 3, max_cs);
	if (!rc)
		rc = test_chan_area(c, &c->sc, 2, 1, 3 + max_cs / page, max_sc);
	if (rc)
		return rc;
	test_identity_write(chan_id_cs(c), size, max_cs, page_size(), "test");
	test_identity_write(chan_id_sc(c), size, max_sc, page_size(), "test");
	return 0;
}

/* Map the same pages again into @c2, as the peer's process would. */
static inline int test_chan_remap(const struct test_chan *c,
				  struct test_chan *c2)
{
	uint64_t page = page_size(), max_cs = c->cs_len - 3 * page;
	int rc;

	memset(c2, 0, sizeof(*c2));
	c2->cs_len = c->cs_len;
	c2->sc_len = c->sc_len;
	c2->fd = dup(c->fd);
	if (c2->fd < 0)
		return -errno;
	rc = test_chan_area(c2, &c2->cs, 1, 2, 3, max_cs);
	if (!rc)
		rc = test_chan_area(c2, &c2->sc, 2, 1, 3 + max_cs / page,
				    c->sc_len - 3 * page);
	return rc;
}

static inline void test_chan_free(struct test_chan *c)
{
	if (c->cs)
		munmap(c->cs, c->cs_len + page_size());
	if (c->sc)
		munmap(c->sc, c->sc_len + page_size());
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * The two ends of a channel over @x2y and @y2x: *@x sends over @x2y and
 * receives over @y2x, *@y the other way round.
 */
static inline int test_ends_open(const struct test_area *x2y,
				 const struct test_area *y2x,
				 struct ipcsvc_channel **x,
				 struct ipcsvc_channel **y)
{
	int rc = ipcsvc_channel_open(x2y->mem, x2y->len, y2x->mem, y2x->len,
				     NULL, x);

	return rc ? rc : ipcsvc_channel_open(y2x->mem, y2x->len, x2y->mem,
					     x2y->len, NULL, y);
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
	int rc = ipcsvc_channel_allocate_for_send(ch, len,
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
