// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc: the /dev/ipcsvc misc device.
 *
 * Each open() of the device is a port. The module's job is small on purpose:
 * it names services, creates channels, allocates and maps their buffer
 * areas, wakes sleepers and reports events. The message queue inside an area
 * is run by userspace (libipcsvc) without the kernel on the data path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ipcsvc.h"

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

static long ipcsvc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IPCSVC_IOC_VERSION:
		return ipcsvc_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static int ipcsvc_open(struct inode *inode, struct file *file)
{
	return stream_open(inode, file);
}

static const struct file_operations ipcsvc_fops = {
	.owner = THIS_MODULE,
	.open = ipcsvc_open,
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
