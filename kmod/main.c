// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc: the /dev/ipcsvc misc device.
 *
 * Each open() of the device is a port. The module's job is small on purpose:
 * it names services, creates channels, allocates and maps their buffer
 * areas, wakes sleepers and reports events. The message queue inside an area
 * is run by userspace (libipcsvc) without the kernel on the data path.
 *
 * This file decodes the file operations: every ioctl copies its
 * extensible struct in, checks flags and padding, calls into the unit that
 * does the work (port.c, registry.c, channel.c, area.c, event.c; mmap()
 * goes to area_map.c) and copies the result out. The object and lock
 * model is in ipcsvc.h; Documentation/abi.md and Documentation/kernel.md
 * describe both. The introspection family (netlink.c) is registered with
 * the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "ipcsvc.h"
#include "netlink.h"
#include "trace.h"

unsigned int ipcsvc_max_handles = 4096;
module_param_named(max_handles, ipcsvc_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles,
		 "Handles a new port may hold, until it sets its own (default 4096)");

unsigned int ipcsvc_max_handles_cap = 65536;
module_param_named(max_handles_cap, ipcsvc_max_handles_cap, uint, 0644);
MODULE_PARM_DESC(max_handles_cap,
		 "Most handles any port may set itself to hold (default 65536)");

unsigned int ipcsvc_max_services = 256;
module_param_named(max_services, ipcsvc_max_services, uint, 0644);
MODULE_PARM_DESC(max_services, "Services per user (default 256)");

unsigned int ipcsvc_max_channels = 4096;
module_param_named(max_channels, ipcsvc_max_channels, uint, 0644);
MODULE_PARM_DESC(max_channels, "Channels created per user (default 4096)");

