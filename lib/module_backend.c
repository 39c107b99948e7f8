// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module backend of the queue engine: sleeping, waking and growth go
 * through the ioctls of /dev/ipcsvc on one channel end.
 *
 * The engine names a word by its direction and its byte offset in the
 * area's layout, which is also how IPCSVC_IOC_WAIT names it (the module
 * checks that it lies in the producer or consumer words and reads it
 * through its own mapping):
 *
 *   engine call                         dir    ioctl
 *   receive: wait on producer.published  RX     WAIT
 *   send:    wait on consumer.consumed   TX     WAIT
 *   publish: wake producer.published     TX     WAKE
 *   release: wake consumer.consumed      RX     WAKE
 *   grow                                 TX     GROW
 *
 * The areas' mappings are module_map.c's.
 *
 * When the channel is closed (by either end, or because the peer died) a
 * wait whose word still holds the value returns -EPIPE, which ends the
 * engine's blocking call with IPC_STATUS_PEER_CLOSED.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/*
 * The engine's deadline is an absolute CLOCK_MONOTONIC time
 * (ipcsvc__now_ns()), which is what IPCSVC_WAIT_ABSTIME takes: no
 * conversion to a relative timeout, so no drift across retries, and a
 * signal handler with SA_RESTART restarts the wait rather than failing it
 * with EINTR. A deadline that has passed still makes one call, with a
 * relative timeout of 0: the module then only looks, and reports -EPIPE
 * for a closed channel. Busy polling uses that to notice a dead peer
 * without sleeping.
 */
int64_t ipcsvc__module_wait_timeout(const struct ipcsvc_deadline *d,
				    uint64_t now_ns, uint32_t *flags)
{
	*flags = 0;
	if (d->forever)
		return -1;
	if (now_ns >= d->at_ns)
		return 0;
	/* Beyond INT64_MAX ns (292 years of uptime) is no deadline at all;
	 * a negative absolute timeout would mean the same to the module. */
	if (d->at_ns > (uint64_t)INT64_MAX)
		return -1;
	*flags = IPCSVC_WAIT_ABSTIME;
	return (int64_t)d->at_ns;
}

static int module_wait(void *ctx, uint32_t dir, __u64 *word, uint64_t off,
		       uint64_t val, const struct ipcsvc_deadline *d)
{
	struct ipcsvc_module_ctx *mc = ctx;
	struct ipcsvc_wait w = {
		.size = sizeof(w),
		.handle = mc->handle,
		.dir = dir,
		.offset = off,
		.value = val,
	};

	w.timeout = ipcsvc__module_wait_timeout(d, d->forever ? 0 :
						ipcsvc__now_ns(), &w.flags);
	(void)word;
	if (ioctl(mc->fd, IPCSVC_IOC_WAIT, &w) == 0)
		return 0;
	/* -ETIMEDOUT, -EPIPE, ... The module restarts these waits after a
	 * signal handler with SA_RESTART; one without it still gives
	 * -EINTR, and the engine then looks again and waits on. */
	return -errno;
}

static int module_wake(void *ctx, uint32_t dir, __u64 *word, uint64_t off)
{
	struct ipcsvc_module_ctx *mc = ctx;
	struct ipcsvc_wake w = {
		.size = sizeof(w),
		.handle = mc->handle,
		.dir = dir,
	};

	(void)word;
	(void)off;
	/* -EPIPE: nobody left to wake; the engine ignores the result. */
	return ioctl(mc->fd, IPCSVC_IOC_WAKE, &w) ? -errno : 0;
}

static int module_grow(void *ctx, struct ipcsvc_area_identity *id,
		       uint64_t new_size)
{
	struct ipcsvc_module_ctx *mc = ctx;
	struct ipcsvc_grow g = {
		.size = sizeof(g),
		.handle = mc->handle,
		.new_size = new_size,
	};

	if (ioctl(mc->fd, IPCSVC_IOC_GROW, &g)) {
		int err = errno;

		/* The engine asks no more than the identity's max_size:
		 * a refusal other than these (-EFBIG) is a module at odds
		 * with what it said. -EBADSLT: the handle was closed
		 * behind the library's back (IPCSVC_IOC_CLOSE on it). */
		return err == EDQUOT || err == ENOMEM || err == EPIPE ||
		       err == EBADSLT ? -err : -EPROTO;
	}
	/* The module stores identity.size (in this area's identity, at its
	 * identity_offset) with release before returning: pairs with this
	 * acquire; the new pages are faultable by now. */
	if (LOAD_ACQUIRE(&id->size) < new_size)
		return -EPROTO;
	return 0;
}

const struct ipcsvc_wait_ops ipcsvc__module_ops = {
	.name = "module",
	.wait = module_wait,
	.wake = module_wake,
	.grow = module_grow,
	.map_data = ipcsvc__module_map_data,
};
