// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Services and connections over the module: create, connect, accept, map
 * the areas of a channel end and open a queue engine channel over them with
 * the module backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

struct ipcsvc_service {
	struct ipcsvc_port *port;	/* counted */
	uint32_t handle;
	void *cookie;			/* also in the port's table */
};

struct ipcsvc_conn {
	struct ipcsvc_port *port;	/* counted */
	struct ipcsvc_module_ctx mc;	/* the backend's, and its mappings */
	struct ipcsvc_channel *ch;
	void *cookie;			/* also in the port's table */
};

/* A name as the module wants it: 1..64 bytes, zero-padded. */
static int name_arg(const char *name, uint8_t out[IPCSVC_PROTOCOL_NAME_MAX],
		    uint32_t *lenp)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, IPCSVC_PROTOCOL_NAME_MAX + 1);
	if (len < 1 || len > IPCSVC_PROTOCOL_NAME_MAX)
		return -EINVAL;
	memset(out, 0, IPCSVC_PROTOCOL_NAME_MAX);
	memcpy(out, name, len);
	*lenp = (uint32_t)len;
	return 0;
}

int ipcsvc_service_create_attr(struct ipcsvc_port *port, const char *name,
			       uint64_t version, uint32_t mode,
			       const struct ipcsvc_service_attr *attr,
			       struct ipcsvc_service **svcp)
{
	struct ipcsvc_service_create c;
	struct ipcsvc_service *svc;
	int rc;

	if (!svcp)
		return -EINVAL;
	*svcp = NULL;
	if (!port || mode > 0777)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.mode = mode;
	c.version = version;
	rc = name_arg(name, c.name, &c.name_len);
	if (rc)
		return rc;
	if (attr) {
		/* The engine takes areas of up to 2 GiB: refuse a service
		 * whose connections it could not open, as the module
		 * refuses one above its max_buffer_size. */
		if (attr->max_to_server > IPCSVC_AREA_MAX_SIZE_LIMIT ||
		    attr->max_to_client > IPCSVC_AREA_MAX_SIZE_LIMIT)
			return -EMSGSIZE;
		c.max_to_server = attr->max_to_server;
		c.max_to_client = attr->max_to_client;
		c.max_connections = attr->max_connections;
		c.max_pending = attr->max_pending;
	}
	svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	if (ioctl(port->fd, IPCSVC_IOC_SERVICE_CREATE, &c)) {
		rc = -errno;
		free(svc);
		return rc;
	}
	ipcsvc__port_get(port);
	svc->port = port;
	svc->handle = c.handle;
	*svcp = svc;
	return 0;
}

int ipcsvc_service_create(struct ipcsvc_port *port, const char *name,
			  uint64_t version, uint32_t mode,
			  struct ipcsvc_service **svcp)
{
	return ipcsvc_service_create_attr(port, name, version, mode, NULL,
					  svcp);
}

int ipcsvc_service_close(struct ipcsvc_service *svc)
{
	int rc;

	if (!svc)
		return 0;
	/* before the handle: its number may be given out again at once */
	if (svc->cookie)
		ipcsvc__port_set_cookie(svc->port, svc->handle, NULL);
	rc = ipcsvc__port_close_handle(svc->port, svc->handle);
	ipcsvc__port_put(svc->port);
	free(svc);
	return rc;
}

int ipcsvc_service_set_cookie(struct ipcsvc_service *svc, void *cookie)
{
	int rc;

	if (!svc)
		return -EINVAL;
	rc = ipcsvc__port_set_cookie(svc->port, svc->handle, cookie);
	if (!rc)
		svc->cookie = cookie;
	return rc;
}

void *ipcsvc_service_cookie(const struct ipcsvc_service *svc)
{
	return svc ? svc->cookie : NULL;
}

int ipcsvc_service_handle(const struct ipcsvc_service *svc)
{
	return svc ? (int)svc->handle : -EINVAL;
}

int ipcsvc_service_fd(const struct ipcsvc_service *svc)
{
	return svc ? svc->port->fd : -EINVAL;
}

static void conn_free(struct ipcsvc_conn *conn)
{
	ipcsvc_channel_close(conn->ch);
	ipcsvc__module_unmap(&conn->mc);
	free(conn);
}

/*
 * Make a connection of the channel end @handle of @port. The handle is
 * closed on failure: nobody else knows of it.
 */
