// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc ports and their handle tables.
 *
 * A port is what one open() of /dev/ipcsvc gives: a handle table and an
 * event queue. Handles are allocated from 1 upwards, lowest free first,
 * like file descriptors, and are meaningful only in their port.
 *
 * A handle-table entry owns one reference on its object (service or
 * channel). Lookups take a further reference under port->lock, so an ioctl
 * may use the object after the lock is dropped even if another thread
 * closes the handle meanwhile; closing only detaches the object and puts
 * the table's reference.
 */
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/pid_namespace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "ipcsvc.h"

/* Ports not yet freed, for introspection. */
static atomic_t ipcsvc_nr_ports = ATOMIC_INIT(0);

unsigned int ipcsvc_port_count(void)
{
	return atomic_read(&ipcsvc_nr_ports);
}

struct ipcsvc_port *ipcsvc_port_create(struct ipc_namespace *ipc_ns,
				       struct pid_namespace *pid_ns,
				       const struct cred *cred)
{
	struct ipcsvc_port *port;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return NULL;
	kref_init(&port->ref);
	mutex_init(&port->lock);
	xa_init_flags(&port->handles, XA_FLAGS_ALLOC1);
	port->ipc_ns = ipc_ns;
	port->pid_ns = get_pid_ns(pid_ns);
	port->cred = get_cred(cred);
	port->max_handles = min(READ_ONCE(ipcsvc_max_handles),
				READ_ONCE(ipcsvc_max_handles_cap));
	spin_lock_init(&port->ev_lock);
	INIT_LIST_HEAD(&port->ev_ready);
	init_waitqueue_head(&port->ev_wq);
	atomic_inc(&ipcsvc_nr_ports);
	return port;
}

void ipcsvc_port_get(struct ipcsvc_port *port)
{
	kref_get(&port->ref);
}

static void ipcsvc_port_release(struct kref *ref)
{
	struct ipcsvc_port *port = container_of(ref, struct ipcsvc_port, ref);

	WARN_ON(!xa_empty(&port->handles));
	WARN_ON(!list_empty(&port->ev_ready));
	xa_destroy(&port->handles);
	put_pid_ns(port->pid_ns);
	put_cred(port->cred);
	mutex_destroy(&port->lock);
	kfree(port);
	atomic_dec(&ipcsvc_nr_ports);
}

void ipcsvc_port_put(struct ipcsvc_port *port)
{
	kref_put(&port->ref, ipcsvc_port_release);
}

/*
 * IPCSVC_IOC_PORT_LIMITS: set the port's handle limit if asked, within the
 * system-wide cap, and report the limits and the count. A lower limit
 * closes nothing; it only refuses new handles.
 */
int ipcsvc_port_limits(struct ipcsvc_port *port,
		       struct ipcsvc_port_limits *lim)
{
	u32 cap = READ_ONCE(ipcsvc_max_handles_cap);

	if ((lim->flags & IPCSVC_PORT_LIMITS_SET) &&
	    (!lim->max_handles || lim->max_handles > cap))
		return -EINVAL;
	mutex_lock(&port->lock);
	if (lim->flags & IPCSVC_PORT_LIMITS_SET)
		port->max_handles = lim->max_handles;
	lim->max_handles = port->max_handles;
	lim->nr_handles = port->nr_handles;
	mutex_unlock(&port->lock);
	lim->max_handles_cap = cap;
	return 0;
}

/*
 * Publish @h under a new handle. The object's reference passes to the table
 * on success. Fails with -ENOSPC when the table is full and -EBADF when the
 * port is being released.
 */
int ipcsvc_port_install(struct ipcsvc_port *port, struct ipcsvc_hobj *h,
			u32 *handle)
{
	u32 id;
	int ret;

	mutex_lock(&port->lock);
	if (port->dead) {
		ret = -EBADF;
		goto out;
	}
	if (port->nr_handles >= port->max_handles) {
		ret = -ENOSPC;
		goto out;
	}
	ret = xa_alloc(&port->handles, &id, h, XA_LIMIT(1, INT_MAX),
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto out;
	}
	/* Nobody can look @h up before port->lock is dropped. */
	h->ev.handle = id;
	h->ev.dead = false;
	port->nr_handles++;
	*handle = id;
out:
	mutex_unlock(&port->lock);
	return ret;
}

static struct ipcsvc_hobj *ipcsvc_port_detach(struct ipcsvc_port *port,
					      u32 handle)
{
	struct ipcsvc_hobj *h;

	lockdep_assert_held(&port->lock);
	h = xa_erase(&port->handles, handle);
	if (h)
		port->nr_handles--;
	return h;
}

void ipcsvc_hobj_get(struct ipcsvc_hobj *h)
{
	if (h->type == IPCSVC_H_SERVICE)
		kref_get(&ipcsvc_to_svc(h)->ref);
	else
		kref_get(&ipcsvc_to_ep(h)->chan->ref);
}

void ipcsvc_hobj_put(struct ipcsvc_hobj *h)
{
	if (h->type == IPCSVC_H_SERVICE)
		ipcsvc_service_put(ipcsvc_to_svc(h));
	else
		ipcsvc_channel_put(ipcsvc_to_ep(h)->chan);
}

