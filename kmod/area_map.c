// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc buffer areas, as processes map them.
 *
 * Userspace maps an area with mmap() on the port fd at the offset
 * IPCSVC_IOC_MAP_INFO reports, with exactly map_size bytes: the area plus
 * one guard page. Data pages are inserted by the fault handler; in an area
 * produced by side s, page 0 is the identity page, page 1 the control page
 * of side s, page 2 that of the other side, and then the data pages. A
 * data page not committed yet, and the guard page, raise SIGBUS in the
 * faulting process only. The guard page is part of the VMA so that no
 * other mapping can ever be placed right after the area, and the VMA
 * refuses to be split (->may_split), so no partial munmap(), mprotect() or
 * mremap() can take the guard page away on its own.
 *
 * Every VMA is write-notified (it has ->page_mkwrite), so a page is first
 * mapped read-only and a write fault asks us. The header pages are mapped
 * by mmap() itself (ipcsvc_area_map_header()), the rest by faults. The
 * producer's mapping may write its control page and the data pages; the
 * consumer's mapping may write only its own control page; nobody may write
 * the identity page. A refused write raises SIGBUS. mprotect() cannot lift
 * this: the next write fault asks again. A mapping made without PROT_WRITE
 * also loses VM_MAYWRITE. PROT_EXEC is refused and VM_MAYEXEC cleared.
 *
 * The VMA is VM_DONTCOPY (a forked child does not inherit it unless the
 * process asks with MADV_DOFORK), VM_DONTEXPAND and VM_DONTDUMP. It holds a
 * reference on its area (->open and ->close count copies), and its file is
 * switched from the port to the channel's mapping file: a mapping keeps the
 * area and the module alive but not the port. Every mapping of a channel,
 * by either end, shares that one file and its inode (on a private pseudo
 * filesystem), as each file, dentry and inode costs the machine memory for
 * as long as the channel lives. The page offset becomes the area's base in
 * that inode (0 or IPCSVC_AREA_PGOFF_STRIDE, by side) and a page's index in
 * the area is its offset from that base, so the inode's mapping tree lists
 * every VMA of each area at a range of its own, which is how revocation
 * finds them (ipcsvc_area_unmap_data()).
 *
 * A channel mapping shows both areas of one end in one VMA: the area the
 * end produces, then the one it consumes, each half exactly as that
 * area's own mapping, guard page included. It halves the mmap() calls of
 * a connect and the VMAs a channel costs each process. Its page offset
 * is a range of the inode of its own (ipcsvc_chan_map_pgoff()), which
 * revocation unmaps too.
 *
 * A revoked area's data pages read as one shared page of zeroes, the
 * tombstone, which nobody may write.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/personality.h>
#include <linux/pseudo_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ipcsvc.h"

/* "ipcs": the pseudo filesystem that gives every channel an inode. */
#define IPCSVC_FS_MAGIC		0x69706373

static struct vfsmount *ipcsvc_mnt;

/* What a revoked area's data pages read as: zeroes, shared, read-only. */
static struct page *ipcsvc_tombstone;

static int ipcsvc_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, IPCSVC_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type ipcsvc_fs_type = {
	.name = "ipcsvc",
	.init_fs_context = ipcsvc_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* At module load: the mount inodes come from, and the tombstone page. */
int ipcsvc_area_init(void)
{
	ipcsvc_tombstone = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!ipcsvc_tombstone)
		return -ENOMEM;
	ipcsvc_mnt = kern_mount(&ipcsvc_fs_type);
	if (IS_ERR(ipcsvc_mnt)) {
		__free_page(ipcsvc_tombstone);
		return PTR_ERR(ipcsvc_mnt);
	}
	return 0;
}

/* At unload, when no area is left (each mapping pins the module). */
void ipcsvc_area_exit(void)
{
	kern_unmount(ipcsvc_mnt);
	__free_page(ipcsvc_tombstone);
}

/* The inode both areas of a new channel are mapped through. */
struct inode *ipcsvc_area_inode_alloc(void)
{
	return alloc_anon_inode(ipcsvc_mnt->mnt_sb);
}

