/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module builds against Debian's 6.1 and 6.12 kernels. The only two
 * interfaces that differ between them are wrapped here, so that the rest of
 * the code is written for one API: vm_flags updates and holding an IPC
 * namespace. kmod/Kbuild probes the target kernel for each one
 * (IPCSVC_HAVE_*) instead of comparing version numbers.
 */
#ifndef IPCSVC_COMPAT_H
#define IPCSVC_COMPAT_H

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>

#ifdef IPCSVC_HAVE_VM_FLAGS_MOD
/* vm_flags became read-only in 6.3; these helpers replaced assignment. */
static inline void ipcsvc_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vm_flags_mod(vma, set, clear);
}
#else
static inline void ipcsvc_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

/*
 * A port pins its opener's IPC namespace, the registry key, for as long as
 * its file lives, so that the namespace's address cannot be reused by a new
 * namespace while a service is registered under it. See "IPC namespaces" in
 * Documentation/kernel.md.
 *
 * ipcsvc_ipc_ns_get() pins @ns and stores in *@pin what
 * ipcsvc_ipc_ns_put() must be given back; it returns 0 or -errno. @ns must
 * be held by the caller (the current task's namespace is).
 */
#if defined(IPCSVC_HAVE_PUT_IPC_NS)
/* 6.12 exports put_ipc_ns(): a plain counted reference. */
static inline int ipcsvc_ipc_ns_get(struct ipc_namespace *ns,
				    struct file **pin)
{
	get_ipc_ns(ns);
	*pin = NULL;
	return 0;
}

static inline void ipcsvc_ipc_ns_put(struct ipc_namespace *ns,
				     struct file *pin)
{
	put_ipc_ns(ns);
}

#elif defined(IPCSVC_HAVE_NS_FILE)
/*
 * 6.1 does not export put_ipc_ns(), so a module cannot drop a reference it
 * took. The namespace's nsfs file holds one, and its last fput() drops it
 * from inside the kernel: the port keeps such a file. open_related_ns() is
 * the exported way to make one; it installs it in the caller's file table,
 * from which close_fd_get_file() takes it back at once.
 */
static inline struct ns_common *ipcsvc_ipc_ns_common_get(struct ns_common *ns)
{
	return &get_ipc_ns(container_of(ns, struct ipc_namespace, ns))->ns;
}

static inline int ipcsvc_ipc_ns_get(struct ipc_namespace *ns,
				    struct file **pin)
{
	struct inode *inode;
	struct file *file;
	int fd;

	fd = open_related_ns(&ns->ns, ipcsvc_ipc_ns_common_get);
	if (fd < 0)
		return fd;
	/*
	 * Take the file out of the table as close(fd) would, keeping one
	 * reference. Another thread of the caller could have closed or
	 * replaced @fd meanwhile: keep the file only if it is the nsfs file
	 * of @ns.
	 */
	file = close_fd_get_file(fd);
	if (!file)
		return -EAGAIN;
	get_file(file);
	filp_close(file, current->files);
	inode = file_inode(file);
	if (inode->i_sb->s_magic != NSFS_MAGIC ||
	    get_proc_ns(inode) != &ns->ns) {
		fput(file);
		return -EAGAIN;
	}
	*pin = file;
	return 0;
}

static inline void ipcsvc_ipc_ns_put(struct ipc_namespace *ns,
				     struct file *pin)
{
	fput(pin);
}

#else
#error "ipcsvc: the kernel exports no way to hold an IPC namespace"
#endif

#endif /* IPCSVC_COMPAT_H */
