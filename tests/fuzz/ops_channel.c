// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: the channel's memory. One memfd holds both areas; each end
 * maps each area with the protections the module gives it ("module"
 * mode) or all writable ("memfd" mode), so that an access the victim
 * must not make faults as it would in a real process.
 */
#include <sys/mman.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"
#include "../lib/identity.h"

uint64_t fo_page;
static int sim_fd;
size_t fo_file_max;		/* bytes of the memfd */
uint8_t *fo_kview;		/* the kernel's (and the hostile peer's) view */
/* [end][area]: each end's mapping of each area, reserved once */
uint8_t *fo_view[2][2];
static size_t view_max;		/* reserved bytes per mapping, guard included */

void fo_sim_setup(void)
{
	fo_page = fz_page();
	fz_timer_init();
	fo_file_max = (3 + 2 * MAX_PAGES) * fo_page + 2 * 3 * fo_page;
	view_max = (3 + MAX_PAGES + 1) * fo_page;
	sim_fd = memfd_create("fuzz-ops", MFD_CLOEXEC);
	if (sim_fd < 0 || ftruncate(sim_fd, (off_t)fo_file_max))
		abort();
	/* every mapping has a PROT_NONE page before it, and one after */
	fo_kview = mmap(NULL, fo_file_max + 2 * fo_page, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fo_kview == MAP_FAILED)
		abort();
	fo_kview += fo_page;
	if (mmap(fo_kview, fo_file_max, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, sim_fd, 0) == MAP_FAILED)
		abort();
	for (int e = 0; e < 2; e++)
		for (int a = 0; a < 2; a++) {
			uint8_t *v = mmap(NULL, view_max + fo_page, PROT_NONE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (v == MAP_FAILED)
				abort();
			fo_view[e][a] = v + fo_page;
		}
}

/* Map @n pages of the memfd at file offset @foff to @at with @prot. */
static void map_file(uint8_t *at, uint64_t foff, uint64_t n, int prot)
{
	if (n && mmap(at, n * fo_page, prot, MAP_SHARED | MAP_FIXED, sim_fd,
		      (off_t)foff) == MAP_FAILED)
		fz_fail("mmap: %s", strerror(errno));
}

static void unmap_view(uint8_t *at)
{
	if (mmap(at, view_max, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		fz_fail("mmap: %s", strerror(errno));
}

/* The data region of area @a in end @e's mapping. */
uint8_t *fo_data_of(int e, int a)
{
	return fo_view[e][a] + 3 * fo_page;
}

uint64_t fo_committed(int a)
{
	if (fo_state.module)
		return fo_state.d[a].k.committed;
	return fo_state.d[a].max;	/* memfd: all of it is mapped */
}

/* ---- setup -------------------------------------------------------------- */

void fo_setup_module(void)
{
	uint64_t np[2] = { fo_state.d[0].max / fo_page,
			   fo_state.d[1].max / fo_page };

	for (int a = 0; a < 2; a++) {
		struct dirst *d = &fo_state.d[a];

		d->id_off = (uint64_t)a * IPCSVC_IDENTITY_STRIDE;
		d->foff_data = (3 + (a ? np[0] : 0)) * fo_page;
		test_identity_write((void *)(fo_kview + d->id_off), 0, d->max,
				    fo_page, "fuzz");
		d->k.kmem = fo_kview;	/* the identity is at kmem + id_off */
		d->k.id_off = d->id_off;
		d->k.data_off = 3 * fo_page;
		d->k.max_size = d->max;
		d->k.committed = 0;
	}
	/* the kernel's view of data: fk_area addresses data through the
	 * maps only; identity through kmem */
	for (int e = 0; e < 2; e++) {
		for (int a = 0; a < 2; a++) {
			uint8_t *v = fo_view[e][a];
			struct fk_map *m = &fo_state.d[a].m[e];

			unmap_view(v);
			map_file(v, 0, 1, PROT_READ);
			/* the producer's control page: file page 1 + a */
			map_file(v + fo_page, (1 + (uint64_t)a) * fo_page, 1,
				 e == a ? PROT_READ | PROT_WRITE : PROT_READ);
			map_file(v + 2 * fo_page,
				 (2 - (uint64_t)a) * fo_page, 1,
				 e != a ? PROT_READ | PROT_WRITE : PROT_READ);
			m->area = v;
			m->producer = e == a;
			m->paged = false;	/* mapped by commit_pages() */
			m->poisoned = false;
			fo_state.d[a].k.map[e] = m;
		}
	}
}

/* Module mode: map the data pages [from, to) of area @a in both ends. */
static void commit_pages(int a, uint64_t from, uint64_t to)
{
	for (int e = 0; e < 2; e++)
		map_file(fo_data_of(e, a) + from,
			 fo_state.d[a].foff_data + from, (to - from) / fo_page,
			 e == a ? PROT_READ | PROT_WRITE : PROT_READ);
}

/* fk_area's growth, for module mode: data pages mapped from the memfd. */
static int sim_grow(void *ctx, struct ipcsvc_area_identity *id,
		    uint64_t new_size)
{
	struct fk_area *k = fk_find_grown(ctx, id);
	int a = k == &fo_state.d[0].k ? 0 : 1;
	uint64_t old = k->committed;
	int rc;

	/* map first (fk_grow_to() only publishes: m->paged is false) */
	if (!fk_closed(k) && k->fail_grow <= 0 && new_size <= k->max_size) {
		uint64_t to = (new_size + fo_page - 1) / fo_page * fo_page;

		if (to > k->max_size)
			to = k->max_size;
		if (to > old)
			commit_pages(a, old, to);
	}
	rc = fk_grow_to(k, new_size);
	return rc;
}

static const struct ipcsvc_wait_ops sim_ops = {
	.name = "fuzz-module",
	.wait = fk_wait,
	.wake = fk_wake,
	.grow = sim_grow,
};

void fo_setup_memfd(uint64_t start_pages)
{
	for (int a = 0; a < 2; a++) {
		struct dirst *d = &fo_state.d[a];
		uint64_t sz = start_pages * fo_page;
		struct ipcsvc_area_params p = {
			.size = sz > d->max ? d->max : sz,
			.max_size = d->max,
			.protocol_version = 1,
			.protocol_name = "fuzz",
		};
		size_t len = 3 * fo_page + d->max;
		int rc;

		d->base = a ? (3 * fo_page + fo_state.d[0].max) : 0;
		d->id_off = 0;
		d->foff_data = d->base + 3 * fo_page;
		rc = ipcsvc_area_format(fo_kview + d->base, len, &p);
		FZ_CHECK(rc == 0, "ipcsvc_area_format: %d", rc);
		for (int e = 0; e < 2; e++) {
			unmap_view(fo_view[e][a]);
			map_file(fo_view[e][a], d->base, len / fo_page,
				 PROT_READ | PROT_WRITE);
		}
	}
}

int fo_open_end(int e, const struct ipcsvc_channel_attr *attr)
{
	struct end *en = &fo_state.e[e];
	struct dirst *tx = &fo_state.d[e], *rx = &fo_state.d[1 - e];
	int rc;

	en->autogrow = !(attr->flags & IPCSVC_CHANNEL_NO_AUTOGROW);
	if (fo_state.module) {
		memset(&en->ctx, 0, sizeof(en->ctx));
		en->ctx.area[0] = &fo_state.d[e].k;	/* tx */
		en->ctx.mapping[0] = fo_view[e][e];
		en->ctx.dir[0] = IPCSVC_DIR_TX;
		en->ctx.area[1] = &fo_state.d[1 - e].k;	/* rx */
		en->ctx.mapping[1] = fo_view[e][1 - e];
		en->ctx.dir[1] = IPCSVC_DIR_RX;
		rc = FZ_CALL("ipcsvc__channel_open_ops",
			     ipcsvc__channel_open_ops(fo_view[e][e],
				     3 * fo_page + tx->max, tx->id_off,
				     fo_view[e][1 - e],
				     3 * fo_page + rx->max, rx->id_off, attr,
				     &sim_ops, &en->ctx, &en->ch));
	} else {
		rc = FZ_CALL("ipcsvc_channel_open",
			     ipcsvc_channel_open(fo_view[e][e],
				     3 * fo_page + tx->max, fo_view[e][1 - e],
				     3 * fo_page + rx->max, attr, &en->ch));
	}
	FZ_CHECK(rc == 0, "%s: open of a fresh channel: %d", fo_end_name(e),
		 rc);
	return rc;
}
