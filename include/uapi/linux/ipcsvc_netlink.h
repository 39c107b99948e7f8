/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipcsvc introspection: the generic netlink family "ipcsvc".
 *
 * Described by Documentation/netlink/specs/ipcsvc.yaml, explained in
 * Documentation/netlink.md. It is separate from the device ABI
 * (linux/ipcsvc.h) and versioned on its own: attributes and commands are
 * only ever added, so a reader must skip attributes it does not know.
 *
 * A caller sees only its own IPC namespace, and in it only what the rules
 * of Documentation/netlink.md ("Who sees what") let it see. Pids are
 * reported in the caller's pid namespace (0 when not visible there, or the
 * process has exited), uids and gids in its user namespace.
 */
#ifndef _UAPI_LINUX_IPCSVC_NETLINK_H
#define _UAPI_LINUX_IPCSVC_NETLINK_H

#define IPCSVC_GENL_NAME	"ipcsvc"
#define IPCSVC_GENL_VERSION	1

/* Why a service was removed or a channel closed (attribute "reason"). */
enum ipcsvc_reason {
	IPCSVC_REASON_CLOSED = 1,	/* its handle or port was closed */
	IPCSVC_REASON_PROCESS_DIED,	/* released by its process's exit */
	IPCSVC_REASON_SERVICE_GONE,	/* unaccepted, dropped with its service */
	IPCSVC_REASON_BROKEN,		/* closed after a side marked it broken */
};

/* Which end of a channel (attribute "closed-by"). */
enum ipcsvc_side {
	IPCSVC_SIDE_CLIENT_END = 1,
	IPCSVC_SIDE_SERVER_END,
};

enum {
	IPCSVC_A_SERVICE_ID = 1,	/* u64, unique for the module's life */
	IPCSVC_A_SERVICE_NAME,		/* string, the protocol name */
	IPCSVC_A_SERVICE_VERSION,	/* u64, protocol version */
	IPCSVC_A_SERVICE_UID,		/* u32, owner (creator's fsuid) */
	IPCSVC_A_SERVICE_GID,		/* u32, owner group */
	IPCSVC_A_SERVICE_MODE,		/* u32, permission bits */
	IPCSVC_A_SERVICE_PID,		/* u32, the creating process */
	IPCSVC_A_SERVICE_CONNECTIONS,	/* u32, channels with an open server end */
	IPCSVC_A_SERVICE_PENDING,	/* u32, of those, not yet accepted */
	IPCSVC_A_SERVICE_MAX_CONNECTIONS, /* u32 */
	IPCSVC_A_SERVICE_MAX_PENDING,	/* u32 */
	IPCSVC_A_SERVICE_MAX_TO_SERVER,	/* u64, data bytes per area */
	IPCSVC_A_SERVICE_MAX_TO_CLIENT,	/* u64 */
	IPCSVC_A_SERVICE_CTIME,		/* u64, creation, ns since the epoch */
	IPCSVC_A_SERVICE_REASON,	/* u32, enum ipcsvc_reason (removal) */
	IPCSVC_A_SERVICE_PAD,

	__IPCSVC_A_SERVICE_MAX,
	IPCSVC_A_SERVICE_MAX = (__IPCSVC_A_SERVICE_MAX - 1)
};

/* One direction of a channel, nested in IPCSVC_A_CHANNEL_TO_*. */
enum {
	IPCSVC_A_DIR_MAX_SIZE = 1,	/* u64, data bytes it may grow to */
	IPCSVC_A_DIR_COMMITTED,		/* u64, data bytes committed */
	IPCSVC_A_DIR_MESSAGES,		/* u64, published, not yet released */
	IPCSVC_A_DIR_BYTES,		/* u64, ring bytes from head to tail */
	IPCSVC_A_DIR_PRODUCER_WAITERS,	/* u32, as the producer announces */
	IPCSVC_A_DIR_CONSUMER_WAITERS,	/* u32, as the consumer announces */
	IPCSVC_A_DIR_PRODUCER_SLEEPERS,	/* u32, threads in WAIT for space */
	IPCSVC_A_DIR_CONSUMER_SLEEPERS,	/* u32, threads in WAIT for data */
	IPCSVC_A_DIR_PRODUCER_BROKEN,	/* flag, the producer gave up */
	IPCSVC_A_DIR_CONSUMER_BROKEN,	/* flag, the consumer gave up */
	IPCSVC_A_DIR_INVALID,		/* flag, the shared words are corrupt */
	IPCSVC_A_DIR_REVOKED,		/* flag, its data pages were taken back */
	IPCSVC_A_DIR_PAD,

	__IPCSVC_A_DIR_MAX,
	IPCSVC_A_DIR_MAX = (__IPCSVC_A_DIR_MAX - 1)
};

