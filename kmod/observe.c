// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc: what introspection observes, kept below every unit that it
 * observes so that none of them depends on the netlink family above.
 *
 * Counters: module-wide event counts, per CPU so that counting costs the
 * counted paths one local increment, summed when they are read.
 *
 * Lifecycle notifications: the registry and the channels report services
 * created and removed and channels connected and closed through the
 * observer that netlink.c installs while the module is loaded. Each call
 * is made in process context with no ipcsvc lock held, so the observer may
 * sleep. The observer is installed before /dev/ipcsvc exists and removed
 * after it is gone; no object exists outside that window (the device file
 * and every area mapping pin the module), so no call can race with it.
 *
 * The tracepoints of trace.h are defined here too.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>

#include "ipcsvc.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

DEFINE_PER_CPU(struct ipcsvc_counters, ipcsvc_counters);

static const struct ipcsvc_observer *ipcsvc_observer;

/* Count a refused connect under the errno ipcsvc_connect() returned. */
void ipcsvc_count_refused(int err)
{
	static const int errs[IPCSVC_NR_REFUSALS] = {
		[IPCSVC_REFUSED_NOENT] = ENOENT,
		[IPCSVC_REFUSED_ACCESS] = EACCES,
		[IPCSVC_REFUSED_VERSION] = EPROTONOSUPPORT,
		[IPCSVC_REFUSED_SIZE] = EMSGSIZE,
		[IPCSVC_REFUSED_CONNECTIONS] = EUSERS,
		[IPCSVC_REFUSED_BACKLOG] = EAGAIN,
		[IPCSVC_REFUSED_QUOTA] = EDQUOT,
		[IPCSVC_REFUSED_HANDLES] = ENOSPC,
		[IPCSVC_REFUSED_GONE] = ECONNREFUSED,
		[IPCSVC_REFUSED_NOMEM] = ENOMEM,
	};
	unsigned int i;

	for (i = 0; i < IPCSVC_NR_REFUSALS; i++) {
		if (errs[i] == -err) {
			this_cpu_inc(ipcsvc_counters.refused[i]);
			return;
		}
	}
}

/* The sum over every CPU; a snapshot, not an atomic one. */
void ipcsvc_counters_read(struct ipcsvc_counters *sum)
{
	const u64 *src;
	u64 *dst = (u64 *)sum;
	unsigned int cpu, i;

	BUILD_BUG_ON(sizeof(*sum) % sizeof(u64));
	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		src = (const u64 *)per_cpu_ptr(&ipcsvc_counters, cpu);
		for (i = 0; i < sizeof(*sum) / sizeof(u64); i++)
			dst[i] += READ_ONCE(src[i]);
	}
}

void ipcsvc_observer_set(const struct ipcsvc_observer *obs)
{
	WRITE_ONCE(ipcsvc_observer, obs);
}

void ipcsvc_observe_service(struct ipcsvc_service *svc, bool up, u32 reason)
{
	const struct ipcsvc_observer *obs = READ_ONCE(ipcsvc_observer);

	might_sleep();
	if (obs)
		obs->service(svc, up, reason);
}

void ipcsvc_observe_channel(struct ipcsvc_channel *chan, bool up)
{
	const struct ipcsvc_observer *obs = READ_ONCE(ipcsvc_observer);

	might_sleep();
	if (obs)
		obs->channel(chan, up);
}
