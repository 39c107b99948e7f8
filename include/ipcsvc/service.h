/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc services and connections: the part of the library that talks to
 * the module (/dev/ipcsvc).
 *
 * A server creates a service on a port, waits for events on the port and
 * accepts each ServiceConnected event as a connection. A client connects to
 * a service by name, version and buffer sizes. A connection owns the two
 * mapped buffer areas of one channel end and a queue engine channel over
 * them (ipcsvc_conn_channel()), which sleeps and wakes through the module.
 * Services and connections keep their port alive: the port's fd is closed
 * when the port and everything made through it are closed.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_SERVICE_H
#define IPCSVC_SERVICE_H

#include <stdint.h>
#include <linux/ipcsvc.h>

#include <ipcsvc/api.h>
#include <ipcsvc/channel.h>
#include <ipcsvc/mailbox.h>
#include <ipcsvc/timeout.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ipcsvc_port;
struct ipcsvc_service;
struct ipcsvc_conn;

/*
 * Events
 * ======
 * What the module reports on a port: a client connected to a service, a
 * channel became readable or writable (armed with ipcsvc_conn_arm()), the
 * peer closed, the service went away. The fields are fixed-width, so an
 * event says the same on every word size.
 */

/**
 * struct ipcsvc_port_event - one event of a port
 * @type:	IPC_MSG_SERVICE_CONNECTED, IPC_MSG_CHANNEL_READABLE,
 *		IPC_MSG_CHANNEL_WRITABLE, IPC_MSG_PEER_CLOSED or
 *		IPC_MSG_SERVICE_GONE (enum ipc_msg_type)
 * @handle:	the service (SERVICE_CONNECTED) or the channel end the event
 *		is about
 * @channel:	SERVICE_CONNECTED: the new channel's handle, to accept; else 0
 * @pid:	SERVICE_CONNECTED: the client's pid in the port's pid
 *		namespace (0 if it has none there); else 0
 * @uid:	SERVICE_CONNECTED: the client's uid, as the port's user
 *		namespace sees it; else 0
 * @gid:	the same for the gid
 * @cookie:	the cookie of the service or connection @handle names
 *		(ipcsvc_service_set_cookie(), ipcsvc_conn_set_cookie()), or
 *		NULL if none is set or it was closed meanwhile
 */
struct ipcsvc_port_event {
	uint32_t type;
	uint32_t handle;
	uint32_t channel;
	uint32_t pid;
	uint32_t uid;
	uint32_t gid;
	void *cookie;
};

/*
 * Read one pending event without waiting: 0, or -EAGAIN when none is
 * pending. One read() of the port fd takes up to 32 pending events, and
 * the next calls return them without one; closing a handle through the
 * library drops those of its events, as the module does. The port's fd is
 * O_NONBLOCK for this (a read() of a blocking port fd sleeps until an
 * event comes): do not clear the flag.
 */
IPCSVC_API int ipcsvc_port_read_event(struct ipcsvc_port *port,
				      struct ipcsvc_port_event *ev);

/*
 * Read up to @max pending events into @evs without waiting: how many (0
 * when none is pending), or a negative errno. Fewer than @max means that
 * none was left: an event loop in its own poll() or epoll set (edge- or
 * level-triggered) goes back to waiting, at one read() per wake-up. The
 * events stay as read: one that closes a handle makes the later events of
 * the batch naming it stale.
 */
IPCSVC_API int ipcsvc_port_read_events(struct ipcsvc_port *port,
				       struct ipcsvc_port_event *evs,
				       unsigned int max);

/*
 * Wait until @timeout for an event on any handle of the port and read it:
 * 0, or -ETIMEDOUT when none came.
 */
IPCSVC_API int ipcsvc_port_wait_event(struct ipcsvc_port *port,
				      struct ipcsvc_port_event *ev,
				      ipcsvc_timeout_t timeout);

/*
 * Services
 * ========
 */

/*
 * Create the service @name (1..64 bytes of UTF-8) speaking protocol
 * @version. @mode: who may connect, like a Unix socket's permission bits.
 * The service takes the module's default limits (see
 * struct ipcsvc_service_attr).
 */
IPCSVC_API int ipcsvc_service_create(struct ipcsvc_port *port,
				     const char *name, uint64_t version,
				     uint32_t mode,
				     struct ipcsvc_service **svcp);

/**
 * struct ipcsvc_service_attr - limits of a service
 * @max_to_server:	the largest data region of a client-to-server area,
 *			in bytes, rounded up to a page multiple; 0:
 *			IPCSVC_DEFAULT_BUFFER_SIZE (1 MiB), or the module's
 *			max_buffer_size if that is smaller. At most
 *			IPCSVC_AREA_MAX_SIZE_LIMIT (2 GiB) and the module's
 *			max_buffer_size.
 * @max_to_client:	the same for server-to-client areas
 * @max_connections:	connections whose server end is open, at most;
 *			0: IPCSVC_DEFAULT_MAX_CONNECTIONS (1024). A connect
 *			beyond it fails with -EUSERS.
 * @max_pending:	of those, connections whose ServiceConnected event
 *			the server has not read yet, at most; 0:
 *			IPCSVC_DEFAULT_MAX_PENDING (128), or @max_connections
 *			if that is smaller. At most @max_connections. A
 *			connect beyond it fails with -EAGAIN.
 */