/* Where the mappings of @area start in the channel's inode, in pages. */
static unsigned long ipcsvc_area_pgoff(const struct ipcsvc_area *area)
{
	return area->side * IPCSVC_AREA_PGOFF_STRIDE;
}

/* The index in its area of the page a fault on an area mapping is for. */
static unsigned long ipcsvc_area_fault_index(const struct vm_fault *vmf)
{
	return vmf->pgoff - ipcsvc_area_pgoff(vmf->vma->vm_private_data);
}

/*
 * Where the channel mappings of the end that produces side @side's area
 * start in the inode, in pages: past both areas' own ranges, two strides
 * for each end, as such a mapping shows both areas.
 */
static unsigned long ipcsvc_chan_map_pgoff(unsigned int side)
{
	return (2 + 2 * side) * IPCSVC_AREA_PGOFF_STRIDE;
}

/*
 * Unmap @area's data pages from every process (revocation): only the
 * ranges of the inode where they show, as the other area shares it. They
 * show in the area's own mappings, as the first half of its producer's
 * channel mappings and as the second half of its consumer's.
 */
void ipcsvc_area_unmap_data(struct ipcsvc_area *area)
{
	struct ipcsvc_header *hdr = area->hdr;
	unsigned int peer = !area->side;
	const unsigned long base[] = {
		ipcsvc_area_pgoff(area),
		ipcsvc_chan_map_pgoff(area->side),
		ipcsvc_chan_map_pgoff(peer) + hdr->area_pages[peer],
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(base); i++)
		unmap_mapping_range(hdr->inode->i_mapping,
				    ((loff_t)base[i] << PAGE_SHIFT) +
				    IPCSVC_AREA_HEADER_BYTES, area->max_size, 1);
}

/*
 * The page at @idx of a mapping of @area, or NULL for a data page not
 * committed yet, the guard page and anything beyond.
 */
struct page *ipcsvc_area_page(struct ipcsvc_area *area, unsigned long idx)
{
	unsigned long nr;

	switch (idx) {
	case IPCSVC_AREA_IDENTITY_PAGE:
		return vmalloc_to_page(area->hdr->kaddr);
	case IPCSVC_AREA_PRODUCER_PAGE:
		return vmalloc_to_page(area->hdr->kaddr +
				       (1 + area->side) * PAGE_SIZE);
	case IPCSVC_AREA_CONSUMER_PAGE:
		return vmalloc_to_page(area->hdr->kaddr +
				       (2 - area->side) * PAGE_SIZE);
	}
	idx -= IPCSVC_AREA_HEADER_PAGES;
	/* pairs with smp_store_release() in ipcsvc_area_grow() */
	nr = smp_load_acquire(&area->nr_data);
	if (idx >= nr)
		return NULL;
	return READ_ONCE(area->revoked) ? ipcsvc_tombstone :
					  xa_load(&area->pages, idx);
}