unsigned long ipcsvc_max_user_bytes = 1UL << 30;
module_param_named(max_user_bytes, ipcsvc_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Committed area bytes per user (default 1 GiB)");

unsigned long ipcsvc_max_buffer_size = 64UL << 20;
module_param_named(max_buffer_size, ipcsvc_max_buffer_size, ulong, 0644);
MODULE_PARM_DESC(max_buffer_size,
		 "Largest data region of one area, at most 1 GiB (default 64 MiB)");

void ipcsvc_version_fill(struct ipcsvc_version *v)
{
	v->abi = IPCSVC_ABI_VERSION;
	v->major = IPCSVC_RELEASE_MAJOR;
	v->minor = IPCSVC_RELEASE_MINOR;
	v->patch = IPCSVC_RELEASE_PATCH;
	strscpy_pad(v->release, IPCSVC_RELEASE, sizeof(v->release));
}

/*
 * What one ioctl call works on. The dispatcher copies the struct in and
 * out; a handler that creates a handle records it in @made (with a
 * reference) so that the dispatcher can undo the creation if the result
 * cannot be written back.
 */
struct ipcsvc_ioctl_call {
	struct ipcsvc_port *port;
	struct ipcsvc_hobj *made;
	u32 made_handle;
	void (*undo)(struct ipcsvc_port *port, u32 handle,
		     struct ipcsvc_hobj *h);
};

/* Look up a channel end: ERR_PTR(-EBADSLT) or ERR_PTR(-EPROTOTYPE). */
static struct ipcsvc_endpoint *ipcsvc_get_ep(struct ipcsvc_port *port,
					     u32 handle)
{
	struct ipcsvc_hobj *h;

	h = ipcsvc_port_lookup(port, handle, IPCSVC_H_CHANNEL);
	return IS_ERR(h) ? ERR_CAST(h) : ipcsvc_to_ep(h);
}

static void ipcsvc_put_ep(struct ipcsvc_endpoint *ep)
{
	ipcsvc_hobj_put(&ep->h);
}

static int ipcsvc_dir_arg(u32 dir)
{
	return dir > IPCSVC_DIR_RX ? -EINVAL : 0;
}

/* Name bytes past @len must be zero, so that a name has one encoding. */
static int ipcsvc_name_arg(const u8 *name, u32 len)
{
	if (len < 1 || len > IPCSVC_PROTOCOL_NAME_MAX)
		return -EINVAL;
	if (memchr_inv(name + len, 0, IPCSVC_PROTOCOL_NAME_MAX - len))
		return -EINVAL;
	return ipcsvc_name_check(name, len);
}

static long ipcsvc_ioctl_version(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_version *v = data;

	if (v->flags)
		return -EINVAL;
	ipcsvc_version_fill(v);
	return 0;
}

/* Undo a service creation whose result could not be written back. */
static void ipcsvc_service_undo(struct ipcsvc_port *port, u32 handle,
				struct ipcsvc_hobj *h)
{
	ipcsvc_port_close_object(port, handle, h, IPCSVC_REASON_CLOSED);
}

static long ipcsvc_ioctl_service_create(struct ipcsvc_ioctl_call *call,
					void *data)
{
	struct ipcsvc_service_create *arg = data;
	struct ipcsvc_service_params p = {
		.name = arg->name,
		.name_len = arg->name_len,
		.version = arg->version,
		.mode = arg->mode,
		.max_size = { arg->max_to_server, arg->max_to_client },
		.max_connections = arg->max_connections ?:
				   IPCSVC_DEFAULT_MAX_CONNECTIONS,
		.max_pending = arg->max_pending,
	};
	struct ipcsvc_service *svc;
	int ret;

	if (!p.max_pending)
		p.max_pending = min_t(u32, IPCSVC_DEFAULT_MAX_PENDING,
				      p.max_connections);
	if (arg->flags || arg->__pad || arg->mode > 0777 ||
	    p.max_pending > p.max_connections)
		return -EINVAL;
	ret = ipcsvc_name_arg(arg->name, arg->name_len);
	if (ret)
		return ret;
	ret = ipcsvc_buffer_size(&p.max_size[0]);
	if (!ret)
		ret = ipcsvc_buffer_size(&p.max_size[1]);
	if (ret)
		return ret;
	ret = ipcsvc_service_create(call->port, &p, &svc, &arg->handle);
	if (ret)
		return ret;
	call->made = &svc->h;
	call->made_handle = arg->handle;
	call->undo = ipcsvc_service_undo;
	return 0;
}

static long ipcsvc_ioctl_connect(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_connect *arg = data;
	struct ipcsvc_connect_params p = {
		.name = arg->name,
		.name_len = arg->name_len,
		.version = arg->version,
		.max_size = { arg->max_to_server, arg->max_to_client },
	};
	int ret;

	if (arg->flags || arg->__pad || arg->__pad2)
		return -EINVAL;
	ret = ipcsvc_name_arg(arg->name, arg->name_len);
	if (ret)
		return ret;
	ret = ipcsvc_connect(call->port, &p, &call->made, &arg->handle);
	if (ret)
		return ret;
	call->made_handle = arg->handle;
	call->undo = ipcsvc_connect_undo;
	arg->max_to_server = p.max_size[IPCSVC_SIDE_CLIENT];
	arg->max_to_client = p.max_size[IPCSVC_SIDE_SERVER];
	return 0;
}

static long ipcsvc_ioctl_close(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_handle_arg *arg = data;

	if (arg->flags || arg->__pad)
		return -EINVAL;
	return ipcsvc_port_close_handle(call->port, arg->handle);
}

static long ipcsvc_ioctl_map_info(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_map_info *arg = data;
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_area *area;

	if ((arg->flags & ~(IPCSVC_MAP_CHANNEL | IPCSVC_MAP_HEADERS)) ||
	    ipcsvc_dir_arg(arg->dir) ||
	    (arg->flags && arg->dir != IPCSVC_DIR_TX) ||
	    arg->flags == (IPCSVC_MAP_CHANNEL | IPCSVC_MAP_HEADERS))
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	area = ipcsvc_endpoint_area(ep, arg->dir);
	arg->offset = IPCSVC_MMAP_TOKEN(arg->handle, arg->dir) << PAGE_SHIFT;
	arg->area_bytes = ipcsvc_area_bytes(area);
	arg->map_size = ipcsvc_area_map_bytes(area);
	if (arg->flags & IPCSVC_MAP_CHANNEL)
		arg->map_size += ipcsvc_area_map_bytes(ipcsvc_endpoint_area(ep,
							IPCSVC_DIR_RX));
	else if (arg->flags & IPCSVC_MAP_HEADERS)
		arg->map_size = IPCSVC_AREA_HEADER_BYTES;
	arg->max_size = area->max_size;
	arg->committed = ipcsvc_area_committed(area);
	arg->identity_offset = ipcsvc_area_identity_offset(area);
	arg->producer_offset = IPCSVC_AREA_PRODUCER_PAGE * PAGE_SIZE +
			       IPCSVC_CONTROL_PRODUCER;
	arg->consumer_offset = IPCSVC_AREA_CONSUMER_PAGE * PAGE_SIZE +
			       IPCSVC_CONTROL_CONSUMER;
	arg->data_offset = IPCSVC_AREA_HEADER_PAGES * PAGE_SIZE;
	ipcsvc_put_ep(ep);
	return 0;
}

static long ipcsvc_ioctl_grow(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_grow *arg = data;
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_area *area;
	int ret;

	if (arg->flags || arg->__pad)
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	area = ipcsvc_endpoint_area(ep, IPCSVC_DIR_TX);
	ret = ipcsvc_area_grow(area, arg->new_size);
	arg->committed = ipcsvc_area_committed(area);
	trace_ipcsvc_grow(ep->chan->id, ep->side, arg->new_size, arg->committed,
			  ret);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_wait(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_wait *arg = data;
	struct ipcsvc_endpoint *ep;
	int ret;

	if ((arg->flags & ~IPCSVC_WAIT_ABSTIME) || ipcsvc_dir_arg(arg->dir) ||
	    ipcsvc_area_check_word(arg->offset))
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ret = ipcsvc_channel_wait(ep, arg->dir, arg->offset, arg->value,
				  arg->timeout,
				  arg->flags & IPCSVC_WAIT_ABSTIME);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_arm(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_arm *arg = data;
	struct ipcsvc_endpoint *ep;
	int ret;

	if (arg->flags || ipcsvc_dir_arg(arg->dir) ||
	    ipcsvc_area_check_word(arg->offset))
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ret = ipcsvc_channel_arm(ep, arg->dir, arg->offset, arg->value);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_wake(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_wake *arg = data;
	struct ipcsvc_endpoint *ep;
	int ret;

	if (arg->flags || ipcsvc_dir_arg(arg->dir))
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ret = ipcsvc_channel_wake(ep, arg->dir);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_peer_creds(struct ipcsvc_ioctl_call *call,
				    void *data)
{
	struct ipcsvc_peer_creds *arg = data;
	struct ipcsvc_endpoint *ep;

	if (arg->flags)
		return -EINVAL;
	ep = ipcsvc_get_ep(call->port, arg->handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ipcsvc_channel_peer_creds(ep, call->port, arg);
	ipcsvc_put_ep(ep);
	return 0;
}

static long ipcsvc_ioctl_usage(struct ipcsvc_ioctl_call *call, void *data)
{
	struct ipcsvc_usage *arg = data;
	struct ipcsvc_user *user;

	if (arg->flags)
		return -EINVAL;
	user = ipcsvc_user_get(current_cred());
	if (!user)
		return -ENOMEM;
	ipcsvc_user_usage(user, arg);
	ipcsvc_user_put(user);
	return 0;
}

static long ipcsvc_ioctl_port_limits(struct ipcsvc_ioctl_call *call,
				     void *data)
{
	struct ipcsvc_port_limits *arg = data;

	if ((arg->flags & ~IPCSVC_PORT_LIMITS_SET) || arg->__pad)
		return -EINVAL;
	return ipcsvc_port_limits(call->port, arg);
}

/*
 * The ioctl table. Every ioctl is dispatched by its number alone: the size
 * encoded in the command is ignored, and the struct's own size field says
 * how much the caller passed (see ipcsvc_ioctl()).
 */
struct ipcsvc_ioctl_desc {
	long (*fn)(struct ipcsvc_ioctl_call *call, void *data);
	u32 ksize;		/* sizeof the struct this module knows */
	u32 min_size;		/* its first published size */
	bool copy_out;		/* has output fields */
};

#define IPCSVC_IOCTL_DEF(ioc, handler, type, ver0, out)		\
	[_IOC_NR(ioc)] = {						\
		.fn = handler,						\
		.ksize = sizeof(type),					\
		.min_size = ver0,					\
		.copy_out = out,					\
	}

static const struct ipcsvc_ioctl_desc ipcsvc_ioctls[] = {
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_VERSION, ipcsvc_ioctl_version,
			 struct ipcsvc_version,
			 IPCSVC_VERSION_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_SERVICE_CREATE, ipcsvc_ioctl_service_create,
			 struct ipcsvc_service_create,
			 IPCSVC_SERVICE_CREATE_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_CONNECT, ipcsvc_ioctl_connect,
			 struct ipcsvc_connect,
			 IPCSVC_CONNECT_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_CLOSE, ipcsvc_ioctl_close,
			 struct ipcsvc_handle_arg,
			 IPCSVC_HANDLE_ARG_SIZE_VER0, false),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_MAP_INFO, ipcsvc_ioctl_map_info,
			 struct ipcsvc_map_info,
			 IPCSVC_MAP_INFO_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_GROW, ipcsvc_ioctl_grow,
			 struct ipcsvc_grow,
			 IPCSVC_GROW_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_WAIT, ipcsvc_ioctl_wait,
			 struct ipcsvc_wait,
			 IPCSVC_WAIT_SIZE_VER0, false),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_WAKE, ipcsvc_ioctl_wake,
			 struct ipcsvc_wake,
			 IPCSVC_WAKE_SIZE_VER0, false),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_ARM, ipcsvc_ioctl_arm,
			 struct ipcsvc_arm,
			 IPCSVC_ARM_SIZE_VER0, false),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_PEER_CREDS, ipcsvc_ioctl_peer_creds,
			 struct ipcsvc_peer_creds,
			 IPCSVC_PEER_CREDS_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_USAGE, ipcsvc_ioctl_usage,
			 struct ipcsvc_usage,
			 IPCSVC_USAGE_SIZE_VER0, true),
	IPCSVC_IOCTL_DEF(IPCSVC_IOC_PORT_LIMITS, ipcsvc_ioctl_port_limits,
			 struct ipcsvc_port_limits,
			 IPCSVC_PORT_LIMITS_SIZE_VER0, true),
};

/* Room for the largest struct of the table. */
union ipcsvc_ioctl_data {
	struct ipcsvc_version version;
	struct ipcsvc_service_create service_create;
	struct ipcsvc_connect connect;
	struct ipcsvc_handle_arg handle_arg;
	struct ipcsvc_map_info map_info;
	struct ipcsvc_grow grow;
	struct ipcsvc_wait wait;
	struct ipcsvc_wake wake;
	struct ipcsvc_arm arm;
	struct ipcsvc_peer_creds peer_creds;
	struct ipcsvc_usage usage;
	struct ipcsvc_port_limits port_limits;
};

/*
 * Copy-in, dispatch and copy-out, once for every ioctl. The errno of the
 * first failing check is returned, in this order (Documentation/abi.md):
 * ENOTTY, EFAULT, EINVAL (size too small), E2BIG (too big, or unknown
 * non-zero bytes), EFAULT, then the handler's own checks, then EFAULT if
 * the result cannot be written back, which undoes a creation.
 */
static long ipcsvc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct ipcsvc_ioctl_call call = { .port = file->private_data };
	void __user *uarg = (void __user *)arg;
	const struct ipcsvc_ioctl_desc *desc;
	union ipcsvc_ioctl_data data;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	long ret;

	if (_IOC_TYPE(cmd) != IPCSVC_IOC_MAGIC ||
	    nr >= ARRAY_SIZE(ipcsvc_ioctls) || !ipcsvc_ioctls[nr].fn)
		return -ENOTTY;
	desc = &ipcsvc_ioctls[nr];
	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < desc->min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&data, desc->ksize, uarg, usize);
	if (ret)
		return ret;

	ret = desc->fn(&call, &data);
	if (!ret && desc->copy_out &&
	    copy_to_user(uarg, &data, min_t(u32, usize, desc->ksize)))
		ret = -EFAULT;
	if (call.made) {
		if (ret)
			call.undo(call.port, call.made_handle, call.made);
		ipcsvc_hobj_put(call.made);
	}
	return ret;
}

