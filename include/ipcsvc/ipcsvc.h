/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc: userspace half of ipcsvc.
 *
 * Conventions, for every function in this library:
 *  - functions return 0 (or a non-negative count) on success and a negative
 *    errno value on failure; they never set errno as their way of reporting;
 *  - names are ipcsvc_<object>_<verb>;
 *  - nothing blocks past the timeout it is given.
 */
#ifndef IPCSVC_IPCSVC_H
#define IPCSVC_IPCSVC_H

#include <stdint.h>
#include <linux/ipcsvc.h>

#include <ipcsvc/api.h>
#include <ipcsvc/call.h>
#include <ipcsvc/channel.h>
#include <ipcsvc/mailbox.h>
#include <ipcsvc/service.h>
#include <ipcsvc/timeout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's release, "major.minor.patch", from the VERSION file. */
IPCSVC_API const char *ipcsvc_library_version(void);

/*
 * What an error value means, in the product's words: @err is a negative
 * errno value as the library's calls return them (a positive errno value,
 * as in errno, is taken too; 0 is "success"). strerror() words them for
 * files and devices: "No space left on device" for a full handle table.
 * Never NULL; the string is static.
 */
IPCSVC_API const char *ipcsvc_strerror(int err);

/* A handle on one open of /dev/ipcsvc. */
struct ipcsvc_port;

/*
 * Open a port on the device at @path (NULL: "/dev/ipcsvc"). On success
 * *@portp owns an fd that is close-on-exec and non-blocking (O_NONBLOCK:
 * ipcsvc_port_read_event() relies on it; wait with poll() or
 * ipcsvc_port_wait_event()).
 */
IPCSVC_API int ipcsvc_port_open(const char *path, struct ipcsvc_port **portp);

/*
 * Close a port. Services and connections made through it keep it open
 * until they are closed too; the fd is closed with the last of them.
 * NULL is accepted.
 */
IPCSVC_API void ipcsvc_port_close(struct ipcsvc_port *port);

/* The port's fd, for the caller's own poll/epoll loop. */
IPCSVC_API int ipcsvc_port_fd(const struct ipcsvc_port *port);

/* Ask the module for its version. */
IPCSVC_API int ipcsvc_port_version(struct ipcsvc_port *port,
				  struct ipcsvc_version *v);

/*
 * Let the port hold up to @max handles (each service and connection is
 * one): a server with many clients raises its own limit, from the module's
 * max_handles parameter (4096 by default) up to its max_handles_cap
 * (65536). 0, or -EINVAL for 0 or a value above the cap. A limit below
 * the handles held closes none; new ones fail until there is room.
 */
IPCSVC_API int ipcsvc_port_set_max_handles(struct ipcsvc_port *port,
					   uint32_t max);

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_IPCSVC_H */
