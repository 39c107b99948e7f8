// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc buffer areas: one per direction of a channel.
 *
 * Memory
 * ------
 * An area of max_size data bytes spans IPCSVC_AREA_HEADER_PAGES header pages
 * plus max_size / PAGE_SIZE data pages (nr_max pages in all). Only a page
 * array of nr_max pointers is allocated up front. Pages are committed one
 * by one with alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO): the three header
 * pages and one data page at creation, more when the producer grows the
 * area. Committed bytes (header pages included) are charged to the
 * producer's user against the max_user_bytes parameter, and to its memory
 * cgroup through __GFP_ACCOUNT.
 *
 * The kernel's own view of an area is a virtually contiguous vmap() of the
 * committed pages in vmalloc space. Growth builds a new view and retires
 * the old one under ->kview_lock; the kernel uses its view only to write
 * the identity page (at creation, on growth and when the channel closes)
 * and to read the single words WAIT and ARM compare.
 *
 * Mappings
 * --------
 * Userspace maps an area with mmap() on the port fd at the offset
 * IPCSVC_IOC_MAP_INFO reports, with exactly map_size bytes: the area plus
 * one guard page. Pages are inserted by the fault handler: a page below
 * the committed size gets its page, anything above it, the guard page
 * included, raises SIGBUS in the faulting process only. The guard page is
 * part of the VMA so that no other mapping can ever be placed right after
 * the area.
 *
 * Every VMA is write-notified (it has ->page_mkwrite), so a page is first
 * mapped read-only and a write fault asks us. The producer's mapping may
 * write its producer page and the data pages; the consumer's mapping may
 * write only its consumer page; nobody may write the identity page. A
 * refused write raises SIGBUS. mprotect() cannot lift this: the next write
 * fault asks again. A mapping made without PROT_WRITE also loses
 * VM_MAYWRITE. PROT_EXEC is refused and VM_MAYEXEC cleared.
 *
 * The VMA is VM_DONTCOPY (a forked child does not inherit it), VM_DONTEXPAND
 * (mremap() cannot grow it) and VM_DONTDUMP. Its file is switched from the
 * port to an anonymous file that holds a reference on the area, so that
 * a mapping keeps the area alive but not the port: closing the port fd
 * tears the port down even while its areas are mapped.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ipcsvc.h"

#define IPCSVC_IDENTITY(area) ((struct ipcsvc_area_identity *)(area)->kaddr)

static void ipcsvc_area_free_pages(struct ipcsvc_area *area,
				   unsigned long from, unsigned long to)
{
	unsigned long i;

	for (i = from; i < to; i++) {
		__free_page(area->pages[i]);
		area->pages[i] = NULL;
	}
	ipcsvc_user_uncharge_bytes(area->user, (to - from) << PAGE_SHIFT);
}