/*
 * read(): whole event records, as many as are pending and fit. Only the
 * bytes returned are written. Without O_NONBLOCK it sleeps until an event
 * is raised.
 */
static ssize_t ipcsvc_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct ipcsvc_port *port = file->private_data;
	struct ipcsvc_event ev[8];
	size_t want = count / sizeof(ev[0]), done = 0, n;
	int ret;

	if (!want)
		return -EINVAL;
	for (;;) {
		n = ipcsvc_event_count(port);
		if (n)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(port->ev_wq,
					       ipcsvc_event_count(port));
		if (ret)
			return ret;
	}
	/*
	 * Fault in the part of the buffer the pending events will fill before
	 * they leave the queue, so that a bad buffer loses none. Only a
	 * concurrent munmap() could still make the copy below fail.
	 */
	want = min(want, n);
	if (clear_user(buf, want * sizeof(ev[0])))
		return -EFAULT;
	while (done < want) {
		n = ipcsvc_event_take(port, ev,
				      min_t(size_t, want - done,
					    ARRAY_SIZE(ev)));
		if (!n)
			break;
		if (copy_to_user(buf + done * sizeof(ev[0]), ev,
				 n * sizeof(ev[0])))
			return done ? done * sizeof(ev[0]) : -EFAULT;
		done += n;
	}
	/* Another reader took them meanwhile. */
	return done ? done * sizeof(ev[0]) : -EAGAIN;
}