static int conn_open(struct ipcsvc_port *port, uint32_t handle,
		     const struct ipcsvc_channel_attr *attr,
		     struct ipcsvc_conn **connp)
{
	struct ipcsvc__area_view tx, rx;
	struct ipcsvc_conn *conn;
	int rc;

	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		rc = -ENOMEM;
		goto close_handle;
	}
	conn->mc.fd = port->fd;
	conn->mc.handle = handle;
	rc = ipcsvc__module_map(&conn->mc, &tx, &rx);
	/* Both areas start with nothing committed: the engine commits the
	 * first page of ours on the first send (or now, with
	 * IPCSVC_CHANNEL_NO_AUTOGROW), and maps the data regions then. */
	if (!rc)
		rc = ipcsvc__channel_open_views(&tx, &rx, attr,
						&ipcsvc__module_ops, &conn->mc,
						&conn->ch);
	if (rc) {
		conn_free(conn);
		/* Not a channel end of this port: it is not ours to close. */
		if (rc == -EBADSLT || rc == -EPROTOTYPE)
			return rc;
		goto close_handle;
	}
	ipcsvc__port_get(port);
	conn->port = port;
	*connp = conn;
	return 0;
close_handle:
	ipcsvc__port_close_handle(port, handle);
	return rc;
}

static int attr_check(const struct ipcsvc_channel_attr *attr)
{
	if (attr && (attr->size < sizeof(*attr) ||
		     (attr->flags & ~(uint32_t)IPCSVC_CHANNEL_FLAGS) ||
		     attr->wait_mode > IPCSVC_WAIT_SLEEP))
		return -EINVAL;
	return 0;
}

/* The channel handle a ServiceConnected event of @svc announces. */
static int connected_handle(const struct ipcsvc_service *svc,
			    const struct ipcsvc_port_event *ev,
			    uint32_t *handle)
{
	if (!svc || !ev)
		return -EINVAL;
	if (ev->type != IPC_MSG_SERVICE_CONNECTED ||
	    ev->handle != svc->handle || !ev->channel)
		return -EINVAL;
	*handle = ev->channel;
	return 0;
}

int ipcsvc_service_accept(struct ipcsvc_service *svc,
			  const struct ipcsvc_port_event *ev,
			  const struct ipcsvc_channel_attr *attr,
			  struct ipcsvc_conn **connp)
{
	uint32_t handle;
	int rc;

	if (!connp)
		return -EINVAL;
	*connp = NULL;
	rc = connected_handle(svc, ev, &handle);
	if (!rc)
		rc = attr_check(attr);
	if (rc)
		return rc;
	return conn_open(svc->port, handle, attr, connp);
}

int ipcsvc_service_reject(struct ipcsvc_service *svc,
			  const struct ipcsvc_port_event *ev)
{
	uint32_t handle;
	int rc = connected_handle(svc, ev, &handle);

	if (rc)
		return rc;
	/* A forged or corrupt event must not close the service itself;
	 * the module would say EPROTOTYPE of a channel call on it. */
	if (handle == svc->handle)
		return -EPROTOTYPE;
	return ipcsvc__port_close_handle(svc->port, handle);
}

int ipcsvc_client_connect(struct ipcsvc_port *port, const char *name,
			  uint64_t version, uint64_t max_send,
			  uint64_t max_recv,
			  const struct ipcsvc_channel_attr *attr,
			  struct ipcsvc_conn **connp)
{
	struct ipcsvc_connect c;
	int rc;

	if (!connp)
		return -EINVAL;
	*connp = NULL;
	if (!port)
		return -EINVAL;
	rc = attr_check(attr);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.version = version;
	c.max_to_server = max_send;
	c.max_to_client = max_recv;
	rc = name_arg(name, c.name, &c.name_len);
	if (rc)
		return rc;
	/* Beyond what the engine can open; see ipcsvc_service_create_attr() */
	if (max_send > IPCSVC_AREA_MAX_SIZE_LIMIT ||
	    max_recv > IPCSVC_AREA_MAX_SIZE_LIMIT)
		return -EMSGSIZE;
	if (ioctl(port->fd, IPCSVC_IOC_CONNECT, &c))
		return -errno;
	return conn_open(port, c.handle, attr, connp);
}