struct ipcsvc_service_attr {
	uint64_t max_to_server;
	uint64_t max_to_client;
	uint32_t max_connections;
	uint32_t max_pending;
};

/*
 * ipcsvc_service_create() with limits: @attr NULL (or all zero) means the
 * defaults. Clients ask for at most these buffer sizes (0: all of them).
 */
IPCSVC_API int ipcsvc_service_create_attr(struct ipcsvc_port *port,
					  const char *name, uint64_t version,
					  uint32_t mode,
					  const struct ipcsvc_service_attr *attr,
					  struct ipcsvc_service **svcp);

/*
 * Attach @cookie to the service: every event about it (ServiceConnected)
 * carries it, as epoll_data does, so a server needs no table of its own.
 * NULL clears it.
 */
IPCSVC_API int ipcsvc_service_set_cookie(struct ipcsvc_service *svc,
					 void *cookie);

/* The service's cookie, or NULL. */
IPCSVC_API void *ipcsvc_service_cookie(const struct ipcsvc_service *svc);

/* Remove the service. Connections accepted from it stay open. */
IPCSVC_API int ipcsvc_service_close(struct ipcsvc_service *svc);

/* The service's handle, as events name it (ipcsvc_port_event.handle). */
IPCSVC_API int ipcsvc_service_handle(const struct ipcsvc_service *svc);

/* The fd of the service's port, for the caller's own poll/epoll loop. */
IPCSVC_API int ipcsvc_service_fd(const struct ipcsvc_service *svc);

/*
 * Accept the connection a ServiceConnected event @ev of this service
 * announced: map its areas and open a channel over them. @attr (may be
 * NULL) sets the channel's waiting policy.
 */
IPCSVC_API int ipcsvc_service_accept(struct ipcsvc_service *svc,
				     const struct ipcsvc_port_event *ev,
				     const struct ipcsvc_channel_attr *attr,
				     struct ipcsvc_conn **connp);

/* Refuse the connection a ServiceConnected event announced. */
IPCSVC_API int ipcsvc_service_reject(struct ipcsvc_service *svc,
				     const struct ipcsvc_port_event *ev);

/*
 * Clients
 * =======
 *
 * Connect to the service @name speaking @version. @max_send (client to
 * server) and @max_recv (server to client) are the largest data regions
 * of the two directions, in bytes, rounded up to pages: 0 asks for the
 * service's maximum, more than the service's maximum fails with
 * -EMSGSIZE. Each area starts with nothing committed and grows by itself:
 * the sender's first message commits a page, and allocation grows the
 * area whenever the ring is too small, up to the maximum. Nothing needs
 * ipcsvc_channel_grow() unless the channel was opened with
 * IPCSVC_CHANNEL_NO_AUTOGROW in @attr.
 */
IPCSVC_API int ipcsvc_client_connect(struct ipcsvc_port *port,
				     const char *name, uint64_t version,
				     uint64_t max_send, uint64_t max_recv,
				     const struct ipcsvc_channel_attr *attr,
				     struct ipcsvc_conn **connp);

/*
 * Connections (both sides)
 * ========================
 */

/*
 * Close the connection: the peer gets PeerClosed and its blocked calls
 * return -EPIPE. Messages still held from ipcsvc_conn_channel() become
 * invalid. NULL is accepted.
 */
IPCSVC_API int ipcsvc_conn_close(struct ipcsvc_conn *conn);

/* The queue engine channel: send and receive with ipcsvc_channel_*(). */
IPCSVC_API struct ipcsvc_channel *ipcsvc_conn_channel(struct ipcsvc_conn *conn);

/*
 * Attach @cookie to the connection: every event about its channel end
 * carries it. NULL clears it.
 */
IPCSVC_API int ipcsvc_conn_set_cookie(struct ipcsvc_conn *conn, void *cookie);

/* The connection's cookie, or NULL. */
IPCSVC_API void *ipcsvc_conn_cookie(const struct ipcsvc_conn *conn);

/* The connection's channel handle, as events name it. */
IPCSVC_API int ipcsvc_conn_handle(const struct ipcsvc_conn *conn);

/* The fd of the connection's port, for the caller's own poll/epoll loop. */
IPCSVC_API int ipcsvc_conn_fd(const struct ipcsvc_conn *conn);

/* The peer's pid, uid and gid at connect time, and the protocol version. */
IPCSVC_API int ipcsvc_conn_peer_creds(struct ipcsvc_conn *conn,
				      struct ipcsvc_peer_creds *pc);

/*
 * A pidfd (pidfd_open(2), close-on-exec) for the peer process: the client
 * for a server, the service's creator for a client. -ESRCH once that
 * process has exited or is not visible in the port's pid namespace, even
 * if its pid has been given to another process since.
 */
IPCSVC_API int ipcsvc_conn_peer_pidfd(struct ipcsvc_conn *conn);

/*
 * Ask for one ChannelReadable (@dir IPCSVC_DIR_RX: the peer published
 * messages not yet released here; at once if there are some already) or
 * ChannelWritable (IPCSVC_DIR_TX: the peer's first release after the
 * arming; try allocating once more after arming, as an earlier release
 * does not count) event on the port. Arm again after each event.
 */
IPCSVC_API int ipcsvc_conn_arm(struct ipcsvc_conn *conn, uint32_t dir);

/* Sync calls over a connection's channel: <ipcsvc/call.h>. */

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_SERVICE_H */