static __poll_t ipcsvc_poll(struct file *file, poll_table *wait)
{
	struct ipcsvc_port *port = file->private_data;

	/* Register first, then look: see ipcsvc_event_wake(). */
	poll_wait(file, &port->ev_wq, wait);
	return ipcsvc_event_count(port) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * mmap() of an area: the offset from IPCSVC_IOC_MAP_INFO, whose page
 * offset is IPCSVC_MMAP_TOKEN(handle, dir); the length map_size;
 * MAP_SHARED. At a TX area's offset, the length of both areas maps the
 * channel (IPCSVC_MAP_CHANNEL), and that of the header pages alone the
 * end's header mapping (IPCSVC_MAP_HEADERS): the area's own mapping cut
 * short before its data, which no area mapping's length can be, as each
 * has at least one data page and its guard page. Errors: EINVAL (bad
 * offset or length),
 * EBADSLT and EPROTOTYPE (handle), then those of ipcsvc_area_mmap() and
 * ipcsvc_channel_mmap().
 */
static int ipcsvc_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcsvc_port *port = file->private_data;
	unsigned long token = vma->vm_pgoff;
	u64 len = vma->vm_end - vma->vm_start, one;
	struct ipcsvc_area *area, *rx;
	struct ipcsvc_endpoint *ep;
	u32 dir = token & 1;
	int ret = -EINVAL;

	if (!(token >> 1) || (token >> 1) > INT_MAX)
		return -EINVAL;
	ep = ipcsvc_get_ep(port, token >> 1);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	area = ipcsvc_endpoint_area(ep, dir);
	one = ipcsvc_area_map_bytes(area);
	rx = ipcsvc_endpoint_area(ep, IPCSVC_DIR_RX);
	if (len == one ||
	    (len == IPCSVC_AREA_HEADER_BYTES && dir == IPCSVC_DIR_TX))
		ret = ipcsvc_area_mmap(area, vma, dir == IPCSVC_DIR_TX);
	else if (dir == IPCSVC_DIR_TX &&
		 len == one + ipcsvc_area_map_bytes(rx))
		ret = ipcsvc_channel_mmap(area, rx, vma);
	ipcsvc_put_ep(ep);
	return ret;
}

