/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Messages of the library selftests (lib_service_test.c, lib_peer_test.c):
 * payloads of a seeded pattern (tests/lib/pattern.h), sent with an id and
 * checked on arrival, and an echo that sends a message back as it came.
 */
#ifndef IPCSVC_LIB_MSGS_H
#define IPCSVC_LIB_MSGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "../lib/pattern.h"

#define SEC	1000000000LL
#define LONG	(20 * SEC)	/* an upper bound for things that must happen */

static inline uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * A message of one object: @len pattern bytes from @seed. @timeout 0: do
 * not wait (FULL is -EAGAIN), else wait that long (-ETIMEDOUT). With @mp,
 * a call's request, which the caller sends: its call header comes first.
 */
static inline int send_msg(struct ipcsvc_channel *ch, uint64_t id, size_t len,
		    uint64_t seed, int64_t timeout, struct ipcsvc_msg **mp)
{
	struct ipcsvc_msg *m;
	void *p;
	int rc;

	if (mp)
		rc = ipcsvc_call_allocate(ch, id, len, 1, &m,
					  ipcsvc_timeout_ns(timeout));
	else if (timeout)
		rc = ipcsvc_channel_allocate_for_send_timeout(ch,
				len, id, 1, 0, &m, ipcsvc_timeout_ns(timeout));
	else
		rc = ipcsvc_channel_allocate_for_send(ch,
				len, id, 1, 0, &m);
	if (rc)
		return rc;
	rc = ipcsvc_msg_reserve_object(m, seed, len, &p);
	if (rc)
		return rc;
	pattern(p, len, seed);
	if (mp) {	/* for ipcsvc_channel_call() */
		*mp = m;
		return 0;
	}
	return ipcsvc_channel_send(ch, m);
}

/*
 * Check a received message: id, one object of @len pattern bytes, after
 * the call header of a request or reply.
 */
static inline int msg_ok(const struct ipcsvc_msg *m, uint64_t id, size_t len)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;
	struct ipcsvc_call_header h;
	uint64_t count = ipcsvc_call_header(m, &h) ? 1 : 2;

	if (ipcsvc_msg_info(m, &info) || info.id != id ||
	    info.object_count != count)
		return 0;
	if (count == 2 && ipcsvc_msg_next_object(m, &o) != 1)
		return 0;
	if (ipcsvc_msg_next_object(m, &o) != 1 || o.length != len)
		return 0;
	return pattern_ok(o.data, len, o.id);
}

/*
 * Echo one received message back with the same id and contents: a request
 * in its reply.
 */
static inline int echo(struct ipcsvc_channel *ch, struct ipcsvc_msg *in)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg_info info;
	struct ipcsvc_call_header h;
	struct ipcsvc_msg *m;
	bool call = !ipcsvc_call_header(in, &h);
	int rc;

	rc = ipcsvc_msg_info(in, &info);
	if (!rc && call && ipcsvc_msg_next_object(in, &o) != 1)
		rc = -EBADMSG;
	if (!rc && ipcsvc_msg_next_object(in, &o) != 1)
		rc = -EBADMSG;
	if (!rc && call)
		rc = ipcsvc_call_allocate_reply(ch, in, o.length, 1, &m,
						ipcsvc_timeout_ns(LONG));
	else if (!rc)
		rc = ipcsvc_channel_allocate_for_send_timeout(ch,
				o.length, info.id, 1, 0,
				&m, ipcsvc_timeout_ns(LONG));
	if (!rc)
		rc = ipcsvc_msg_add_object(m, o.id, o.data, o.length);
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	ipcsvc_channel_release(ch, in);
	return rc;
}

#endif /* IPCSVC_LIB_MSGS_H */
