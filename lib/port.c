// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ports: one open of /dev/ipcsvc each, and the events read from them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

const char *ipcsvc_library_version(void)
{
	return IPCSVC_LIB_RELEASE;
}

int ipcsvc_port_open(const char *path, struct ipcsvc_port **portp)
{
	struct ipcsvc_port *port;

	if (!portp)
		return -EINVAL;
	*portp = NULL;
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	atomic_init(&port->ref, 1);
	/* O_NONBLOCK: read() of a port fd sleeps while no event is pending
	 * unless the fd is non-blocking, and ipcsvc_port_read_event() must
	 * not wait (ipcsvc_port_wait_event() waits in poll()). */
	port->fd = open(path ? path : "/dev/" IPCSVC_DEVICE_NAME,
			O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (port->fd < 0) {
		int err = -errno;

		free(port);
		return err;
	}
	*portp = port;
	return 0;
}

void ipcsvc__port_get(struct ipcsvc_port *port)
{
	atomic_fetch_add_explicit(&port->ref, 1, memory_order_relaxed);
}

void ipcsvc__port_put(struct ipcsvc_port *port)
{
	/* acq_rel: the last dropper sees every other holder's use of it */
	if (atomic_fetch_sub_explicit(&port->ref, 1, memory_order_acq_rel) != 1)
		return;
	close(port->fd);
	free(port);
}

void ipcsvc_port_close(struct ipcsvc_port *port)
{
	if (port)
		ipcsvc__port_put(port);
}

int ipcsvc_port_fd(const struct ipcsvc_port *port)
{
	return port ? port->fd : -EINVAL;
}

int ipcsvc_port_version(struct ipcsvc_port *port, struct ipcsvc_version *v)
{
	if (!port || !v)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(port->fd, IPCSVC_IOC_VERSION, v) < 0)
		return -errno;
	/* An older module fills less; it must still fill the first version. */
	if (v->size < IPCSVC_VERSION_SIZE_VER0 || v->size > sizeof(*v))
		return -EPROTO;
	v->release[sizeof(v->release) - 1] = '\0';
	return 0;
}

int ipcsvc__port_close_handle(struct ipcsvc_port *port, uint32_t handle)
{
	struct ipcsvc_handle_arg a = { .size = sizeof(a), .handle = handle };

	return ioctl(port->fd, IPCSVC_IOC_CLOSE, &a) ? -errno : 0;
}

/*
 * One record per read(): the module never splits a record, and reading one
 * at a time leaves the rest queued in the kernel for other readers. The fd
 * is O_NONBLOCK (ipcsvc_port_open()), so with nothing pending read() fails
 * with EAGAIN rather than sleeping.
 */
ipc_status_t ipcsvc_port_read_event(struct ipcsvc_port *port,
				    struct ipc_message *ev)
{
	struct ipcsvc_event rec;
	ssize_t n;

	if (!port || !ev)
		return IPC_STATUS_INVALID;
	do
		n = read(port->fd, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? IPC_STATUS_EMPTY : (ipc_status_t)-errno;
	if (n != (ssize_t)sizeof(rec))
		return (ipc_status_t)-EPROTO;
	memset(ev, 0, sizeof(*ev));
	ev->type = rec.type;
	ev->a = (uintptr_t)rec.a;
	ev->b = (uintptr_t)rec.b;
	ev->c = (uintptr_t)rec.c;
	return IPC_STATUS_SUCCESS;
}

ipc_status_t ipcsvc_port_wait_event(struct ipcsvc_port *port,
				    int64_t timeout_ns, struct ipc_message *ev)
{
	struct ipcsvc_deadline d;
	ipc_status_t st;

	if (!port || !ev)
		return IPC_STATUS_INVALID;
	ipcsvc__deadline_init(&d, timeout_ns);
	for (;;) {
		struct pollfd pfd = { .fd = port->fd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		int rc;

		/* Another reader of the port may take the event first. */
		st = ipcsvc_port_read_event(port, ev);
		if (st != IPC_STATUS_EMPTY)
			return st;
		if (!d.forever) {
			uint64_t now = ipcsvc__now_ns();

			if (now >= d.at_ns)
				return IPC_STATUS_TIMEOUT;
			ts.tv_sec = (time_t)((d.at_ns - now) / 1000000000ULL);
			ts.tv_nsec = (long)((d.at_ns - now) % 1000000000ULL);
			tsp = &ts;
		}
		rc = ppoll(&pfd, 1, tsp, NULL);
		if (rc < 0 && errno != EINTR)
			return (ipc_status_t)-errno;
		if (rc > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
			return (ipc_status_t)-EBADF;
	}
}
