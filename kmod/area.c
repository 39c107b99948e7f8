// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvc buffer areas: one per direction of a channel.
 *
 * Memory
 * ------
 * A channel's two areas share its header: the identity page and the two
 * control pages (struct ipcsvc_header), allocated at connect in one
 * vmalloc() block, zeroed, and charged to the connecting user. That block
 * is also the kernel's only view of the channel's shared memory: the
 * kernel writes the identities and reads the single words WAIT and ARM
 * compare, and never touches a data page.
 *
 * Data pages are committed one by one with alloc_page(GFP_KERNEL_ACCOUNT),
 * none at connect: the producer commits the first when it first sends
 * (IPCSVC_IOC_GROW). They are kept in an xarray that grows with what is
 * committed, not with max_size, and are charged to the producer side's
 * user against max_user_bytes, and through __GFP_ACCOUNT to the memory
 * cgroup of the caller of GROW, which is the producer. Growth costs what
 * it commits: nothing already committed is touched or remapped.
 *
 * Mappings
 * --------
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
 * by mmap() itself (ipcsvc_area_map_header()), the rest by faults. The producer's mapping may
 * write its control page and the data pages; the consumer's mapping may
 * write only its own control page; nobody may write the identity page. A
 * refused write raises SIGBUS. mprotect() cannot lift this: the next write
 * fault asks again. A mapping made without PROT_WRITE also loses
 * VM_MAYWRITE. PROT_EXEC is refused and VM_MAYEXEC cleared.
 *
 * The VMA is VM_DONTCOPY (a forked child does not inherit it unless the
 * process asks with MADV_DOFORK), VM_DONTEXPAND and VM_DONTDUMP. Its file is
 * switched from the port to the area's file, which holds a reference on the
 * area: a mapping keeps the area alive but not the port. Every mapping of
 * an area shares one file, and both areas of a channel one inode (on a
 * private pseudo filesystem), as each costs the machine memory for as long
 * as the channel lives. The page offset becomes the area's base in that
 * inode (0 or IPCSVC_AREA_PGOFF_STRIDE, by side) and a page's index in the
 * area is its offset from that base, so the inode's mapping tree lists
 * every VMA of each area at a range of its own, which is how
 * ipcsvc_area_revoke() finds them.
 *
 * Revocation
 * ----------
 * When the server closes its end of a channel, the area it produces is
 * revoked (ipcsvc_area_revoke()): its data pages are unmapped from every
 * process, freed and uncharged at once, so a client cannot pin the
 * server's memory by keeping its mapping. The client then reads zeroes
 * there, from one shared read-only page, and the identity's closed flag,
 * set first, tells its library why.
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
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ipcsvc.h"

#define IPCSVC_HEADER_BYTES	(IPCSVC_AREA_HEADER_PAGES * PAGE_SIZE)

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

/* ---- the channel header ---- */

static struct ipcsvc_area_identity *
ipcsvc_header_identity(struct ipcsvc_header *hdr, unsigned int side)
{
	return hdr->kaddr + side * IPCSVC_IDENTITY_STRIDE;
}

/*
 * Allocate and charge a channel's header and write both identities, whose
 * data regions are empty. Errors: EDQUOT, ENOMEM.
 */
struct ipcsvc_header *ipcsvc_header_create(u64 version, const u8 *name,
					   u32 name_len,
					   struct ipcsvc_user *user)
{
	struct ipcsvc_area_identity *id;
	struct ipcsvc_header *hdr;
	unsigned int s;
	int ret;

	BUILD_BUG_ON(2 * IPCSVC_IDENTITY_STRIDE > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(*id) > IPCSVC_IDENTITY_STRIDE);
	BUILD_BUG_ON(IPCSVC_CONTROL_PRODUCER +
		     sizeof(struct ipcsvc_area_producer) >
		     IPCSVC_CONTROL_CONSUMER);
	BUILD_BUG_ON(IPCSVC_CONTROL_CONSUMER +
		     sizeof(struct ipcsvc_area_consumer) > PAGE_SIZE);

