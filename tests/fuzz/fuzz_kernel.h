/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for the module's side of a buffer area, for the fuzz targets
 * that open channels with ipcsvc__channel_open_ops(): a wait/wake/grow
 * backend that never sleeps (a wait returns at once, or -ETIMEDOUT once
 * the deadline has passed, or -EPIPE when the identity says closed, as
 * IPCSVC_IOC_WAIT does) and that grows an area as IPCSVC_IOC_GROW does:
 * the new data pages become accessible in the mappings (page protections,
 * and ASan poisoning for byte granularity), then identity.size is stored
 * with release through the kernel's own writable mapping, since the
 * victim's mapping of the identity page may be read-only.
 */
#ifndef IPCSVC_FUZZ_KERNEL_H
#define IPCSVC_FUZZ_KERNEL_H

#include <sched.h>
#include <sys/mman.h>

#include "fuzz_common.h"
#include "../../lib/internal.h"

/* One mapping of an area, as a process sees it. */
struct fk_map {
	uint8_t *area;		/* this process's mapping */
	bool producer;		/* it writes the data region */
	bool paged;		/* data pages are mapped as committed */
	bool poisoned;		/* bytes past the committed size are poisoned */
};

/* One area, seen by the kernel. */
struct fk_area {
	uint8_t *kmem;		/* the kernel's writable mapping of the area */
	uint64_t id_off;	/* where its identity is */
	uint64_t data_off;	/* the data region (page multiple if paged) */
	uint64_t max_size;
	uint64_t committed;	/* bytes committed: accessible in the maps */
	struct fk_map *map[2];	/* mappings to keep in step (NULL: none) */
	int fail_grow;		/* > 0: the next growths fail with -EDQUOT */
	unsigned long grows, waits, wakes;
};

static inline struct ipcsvc_area_identity *fk_id(const struct fk_area *a)
{
	return (struct ipcsvc_area_identity *)(a->kmem + a->id_off);
}

static inline bool fk_closed(const struct fk_area *a)
{
	return LOAD_ACQUIRE(&fk_id(a)->closed) != 0;
}

/* Make [from, to) of the data region accessible in @m. */
static inline void fk_map_open(const struct fk_area *a, struct fk_map *m,
			       uint64_t from, uint64_t to)
{
	uint64_t page = fz_page();

	if (to <= from)
		return;
	if (m->paged) {
		uint64_t pf = from / page * page;
		uint64_t pt = (to + page - 1) / page * page;

		if (mprotect(m->area + a->data_off + pf, pt - pf,
			     m->producer ? PROT_READ | PROT_WRITE : PROT_READ))
			fz_fail("mprotect: %s", strerror(errno));
	}
	if (m->poisoned)
		ASAN_UNPOISON_MEMORY_REGION(m->area + a->data_off + from,
					    to - from);
}

/* The module's GROW: commit, then publish. */
static inline int fk_grow_to(struct fk_area *a, uint64_t new_size)
{
	uint64_t page = fz_page();

	if (fk_closed(a))
		return -EPIPE;
	if (a->fail_grow > 0) {
		a->fail_grow--;
		return -EDQUOT;
	}
	if (new_size > a->max_size)
		return -EFBIG;
	/* whole pages, but never past max_size (a page multiple with the
	 * module; an image may say otherwise) */
	new_size = (new_size + page - 1) / page * page;
	if (new_size > a->max_size)
		new_size = a->max_size;
	a->grows++;
	if (new_size <= a->committed)
		return 0;
	for (int i = 0; i < 2; i++)
		if (a->map[i])
			fk_map_open(a, a->map[i], a->committed, new_size);
	a->committed = new_size;
	/* as the module: the pages can be faulted in before the size says
	 * so (pairs with the engine's acquire of identity.size) */
	STORE_RELEASE(&fk_id(a)->size, new_size);
	return 0;
}

/* The backend's context: the areas it serves, found by mapping. */
struct fk_ctx {
	struct fk_area *area[2];
	uint8_t *mapping[2];	/* the engine's area pointer for each */
	uint32_t dir[2];	/* and its direction, as the engine names it */
	int eintr;		/* > 0: the next waits say -EINTR */
};

/*
 * The area of the word @word that the engine names by @dir and @off: it
 * must be that area's word at that offset, in its control words (the
 * module checks the offset, and reads the word through its own mapping).
 */
static inline struct fk_area *fk_find(struct fk_ctx *c, uint32_t dir,
				      const void *word, uint64_t off)
{
	for (int i = 0; i < 2; i++) {
		if (!c->area[i] || c->dir[i] != dir)
			continue;
		FZ_CHECK((const uint8_t *)word == c->mapping[i] + off,
			 "the word named at offset %llu of area %u lies at "
			 "%+lld", (unsigned long long)off, dir,
			 (long long)((const uint8_t *)word - c->mapping[i]));
		FZ_CHECK(off % 8 == 0 && off + 8 <= c->area[i]->data_off,
			 "wait on offset %llu, outside the control words",
			 (unsigned long long)off);
		return c->area[i];
	}
	fz_fail("backend called for an area it does not know: dir %u", dir);
}

static int fk_wait(void *ctx, uint32_t dir, __u64 *word, uint64_t off,
		   uint64_t val, const struct ipcsvc_deadline *d)
{
	struct fk_ctx *c = ctx;
	struct fk_area *a = fk_find(c, dir, word, off);

	a->waits++;
	if (LOAD_SEQCST(word) != val)
		return 0;
	if (fk_closed(a))
		return -EPIPE;
	if (c->eintr > 0) {
		c->eintr--;
		return -EINTR;
	}
	if (ipcsvc__deadline_passed(d))
		return -ETIMEDOUT;
	/* FZ_CALL bounds the caller; the deadline passes soon */
	FZ_CHECK(!d->forever, "a wait without deadline in a bounded call");
	sched_yield();
	return 0;
}

static int fk_wake(void *ctx, uint32_t dir, __u64 *word, uint64_t off)
{
	struct fk_area *a = fk_find(ctx, dir, word, off);

	a->wakes++;
	return fk_closed(a) ? -EPIPE : 0;
}

/* The TX area, whose identity the engine names in its own mapping. */
static inline struct fk_area *fk_find_grown(struct fk_ctx *c,
					    struct ipcsvc_area_identity *id)
{
	for (int i = 0; i < 2; i++)
		if (c->area[i] && c->dir[i] == IPCSVC_DIR_TX) {
			FZ_CHECK((uint8_t *)id ==
				 c->mapping[i] + c->area[i]->id_off,
				 "grow names an identity at %+lld, not at %llu",
				 (long long)((uint8_t *)id - c->mapping[i]),
				 (unsigned long long)c->area[i]->id_off);
			return c->area[i];
		}
	fz_fail("grow of a channel that does not send");
}

static int fk_grow(void *ctx, struct ipcsvc_area_identity *id,
		   uint64_t new_size)
{
	return fk_grow_to(fk_find_grown(ctx, id), new_size);
}

static const struct ipcsvc_wait_ops fk_ops = {
	.name = "fuzz-kernel",
	.wait = fk_wait,
	.wake = fk_wake,
	.grow = fk_grow,
};

#endif /* IPCSVC_FUZZ_KERNEL_H */
