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
 * does the work (port.c, registry.c, channel.c, area.c, event.c) and
 * copies the result out. The object and lock model is in ipcsvc.h;
 * Documentation/abi.md and Documentation/kernel.md describe both.
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
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "ipcsvc.h"

unsigned int ipcsvc_max_handles = 4096;
module_param_named(max_handles, ipcsvc_max_handles, uint, 0644);
MODULE_PARM_DESC(max_handles, "Handles per port (default 4096)");

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
	v->__pad = 0;
	strscpy(v->release, IPCSVC_RELEASE, sizeof(v->release));
}

/*
 * Extensible-struct convention shared by every ioctl: the first u32 is the
 * caller's idea of the struct size. Older (smaller, but at least the first
 * published) sizes are zero-extended; newer ones are accepted only if the
 * bytes we do not know are zero (copy_struct_from_user() checks that).
 */
static int ipcsvc_copy_in(void *dst, size_t ksize, size_t min_size,
			  const void __user *uarg, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < min_size || size > PAGE_SIZE)
		return -EINVAL;
	*usize = size;
	return copy_struct_from_user(dst, ksize, uarg, size);
}

static long ipcsvc_ioctl_version(void __user *uarg)
{
	struct ipcsvc_version v;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&v, sizeof(v), IPCSVC_VERSION_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	if (v.abi || v.major || v.minor || v.patch || v.__pad ||
	    memchr_inv(v.release, 0, sizeof(v.release)))
		return -EINVAL;	/* output fields must come in zeroed */

	ipcsvc_version_fill(&v);
	v.size = min_t(u32, usize, sizeof(v));
	if (copy_to_user(uarg, &v, v.size))
		return -EFAULT;
	return 0;
}

/* Write back the first min(@usize, @ksize) bytes of an ioctl struct. */
static int ipcsvc_copy_out(void __user *uarg, const void *src, size_t ksize,
			   u32 usize)
{
	if (copy_to_user(uarg, src, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

/* Name bytes past @len must be zero, so that a name has one encoding. */
static int ipcsvc_name_arg(const u8 *name, u32 len)
{
	if (len < 1 || len > IPCSVC_PROTOCOL_NAME_MAX)
		return -EINVAL;
	if (memchr_inv(name + len, 0, IPCSVC_PROTOCOL_NAME_MAX - len))
		return -EINVAL;
	return 0;
}

static long ipcsvc_ioctl_service_create(struct ipcsvc_port *port,
					void __user *uarg)
{
	struct ipcsvc_service_create arg;
	u32 usize, handle;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_SERVICE_CREATE_SIZE_VER0,
			     uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.__pad || arg.mode > 0777)
		return -EINVAL;
	ret = ipcsvc_name_arg(arg.name, arg.name_len);
	if (ret)
		return ret;
	ret = ipcsvc_service_create(port, arg.name, arg.name_len, arg.version,
				    arg.mode, &handle);
	if (ret)
		return ret;
	arg.handle = handle;
	ret = ipcsvc_copy_out(uarg, &arg, sizeof(arg), usize);
	if (ret)
		ipcsvc_port_close_handle(port, handle);
	return ret;
}

static long ipcsvc_ioctl_connect(struct ipcsvc_port *port, void __user *uarg)
{
	struct ipcsvc_connect arg;
	u32 usize, handle;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_CONNECT_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.__pad || arg.__pad2)
		return -EINVAL;
	ret = ipcsvc_name_arg(arg.name, arg.name_len);
	if (ret)
		return ret;
	ret = ipcsvc_connect(port, arg.name, arg.name_len, arg.version,
			     arg.max_send, arg.max_recv, &handle);
	if (ret)
		return ret;
	arg.handle = handle;
	ret = ipcsvc_copy_out(uarg, &arg, sizeof(arg), usize);
	if (ret)
		ipcsvc_port_close_handle(port, handle);
	return ret;
}

static long ipcsvc_ioctl_close(struct ipcsvc_port *port, void __user *uarg)
{
	struct ipcsvc_handle_arg arg;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_HANDLE_ARG_SIZE_VER0,
			     uarg, &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.__pad)
		return -EINVAL;
	return ipcsvc_port_close_handle(port, arg.handle);
}

