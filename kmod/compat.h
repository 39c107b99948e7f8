/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module builds against Debian's 6.1 and 6.12 kernels. The interfaces
 * that differ between them are wrapped here, so that the rest of the code
 * is written for one API: vm_flags updates, taking a reference on a file
 * that may be on its way out, holding an IPC namespace, and where a generic
 * netlink dump finds its parsed attributes. kmod/Kbuild
 * probes the target kernel for each one (IPCSVC_HAVE_*) instead of
 * comparing version numbers.
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
#include <linux/workqueue.h>
#include <net/genetlink.h>

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
 * Take a reference on @file unless its last one is already gone (its
 * release may be pending); the caller keeps it from being freed meanwhile.
 */
static inline bool ipcsvc_file_get_live(struct file *file)
{
#ifdef IPCSVC_HAVE_FILE_REF
	/* 6.13 turned f_count into a file_ref_t */
	return file_ref_get(&file->f_ref);
#else
	return atomic_long_inc_not_zero(&file->f_count);
#endif
}

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
 *
 * That round trip runs in a kworker, whose file table is the kernel
 * threads' own: no thread of the opener can close or replace the
 * temporary descriptor under us (and have us take its file instead), the
 * opener needs no spare descriptor, and the nsfs file is opened with the
 * kernel's credentials, which no LSM policy on nsfs denies.
 */
static inline struct ns_common *ipcsvc_ipc_ns_common_get(struct ns_common *ns)
{
	return &get_ipc_ns(container_of(ns, struct ipc_namespace, ns))->ns;
}

struct ipcsvc_ns_pin {
	struct work_struct work;
	struct ipc_namespace *ns;
	struct file *file;
	int err;
};

static inline void ipcsvc_ns_pin_fn(struct work_struct *work)
{
	struct ipcsvc_ns_pin *pin = container_of(work, struct ipcsvc_ns_pin,
						 work);
	struct file *file;
	int fd;

	fd = open_related_ns(&pin->ns->ns, ipcsvc_ipc_ns_common_get);
	if (fd < 0) {
		pin->err = fd;
		return;
	}
	file = close_fd_get_file(fd);
	if (WARN_ON_ONCE(!file)) {
		pin->err = -EAGAIN;
		return;
	}
	get_file(file);
	filp_close(file, current->files);
	pin->file = file;
}

static inline int ipcsvc_ipc_ns_get(struct ipc_namespace *ns,
				    struct file **pin)
{
	struct ipcsvc_ns_pin p = { .ns = ns };
	struct inode *inode;

	INIT_WORK_ONSTACK(&p.work, ipcsvc_ns_pin_fn);
	queue_work(system_unbound_wq, &p.work);
	flush_work(&p.work);
	destroy_work_on_stack(&p.work);
	if (p.err)
		return p.err;
	/* Nothing but us used that descriptor; check anyway. */
	inode = file_inode(p.file);
	if (WARN_ON_ONCE(inode->i_sb->s_magic != NSFS_MAGIC ||
			 get_proc_ns(inode) != &ns->ns)) {
		fput(p.file);
		return -EAGAIN;
	}
	*pin = p.file;
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

/*
 * A dump's request attributes, parsed and validated against the
 * operation's policy when the dump started. 6.2 moved them from the dump
 * info into a struct genl_info inside it (with the split operations).
 */
#ifdef IPCSVC_HAVE_GENL_INFO_DUMP
static inline struct nlattr **ipcsvc_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static inline struct nlattr **ipcsvc_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

#endif /* IPCSVC_COMPAT_H */