int ipcsvc_conn_close(struct ipcsvc_conn *conn)
{
	struct ipcsvc_port *port;
	int rc;

	if (!conn)
		return 0;
	port = conn->port;
	/* before the handle: its number may be given out again at once */
	if (conn->cookie)
		ipcsvc__port_set_cookie(port, conn->mc.handle, NULL);
	/* Closing the handle first ends every wait on it, here and in the
	 * peer, before the mappings go. */
	rc = ipcsvc__port_close_handle(port, conn->mc.handle);
	conn_free(conn);
	ipcsvc__port_put(port);
	return rc;
}

struct ipcsvc_channel *ipcsvc_conn_channel(struct ipcsvc_conn *conn)
{
	return conn ? conn->ch : NULL;
}

int ipcsvc_conn_set_cookie(struct ipcsvc_conn *conn, void *cookie)
{
	int rc;

	if (!conn)
		return -EINVAL;
	rc = ipcsvc__port_set_cookie(conn->port, conn->mc.handle, cookie);
	if (!rc)
		conn->cookie = cookie;
	return rc;
}

void *ipcsvc_conn_cookie(const struct ipcsvc_conn *conn)
{
	return conn ? conn->cookie : NULL;
}

int ipcsvc_conn_handle(const struct ipcsvc_conn *conn)
{
	return conn ? (int)conn->mc.handle : -EINVAL;
}

int ipcsvc_conn_fd(const struct ipcsvc_conn *conn)
{
	return conn ? conn->port->fd : -EINVAL;
}

int ipcsvc_conn_peer_creds(struct ipcsvc_conn *conn,
			   struct ipcsvc_peer_creds *pc)
{
	if (!conn || !pc)
		return -EINVAL;
	memset(pc, 0, sizeof(*pc));
	pc->size = sizeof(*pc);
	pc->handle = conn->mc.handle;
	if (ioctl(conn->port->fd, IPCSVC_IOC_PEER_CREDS, pc))
		return -errno;
	return 0;
}

/*
 * A pidfd for the peer process, without the race of opening a pid that
 * may have been reused: the module reports a non-zero pid only while the
 * peer's own process exists, and a pid cannot be given to another process
 * while its holder lives. So if the second look still reports the pid,
 * the pidfd opened between the two looks names the peer.
 */
int ipcsvc_conn_peer_pidfd(struct ipcsvc_conn *conn)
{
	struct ipcsvc_peer_creds before, after;
	int fd, rc;

	rc = ipcsvc_conn_peer_creds(conn, &before);
	if (rc)
		return rc;
	if (!before.pid)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)before.pid, 0);
	if (fd < 0)
		return -errno;
	rc = ipcsvc_conn_peer_creds(conn, &after);
	if (rc || after.pid != before.pid) {
		close(fd);
		return rc ? rc : -ESRCH;
	}
	return fd;
}

/*
 * The peer's engine makes a wake call only when this side advertises a
 * waiter in its own words, and only a wake call fires an armed event. So
 * the first arm of a direction adds one waiter for good (until the
 * connection is closed); from then on the peer wakes after every publish
 * (RX) or release (TX). The increment comes before the module compares the
 * word, both seq_cst on our side, the Dekker pairing of the engine: either
 * the peer sees the waiter and wakes, or the module sees the new count and
 * fires at once.
 *
 * RX: the word is producer.published, the value the count of messages
 * released here: anything published beyond that fires the event. TX: the
 * word is consumer.consumed, the value its current count.
 */
int ipcsvc_conn_arm(struct ipcsvc_conn *conn, uint32_t dir)
{
	struct ipcsvc_arm a = { .size = sizeof(a) };
	uint64_t off, value;
	int rc;

	if (!conn || dir > IPCSVC_DIR_RX)
		return -EINVAL;
	a.handle = conn->mc.handle;
	a.dir = dir;
	/*
	 * The kernel counts the arming in the identity, where the peer looks
	 * after each message (armed_pending()), and fires at once if the
	 * peer's word already moved past @value.
	 */
	rc = ipcsvc__channel_arm_word(conn->ch, dir, &off, &value);
	if (rc)
		return rc;
	a.offset = off;
	a.value = value;
	return ioctl(conn->port->fd, IPCSVC_IOC_ARM, &a) ? -errno : 0;
}