/* Allocate pages [from, to); charges the user first. */
static int ipcsvc_area_alloc_pages(struct ipcsvc_area *area,
				   unsigned long from, unsigned long to)
{
	unsigned long i;
	int ret;

	ret = ipcsvc_user_charge_bytes(area->user, (to - from) << PAGE_SHIFT);
	if (ret)
		return ret;
	for (i = from; i < to; i++) {
		area->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!area->pages[i]) {
			ipcsvc_user_uncharge_bytes(area->user,
						   (to - i) << PAGE_SHIFT);
			ipcsvc_area_free_pages(area, from, i);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Replace the kernel view with one of the first @nr pages. */
static int ipcsvc_area_remap(struct ipcsvc_area *area, unsigned long nr)
{
	void *fresh, *old;

	fresh = vmap(area->pages, nr, VM_MAP, PAGE_KERNEL);
	if (!fresh)
		return -ENOMEM;
	spin_lock(&area->kview_lock);
	old = area->kaddr;
	area->kaddr = fresh;
	spin_unlock(&area->kview_lock);
	/* Nobody uses @old outside kview_lock, so it is unused now. */
	if (old)
		vunmap(old);
	return 0;
}

struct ipcsvc_area *ipcsvc_area_create(u64 max_size, u64 version,
				       const u8 *name, u32 name_len,
				       struct ipcsvc_user *user)
{
	unsigned long first = IPCSVC_AREA_HEADER_PAGES + 1;
	struct ipcsvc_area_identity *id;
	struct ipcsvc_area *area;

	if (WARN_ON(!max_size || !PAGE_ALIGNED(max_size) ||
		    max_size > IPCSVC_BUFFER_SIZE_LIMIT ||
		    name_len > IPCSVC_PROTOCOL_NAME_MAX))
		return ERR_PTR(-EINVAL);

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return ERR_PTR(-ENOMEM);
	kref_init(&area->ref);
	mutex_init(&area->lock);
	spin_lock_init(&area->kview_lock);
	init_waitqueue_head(&area->wq);
	area->max_size = max_size;
	area->nr_max = IPCSVC_AREA_HEADER_PAGES + (max_size >> PAGE_SHIFT);
	refcount_inc(&user->ref);
	area->user = user;
	area->pages = kvcalloc(area->nr_max, sizeof(*area->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!area->pages)
		goto err;
	if (ipcsvc_area_alloc_pages(area, 0, first))
		goto err;
	area->nr_committed = first;	/* not yet visible to anyone */
	if (ipcsvc_area_remap(area, first))
		goto err;

	/* The area is not shared yet: plain stores suffice. */
	id = IPCSVC_IDENTITY(area);
	id->magic = IPCSVC_AREA_MAGIC;
	id->size = PAGE_SIZE;
	id->protocol_version = version;
	id->protocol_name_len = name_len;
	memcpy(id->protocol_name, name, name_len);
	id->max_size = max_size;
	id->producer_offset = IPCSVC_AREA_PRODUCER_PAGE << PAGE_SHIFT;
	id->consumer_offset = IPCSVC_AREA_CONSUMER_PAGE << PAGE_SHIFT;
	id->data_offset = IPCSVC_AREA_HEADER_PAGES << PAGE_SHIFT;
	id->area_bytes = (u64)area->nr_max << PAGE_SHIFT;
	return area;
err:
	ipcsvc_area_put(area);
	return ERR_PTR(-ENOMEM);
}

void ipcsvc_area_get(struct ipcsvc_area *area)
{
	kref_get(&area->ref);
}

static void ipcsvc_area_release(struct kref *ref)
{
	struct ipcsvc_area *area = container_of(ref, struct ipcsvc_area, ref);

	if (area->kaddr)
		vunmap(area->kaddr);
	if (area->pages)
		ipcsvc_area_free_pages(area, 0, area->nr_committed);
	kvfree(area->pages);
	ipcsvc_user_put(area->user);
	mutex_destroy(&area->lock);
	kfree(area);
}

void ipcsvc_area_put(struct ipcsvc_area *area)
{
	kref_put(&area->ref, ipcsvc_area_release);
}

/* Committed data bytes. */
u64 ipcsvc_area_committed(struct ipcsvc_area *area)
{
	/* pairs with smp_store_release() in ipcsvc_area_grow() */
	unsigned long nr = smp_load_acquire(&area->nr_committed);

	return (u64)(nr - IPCSVC_AREA_HEADER_PAGES) << PAGE_SHIFT;
}

/*
 * Commit data pages until @new_size bytes (rounded up to pages) are
 * committed. Errors: EFBIG (beyond max_size), EDQUOT (per-user bytes),
 * ENOMEM, EPIPE (the channel is closed).
 */
int ipcsvc_area_grow(struct ipcsvc_area *area, u64 new_size)
{
	unsigned long nr, old;
	int ret = 0;

	if (new_size > area->max_size)
		return -EFBIG;
	nr = IPCSVC_AREA_HEADER_PAGES + (PAGE_ALIGN(new_size) >> PAGE_SHIFT);

	mutex_lock(&area->lock);
	if (READ_ONCE(area->dead)) {
		ret = -EPIPE;
		goto out;
	}
	old = area->nr_committed;
	if (nr <= old)
		goto out;
	ret = ipcsvc_area_alloc_pages(area, old, nr);
	if (ret)
		goto out;
	ret = ipcsvc_area_remap(area, nr);
	if (ret) {
		ipcsvc_area_free_pages(area, old, nr);
		goto out;
	}
	/*
	 * Publish the pages to the fault handler: pairs with smp_load_acquire()
	 * in ipcsvc_area_page() and ipcsvc_area_committed().
	 */
	smp_store_release(&area->nr_committed, nr);
	spin_lock(&area->kview_lock);
	/*
	 * Then tell userspace. The pages are faultable before the new size is
	 * visible: pairs with the acquire load of ipcsvc_area_identity.size in
	 * libipcsvc (lib/), which may touch pages below the size it read.
	 */
	smp_store_release(&IPCSVC_IDENTITY(area)->size,
			  (u64)(nr - IPCSVC_AREA_HEADER_PAGES) << PAGE_SHIFT);
	spin_unlock(&area->kview_lock);
out:
	mutex_unlock(&area->lock);
	return ret;
}

/* WAIT and ARM name a __u64 in the producer or consumer page. */
int ipcsvc_area_check_word(const struct ipcsvc_area *area, u64 offset)
{
	if (offset & 7)
		return -EINVAL;
	if (offset < (IPCSVC_AREA_PRODUCER_PAGE << PAGE_SHIFT) ||
	    offset >= (IPCSVC_AREA_HEADER_PAGES << PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

/* Read a word checked by ipcsvc_area_check_word() through the kernel view. */
u64 ipcsvc_area_read_word(struct ipcsvc_area *area, u64 offset)
{
	u64 val;

	spin_lock(&area->kview_lock);
	/*
	 * A plain single load: the value is only compared, never used to
	 * reach other shared data, so it needs no acquire. Ordering against
	 * the peer's store and wake is given by the wait queue (WAIT) or
	 * chan->lock (ARM); see ipcsvc_channel_wait().
	 */
	val = READ_ONCE(*(u64 *)(area->kaddr + offset));
	spin_unlock(&area->kview_lock);
	return val;
}

/* For KUnit: a field of the identity page, by byte offset. */
u64 ipcsvc_area_read_identity(struct ipcsvc_area *area, size_t field)
{
	u64 val;

	spin_lock(&area->kview_lock);
	val = READ_ONCE(*(u64 *)(area->kaddr + field));
	spin_unlock(&area->kview_lock);
	return val;
}

/*
 * The channel is closing: fail growth, end every wait, and tell both
 * processes through identity.closed, which they can read without a
 * system call.
 */
void ipcsvc_area_kill(struct ipcsvc_area *area)
{
	mutex_lock(&area->lock);
	WRITE_ONCE(area->dead, true);
	spin_lock(&area->kview_lock);
	/*
	 * pairs with the acquire load of identity.closed in dir_closed() in
	 * libipcsvc (lib/channel.c): whatever the closing side published
	 * before it closed is visible to a reader that sees the flag.
	 */
	smp_store_release(&IPCSVC_IDENTITY(area)->closed, 1);
	spin_unlock(&area->kview_lock);
	mutex_unlock(&area->lock);
	wake_up_all(&area->wq);
}

/* ---- mappings ---- */

#define IPCSVC_MMAP_INDEX_MASK	((1UL << IPCSVC_MMAP_TOKEN_SHIFT) - 1)

static unsigned long ipcsvc_vmf_index(struct vm_fault *vmf)
{
	return vmf->pgoff & IPCSVC_MMAP_INDEX_MASK;
}

/*
 * The page at @idx of the area, or NULL if it is reserved but not committed
 * or is the guard page (idx == nr_max), or lies beyond.
 */
struct page *ipcsvc_area_page(struct ipcsvc_area *area, unsigned long idx)
{
	/* pairs with smp_store_release() in ipcsvc_area_grow() */
	unsigned long nr = smp_load_acquire(&area->nr_committed);

	return idx < nr ? area->pages[idx] : NULL;
}

static vm_fault_t ipcsvc_area_fault(struct vm_fault *vmf)
{
	struct ipcsvc_area *area = vmf->vma->vm_private_data;
	struct page *page = ipcsvc_area_page(area, ipcsvc_vmf_index(vmf));

	/* Reserved but uncommitted, or the guard page: the toucher faults. */
	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

/* May the producer's (or the consumer's) mapping write page @idx? */
bool ipcsvc_area_may_write(unsigned long idx, bool producer)
{
	if (producer)
		return idx == IPCSVC_AREA_PRODUCER_PAGE ||
		       idx >= IPCSVC_AREA_HEADER_PAGES;
	return idx == IPCSVC_AREA_CONSUMER_PAGE;
}

static vm_fault_t ipcsvc_area_mkwrite(struct vm_fault *vmf, bool producer)
{
	if (!ipcsvc_area_may_write(ipcsvc_vmf_index(vmf), producer))
		return VM_FAULT_SIGBUS;
	/* The core wants the page locked; ours have no mapping to revalidate. */
	lock_page(vmf->page);
	return VM_FAULT_LOCKED;
}

static vm_fault_t ipcsvc_area_mkwrite_producer(struct vm_fault *vmf)
{
	return ipcsvc_area_mkwrite(vmf, true);
}

static vm_fault_t ipcsvc_area_mkwrite_consumer(struct vm_fault *vmf)
{
	return ipcsvc_area_mkwrite(vmf, false);
}

static const struct vm_operations_struct ipcsvc_area_producer_vm_ops = {
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_producer,
};

static const struct vm_operations_struct ipcsvc_area_consumer_vm_ops = {
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_consumer,
};

static int ipcsvc_area_file_release(struct inode *inode, struct file *file)
{
	ipcsvc_area_put(file->private_data);
	return 0;
}

static const struct file_operations ipcsvc_area_fops = {
	.owner = THIS_MODULE,
	.release = ipcsvc_area_file_release,
};

/*
 * Set up @vma, whose offset and length the caller checked, to map @area.
 * Errors: EINVAL (not MAP_SHARED), EPERM (PROT_EXEC), ENOMEM.
 */
int ipcsvc_area_mmap(struct ipcsvc_area *area, struct vm_area_struct *vma,
		     bool producer)
{
	vm_flags_t clear = VM_MAYEXEC;
	struct file *file;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (!(vma->vm_flags & VM_WRITE))
		clear |= VM_MAYWRITE;

	ipcsvc_area_get(area);
	file = anon_inode_getfile("[ipcsvc-area]", &ipcsvc_area_fops, area,
				  O_RDWR);
	if (IS_ERR(file)) {
		ipcsvc_area_put(area);
		return PTR_ERR(file);
	}
	ipcsvc_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
			    clear);
	vma->vm_ops = producer ? &ipcsvc_area_producer_vm_ops :
				 &ipcsvc_area_consumer_vm_ops;
	vma->vm_private_data = area;
	vma_set_file(vma, file);
	fput(file);	/* the VMA holds its own reference now */
	return 0;
}