/* Look up a channel end; -EBADF when @handle names none in @port. */
static struct ipcsvc_endpoint *ipcsvc_get_ep(struct ipcsvc_port *port,
					     u32 handle)
{
	struct ipcsvc_hobj *h;

	h = ipcsvc_port_lookup(port, handle, IPCSVC_H_CHANNEL);
	return h ? ipcsvc_to_ep(h) : ERR_PTR(-EBADF);
}

static void ipcsvc_put_ep(struct ipcsvc_endpoint *ep)
{
	ipcsvc_hobj_put(&ep->h);
}

static long ipcsvc_ioctl_map_info(struct ipcsvc_port *port, void __user *uarg)
{
	struct ipcsvc_map_info arg;
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_area *area;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_MAP_INFO_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.dir > IPCSVC_DIR_RX)
		return -EINVAL;
	ep = ipcsvc_get_ep(port, arg.handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	area = ipcsvc_endpoint_area(ep, arg.dir);
	arg.offset = ((u64)arg.handle * 2 + arg.dir) <<
		     (IPCSVC_MMAP_TOKEN_SHIFT + PAGE_SHIFT);
	arg.area_bytes = (u64)area->nr_max << PAGE_SHIFT;
	arg.map_size = arg.area_bytes + PAGE_SIZE;
	arg.max_size = area->max_size;
	arg.committed = ipcsvc_area_committed(area);
	arg.producer_offset = IPCSVC_AREA_PRODUCER_PAGE << PAGE_SHIFT;
	arg.consumer_offset = IPCSVC_AREA_CONSUMER_PAGE << PAGE_SHIFT;
	arg.data_offset = IPCSVC_AREA_HEADER_PAGES << PAGE_SHIFT;
	ipcsvc_put_ep(ep);
	return ipcsvc_copy_out(uarg, &arg, sizeof(arg), usize);
}

static long ipcsvc_ioctl_grow(struct ipcsvc_port *port, void __user *uarg)
{
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_area *area;
	struct ipcsvc_grow arg;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_GROW_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	ep = ipcsvc_get_ep(port, arg.handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	area = ipcsvc_endpoint_area(ep, IPCSVC_DIR_TX);
	ret = ipcsvc_area_grow(area, arg.new_size);
	arg.committed = ipcsvc_area_committed(area);
	ipcsvc_put_ep(ep);
	if (ret)
		return ret;
	return ipcsvc_copy_out(uarg, &arg, sizeof(arg), usize);
}

static long ipcsvc_ioctl_wait(struct ipcsvc_port *port, void __user *uarg,
			      bool arm)
{
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_wait arg;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_WAIT_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.dir > IPCSVC_DIR_RX || (arm && arg.timeout_ns))
		return -EINVAL;
	ep = ipcsvc_get_ep(port, arg.handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	if (arm)
		ret = ipcsvc_channel_arm(ep, arg.dir, arg.offset, arg.value);
	else
		ret = ipcsvc_channel_wait(ep, arg.dir, arg.offset, arg.value,
					  arg.timeout_ns);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_wake(struct ipcsvc_port *port, void __user *uarg)
{
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_wake arg;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_WAKE_SIZE_VER0, uarg,
			     &usize);
	if (ret)
		return ret;
	if (arg.flags || arg.dir > IPCSVC_DIR_RX)
		return -EINVAL;
	ep = ipcsvc_get_ep(port, arg.handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ret = ipcsvc_channel_wake(ep, arg.dir);
	ipcsvc_put_ep(ep);
	return ret;
}

static long ipcsvc_ioctl_peer_creds(struct ipcsvc_port *port,
				    void __user *uarg)
{
	struct ipcsvc_peer_creds arg;
	struct ipcsvc_endpoint *ep;
	u32 usize;
	int ret;

	ret = ipcsvc_copy_in(&arg, sizeof(arg), IPCSVC_PEER_CREDS_SIZE_VER0,
			     uarg, &usize);
	if (ret)
		return ret;
	ep = ipcsvc_get_ep(port, arg.handle);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	ipcsvc_channel_peer_creds(ep, port, &arg);
	ipcsvc_put_ep(ep);
	return ipcsvc_copy_out(uarg, &arg, sizeof(arg), usize);
}

static long ipcsvc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct ipcsvc_port *port = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IPCSVC_IOC_VERSION:
		return ipcsvc_ioctl_version(uarg);
	case IPCSVC_IOC_SERVICE_CREATE:
		return ipcsvc_ioctl_service_create(port, uarg);
	case IPCSVC_IOC_CONNECT:
		return ipcsvc_ioctl_connect(port, uarg);
	case IPCSVC_IOC_CLOSE:
		return ipcsvc_ioctl_close(port, uarg);
	case IPCSVC_IOC_MAP_INFO:
		return ipcsvc_ioctl_map_info(port, uarg);
	case IPCSVC_IOC_GROW:
		return ipcsvc_ioctl_grow(port, uarg);
	case IPCSVC_IOC_WAIT:
		return ipcsvc_ioctl_wait(port, uarg, false);
	case IPCSVC_IOC_ARM:
		return ipcsvc_ioctl_wait(port, uarg, true);
	case IPCSVC_IOC_WAKE:
		return ipcsvc_ioctl_wake(port, uarg);
	case IPCSVC_IOC_PEER_CREDS:
		return ipcsvc_ioctl_peer_creds(port, uarg);
	default:
		return -ENOTTY;
	}
}

