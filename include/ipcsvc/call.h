/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc calls: requests, replies and their correlation over a channel.
 *
 * The call convention (Documentation/abi.md, section 9): a request's
 * MessageId is the method's ordinal, and its first object is the call
 * header, which carries the call's correlation id and the caller's
 * deadline. The reply has the request's MessageId and starts with a call
 * header too, echoing the correlation id and carrying the call's status.
 * The arguments (or results) follow, one object each, with ObjectIds 1,
 * 2, ... in order. A message that starts with no call header, an event,
 * is not a reply to anything.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_CALL_H
#define IPCSVC_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include <ipcsvc/api.h>
#include <ipcsvc/channel.h>
#include <ipcsvc/timeout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ObjectId of the call header: first in every request and reply. */
#define IPCSVC_CALL_HEADER_ID	0xca11ca11ca11ca11ULL
/* A request's deadline when the caller waits without limit. */
#define IPCSVC_CALL_NO_DEADLINE	INT64_MAX
/* The most negative status a reply may carry (-MAX_ERRNO). */
#define IPCSVC_CALL_STATUS_MIN	(-4095)

/**
 * struct ipcsvc_call_header - the data of a call's first object
 * @id:		correlation id, chosen by the caller; the reply echoes it
 * @deadline:	the caller's deadline, CLOCK_MONOTONIC in nanoseconds, or
 *		IPCSVC_CALL_NO_DEADLINE; the reply echoes it
 * @status:	request: 0; reply: 0, or a negative errno value with which
 *		the server refused or failed the call
 */
struct ipcsvc_call_header {
	uint64_t id;
	int64_t deadline;
	int64_t status;
};

/* Bytes of the call header's data: what a request or reply adds to the
 * payload of its arguments, in one object more. */
#define IPCSVC_CALL_HEADER_SIZE	((uint64_t)sizeof(struct ipcsvc_call_header))

/*
 * Client side
 * ===========
 */

/*
 * Allocate a request of method @method (its MessageId) with room for up
 * to @object_count argument objects holding @size bytes between them, and
 * write its call header: a new correlation id and the deadline @timeout
 * names (a relative timeout counts from now). The allocation waits for
 * room until that same deadline. Fill the request with
 * ipcsvc_msg_add_object() (ObjectIds 1, 2, ...), then pass it to
 * ipcsvc_channel_call(), or to ipcsvc_channel_send() if no reply is
 * wanted.
 */
IPCSVC_API int ipcsvc_call_allocate(struct ipcsvc_channel *ch, uint64_t method,
				    uint64_t size, uint64_t object_count,
				    struct ipcsvc_msg **reqp,
				    ipcsvc_timeout_t timeout);

/*
 * Send the request @req, whose first object is a call header (from
 * ipcsvc_call_allocate(), or written by the caller), and wait until
 * @timeout (a relative one counts from the send) for the reply: the next
 * received message whose call header carries the request's correlation
 * id. Any number of threads may have calls outstanding on one channel; a
 * reply is handed to the call that waits for it whichever thread
 * receives it. A reply with a non-zero
 * status is released and its status returned. Received replies that no
 * call waits for (late replies to calls that timed out) are dropped;
 * received messages that are not replies (events) are kept, in order,
 * for ipcsvc_call_receive_event(). The reply *@replyp is released by the
 * caller with ipcsvc_channel_release(). -ETIMEDOUT when @timeout passed,
 * -EPIPE when the peer closed the channel.
 */
IPCSVC_API int ipcsvc_channel_call(struct ipcsvc_channel *ch,
				   struct ipcsvc_msg *req,
				   struct ipcsvc_msg **replyp,
				   ipcsvc_timeout_t timeout);

/*
 * Receive the next message of @ch that is not a reply, waiting until
 * @timeout: one kept by the calls, or one received now. Replies received
 * meanwhile are handed to their calls. On a channel where calls are made,
 * use this instead of ipcsvc_channel_receive*(), which would take replies
 * from under the calls.
 */
IPCSVC_API int ipcsvc_call_receive_event(struct ipcsvc_channel *ch,
					 struct ipcsvc_msg **msgp,
					 ipcsvc_timeout_t timeout);

/*
 * Both sides
 * ==========
 */

/*
 * Read the call header of @msg, a received request or reply (or one being
 * written): 0, or -EPROTO if its first object is not a call header.
 */
IPCSVC_API int ipcsvc_call_header(const struct ipcsvc_msg *msg,
				  struct ipcsvc_call_header *hdr);

/* The caller's deadline in @hdr, as a timeout for the server's own waits. */
static inline ipcsvc_timeout_t
ipcsvc_call_deadline(const struct ipcsvc_call_header *hdr)
{
	return hdr->deadline == IPCSVC_CALL_NO_DEADLINE ?
	       ipcsvc_timeout_never() : ipcsvc_timeout_at(hdr->deadline);
}

/* Has the caller's deadline in @hdr passed? */
static inline bool ipcsvc_call_expired(const struct ipcsvc_call_header *hdr)
{
	return hdr->deadline != IPCSVC_CALL_NO_DEADLINE &&
	       ipcsvc_clock_now() >= hdr->deadline;
}

/*
 * Server side
 * ===========
 */

/*
 * Allocate on @ch the reply to the received request @req, with room for
 * up to @object_count result objects holding @size bytes between them:
 * its MessageId is the request's, and its call header echoes the
 * request's correlation id and deadline with status 0. Waits for room
 * until @timeout. Fill it (ObjectIds 1, 2, ...) and send it with
 * ipcsvc_channel_send(). -EPROTO if @req has no call header.
 */
IPCSVC_API int ipcsvc_call_allocate_reply(struct ipcsvc_channel *ch,
					  const struct ipcsvc_msg *req,
					  uint64_t size, uint64_t object_count,
					  struct ipcsvc_msg **replyp,
					  ipcsvc_timeout_t timeout);

/*
 * Answer the received request @req with @status, a negative errno value
 * at least IPCSVC_CALL_STATUS_MIN, and no results: the caller's
 * ipcsvc_channel_call() returns @status. For example -ETIMEDOUT for a
 * request whose deadline passed before the server took it
 * (ipcsvc_call_expired()), -EPROTO for one that breaks the protocol.
 * Waits for room until @timeout. The request stays the caller's to release.
 */
IPCSVC_API int ipcsvc_call_fail(struct ipcsvc_channel *ch,
				const struct ipcsvc_msg *req, int status,
				ipcsvc_timeout_t timeout);

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_CALL_H */
