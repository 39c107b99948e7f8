/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc timeouts: when a blocking call gives up.
 *
 * Every call that may wait takes an ipcsvc_timeout_t as its last argument:
 *
 *	ipcsvc_timeout_ns(0)		look once, do not wait
 *	ipcsvc_timeout_ms(100)		wait up to 100 ms from now
 *	ipcsvc_timeout_at(t)		wait until CLOCK_MONOTONIC time t (ns)
 *	ipcsvc_timeout_never()		wait without limit
 *
 * An absolute deadline lets a loop of calls share one limit:
 *
 *	ipcsvc_timeout_t t = ipcsvc_timeout_deadline(ipcsvc_timeout_ms(100));
 *	while (more)
 *		rc = ipcsvc_channel_receive_timeout(ch, &msg, t);
 *
 * A negative relative time, an unknown flag or a non-zero reserved field
 * is refused with -EINVAL (IPC_STATUS_INVALID); a deadline in the past
 * looks once, as a relative 0 does.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_TIMEOUT_H
#define IPCSVC_TIMEOUT_H

#include <stdint.h>

#include <ipcsvc/api.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPCSVC_TIMEOUT_ABSOLUTE	(1U << 0)	/* @ns is a CLOCK_MONOTONIC time */
#define IPCSVC_TIMEOUT_NEVER	(1U << 1)	/* no limit; @ns is ignored */

/**
 * struct ipcsvc_timeout - when a blocking call gives up
 * @ns:		nanoseconds from the call (relative), or the CLOCK_MONOTONIC
 *		time in nanoseconds (IPCSVC_TIMEOUT_ABSOLUTE)
 * @flags:	IPCSVC_TIMEOUT_ABSOLUTE or IPCSVC_TIMEOUT_NEVER, or 0
 * @__reserved:	zero
 *
 * Make one with the functions below rather than by hand.
 */
typedef struct ipcsvc_timeout {
	int64_t ns;
	uint32_t flags;
	uint32_t __reserved;
} ipcsvc_timeout_t;

static inline ipcsvc_timeout_t ipcsvc_timeout_ns(int64_t ns)
{
	ipcsvc_timeout_t t = { ns, 0, 0 };

	return t;
}

static inline ipcsvc_timeout_t ipcsvc_timeout_ms(int64_t ms)
{
	/* A limit past 292 years is no limit worth overflowing for. */
	if (ms > INT64_MAX / 1000000)
		ms = INT64_MAX / 1000000;
	if (ms < INT64_MIN / 1000000)
		ms = INT64_MIN / 1000000;
	return ipcsvc_timeout_ns(ms * 1000000);
}

static inline ipcsvc_timeout_t ipcsvc_timeout_at(int64_t clock_ns)
{
	ipcsvc_timeout_t t = { clock_ns, IPCSVC_TIMEOUT_ABSOLUTE, 0 };

	return t;
}

static inline ipcsvc_timeout_t ipcsvc_timeout_never(void)
{
	ipcsvc_timeout_t t = { 0, IPCSVC_TIMEOUT_NEVER, 0 };

	return t;
}

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of every deadline. */
IPCSVC_API int64_t ipcsvc_clock_now(void);

/*
 * The same limit as an absolute deadline: a relative @t becomes now plus
 * @t; a deadline, or no limit, is returned as it is. An invalid @t is
 * returned unchanged, for the call that takes it to refuse.
 */
IPCSVC_API ipcsvc_timeout_t ipcsvc_timeout_deadline(ipcsvc_timeout_t t);

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_TIMEOUT_H */