static int ipcsvc_open(struct inode *inode, struct file *file)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct ipcsvc_port *port;
	struct file *pin;
	int ret;

	ret = ipcsvc_ipc_ns_get(ns, &pin);
	if (ret)
		return ret;
	port = ipcsvc_port_create(ns, task_active_pid_ns(current),
				  file->f_cred);
	if (!port) {
		ipcsvc_ipc_ns_put(ns, pin);
		return -ENOMEM;
	}
	port->ipc_ns_pin = pin;
	file->private_data = port;
	return stream_open(inode, file);
}

/*
 * Services are withdrawn by the shutdown, so the namespace may go once it
 * is done, even if in-flight connects still hold the port. A release in a
 * task that is exiting is its process's death (or exit without closing)
 * for introspection: the last reference went with the file table.
 */
static int ipcsvc_release(struct inode *inode, struct file *file)
{
	struct ipcsvc_port *port = file->private_data;
	struct ipc_namespace *ns = port->ipc_ns;
	struct file *pin = port->ipc_ns_pin;

	ipcsvc_port_shutdown(port, current->flags & PF_EXITING ?
			     IPCSVC_REASON_PROCESS_DIED :
			     IPCSVC_REASON_CLOSED);
	ipcsvc_port_put(port);
	ipcsvc_ipc_ns_put(ns, pin);
	return 0;
}