	if (WARN_ON(name_len > IPCSVC_PROTOCOL_NAME_MAX))
		return ERR_PTR(-EINVAL);
	hdr = kzalloc(sizeof(*hdr), GFP_KERNEL_ACCOUNT);
	if (!hdr)
		return ERR_PTR(-ENOMEM);
	ret = ipcsvc_user_charge_bytes(user, IPCSVC_HEADER_BYTES);
	if (ret) {
		kfree(hdr);
		return ERR_PTR(ret);
	}
	/* Failing is ENOMEM for the caller, not a kernel problem: no warning. */
	hdr->kaddr = __vmalloc(IPCSVC_HEADER_BYTES,
			       GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	if (!hdr->kaddr) {
		ret = -ENOMEM;
		goto err_charged;
	}
	/* Its own inode, so that revocation finds every mapping of it. */
	hdr->inode = alloc_anon_inode(ipcsvc_mnt->mnt_sb);
	if (IS_ERR(hdr->inode)) {
		vfree(hdr->kaddr);
		ret = -ENOMEM;
		goto err_charged;
	}
	kref_init(&hdr->ref);
	ipcsvc_user_hold(user);
	hdr->user = user;

	/* Nobody maps the header yet: plain stores suffice. */
	for (s = 0; s < 2; s++) {
		id = ipcsvc_header_identity(hdr, s);
		id->magic = IPCSVC_AREA_MAGIC;
		id->protocol_version = version;
		id->protocol_name_len = name_len;
		memcpy(id->protocol_name, name, name_len);
		id->producer_offset = IPCSVC_AREA_PRODUCER_PAGE * PAGE_SIZE +
				      IPCSVC_CONTROL_PRODUCER;
		id->consumer_offset = IPCSVC_AREA_CONSUMER_PAGE * PAGE_SIZE +
				      IPCSVC_CONTROL_CONSUMER;
		id->data_offset = IPCSVC_HEADER_BYTES;
	}
	return hdr;

err_charged:
	ipcsvc_user_uncharge_bytes(user, IPCSVC_HEADER_BYTES);
	kfree(hdr);
	return ERR_PTR(ret);
}

static void ipcsvc_header_release(struct kref *ref)
{
	struct ipcsvc_header *hdr = container_of(ref, struct ipcsvc_header,
						 ref);

	iput(hdr->inode);
	vfree(hdr->kaddr);
	ipcsvc_user_uncharge_bytes(hdr->user, IPCSVC_HEADER_BYTES);
	ipcsvc_user_put(hdr->user);
	kfree(hdr);
}

void ipcsvc_header_put(struct ipcsvc_header *hdr)
{
	kref_put(&hdr->ref, ipcsvc_header_release);
}

/* ---- areas ---- */

/*
 * The area produced by @side, of @max_size data bytes (a page multiple),
 * over @hdr, on which it takes a reference. Its data pages will be charged
 * to @user. Errors: ENOMEM.
 */
struct ipcsvc_area *ipcsvc_area_create(struct ipcsvc_header *hdr,
				       unsigned int side, u64 max_size,
				       struct ipcsvc_user *user)
{
	struct ipcsvc_area_identity *id;
	struct ipcsvc_area *area;

	if (WARN_ON(!max_size || !PAGE_ALIGNED(max_size) ||
		    max_size > IPCSVC_BUFFER_SIZE_LIMIT || side > 1))
		return ERR_PTR(-EINVAL);

	area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return ERR_PTR(-ENOMEM);
	kref_init(&area->ref);
	mutex_init(&area->lock);
	xa_init(&area->pages);
	init_waitqueue_head(&area->wq);
	kref_get(&hdr->ref);
	area->hdr = hdr;
	area->side = side;
	area->max_size = max_size;
	area->nr_max = max_size >> PAGE_SHIFT;
	ipcsvc_user_hold(user);
	area->user = user;