/* Events are read whole, without blocking; EAGAIN when there are none. */
static ssize_t ipcsvc_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct ipcsvc_port *port = file->private_data;
	struct ipcsvc_event ev[8];
	size_t want = count / sizeof(ev[0]), done = 0, n;

	if (!want)
		return -EINVAL;
	/*
	 * Fault the buffer in before events leave the queue, so that a bad
	 * buffer loses none. Only a concurrent munmap() could still make the
	 * copy below fail.
	 */
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
	return done ? done * sizeof(ev[0]) : -EAGAIN;
}

static __poll_t ipcsvc_poll(struct file *file, poll_table *wait)
{
	struct ipcsvc_port *port = file->private_data;

	/* Register first, then look: see ipcsvc_event_post(). */
	poll_wait(file, &port->ev_wq, wait);
	return ipcsvc_event_pending(port) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * mmap() of an area: the offset from IPCSVC_IOC_MAP_INFO, the length
 * map_size, MAP_SHARED, no PROT_EXEC. EINVAL for a bad offset, length or
 * handle or a private mapping; EPERM for PROT_EXEC.
 */
static int ipcsvc_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ipcsvc_port *port = file->private_data;
	unsigned long token = vma->vm_pgoff >> IPCSVC_MMAP_TOKEN_SHIFT;
	struct ipcsvc_endpoint *ep;
	struct ipcsvc_area *area;
	u32 dir = token & 1;
	int ret;

	if (vma->vm_pgoff & ((1UL << IPCSVC_MMAP_TOKEN_SHIFT) - 1))
		return -EINVAL;
	if ((token >> 1) > U32_MAX)
		return -EINVAL;
	ep = ipcsvc_get_ep(port, token >> 1);
	if (IS_ERR(ep))
		return -EINVAL;
	area = ipcsvc_endpoint_area(ep, dir);
	if (vma_pages(vma) != area->nr_max + 1)
		ret = -EINVAL;
	else
		ret = ipcsvc_area_mmap(area, vma, dir == IPCSVC_DIR_TX);
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
 * is done, even if in-flight connects still hold the port.
 */
static int ipcsvc_release(struct inode *inode, struct file *file)
{
	struct ipcsvc_port *port = file->private_data;
	struct ipc_namespace *ns = port->ipc_ns;
	struct file *pin = port->ipc_ns_pin;

	ipcsvc_port_shutdown(port);
	ipcsvc_port_put(port);
	ipcsvc_ipc_ns_put(ns, pin);
	return 0;
}

static const struct file_operations ipcsvc_fops = {
	.owner = THIS_MODULE,
	.open = ipcsvc_open,
	.release = ipcsvc_release,
	.read = ipcsvc_read,
	.poll = ipcsvc_poll,
	.mmap = ipcsvc_mmap,
	.unlocked_ioctl = ipcsvc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ipcsvc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = IPCSVC_DEVICE_NAME,
	.fops = &ipcsvc_fops,
	.mode = 0666,
};

module_misc_device(ipcsvc_misc);

MODULE_DESCRIPTION("ipcsvc: service discovery and shared-memory channels");
MODULE_LICENSE("GPL");
MODULE_VERSION(IPCSVC_RELEASE);
