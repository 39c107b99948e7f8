/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module builds against Debian's 6.1 and 6.12 kernels. The only two
 * interfaces that differ between them are wrapped here, so that the rest of
 * the code is written for one API. kmod/Kbuild probes the target kernel for
 * each one (IPCSVC_HAVE_*) instead of comparing version numbers.
 */
#ifndef IPCSVC_COMPAT_H
#define IPCSVC_COMPAT_H

#include <linux/ipc_namespace.h>
#include <linux/mm.h>

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

#ifdef IPCSVC_HAVE_PUT_IPC_NS
/*
 * A port holds its opener's IPC namespace, the registry key, for as long
 * as it lives. put_ipc_ns() is exported to modules by 6.12.
 */
static inline void ipcsvc_ipc_ns_get(struct ipc_namespace *ns)
{
	get_ipc_ns(ns);
}

static inline void ipcsvc_ipc_ns_put(struct ipc_namespace *ns)
{
	put_ipc_ns(ns);
}

#else
/*
 * 6.1 does not export put_ipc_ns(), so a port cannot pin its namespace.
 * The namespace pointer is then only a registry key, never dereferenced
 * after open(); see "IPC namespaces" in Documentation/kernel.md.
 */
static inline void ipcsvc_ipc_ns_get(struct ipc_namespace *ns)
{
}

static inline void ipcsvc_ipc_ns_put(struct ipc_namespace *ns)
{
}
#endif

#endif /* IPCSVC_COMPAT_H */