enum {
	IPCSVC_A_CHANNEL_ID = 1,	/* u64, unique for the module's life */
	IPCSVC_A_CHANNEL_SERVICE_ID,	/* u64 */
	IPCSVC_A_CHANNEL_SERVICE_NAME,	/* string */
	IPCSVC_A_CHANNEL_VERSION,	/* u64, protocol version */
	IPCSVC_A_CHANNEL_CLIENT_PID,	/* u32 */
	IPCSVC_A_CHANNEL_CLIENT_UID,	/* u32, euid at connect */
	IPCSVC_A_CHANNEL_CLIENT_GID,	/* u32 */
	IPCSVC_A_CHANNEL_SERVER_PID,	/* u32 */
	IPCSVC_A_CHANNEL_SERVER_UID,	/* u32, euid at service creation */
	IPCSVC_A_CHANNEL_SERVER_GID,	/* u32 */
	IPCSVC_A_CHANNEL_CLIENT_CLOSED,	/* flag, the client end is closed */
	IPCSVC_A_CHANNEL_SERVER_CLOSED,	/* flag, the server end is closed */
	IPCSVC_A_CHANNEL_TO_SERVER,	/* nest, IPCSVC_A_DIR_* */
	IPCSVC_A_CHANNEL_TO_CLIENT,	/* nest, IPCSVC_A_DIR_* */
	IPCSVC_A_CHANNEL_REASON,	/* u32, enum ipcsvc_reason (close) */
	IPCSVC_A_CHANNEL_CLOSED_BY,	/* u32, enum ipcsvc_side (close) */
	IPCSVC_A_CHANNEL_CTIME,		/* u64, connect, ns since the epoch */
	IPCSVC_A_CHANNEL_PAD,

	__IPCSVC_A_CHANNEL_MAX,
	IPCSVC_A_CHANNEL_MAX = (__IPCSVC_A_CHANNEL_MAX - 1)
};

/* Connects refused, by errno, nested in IPCSVC_A_STATS_REFUSED. */
enum {
	IPCSVC_A_REFUSED_NOENT = 1,	/* u64, no such service */
	IPCSVC_A_REFUSED_ACCESS,	/* u64, the mode */
	IPCSVC_A_REFUSED_VERSION,	/* u64, another protocol version */
	IPCSVC_A_REFUSED_SIZE,		/* u64, buffer size above the maximum */
	IPCSVC_A_REFUSED_CONNECTIONS,	/* u64, max_connections reached */
	IPCSVC_A_REFUSED_BACKLOG,	/* u64, max_pending reached */
	IPCSVC_A_REFUSED_QUOTA,		/* u64, a per-user limit */
	IPCSVC_A_REFUSED_HANDLES,	/* u64, the client's handle table */
	IPCSVC_A_REFUSED_GONE,		/* u64, the service went away */
	IPCSVC_A_REFUSED_NOMEM,		/* u64 */
	IPCSVC_A_REFUSED_PAD,

	__IPCSVC_A_REFUSED_MAX,
	IPCSVC_A_REFUSED_MAX = (__IPCSVC_A_REFUSED_MAX - 1)
};

enum {
	IPCSVC_A_STATS_PORTS = 1,	/* u32, open ports */
	IPCSVC_A_STATS_SERVICES,	/* u32, registered services */
	IPCSVC_A_STATS_CHANNELS,	/* u32, channels not yet freed */
	IPCSVC_A_STATS_COMMITTED,	/* u64, bytes charged: headers, data */
	IPCSVC_A_STATS_EVENTS,		/* u64, events raised on ports */
	IPCSVC_A_STATS_WAITS,		/* u64, WAIT calls that slept */
	IPCSVC_A_STATS_WAKES,		/* u64, WAKE calls */
	IPCSVC_A_STATS_CONNECTS,	/* u64, connects that succeeded */
	IPCSVC_A_STATS_REFUSED,		/* nest, IPCSVC_A_REFUSED_* */
	IPCSVC_A_STATS_MONITORS,	/* u32, monitor subscriptions */
	IPCSVC_A_STATS_PAD,

	__IPCSVC_A_STATS_MAX,
	IPCSVC_A_STATS_MAX = (__IPCSVC_A_STATS_MAX - 1)
};

/* One charged user (user-get). */
enum {
	IPCSVC_A_USER_UID = 1,		/* u32 */
	IPCSVC_A_USER_SERVICES,		/* u32 */
	IPCSVC_A_USER_CHANNELS,		/* u32 */
	IPCSVC_A_USER_BYTES,		/* u64, committed bytes charged */
	IPCSVC_A_USER_PAD,

	__IPCSVC_A_USER_MAX,
	IPCSVC_A_USER_MAX = (__IPCSVC_A_USER_MAX - 1)
};

/* A monitor's lost events (MONITOR_LOST_NTF). */
enum {
	IPCSVC_A_MONITOR_LOST = 1,	/* u64, events not delivered so far */
	IPCSVC_A_MONITOR_PAD,

	__IPCSVC_A_MONITOR_MAX,
	IPCSVC_A_MONITOR_MAX = (__IPCSVC_A_MONITOR_MAX - 1)
};

enum {
	IPCSVC_CMD_SERVICE_GET = 1,	/* do (by name), dump */
	IPCSVC_CMD_CHANNEL_GET,		/* do (by id), dump (filter: service) */
	IPCSVC_CMD_STATS_GET,		/* do */
	IPCSVC_CMD_USER_GET,		/* dump */
	IPCSVC_CMD_MONITOR,		/* do: this socket receives the events */
	/* Events, sent only to monitoring sockets. */
	IPCSVC_CMD_SERVICE_ADD_NTF,
	IPCSVC_CMD_SERVICE_DEL_NTF,
	IPCSVC_CMD_CHANNEL_ADD_NTF,
	IPCSVC_CMD_CHANNEL_DEL_NTF,
	IPCSVC_CMD_MONITOR_LOST_NTF,

	__IPCSVC_CMD_MAX,
	IPCSVC_CMD_MAX = (__IPCSVC_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_IPCSVC_NETLINK_H */
