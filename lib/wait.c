// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sleeping and waking without the module: futexes on shared words.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

uint64_t ipcsvc__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t ipcsvc_clock_now(void)
{
	return (int64_t)ipcsvc__now_ns();
}

bool ipcsvc__timeout_valid(ipcsvc_timeout_t t)
{
	if (t.__reserved || (t.flags & ~(IPCSVC_TIMEOUT_ABSOLUTE |
					 IPCSVC_TIMEOUT_NEVER)))
		return false;
	if (t.flags == (IPCSVC_TIMEOUT_ABSOLUTE | IPCSVC_TIMEOUT_NEVER))
		return false;
	return t.flags || t.ns >= 0;
}

ipcsvc_timeout_t ipcsvc_timeout_deadline(ipcsvc_timeout_t t)
{
	uint64_t now;

	if (!ipcsvc__timeout_valid(t) || t.flags)
		return t;
	now = ipcsvc__now_ns();
	/* saturate: a deadline past the clock's range is no deadline */
	if ((uint64_t)t.ns > (uint64_t)INT64_MAX - now)
		return ipcsvc_timeout_never();
	return ipcsvc_timeout_at((int64_t)(now + (uint64_t)t.ns));
}

int ipcsvc__deadline_init(struct ipcsvc_deadline *d, ipcsvc_timeout_t t)
{
	if (!ipcsvc__timeout_valid(t))
		return -EINVAL;
	t = ipcsvc_timeout_deadline(t);
	d->set = true;
	d->forever = t.flags & IPCSVC_TIMEOUT_NEVER;
	/* a deadline before the clock's start has passed, as 0 has */
	d->at_ns = d->forever || t.ns < 0 ? 0 : (uint64_t)t.ns;
	return 0;
}

bool ipcsvc__deadline_passed(const struct ipcsvc_deadline *d)
{
	return !d->forever && ipcsvc__now_ns() >= d->at_ns;
}

int ipcsvc__futex_wait(uint32_t *word, uint32_t val, bool shared,
		       const struct ipcsvc_deadline *d)
{
	struct timespec ts, *tsp = NULL;
	int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
	long rc;

	if (!d->forever) {
		if (ipcsvc__deadline_passed(d))
			return -ETIMEDOUT;
		/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time. */
		ts.tv_sec = (time_t)(d->at_ns / 1000000000ULL);
		ts.tv_nsec = (long)(d->at_ns % 1000000000ULL);
		tsp = &ts;
	}
	rc = syscall(SYS_futex, word, op, val, tsp, NULL, FUTEX_BITSET_MATCH_ANY);
	if (rc == 0)
		return 0;
	switch (errno) {
	case EAGAIN:		/* the word no longer held @val */
		return 0;
	case ETIMEDOUT:
		return -ETIMEDOUT;
	case EINTR:
		return -EINTR;
	default:
		return -errno;
	}
}

void ipcsvc__futex_wake(uint32_t *word, bool shared)
{
	int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);

	syscall(SYS_futex, word, op, INT_MAX, NULL, NULL, 0);
}

/*
 * The futex backend. Futexes are 32 bits wide: it sleeps on the low half of
 * the 64-bit word, which changes whenever the word does by less than 2^32,
 * and a spurious return only makes the caller look again. The futexes are
 * process-shared, so that processes mapping the same memfd pages meet on
 * the same futex.
 */
static int futex_backend_wait(void *ctx, uint32_t dir, __u64 *word,
			      uint64_t off, uint64_t val,
			      const struct ipcsvc_deadline *d)
{
	(void)ctx;
	(void)dir;
	(void)off;
	return ipcsvc__futex_wait(ipcsvc__low_word((uint64_t *)word), (uint32_t)val, true,
				  d);
}

static int futex_backend_wake(void *ctx, uint32_t dir, __u64 *word,
			      uint64_t off)
{
	(void)ctx;
	(void)dir;
	(void)off;
	ipcsvc__futex_wake(ipcsvc__low_word((uint64_t *)word), true);
	return 0;
}

/*
 * Without the module the whole of max_size is already mapped, so growing
 * is only publishing the new size, in the kernel's stead.
 */
static int futex_backend_grow(void *ctx, struct ipcsvc_area_identity *id,
			      uint64_t new_size)
{
	(void)ctx;
	/* pairs with the acquire of identity.size in rx_take() and
	 * dir_open() in channel.c */
	STORE_RELEASE(&id->size, new_size);
	return 0;
}

const struct ipcsvc_wait_ops ipcsvc__futex_ops = {
	.name = "futex",
	.wait = futex_backend_wait,
	.wake = futex_backend_wake,
	.grow = futex_backend_grow,
};