static void ipcsvc_show_fdinfo(struct seq_file *m, struct file *file)
{
	ipcsvc_port_show(file->private_data, m);
}

static const struct file_operations ipcsvc_fops = {
	.owner = THIS_MODULE,
	.show_fdinfo = ipcsvc_show_fdinfo,
	.open = ipcsvc_open,
	.release = ipcsvc_release,
	.read = ipcsvc_read,
	.poll = ipcsvc_poll,
	.mmap = ipcsvc_mmap,
	.unlocked_ioctl = ipcsvc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * A fixed misc minor, so that the device node can exist before the module
 * is loaded (kmod static-nodes, from the devname alias below) and opening
 * it loads the module. 246 is assigned to nothing in the kernel's
 * miscdevice.h or devices.txt; should another driver of a kernel hold it,
 * the module falls back to a dynamic minor and only the loading on first
 * open is lost.
 */
#define IPCSVC_MISC_MINOR	246

static struct miscdevice ipcsvc_misc = {
	.minor = IPCSVC_MISC_MINOR,
	.name = IPCSVC_DEVICE_NAME,
	.fops = &ipcsvc_fops,
	.mode = 0666,
};

static int __init ipcsvc_init(void)
{
	int ret = ipcsvc_area_init();

	if (ret)
		return ret;
	ret = ipcsvc_netlink_init();
	if (ret)
		goto area;
	ret = misc_register(&ipcsvc_misc);
	if (ret == -EBUSY) {
		pr_notice("ipcsvc: misc minor %d is taken, using a dynamic one\n",
			  IPCSVC_MISC_MINOR);
		ipcsvc_misc.minor = MISC_DYNAMIC_MINOR;
		ret = misc_register(&ipcsvc_misc);
	}
	if (ret)
		goto netlink;
	return 0;
netlink:
	ipcsvc_netlink_exit();
area:
	ipcsvc_area_exit();
	return ret;
}

static void __exit ipcsvc_exit(void)
{
	misc_deregister(&ipcsvc_misc);
	ipcsvc_netlink_exit();
	ipcsvc_area_exit();
}

module_init(ipcsvc_init);
module_exit(ipcsvc_exit);

MODULE_DESCRIPTION("ipcsvc: service discovery and shared-memory channels");
MODULE_LICENSE("GPL");
MODULE_VERSION(IPCSVC_RELEASE);
MODULE_ALIAS_MISCDEV(IPCSVC_MISC_MINOR);
MODULE_ALIAS("devname:" IPCSVC_DEVICE_NAME);