/* A fault on page @idx of @area, wherever the VMA shows it. */
static vm_fault_t ipcsvc_area_fault_page(struct vm_fault *vmf,
					 struct ipcsvc_area *area,
					 unsigned long idx)
{
	struct page *page;

	for (;;) {
		/*
		 * ipcsvc_area_revoke() may erase and put a data page under us:
		 * take a reference only on a live page, and check below that
		 * it is still this index's.
		 */
		rcu_read_lock();
		page = ipcsvc_area_page(area, idx);
		if (page && !get_page_unless_zero(page))
			page = ERR_PTR(-EAGAIN);
		rcu_read_unlock();
		/* Reserved but uncommitted, or the guard page: SIGBUS. */
		if (!page)
			return VM_FAULT_SIGBUS;
		if (IS_ERR(page)) {
			/*
			 * Being freed by a revocation: pairs with the barrier
			 * of put_page() in ipcsvc_area_revoke(), so the next
			 * lookup sees ->revoked and finds the tombstone.
			 */
			smp_rmb();
			continue;
		}
		/* Held until the entry is in: see ipcsvc_area_revoke(). */
		lock_page(page);
		if (ipcsvc_area_page(area, idx) == page)
			break;
		unlock_page(page);
		put_page(page);
	}
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

static vm_fault_t ipcsvc_area_fault(struct vm_fault *vmf)
{
	return ipcsvc_area_fault_page(vmf, vmf->vma->vm_private_data,
				      ipcsvc_area_fault_index(vmf));
}

/* May the producer's (or the consumer's) mapping write page @idx? */
bool ipcsvc_area_may_write(unsigned long idx, bool producer)
{
	if (producer)
		return idx == IPCSVC_AREA_PRODUCER_PAGE ||
		       idx >= IPCSVC_AREA_HEADER_PAGES;
	return idx == IPCSVC_AREA_CONSUMER_PAGE;
}

/* A first write to page @idx of @area, which its @producer (or not) maps. */
static vm_fault_t ipcsvc_area_mkwrite_page(struct vm_fault *vmf,
					   struct ipcsvc_area *area,
					   unsigned long idx, bool producer)
{
	if (!ipcsvc_area_may_write(idx, producer))
		return VM_FAULT_SIGBUS;
	lock_page(vmf->page);
	/* A revoked area's pages are gone, and the tombstone is read-only. */
	if (ipcsvc_area_page(area, idx) != vmf->page ||
	    vmf->page == ipcsvc_tombstone) {
		unlock_page(vmf->page);
		return VM_FAULT_SIGBUS;
	}
	return VM_FAULT_LOCKED;
}

static vm_fault_t ipcsvc_area_mkwrite_producer(struct vm_fault *vmf)
{
	return ipcsvc_area_mkwrite_page(vmf, vmf->vma->vm_private_data,
					ipcsvc_area_fault_index(vmf), true);
}

static vm_fault_t ipcsvc_area_mkwrite_consumer(struct vm_fault *vmf)
{
	return ipcsvc_area_mkwrite_page(vmf, vmf->vma->vm_private_data,
					ipcsvc_area_fault_index(vmf), false);
}

/* The guard page goes only with the whole area: no VMA split. */
static int ipcsvc_area_may_split(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return -EINVAL;
}

/* A VMA copied by fork() (MADV_DOFORK) or moved by mremap(). */
static void ipcsvc_area_vm_open(struct vm_area_struct *vma)
{
	ipcsvc_area_get(vma->vm_private_data);
}

static void ipcsvc_area_vm_close(struct vm_area_struct *vma)
{
	ipcsvc_area_put(vma->vm_private_data);
}

static const struct vm_operations_struct ipcsvc_area_producer_vm_ops = {
	.open = ipcsvc_area_vm_open,
	.close = ipcsvc_area_vm_close,
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_producer,
	.may_split = ipcsvc_area_may_split,
};

static const struct vm_operations_struct ipcsvc_area_consumer_vm_ops = {
	.open = ipcsvc_area_vm_open,
	.close = ipcsvc_area_vm_close,
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_consumer,
	.may_split = ipcsvc_area_may_split,
};

/*
 * A channel mapping: both areas of one end in one VMA, the one it
 * produces (TX) first, the one it consumes (RX) right after, each half
 * laid out as that area's own mapping is, guard page included. The VMA
 * holds a reference on this record (->open and ->close count copies),
 * and the record one on each area.
 */
struct ipcsvc_chan_map {
	struct kref ref;
	struct ipcsvc_area *area[2];	/* [IPCSVC_DIR_*]; constant, counted */
};

/* The area a fault on a channel mapping is for, and the index in it. */
static struct ipcsvc_area *ipcsvc_chan_map_area(const struct vm_fault *vmf,
						unsigned long *idx, bool *tx)
{
	struct ipcsvc_chan_map *map = vmf->vma->vm_private_data;
	struct ipcsvc_area *area = map->area[IPCSVC_DIR_TX];
	unsigned long i = vmf->pgoff - ipcsvc_chan_map_pgoff(area->side);
	unsigned long tx_pages = area->hdr->area_pages[area->side];

	*tx = i < tx_pages;
	if (*tx) {
		*idx = i;
		return area;
	}
	*idx = i - tx_pages;
	return map->area[IPCSVC_DIR_RX];
}

static vm_fault_t ipcsvc_chan_map_fault(struct vm_fault *vmf)
{
	struct ipcsvc_area *area;
	unsigned long idx;
	bool tx;

	area = ipcsvc_chan_map_area(vmf, &idx, &tx);
	return ipcsvc_area_fault_page(vmf, area, idx);
}

static vm_fault_t ipcsvc_chan_map_mkwrite(struct vm_fault *vmf)
{
	struct ipcsvc_area *area;
	unsigned long idx;
	bool tx;

	area = ipcsvc_chan_map_area(vmf, &idx, &tx);
	return ipcsvc_area_mkwrite_page(vmf, area, idx, tx);
}

static void ipcsvc_chan_map_release(struct kref *ref)
{
	struct ipcsvc_chan_map *map = container_of(ref, struct ipcsvc_chan_map,
						   ref);

	ipcsvc_area_put(map->area[IPCSVC_DIR_TX]);
	ipcsvc_area_put(map->area[IPCSVC_DIR_RX]);
	kfree(map);
}

static void ipcsvc_chan_map_vm_open(struct vm_area_struct *vma)
{
	struct ipcsvc_chan_map *map = vma->vm_private_data;

	kref_get(&map->ref);
}

static void ipcsvc_chan_map_vm_close(struct vm_area_struct *vma)
{
	struct ipcsvc_chan_map *map = vma->vm_private_data;

	kref_put(&map->ref, ipcsvc_chan_map_release);
}

static const struct vm_operations_struct ipcsvc_chan_map_vm_ops = {
	.open = ipcsvc_chan_map_vm_open,
	.close = ipcsvc_chan_map_vm_close,
	.fault = ipcsvc_chan_map_fault,
	.page_mkwrite = ipcsvc_chan_map_mkwrite,
	.may_split = ipcsvc_area_may_split,
};

static int ipcsvc_map_file_release(struct inode *inode, struct file *file)
{
	struct ipcsvc_header *hdr = file->private_data;

	mutex_lock(&hdr->lock);
	if (hdr->file == file)
		hdr->file = NULL;
	mutex_unlock(&hdr->lock);
	ipcsvc_header_put(hdr);
	return 0;
}

static const struct file_operations ipcsvc_map_fops = {
	.owner = THIS_MODULE,
	.release = ipcsvc_map_file_release,
};

/*
 * The file of the mappings of @hdr's channel, with a reference for the
 * caller: the one the other mappings have, if it is still live, or a new
 * one. A file whose last reference is gone but whose release has not run
 * yet is not reused; its release finds a new file in ->file and leaves it.
 */
static struct file *ipcsvc_map_file(struct ipcsvc_header *hdr)
{
	struct file *file;

	mutex_lock(&hdr->lock);
	file = hdr->file;
	if (file && ipcsvc_file_get_live(file))
		goto out;
	/*
	 * The file's last fput() drops a reference on ipcsvc_map_fops.owner,
	 * but alloc_file_pseudo(), unlike anon_inode_getfile(), does not take
	 * it: take it here. The port's file holds one, so this cannot fail.
	 */
	__module_get(THIS_MODULE);
	ihold(hdr->inode);
	file = alloc_file_pseudo(hdr->inode, ipcsvc_mnt, "[ipcsvc-area]",
				 O_RDWR, &ipcsvc_map_fops);
	if (IS_ERR(file)) {
		iput(hdr->inode);
		module_put(THIS_MODULE);
		goto out;
	}
	ipcsvc_header_get(hdr);
	file->private_data = hdr;
	hdr->file = file;
out:
	mutex_unlock(&hdr->lock);
	return file;
}

/*
 * Map the header pages now rather than at first touch: a library reads the
 * identity and both control pages as soon as it opens the channel, and
 * under emulation each fault costs as much as the mmap() itself. Each page
 * goes in with the protection a fault would give it once mmap() is done:
 * the page this mapping may write, writable if the mapping is (its first
 * write would be allowed anyway); the others read-only in the way write
 * notification maps them (vma_set_page_prot() drops VM_SHARED), so that a
 * write to them still faults and page_mkwrite refuses it. A mapping
 * without access (PROT_NONE) gets nothing: a protection-none entry under
 * a VMA that mprotect() later opens is left alone by faults. The VMA's
 * own protection is left as it was; failing only leaves the pages to
 * faults. @first: the VMA page where @area's mapping starts.
 */
static void ipcsvc_area_map_header(struct ipcsvc_area *area,
				   struct vm_area_struct *vma,
				   unsigned long first, bool producer)
{
	vm_flags_t flags = vma->vm_flags;
	bool writable = (flags & (VM_WRITE | VM_SHARED)) ==
			(VM_WRITE | VM_SHARED);
	pgprot_t ro = vm_get_page_prot(writable ? flags & ~VM_SHARED : flags);
	pgprot_t rw = vm_get_page_prot(flags);
	pgprot_t prot = vma->vm_page_prot;
	unsigned long idx;

	if (!(flags & (VM_READ | VM_WRITE)))
		return;
	for (idx = 0; idx < IPCSVC_AREA_HEADER_PAGES; idx++) {
		vma->vm_page_prot = writable &&
				    ipcsvc_area_may_write(idx, producer) ?
				    rw : ro;
		if (vm_insert_page(vma,
				   vma->vm_start + (first + idx) * PAGE_SIZE,
				   ipcsvc_area_page(area, idx)))
			break;
	}
	vma->vm_page_prot = prot;
}

/*
 * Set up @vma for a mapping of @hdr's channel, whatever it shows: the
 * checks and flags every such mapping gets, and the channel's file.
 * Errors: EINVAL (not MAP_SHARED), EPERM (PROT_EXEC), ENOMEM.
 */
static int ipcsvc_map_setup(struct ipcsvc_header *hdr,
			    struct vm_area_struct *vma)
{
	vm_flags_t clear = VM_MAYEXEC;
	struct file *file;

	/* VM_SHARED is dropped for a read-only file; VM_MAYSHARE is not. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* An exec that READ_IMPLIES_EXEC added to PROT_READ is just dropped. */
	if ((vma->vm_flags & VM_EXEC) &&
	    !(current->personality & READ_IMPLIES_EXEC))
		return -EPERM;
	clear |= VM_EXEC;
	if (!(vma->vm_flags & VM_WRITE))
		clear |= VM_MAYWRITE;

	file = ipcsvc_map_file(hdr);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ipcsvc_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
			    clear);
	vma_set_file(vma, file);
	fput(file);	/* the VMA holds its own reference now */
	return 0;
}