	/* Not mapped by anyone yet: plain stores suffice. */
	id = ipcsvc_area_identity(area);
	id->max_size = max_size;
	id->area_bytes = ipcsvc_area_bytes(area);
	return area;
}

void ipcsvc_area_get(struct ipcsvc_area *area)
{
	kref_get(&area->ref);
}

static void ipcsvc_area_release(struct kref *ref)
{
	struct ipcsvc_area *area = container_of(ref, struct ipcsvc_area, ref);
	struct page *page;
	unsigned long i;

	xa_for_each(&area->pages, i, page)
		put_page(page);
	xa_destroy(&area->pages);
	if (!area->revoked)
		ipcsvc_user_uncharge_bytes(area->user,
					   area->nr_data << PAGE_SHIFT);
	ipcsvc_user_put(area->user);
	ipcsvc_header_put(area->hdr);
	mutex_destroy(&area->lock);
	kfree(area);
}

void ipcsvc_area_put(struct ipcsvc_area *area)
{
	kref_put(&area->ref, ipcsvc_area_release);
}

struct ipcsvc_area_identity *ipcsvc_area_identity(struct ipcsvc_area *area)
{
	return ipcsvc_header_identity(area->hdr, area->side);
}

u64 ipcsvc_area_identity_offset(const struct ipcsvc_area *area)
{
	return (u64)area->side * IPCSVC_IDENTITY_STRIDE;
}

/* Where the mappings of @area start in the channel's inode, in pages. */
static unsigned long ipcsvc_area_pgoff(const struct ipcsvc_area *area)
{
	return area->side * IPCSVC_AREA_PGOFF_STRIDE;
}

/* Bytes of a mapping of @area, guard page excluded. */
u64 ipcsvc_area_bytes(const struct ipcsvc_area *area)
{
	return IPCSVC_HEADER_BYTES + area->max_size;
}

/* Committed data bytes. */
u64 ipcsvc_area_committed(struct ipcsvc_area *area)
{
	/* pairs with smp_store_release() in ipcsvc_area_grow() */
	return (u64)smp_load_acquire(&area->nr_data) << PAGE_SHIFT;
}

/* Free data pages [from, to) that never became visible. */
static void ipcsvc_area_drop_pages(struct ipcsvc_area *area,
				   unsigned long from, unsigned long to)
{
	unsigned long i;

	for (i = from; i < to; i++) {
		struct page *page = xa_erase(&area->pages, i);

		if (page)
			__free_page(page);
	}
	ipcsvc_user_uncharge_bytes(area->user, (to - from) << PAGE_SHIFT);
}

/*
 * Commit data pages until @new_size bytes (rounded up to pages) are
 * committed. Errors: EFBIG (beyond max_size), EPIPE (the channel is
 * closed), EDQUOT (per-user bytes), ENOMEM.
 */
int ipcsvc_area_grow(struct ipcsvc_area *area, u64 new_size)
{
	unsigned long nr, old, i;
	int ret = 0;

	if (new_size > area->max_size)
		return -EFBIG;
	nr = PAGE_ALIGN(new_size) >> PAGE_SHIFT;

	mutex_lock(&area->lock);
	if (area->dead) {
		ret = -EPIPE;
		goto out;
	}
	old = area->nr_data;
	if (nr <= old)
		goto out;
	ret = ipcsvc_user_charge_bytes(area->user, (nr - old) << PAGE_SHIFT);
	if (ret)
		goto out;
	for (i = old; i < nr; i++) {
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					       __GFP_NOWARN);

		ret = page ? xa_err(xa_store(&area->pages, i, page,
					     GFP_KERNEL_ACCOUNT)) : -ENOMEM;
		if (ret) {
			if (page)
				__free_page(page);
			ipcsvc_area_drop_pages(area, old, nr);
			goto out;
		}
	}
	/*
	 * Publish the pages to the fault handler: pairs with smp_load_acquire()
	 * in ipcsvc_area_page() and ipcsvc_area_committed().
	 */
	smp_store_release(&area->nr_data, nr);
	/*
	 * Then tell userspace. The pages are faultable before the new size is
	 * visible: pairs with the acquire load of ipcsvc_area_identity.size in
	 * libipcsvc (lib/), which may touch pages below the size it read.
	 */
	smp_store_release(&ipcsvc_area_identity(area)->size,
			  (u64)nr << PAGE_SHIFT);
out:
	mutex_unlock(&area->lock);
	return ret;
}

/*
 * WAIT and ARM name an aligned __u64 among the producer words (in the
 * producer's control page) or the consumer words (in the consumer's).
 * The geometry is the same in every area, so this needs no area.
 */
int ipcsvc_area_check_word(u64 offset)
{
	u64 prod = IPCSVC_AREA_PRODUCER_PAGE * PAGE_SIZE +
		   IPCSVC_CONTROL_PRODUCER;
	u64 cons = IPCSVC_AREA_CONSUMER_PAGE * PAGE_SIZE +
		   IPCSVC_CONTROL_CONSUMER;

	if (offset & 7)
		return -EINVAL;
	if (offset >= prod &&
	    offset < prod + sizeof(struct ipcsvc_area_producer))
		return 0;
	if (offset >= cons &&
	    offset < cons + sizeof(struct ipcsvc_area_consumer))
		return 0;
	return -EINVAL;
}