/*
 * Return the object behind @handle with a reference the caller must drop
 * with ipcsvc_hobj_put(); ERR_PTR(-EBADSLT) when the handle names nothing
 * (never given, or closed), ERR_PTR(-EPROTOTYPE) when it names an object
 * of another type.
 */
struct ipcsvc_hobj *ipcsvc_port_lookup(struct ipcsvc_port *port, u32 handle,
				       enum ipcsvc_htype type)
{
	struct ipcsvc_hobj *h;

	mutex_lock(&port->lock);
	h = xa_load(&port->handles, handle);
	if (!h)
		h = ERR_PTR(-EBADSLT);
	else if (h->type != type)
		h = ERR_PTR(-EPROTOTYPE);
	else
		ipcsvc_hobj_get(h);
	mutex_unlock(&port->lock);
	return h;
}

/*
 * Tear down what a handle named; consumes the table's reference. @reason
 * is what introspection reports (IPCSVC_REASON_*).
 */
static void ipcsvc_hobj_close(struct ipcsvc_port *port, struct ipcsvc_hobj *h,
			      u32 reason)
{
	ipcsvc_event_kill(port, &h->ev);
	if (h->type == IPCSVC_H_SERVICE) {
		ipcsvc_service_close(ipcsvc_to_svc(h), reason);
		ipcsvc_service_put(ipcsvc_to_svc(h));
	} else {
		ipcsvc_endpoint_close(ipcsvc_to_ep(h), reason);
		ipcsvc_channel_put(ipcsvc_to_ep(h)->chan);
	}
}

/* IPCSVC_IOC_CLOSE: 0, or -EBADSLT when @handle names nothing. */
int ipcsvc_port_close_handle(struct ipcsvc_port *port, u32 handle)
{
	struct ipcsvc_hobj *h;

	mutex_lock(&port->lock);
	h = ipcsvc_port_detach(port, handle);
	mutex_unlock(&port->lock);
	if (!h)
		return -EBADSLT;
	ipcsvc_hobj_close(port, h, IPCSVC_REASON_CLOSED);
	return 0;
}

/*
 * Close @handle only if it still names @h, for undoing a creation: the
 * number alone could by now name another object, since another thread may
 * have closed it and created something that reused it. The caller holds a
 * reference on @h, so its address cannot be reused meanwhile. True if
 * this call closed it.
 */
bool ipcsvc_port_close_object(struct ipcsvc_port *port, u32 handle,
			      struct ipcsvc_hobj *h, u32 reason)
{
	bool mine;

	mutex_lock(&port->lock);
	mine = xa_load(&port->handles, handle) == h;
	if (mine)
		ipcsvc_port_detach(port, handle);
	mutex_unlock(&port->lock);
	if (mine)
		ipcsvc_hobj_close(port, h, reason);
	return mine;
}

/*
 * /proc/<pid>/fdinfo/<fd> of a port: its IPC namespace, handles and their
 * limit, pending events, then one line per handle. Names are escaped: a protocol
 * name may hold any character but NUL. A channel still being connected
 * shows id 0 for the moment.
 */
void ipcsvc_port_show(struct ipcsvc_port *port, struct seq_file *m)
{
	struct ipcsvc_channel_state st;
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_service *svc;
	struct ipcsvc_hobj *h;
	unsigned long idx;

	mutex_lock(&port->lock);
	seq_printf(m, "ipcsvc-ipc-ns:\t%u\n", port->ipc_ns->ns.inum);
	seq_printf(m, "ipcsvc-handles:\t%u\n", port->nr_handles);
	seq_printf(m, "ipcsvc-max-handles:\t%u\n", port->max_handles);
	seq_printf(m, "ipcsvc-events:\t%u\n", ipcsvc_event_count(port));
	xa_for_each(&port->handles, idx, h) {
		if (h->type == IPCSVC_H_SERVICE) {
			svc = ipcsvc_to_svc(h);
			seq_printf(m, "handle:\t%lu service id:%llu name:%*pE\n",
				   idx, svc->id, svc->name_len, svc->name);
			continue;
		}
		ep = ipcsvc_to_ep(h);
		ipcsvc_channel_state(ep->chan, &st);
		seq_printf(m, "handle:\t%lu channel id:%llu side:%s peer:%s\n",
			   idx, ep->chan->id,
			   ep->side == IPCSVC_SIDE_CLIENT ? "client" : "server",
			   st.closed[!ep->side] ? "closed" : "open");
	}
	mutex_unlock(&port->lock);
}

void ipcsvc_port_shutdown(struct ipcsvc_port *port, u32 reason)
{
	struct ipcsvc_hobj *h;
	unsigned long idx;

	mutex_lock(&port->lock);
	port->dead = true;
	mutex_unlock(&port->lock);

	/*
	 * Close one handle at a time without holding port->lock: closing
	 * takes the registry lock, which never nests inside a port lock.
	 * No handle can be added once ->dead is set.
	 */
	for (;;) {
		idx = 0;
		mutex_lock(&port->lock);
		h = xa_find(&port->handles, &idx, ULONG_MAX, XA_PRESENT);
		if (h)
			h = ipcsvc_port_detach(port, idx);
		mutex_unlock(&port->lock);
		if (!h)
			break;
		ipcsvc_hobj_close(port, h, reason);
	}
}