/*
 * Set up @vma, whose offset and length the caller checked, to map @area.
 * Errors: those of ipcsvc_map_setup().
 */
int ipcsvc_area_mmap(struct ipcsvc_area *area, struct vm_area_struct *vma,
		     bool producer)
{
	int ret = ipcsvc_map_setup(area->hdr, vma);

	if (ret)
		return ret;
	vma->vm_ops = producer ? &ipcsvc_area_producer_vm_ops :
				 &ipcsvc_area_consumer_vm_ops;
	ipcsvc_area_get(area);	/* the VMA's, until ->close */
	vma->vm_private_data = area;
	vma->vm_pgoff = ipcsvc_area_pgoff(area);
	ipcsvc_area_map_header(area, vma, 0, producer);
	return 0;
}

/*
 * Set up @vma, whose offset and length the caller checked, to map both
 * areas of one end: @tx, which it produces, then @rx. Errors: those of
 * ipcsvc_map_setup().
 */
int ipcsvc_channel_mmap(struct ipcsvc_area *tx, struct ipcsvc_area *rx,
			struct vm_area_struct *vma)
{
	struct ipcsvc_chan_map *map;
	int ret;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	ret = ipcsvc_map_setup(tx->hdr, vma);
	if (ret) {
		kfree(map);
		return ret;
	}
	kref_init(&map->ref);	/* the VMA's, until ->close */
	ipcsvc_area_get(tx);
	ipcsvc_area_get(rx);
	map->area[IPCSVC_DIR_TX] = tx;
	map->area[IPCSVC_DIR_RX] = rx;
	vma->vm_ops = &ipcsvc_chan_map_vm_ops;
	vma->vm_private_data = map;
	vma->vm_pgoff = ipcsvc_chan_map_pgoff(tx->side);
	ipcsvc_area_map_header(tx, vma, 0, true);
	ipcsvc_area_map_header(rx, vma, tx->hdr->area_pages[tx->side], false);
	return 0;
}