/*
 * Read a word checked by ipcsvc_area_check_word(). Page 1 of an area is
 * its producer's control page, which is header page 1 + side; page 2 the
 * other side's.
 */
u64 ipcsvc_area_read_word(struct ipcsvc_area *area, u64 offset)
{
	unsigned long page = offset >> PAGE_SHIFT;
	unsigned int owner = page == IPCSVC_AREA_PRODUCER_PAGE ?
			     area->side : !area->side;
	void *p = area->hdr->kaddr + (1 + owner) * PAGE_SIZE +
		  offset_in_page(offset);

	/*
	 * A plain single load: the value is only compared, never used to
	 * reach other shared data, so it needs no acquire. Ordering against
	 * the peer's store and wake is given by the wait queue (WAIT) or
	 * chan->lock (ARM); see ipcsvc_channel_wait().
	 */
	return READ_ONCE(*(u64 *)p);
}

/*
 * The identity's armed and fired counts tell the peer's library whether an
 * event loop waits for a wake call: the kernel alone writes them, under
 * chan->lock (so they need no lock of their own), and the peer compares
 * them after each message or release.
 *
 * An event goes from unarmed to armed: count it. The caller then compares
 * the peer's word; the full barrier orders our count before that load,
 * and pairs with the seq_cst store of published (or consumed) then load
 * of the count in tx_publish() (or rx_retire()) in libipcsvc: either the
 * peer sees the arming pending and wakes, or we see its new word and fire.
 */
void ipcsvc_area_arm(struct ipcsvc_area *area, bool readable)
{
	struct ipcsvc_area_identity *id = ipcsvc_area_identity(area);
	u64 *armed = readable ? &id->readable_armed : &id->writable_armed;

	WRITE_ONCE(*armed, *armed + 1);
	/* pairs with the seq_cst load in armed_pending() (lib/queue.h) */
	smp_mb();
}

/* The armed event fired: the arming is spent, as the peer reads it. */
void ipcsvc_area_fire(struct ipcsvc_area *area, bool readable)
{
	struct ipcsvc_area_identity *id = ipcsvc_area_identity(area);

	if (readable) {
		/*
		 * pairs with the acquire load in armed_pending() (libipcsvc,
		 * lib/queue.h) from tx_publish(): a sender that sees the
		 * count fired may skip its wake call
		 */
		smp_store_release(&id->readable_fired, id->readable_armed);
	} else {
		/* pairs with the same load, from rx_retire() */
		smp_store_release(&id->writable_fired, id->writable_armed);
	}
}

/* The producer and consumer words of @area, as the kernel maps them. */
static const struct ipcsvc_area_producer *
ipcsvc_area_prod(struct ipcsvc_area *area)
{
	return area->hdr->kaddr + (1 + area->side) * PAGE_SIZE +
	       IPCSVC_CONTROL_PRODUCER;
}

static const struct ipcsvc_area_consumer *
ipcsvc_area_cons(struct ipcsvc_area *area)
{
	return area->hdr->kaddr + (2 - area->side) * PAGE_SIZE +
	       IPCSVC_CONTROL_CONSUMER;
}

/* A ring position: 8-byte aligned, below the committed size, or 0. */
static bool ipcsvc_pos_ok(u64 pos, u64 size)
{
	if (pos & 7)
		return false;
	return size ? pos <= size - 8 : pos == 0;
}

/*
 * A snapshot of @area for introspection. The kernel's own values are
 * exact; the queue words come from the two processes, so each is read
 * once and checked like any value a peer writes. Words that cannot be
 * right (a position outside the ring or unaligned, more messages than
 * the ring holds, an absurd sleeper count) set @invalid, and the values
 * derived from them are left 0. The words are read without ordering, so
 * a busy area's figures may disagree with each other by a message; they
 * are never checked against each other for that reason.
 */
