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
 * How areas are mapped into processes is area_map.c's.
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
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ipcsvc.h"

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
	ret = ipcsvc_user_charge_bytes(user, IPCSVC_AREA_HEADER_BYTES);
	if (ret) {
		kfree(hdr);
		return ERR_PTR(ret);
	}
	/* Failing is ENOMEM for the caller, not a kernel problem: no warning. */
	hdr->kaddr = __vmalloc(IPCSVC_AREA_HEADER_BYTES,
			       GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN);
	if (!hdr->kaddr) {
		ret = -ENOMEM;
		goto err_charged;
	}
	/* Every mapping of both areas is of it: revocation finds them there. */
	hdr->inode = ipcsvc_area_inode_alloc();
	if (IS_ERR(hdr->inode)) {
		ret = -ENOMEM;
		goto err_vmalloced;
	}
	kref_init(&hdr->ref);
	mutex_init(&hdr->lock);
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
		id->data_offset = IPCSVC_AREA_HEADER_BYTES;
	}
	return hdr;

err_vmalloced:
	vfree(hdr->kaddr);
err_charged:
	ipcsvc_user_uncharge_bytes(user, IPCSVC_AREA_HEADER_BYTES);
	kfree(hdr);
	return ERR_PTR(ret);
}

static void ipcsvc_header_release(struct kref *ref)
{
	struct ipcsvc_header *hdr = container_of(ref, struct ipcsvc_header,
						 ref);

	iput(hdr->inode);
	mutex_destroy(&hdr->lock);
	vfree(hdr->kaddr);
	ipcsvc_user_uncharge_bytes(hdr->user, IPCSVC_AREA_HEADER_BYTES);
	ipcsvc_user_put(hdr->user);
	kfree(hdr);
}

void ipcsvc_header_get(struct ipcsvc_header *hdr)
{
	kref_get(&hdr->ref);
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
	hdr->area_pages[side] = ipcsvc_area_map_bytes(area) >> PAGE_SHIFT;
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

/* Bytes of a mapping of @area, guard page excluded. */
u64 ipcsvc_area_bytes(const struct ipcsvc_area *area)
{
	return IPCSVC_AREA_HEADER_BYTES + area->max_size;
}

/* Bytes of a mapping of @area: the area, then its guard page. */
u64 ipcsvc_area_map_bytes(const struct ipcsvc_area *area)
{
	return ipcsvc_area_bytes(area) + PAGE_SIZE;
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
	ipcsvc_area_unmap_data(area);
	xa_for_each(&area->pages, i, page) {
		xa_erase(&area->pages, i);
		put_page(page);
	}
	ipcsvc_user_uncharge_bytes(area->user, area->nr_data << PAGE_SHIFT);
}
