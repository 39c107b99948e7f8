// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error messages in the product's words.
 *
 * The library reports errno values, but strerror() words them for files
 * and devices: a full mailbox would be "No space left on device" and a
 * message with too many objects "Argument list too long". These say what
 * the value means in a libipcsvc call (Documentation/abi.md section 2.1
 * for the module's, Documentation/library.md for the library's).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ipcsvc/ipcsvc.h"

static const struct {
	int err;
	const char *msg;
} messages[] = {
	{ EAGAIN, "nothing to receive, no room to send, or the service's backlog of unaccepted connections is full; try again" },
	{ ETIMEDOUT, "timed out" },
	{ EPIPE, "the peer closed the channel, or its area was revoked" },
	{ EBADMSG, "the peer broke the queue protocol; the channel direction is broken" },
	{ EPROTO, "protocol error: a message breaks the call convention or its protocol, or the module's layout is not the library's" },
	{ EBADRQC, "the protocol has no call or event of that ordinal" },
	{ ENOSYS, "the server has no handler for that call" },
	{ EMSGSIZE, "message or buffer larger than the maximum allowed" },
	{ EFBIG, "the buffer area cannot grow past its maximum size" },
	{ E2BIG, "more objects than the message was allocated for" },
	{ ENOSPC, "the port's handle table is full" },
	{ ENOBUFS, "too many received messages are held unreleased" },
	{ EBUSY, "NoQueue send, and the queue is not empty" },
	{ EINVAL, "invalid argument" },
	{ EINTR, "interrupted by a signal" },
	{ ENOMEM, "out of memory" },
	{ EDQUOT, "the user's ipcsvc limit (services, channels or bytes) is reached" },
	{ EBADSLT, "no such handle in this port" },
	{ EPROTOTYPE, "the handle is of the wrong kind for this call" },
	{ ENOENT, "no service of that name (or no /dev/ipcsvc: is the module loaded?)" },
	{ EADDRINUSE, "a service of that name already exists" },
	{ EACCES, "the service's mode does not allow this user to connect" },
	{ EPROTONOSUPPORT, "the service speaks another protocol version" },
	{ EUSERS, "the service has as many connections as it allows" },
	{ ECONNREFUSED, "the service went away or could not take the connection" },
	{ ESRCH, "the peer process has exited" },
	{ EPERM, "not permitted (a module-less area's memfd must be sealed against shrinking)" },
	{ EBADF, "bad file descriptor" },
	{ ENOTTY, "not an ipcsvc device, or the module does not know this request" },
};

const char *ipcsvc_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].err == err)
			return messages[i].msg;
	/* Not one of ours: the system's words, which are then the right ones. */
	return strerror(err);
}