void ipcsvc_area_stat(struct ipcsvc_area *area, struct ipcsvc_area_stat *st)
{
	const struct ipcsvc_area_producer *prod = ipcsvc_area_prod(area);
	const struct ipcsvc_area_consumer *cons = ipcsvc_area_cons(area);
	u64 size, tail, head, published, consumed, pw, cw;

	memset(st, 0, sizeof(*st));
	st->max_size = area->max_size;
	size = ipcsvc_area_committed(area);
	st->committed = size;
	st->revoked = READ_ONCE(area->revoked);
	st->sleepers[IPCSVC_DIR_TX] =
		atomic_read(&area->sleepers[IPCSVC_DIR_TX]);
	st->sleepers[IPCSVC_DIR_RX] =
		atomic_read(&area->sleepers[IPCSVC_DIR_RX]);

	tail = READ_ONCE(prod->tail);
	published = READ_ONCE(prod->published);
	pw = READ_ONCE(prod->waiters);
	st->broken[0] = READ_ONCE(prod->broken) != 0;
	head = READ_ONCE(cons->head);
	consumed = READ_ONCE(cons->consumed);
	cw = READ_ONCE(cons->waiters);
	st->broken[1] = READ_ONCE(cons->broken) != 0;

	/* Counts of sleeping threads. */
	if (pw > U32_MAX || cw > U32_MAX) {
		st->invalid = true;
	} else {
		st->waiters[0] = pw;
		st->waiters[1] = cw;
	}
	if (!ipcsvc_pos_ok(tail, size) || !ipcsvc_pos_ok(head, size) ||
	    published - consumed > size / 8) {
		/* Every message takes at least 8 bytes of the ring. */
		st->invalid = true;
		return;
	}
	st->messages = published - consumed;
	/* After a wrap, the unused end of the ring is counted too. */
	st->bytes = tail >= head ? tail - head : size - head + tail;
}

/* Has either side marked @area broken? */
bool ipcsvc_area_broken(struct ipcsvc_area *area)
{
	return READ_ONCE(ipcsvc_area_prod(area)->broken) ||
	       READ_ONCE(ipcsvc_area_cons(area)->broken);
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
	/*
	 * pairs with the acquire load of identity.closed in dir_closed() in
	 * libipcsvc (lib/channel.c): whatever the closing side published
	 * before it closed is visible to a reader that sees the flag.
	 */
	smp_store_release(&ipcsvc_area_identity(area)->closed, 1);
	mutex_unlock(&area->lock);
	wake_up_all(&area->wq);
}

/*
 * Take the data pages of a dead area back at once, whatever maps them: the
 * closing server gets its quota and memory back, and a peer that keeps its
 * mapping sees zeroes (the tombstone page) where the data was, and may not
 * write. Everything published before the close stays visible only as long
 * as the consumer had already read it.
 *
 * A fault that looked a page up before ->revoked was set holds that page's
 * lock until its page table entry is in (ipcsvc_area_fault() returns
 * VM_FAULT_LOCKED); locking each page once here waits for such faults, so
 * the unmap below finds their entries, and any later fault sees ->revoked.
 */
void ipcsvc_area_revoke(struct ipcsvc_area *area)
{
	struct page *page;
	unsigned long i;

	mutex_lock(&area->lock);
	if (WARN_ON(!area->dead) || area->revoked) {
		mutex_unlock(&area->lock);
		return;
	}
	WRITE_ONCE(area->revoked, true);
	/*
	 * pairs with the acquire load of identity.revoked in libipcsvc
	 * (lib/channel.c): a reader that finds zeroes where a message was
	 * published can tell that the pages were taken back.
	 */
	smp_store_release(&ipcsvc_area_identity(area)->revoked, 1);
	mutex_unlock(&area->lock);

	xa_for_each(&area->pages, i, page) {
		lock_page(page);
		unlock_page(page);
	}
	/* this area's data pages only: the other area shares the inode */
	unmap_mapping_range(area->hdr->inode->i_mapping,
			    ((loff_t)ipcsvc_area_pgoff(area) << PAGE_SHIFT) +
			    IPCSVC_HEADER_BYTES, area->max_size, 1);
	xa_for_each(&area->pages, i, page) {
		xa_erase(&area->pages, i);
		put_page(page);
	}
	ipcsvc_user_uncharge_bytes(area->user, area->nr_data << PAGE_SHIFT);
}

/* ---- mappings ---- */

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

static vm_fault_t ipcsvc_area_fault(struct vm_fault *vmf)
{
	struct ipcsvc_area *area = vmf->vma->vm_private_data;
	unsigned long idx = vmf->pgoff - ipcsvc_area_pgoff(area);
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
	struct ipcsvc_area *area = vmf->vma->vm_private_data;
	unsigned long idx = vmf->pgoff - ipcsvc_area_pgoff(area);

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
	return ipcsvc_area_mkwrite(vmf, true);
}

static vm_fault_t ipcsvc_area_mkwrite_consumer(struct vm_fault *vmf)
{
	return ipcsvc_area_mkwrite(vmf, false);
}

