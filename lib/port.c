// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ports: one open of /dev/ipcsvc each, the events read from them, and the
 * cookies those events carry.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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
	if (pthread_mutex_init(&port->lock, NULL)) {
		free(port);
		return -ENOMEM;
	}
	/* O_NONBLOCK: read() of a port fd sleeps while no event is pending
	 * unless the fd is non-blocking, and ipcsvc_port_read_event() must
	 * not wait (ipcsvc_port_wait_event() waits in poll()). */
	port->fd = open(path ? path : "/dev/" IPCSVC_DEVICE_NAME,
			O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (port->fd < 0) {
		int err = -errno;

		pthread_mutex_destroy(&port->lock);
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
	pthread_mutex_destroy(&port->lock);
	free(port->cookies);
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

int ipcsvc_port_set_max_handles(struct ipcsvc_port *port, uint32_t max)
{
	struct ipcsvc_port_limits lim = {
		.size = sizeof(lim), .flags = IPCSVC_PORT_LIMITS_SET,
		.max_handles = max,
	};

	if (!port)
		return -EINVAL;
	return ioctl(port->fd, IPCSVC_IOC_PORT_LIMITS, &lim) ? -errno : 0;
}

static int close_handle(struct ipcsvc_port *port, uint32_t handle)
{
	struct ipcsvc_handle_arg a = { .size = sizeof(a), .handle = handle };

	return ioctl(port->fd, IPCSVC_IOC_CLOSE, &a) ? -errno : 0;
}

/*
 * Forget the read events that name @handle. A ServiceConnected of a
 * service being closed goes too, and with it the channel it brought: the
 * module counts a connection as seen once its event is read, so closing
 * the service would leave that channel to nobody. Called with port->lock.
 */
static void events_forget(struct ipcsvc_port *port, uint32_t handle)
{
	unsigned int i, kept = port->ev_next;

	for (i = port->ev_next; i < port->ev_end; i++) {
		const struct ipcsvc_event *e = &port->ev[i];

		if ((uint32_t)e->a == handle) {
			if (e->type == IPCSVC_EVENT_SERVICE_CONNECTED)
				close_handle(port, (uint32_t)e->b);
			continue;
		}
		port->ev[kept++] = *e;
	}
	port->ev_end = kept;
}

int ipcsvc__port_close_handle(struct ipcsvc_port *port, uint32_t handle)
{
	int rc;

	/* under the lock, so that no read() brings its events back in */
	pthread_mutex_lock(&port->lock);
	rc = close_handle(port, handle);
	if (!rc)
		events_forget(port, handle);
	pthread_mutex_unlock(&port->lock);
	return rc;
}

/*
 * Cookies
 * =======
 * A table from handle to cookie, open addressing with linear probing.
 * Handles are never 0, so 0 marks a free entry; removal shifts the
 * entries after it back instead of leaving tombstones, so lookups stay
 * short however many connections come and go.
 */
static size_t cookie_home(const struct ipcsvc_port *port, uint32_t handle)
{
	/* Fibonacci hashing: the module hands out handles densely. */
	return (size_t)((handle * 2654435769U) & (uint32_t)(port->cookie_cap - 1));
}

static struct ipcsvc_cookie *cookie_find(struct ipcsvc_port *port,
					 uint32_t handle)
{
	size_t i;

	if (!port->cookie_cap)
		return NULL;
	for (i = cookie_home(port, handle); port->cookies[i].handle;
	     i = (i + 1) & (port->cookie_cap - 1))
		if (port->cookies[i].handle == handle)
			return &port->cookies[i];
	return NULL;
}

static void cookie_remove(struct ipcsvc_port *port, struct ipcsvc_cookie *e)
{
	size_t mask = port->cookie_cap - 1, hole = (size_t)(e - port->cookies);

	for (size_t i = (hole + 1) & mask; port->cookies[i].handle;
	     i = (i + 1) & mask) {
		size_t home = cookie_home(port, port->cookies[i].handle);

		/* Move entry i into the hole unless its home lies
		 * cyclically in (hole, i]: then it is already reachable. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			port->cookies[hole] = port->cookies[i];
			hole = i;
		}
	}
	port->cookies[hole].handle = 0;
	port->cookies[hole].cookie = NULL;
	port->cookie_count--;
}

static int cookie_grow(struct ipcsvc_port *port)
{
	size_t cap = port->cookie_cap ? 2 * port->cookie_cap : 16;
	struct ipcsvc_cookie *old = port->cookies;
	size_t old_cap = port->cookie_cap;

	port->cookies = calloc(cap, sizeof(*port->cookies));
	if (!port->cookies) {
		port->cookies = old;
		return -ENOMEM;
	}
	port->cookie_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].handle)
			continue;
		for (j = cookie_home(port, old[i].handle); port->cookies[j].handle;
		     j = (j + 1) & (cap - 1))
			;
		port->cookies[j] = old[i];
	}
	free(old);
	return 0;
}

int ipcsvc__port_set_cookie(struct ipcsvc_port *port, uint32_t handle,
			    void *cookie)
{
	struct ipcsvc_cookie *e;
	int rc = 0;

	pthread_mutex_lock(&port->lock);
	e = cookie_find(port, handle);
	if (e && cookie) {
		e->cookie = cookie;
	} else if (e) {
		cookie_remove(port, e);
	} else if (cookie) {
		/* at most three quarters full, so a probe always ends */
		if (4 * (port->cookie_count + 1) > 3 * port->cookie_cap)
			rc = cookie_grow(port);
		if (!rc) {
			size_t i = cookie_home(port, handle);

			while (port->cookies[i].handle)
				i = (i + 1) & (port->cookie_cap - 1);
			port->cookies[i].handle = handle;
			port->cookies[i].cookie = cookie;
			port->cookie_count++;
		}
	}
	pthread_mutex_unlock(&port->lock);
	return rc;
}

void *ipcsvc__port_cookie(struct ipcsvc_port *port, uint32_t handle)
{
	struct ipcsvc_cookie *e;
	void *cookie;

	pthread_mutex_lock(&port->lock);
	e = cookie_find(port, handle);
	cookie = e ? e->cookie : NULL;
	pthread_mutex_unlock(&port->lock);
	return cookie;
}

/*
 * Events
 * ======
 * One read() takes every pending record that fits the batch (the module
 * never splits one), and the calls that follow return them without a
 * system call. The fd is O_NONBLOCK (ipcsvc_port_open()), so with nothing
 * pending read() fails with EAGAIN rather than sleeping. Records read but
 * not yet returned are dropped with their handle (events_forget()), as
 * the module drops a closed handle's pending events.
 *
 * A read() that returned less than a full batch emptied the module's
 * queue: ipcsvc_port_wait_event(), which polls before it reads again,
 * then goes straight to poll() once those records are returned, so that
 * a wake-up costs it one read(). ipcsvc_port_read_event() cannot know
 * whether its caller polled since, and always asks.
 */
static int events_fill(struct ipcsvc_port *port, unsigned int max)
{
	ssize_t n;

	port->ev_drained = false;
	do
		n = read(port->fd, port->ev, max * sizeof(port->ev[0]));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0 || n % (ssize_t)sizeof(port->ev[0]))
		return -EPROTO;
	port->ev_next = 0;
	port->ev_end = (unsigned int)(n / (ssize_t)sizeof(port->ev[0]));
	port->ev_drained = port->ev_end < max;
	return 0;
}

/* The next read record, as the library reports it. Called with port->lock. */
static void event_take(struct ipcsvc_port *port, struct ipcsvc_port_event *ev)
{
	const struct ipcsvc_event *rec = &port->ev[port->ev_next++];
	struct ipcsvc_cookie *c;

	memset(ev, 0, sizeof(*ev));
	ev->type = rec->type;
	ev->handle = (uint32_t)rec->a;
	if (rec->type == IPCSVC_EVENT_SERVICE_CONNECTED) {
		ev->pid = (uint32_t)(rec->a >> 32);
		ev->channel = (uint32_t)rec->b;
		ev->uid = (uint32_t)rec->c;
		ev->gid = (uint32_t)(rec->c >> 32);
	}
	c = cookie_find(port, ev->handle);
	ev->cookie = c ? c->cookie : NULL;
}

/* One event; with @polled, trust a drained queue (see above). */
static int event_next(struct ipcsvc_port *port, struct ipcsvc_port_event *ev,
		      bool polled)
{
	int rc = 0;

	pthread_mutex_lock(&port->lock);
	if (port->ev_next == port->ev_end && polled && port->ev_drained) {
		/* once: the caller polls now, and then reads */
		port->ev_drained = false;
		rc = -EAGAIN;
	} else if (port->ev_next == port->ev_end) {
		rc = events_fill(port, IPCSVC_PORT_EVENT_BATCH);
	}
	if (!rc)
		event_take(port, ev);
	pthread_mutex_unlock(&port->lock);
	return rc;
}

int ipcsvc_port_read_event(struct ipcsvc_port *port,
			   struct ipcsvc_port_event *ev)
{
	if (!port || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	return event_next(port, ev, false);
}

int ipcsvc_port_read_events(struct ipcsvc_port *port,
			    struct ipcsvc_port_event *evs, unsigned int max)
{
	unsigned int n = 0;
	int rc = 0;

	if (!port || !evs || !max)
		return -EINVAL;
	pthread_mutex_lock(&port->lock);
	while (n < max && port->ev_next < port->ev_end)
		event_take(port, &evs[n++]);
	/* The rest with as few read()s as fit, each asking for no more than
	 * fits: a read that returns less than it asked for emptied the
	 * module's queue, so fewer than @max means it had no more. */
	while (n < max) {
		unsigned int want = max - n < IPCSVC_PORT_EVENT_BATCH ?
				    max - n : IPCSVC_PORT_EVENT_BATCH;

		rc = events_fill(port, want);
		if (rc)
			break;
		while (port->ev_next < port->ev_end)
			event_take(port, &evs[n++]);
		if (port->ev_drained)	/* it asked for more than there was */
			break;
	}
	pthread_mutex_unlock(&port->lock);
	if (n)
		return (int)n;
	return rc == -EAGAIN ? 0 : rc;
}

int ipcsvc_port_wait_event(struct ipcsvc_port *port,
			   struct ipcsvc_port_event *ev,
			   ipcsvc_timeout_t timeout)
{
	struct ipcsvc_deadline d;
	int rc;

	if (!port || !ev)
		return -EINVAL;
	rc = ipcsvc__deadline_init(&d, timeout);
	if (rc)
		return rc;
	for (;;) {
		struct pollfd pfd = { .fd = port->fd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;

		uint64_t now = d.forever ? 0 : ipcsvc__now_ns();
		bool last = !d.forever && now >= d.at_ns;

		/* Another reader of the port may take the event first. A
		 * last look reads whatever the module holds; otherwise we
		 * poll next, and may skip a read that would find nothing. */
		rc = event_next(port, ev, !last);
		if (rc != -EAGAIN)
			return rc;
		if (last)
			return -ETIMEDOUT;
		if (!d.forever) {
			ts.tv_sec = (time_t)((d.at_ns - now) / 1000000000ULL);
			ts.tv_nsec = (long)((d.at_ns - now) % 1000000000ULL);
			tsp = &ts;
		}
		rc = ppoll(&pfd, 1, tsp, NULL);
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc == 0)	/* ppoll() never times out early */
			return -ETIMEDOUT;
		if (rc > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
			return -EBADF;
	}
}