/* The guard page goes only with the whole area: no VMA split. */
static int ipcsvc_area_may_split(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct ipcsvc_area_producer_vm_ops = {
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_producer,
	.may_split = ipcsvc_area_may_split,
};

static const struct vm_operations_struct ipcsvc_area_consumer_vm_ops = {
	.fault = ipcsvc_area_fault,
	.page_mkwrite = ipcsvc_area_mkwrite_consumer,
	.may_split = ipcsvc_area_may_split,
};

static int ipcsvc_area_file_release(struct inode *inode, struct file *file)
{
	struct ipcsvc_area *area = file->private_data;

	mutex_lock(&area->lock);
	if (area->file == file)
		area->file = NULL;
	mutex_unlock(&area->lock);
	ipcsvc_area_put(area);
	return 0;
}

static const struct file_operations ipcsvc_area_fops = {
	.owner = THIS_MODULE,
	.release = ipcsvc_area_file_release,
};

/*
 * The file of @area's mappings, with a reference for the caller: the one
 * the other mappings have, if it is still live, or a new one. A file whose
 * last reference is gone but whose release has not run yet is not reused;
 * its release finds a new file in ->file and leaves it.
 */
static struct file *ipcsvc_area_file(struct ipcsvc_area *area)
{
	struct file *file;

	mutex_lock(&area->lock);
	file = area->file;
	if (file && ipcsvc_file_get_live(file))
		goto out;
	/*
	 * The file's last fput() drops a reference on ipcsvc_area_fops.owner,
	 * but alloc_file_pseudo(), unlike anon_inode_getfile(), does not take
	 * it: take it here. The port's file holds one, so this cannot fail.
	 */
	__module_get(THIS_MODULE);
	ihold(area->hdr->inode);
	file = alloc_file_pseudo(area->hdr->inode, ipcsvc_mnt,
				 "[ipcsvc-area]", O_RDWR, &ipcsvc_area_fops);
	if (IS_ERR(file)) {
		iput(area->hdr->inode);
		module_put(THIS_MODULE);
		goto out;
	}
	ipcsvc_area_get(area);
	file->private_data = area;
	area->file = file;
out:
	mutex_unlock(&area->lock);
	return file;
}

/*
 * Map the header pages now rather than at first touch: a library reads the
 * identity and both control pages as soon as it opens the channel, and
 * under emulation each fault costs as much as the mmap() itself. The page
 * this mapping may write goes in writable, if the mapping is (its first
 * write would be allowed anyway); the others read-only, so that a write
 * to them still faults and page_mkwrite refuses it. The VMA's own
 * protection is left as it was. Failing only leaves the pages to faults.
 */
static void ipcsvc_area_map_header(struct ipcsvc_area *area,
				   struct vm_area_struct *vma, bool producer)
{
	bool writable = (vma->vm_flags & (VM_WRITE | VM_SHARED)) ==
			(VM_WRITE | VM_SHARED);
	pgprot_t prot = vma->vm_page_prot;
	unsigned long idx;

	for (idx = 0; idx < IPCSVC_AREA_HEADER_PAGES; idx++) {
		bool w = writable && ipcsvc_area_may_write(idx, producer);

		vma->vm_page_prot = vm_get_page_prot(w ? vma->vm_flags :
						     vma->vm_flags & ~VM_WRITE);
		if (vm_insert_page(vma, vma->vm_start + idx * PAGE_SIZE,
				   ipcsvc_area_page(area, idx)))
			break;
	}
	vma->vm_page_prot = prot;
}

/*
 * Set up @vma, whose offset and length the caller checked, to map @area.
 * Errors: EINVAL (not MAP_SHARED), EPERM (PROT_EXEC), ENOMEM.
 */
int ipcsvc_area_mmap(struct ipcsvc_area *area, struct vm_area_struct *vma,
		     bool producer)
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

	file = ipcsvc_area_file(area);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ipcsvc_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
			    clear);
	vma->vm_ops = producer ? &ipcsvc_area_producer_vm_ops :
				 &ipcsvc_area_consumer_vm_ops;
	vma->vm_private_data = area;
	vma->vm_pgoff = ipcsvc_area_pgoff(area);
	vma_set_file(vma, file);
	fput(file);	/* the VMA holds its own reference now */
	ipcsvc_area_map_header(area, vma, producer);
	return 0;
}
