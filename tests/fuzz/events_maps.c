// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the fake module's memory. The link wraps mmap() and
 * munmap(), so that the library's mappings of the port's fd (a socket)
 * come here, checked against the MAP_INFO answers events_module.c gave,
 * and filled as the module would fill them.
 *
 * A module with header mappings (IPCSVC_MAP_HEADERS) keeps each channel
 * in a header store (struct fchan): the header mapping, and every area
 * mapping of the channel after it, show the store's pages (aliased with
 * mremap(), whose old_size 0 duplicates a shared mapping), the TX area
 * its pages 0, 1, 2 and the RX area 0, 2, 1, as the real module's
 * mappings show the same physical pages. A module without them maps
 * every area fresh, as before it had them.
 */
#include <sys/mman.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_events.h"

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __wrap_munmap(void *addr, size_t len);

int fe_chan_index(uint32_t h)
{
	for (unsigned int i = 0; i < fe_mod.nchan; i++)
		if (fe_mod.chan[i] == h)
			return (int)i;
	return -1;
}

struct fmap *fe_find_map(uint32_t handle, uint32_t dir)
{
	for (unsigned int i = 0; i < fe_mod.nmap; i++)
		if (fe_mod.map[i].handle == handle && fe_mod.map[i].dir == dir)
			return &fe_mod.map[i];
	return NULL;
}

/*
 * Where the module puts area @dir's identity, for an identity offset @off
 * the knobs (or the input) give: with header mappings the two areas share
 * one identity page, so the RX area's sits a stride away, one at 0 and the
 * other at IPCSVC_IDENTITY_STRIDE for the real module's offsets.
 */
uint64_t fe_id_off_of(uint64_t off, uint32_t dir)
{
	return fe_mod.headers && dir == IPCSVC_DIR_RX ?
	       off ^ IPCSVC_IDENTITY_STRIDE : off;
}

static bool sane_id_off(uint64_t off)
{
	return off == 0 || off == IPCSVC_IDENTITY_STRIDE;
}

/*
 * Does the module answer as the real one would, with nothing to refuse?
 * Then a channel end it announced opens: the library found both areas
 * where it mapped them, one mapping or two, or the header pages with
 * both identities in the first, each at an offset of its own.
 */
bool fe_sane(void)
{
	uint64_t tx = fe_id_off_of(fe_mod.id_off, IPCSVC_DIR_TX),
		 rx = fe_id_off_of(fe_mod.id_off, IPCSVC_DIR_RX);

	return !fe_mod.mi_raw && !fe_mod.npatch && !fe_mod.closed &&
	       !fe_mod.grow_err && sane_id_off(tx) && sane_id_off(rx) &&
	       (!fe_mod.headers || tx != rx);
}

/* The mappings a successful accept or connect makes now. */
unsigned int fe_open_maps(void)
{
	/* the header pages; the areas come on first use */
	return fe_mod.headers ? 1 : 2;
}

struct fchan *fe_store(uint32_t handle)
{
	int i = fe_chan_index(handle);

	return i >= 0 && fe_mod.hs[i].store ? &fe_mod.hs[i] : NULL;
}

/* Does an identity at @id_off lie in the identity page? */
bool fe_id_in_page(uint64_t id_off)
{
	return id_off % 8 == 0 &&
	       id_off + sizeof(struct ipcsvc_area_identity) <= fe_page;
}

struct ipcsvc_area_identity *fe_store_id(const struct fchan *s,
					  uint32_t dir)
{
	return fe_id_in_page(s->id_off[dir]) ?
	       (void *)(s->store + s->id_off[dir]) : NULL;
}

/* Where area @dir's data region is in the store. */
uint8_t *fe_store_data(const struct fchan *s, uint32_t dir)
{
	return s->store + 3 * fe_page + (uint64_t)dir * FE_MAP_CAP;
}

/* Unmap the header stores, at the end of an input. */
void fe_release(void)
{
	for (unsigned int i = 0; i < MAX_HANDLES; i++) {
		if (fe_mod.hs[i].store)
			__real_munmap(fe_mod.hs[i].store,
				      3 * fe_page + 2 * (size_t)FE_MAP_CAP);
		fe_mod.hs[i].store = NULL;
	}
}

/* The identity the module writes for an area: @max, @size committed. */
static void put_identity(struct ipcsvc_area_identity *id, uint64_t max,
			 uint64_t size)
{
	id->size = size;
	id->protocol_version = 1;
	id->protocol_name_len = 4;
	memcpy(id->protocol_name, "fuzz", 4);
	id->max_size = max;
	id->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
	id->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
	id->data_offset = 3 * fe_page;
	id->area_bytes = 3 * fe_page + max;
	id->closed = fe_mod.closed;
	id->magic = IPCSVC_AREA_MAGIC;
}

/*
 * The patches stand for a kernel whose answers the library checks
 * (magic, max_size, area_bytes, closed, ...). The committed size and
 * where the words and data are it cannot check, and the real identity
 * page is the module's alone: those stay the truth.
 */
static void fix_identity(struct ipcsvc_area_identity *id, uint64_t size)
{
	id->size = size;
	id->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
	id->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
	id->data_offset = 3 * fe_page;
}

/*
 * The patches, at their offsets in the mapping of @len bytes at @addr;
 * none into the page at @own (NULL: none spared): the end's own control
 * page, once an open channel's words live there, is written by the
 * library alone.
 */
static void patch(uint8_t *addr, size_t len, const uint8_t *own)
{
	for (unsigned int i = 0; i < fe_mod.npatch; i++) {
		uint64_t off = fe_mod.patch_off[i] % (len > 8 ? len - 8 : 1);
		uint8_t *p = addr + (off & ~7ULL);

		if (off + 8 > len || (own && p >= own && p < own + fe_page))
			continue;
		memcpy(p, &fe_mod.patch_val[i], 8);
	}
}

/*
 * The module's area for a mapping: identity, words, data, guard. A
 * mapping of a header store shows what the store holds: the identities
 * the module wrote once, with the committed size they already say (grown
 * before the data was mapped), and the words of the open channel; the
 * patches reach it too, but for this end's control page.
 */
static void fill_area(struct fmap *m, struct fchan *s)
{
	struct ipcsvc_area_identity *id = NULL;
	uint64_t size = s ? s->committed[m->dir] : 0;

	if (s) {
		id = fe_store_id(s, m->dir);
	} else if (m->id_off % 8 == 0 && m->id_off + sizeof(*id) <= m->len) {
		id = (void *)(m->addr + m->id_off);
		put_identity(id, m->max, size);
	}
	patch(m->addr, m->len, !s ? NULL : m->addr +
	      (m->dir == IPCSVC_DIR_TX ? 1 : 2) * fe_page);
	if (id)
		fix_identity(id, size);
	/*
	 * the rest of the data, and the guard, fault. A channel mapping is
	 * split at a page (see __wrap_mmap()), so the TX half's pages are
	 * its own; the RX half's last is the mapping's.
	 */
	m->committed = size;
	if (m->len > 3 * fe_page + size)
		mprotect(m->addr + 3 * fe_page + size,
			 (m->len - 3 * fe_page - size + fe_page - 1) /
			 fe_page * fe_page, PROT_NONE);
}

/*
 * The header pages of a mapping. The first makes the store: both
 * identities, as the answers to the header request and to the RX area's
 * describe them, and the patches on all three pages, as on a fresh area.
 * A later one finds the channel open: the patches spare this end's
 * control page.
 */
static void fill_headers(struct fmap *m, struct fchan *s, bool fresh)
{
	struct ipcsvc_area_identity *id;

	for (uint32_t d = IPCSVC_DIR_TX; fresh && d <= IPCSVC_DIR_RX; d++) {
		id = fe_store_id(s, d);
		if (id)
			put_identity(id, s->max[d], 0);
	}
	patch(m->addr, m->len, fresh ? NULL : m->addr + fe_page);
	for (uint32_t d = IPCSVC_DIR_TX; d <= IPCSVC_DIR_RX; d++) {
		id = fe_store_id(s, d);
		if (id)
			fix_identity(id, s->committed[d]);
	}
}

/*
 * The module commits @size bytes of area @dir of channel @handle's header
 * store: the pages become accessible in every mapping of the area that
 * shows the store, then the identity says so (release).
 */
void fe_commit(uint32_t handle, uint32_t dir, uint64_t size)
{
	struct fchan *s = fe_store(handle);
	struct ipcsvc_area_identity *id;

	if (!s)
		return;
	if (size > s->committed[dir])
		s->committed[dir] = size;
	for (unsigned int i = 0; i < fe_mod.nmap; i++) {
		struct fmap *m = &fe_mod.map[i];
		/* the identity's max_size bounds it, not what the answer
		 * the mapping was made from said: as far as it reaches */
		uint64_t end = s->committed[dir];

		if (!m->shared || m->handle != handle || m->dir != dir)
			continue;
		if (3 * fe_page + end > m->len)
			end = m->len > 3 * fe_page ?
			      (m->len - 3 * fe_page) / fe_page * fe_page : 0;
		if (end > m->committed) {
			mprotect(m->addr + 3 * fe_page + m->committed,
				 end - m->committed, PROT_READ | PROT_WRITE);
			m->committed = end;
		}
	}
	id = fe_store_id(s, dir);
	if (id)
		STORE_RELEASE(&id->size, s->committed[dir]);
}

/*
 * Which answer of MAP_INFO for channel @i a mapping of @len bytes at @off
 * is: its channel mapping, its header mapping, its TX area's or its RX
 * area's (FE_CHANNEL, FE_HEADERS, IPCSVC_DIR_TX, IPCSVC_DIR_RX), or none
 * (-1). With mi_raw the header, TX and RX answers are alike: the one not
 * mapped since it was given first, so that the header pages, TX and RX
 * are each recorded as what they are.
 */
static int match_answer(int i, size_t len, off_t off)
{
	const struct fmi *c = &fe_mod.mi_chan[i];
	const struct fmi *a[3] = { &fe_mod.mi_hdr[i],
				   &fe_mod.mi[i][IPCSVC_DIR_TX],
				   &fe_mod.mi[i][IPCSVC_DIR_RX] };
	static const int what[3] = { FE_HEADERS, IPCSVC_DIR_TX,
				     IPCSVC_DIR_RX };
	int used = -1;

	if (c->valid && c->map_size == len && c->offset == (uint64_t)off)
		return FE_CHANNEL;
	for (int k = 0; k < 3; k++) {
		if (!a[k]->valid || a[k]->map_size != len ||
		    a[k]->offset != (uint64_t)off)
			continue;
		if (!a[k]->used)
			return what[k];
		if (used < 0)
			used = what[k];
	}
	return used;
}

/* The channel (index) and answer of a mapping, the last asked first. */
static int find_answer(size_t len, off_t off, int *what)
{
	int last = fe_chan_index(fe_mod.mi_last);

	if (last >= 0 && (*what = match_answer(last, len, off)) >= 0)
		return last;
	for (int i = 0; i < (int)fe_mod.nchan; i++)
		if (i != last && (*what = match_answer(i, len, off)) >= 0)
			return i;
	return -1;
}

/* Show @len bytes of a header store at @src at @dst instead of what was. */
static void alias(uint8_t *dst, uint8_t *src, size_t len)
{
	void *p = mremap(src, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);

	if (p != dst) {
		perror("fuzz_events: mremap of a header store");
		abort();
	}
}

/*
 * Show channel @s's pages in an area mapping of @len bytes at @addr: the
 * identity page, the producer's control page (this end's for TX, the
 * peer's for RX), the consumer's, then the area's data region.
 */
static void alias_area(struct fchan *s, uint32_t dir, uint8_t *addr,
		       size_t len)
{
	size_t pages = (len + fe_page - 1) / fe_page;

	for (size_t k = 0; k < 3 && k < pages; k++)
		alias(addr + k * fe_page, s->store + (dir == IPCSVC_DIR_TX ||
			k == 0 ? k : 3 - k) * fe_page, fe_page);
	if (pages > 3)
		alias(addr + 3 * fe_page, fe_store_data(s, dir),
		      (pages - 3) * fe_page);
}

/*
 * A new record of a mapping of channel @i, @dir (an IPCSVC_DIR_* or
 * FE_HEADERS), @len bytes at @addr, part of the mmap() at @base, with
 * the identity offset and data size of answer @a.
 */
static struct fmap *new_map(int i, uint32_t dir, uint8_t *addr, size_t len,
			    uint8_t *base, size_t base_len,
			    const struct fmi *a, bool shared)
{
	struct fmap *m = &fe_mod.map[fe_mod.nmap++];

	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->len = len;
	m->base = base;
	m->base_len = base_len;
	m->handle = fe_mod.chan[i];
	m->dir = dir;
	m->id_off = a->id_off;
	m->max = a->max;
	m->shared = shared;
	return m;
}

/*
 * Record an area of channel @i at @addr, part of the mmap() at @base:
 * the store's pages if the channel has a header store, else fresh ones.
 */
static void add_map(int i, uint32_t dir, uint8_t *addr, uint8_t *base,
		    size_t base_len)
{
	struct fchan *s = fe_mod.hs[i].store ? &fe_mod.hs[i] : NULL;
	struct fmi *a = &fe_mod.mi[i][dir];
	struct fmap *m = new_map(i, dir, addr, (size_t)a->map_size, base,
				 base_len, a, s != NULL);

	a->used = true;
	if (s)
		alias_area(s, dir, addr, m->len);
	fill_area(m, s);
	if (fz_trace > 0)
		fprintf(stderr, "    mmap %u/%u: %zu bytes at %p%s%s, identity "
			"at %llu, max %llu, committed %llu, %u patches\n",
			m->handle, m->dir, m->len, (void *)addr,
			base_len == m->len ? "" : " (of a channel mapping)",
			s ? " (of the header store)" : "",
			(unsigned long long)m->id_off,
			(unsigned long long)m->max,
			(unsigned long long)m->committed, fe_mod.npatch);
}

/*
 * Record the header mapping of channel @i at @addr, @len bytes, and make
 * the channel's header store if this is its first: its geometry is what
 * the module answered for the header pages and for the RX area (which
 * the library asks about before it maps them).
 */
static int add_headers(int i, uint8_t *addr, size_t len)
{
	struct fchan *s = &fe_mod.hs[i];
	struct fmi *h = &fe_mod.mi_hdr[i], *rx = &fe_mod.mi[i][IPCSVC_DIR_RX];
	struct fmi none = { .id_off = 1 };
	bool fresh = !s->store;
	struct fmap *m;

	if (!rx->valid)
		rx = &none;	/* no identity for it, then */
	if (fresh) {
		void *p = __real_mmap(NULL, 3 * fe_page +
				      2 * (size_t)FE_MAP_CAP,
				      PROT_READ | PROT_WRITE, MAP_SHARED |
				      MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			return -ENOMEM;
		memset(s, 0, sizeof(*s));
		s->store = p;
		s->id_off[IPCSVC_DIR_TX] = h->id_off;
		s->max[IPCSVC_DIR_TX] = h->max;
		s->id_off[IPCSVC_DIR_RX] = rx->id_off;
		s->max[IPCSVC_DIR_RX] = rx->max;
	}
	m = new_map(i, FE_HEADERS, addr, len, addr, len, h, true);
	h->used = true;
	for (size_t k = 0; k < 3 && k * fe_page < len; k++)
		alias(addr + k * fe_page, s->store + k * fe_page, fe_page);
	fill_headers(m, s, fresh);
	if (fz_trace > 0)
		fprintf(stderr, "    mmap %u: header pages, %zu bytes at %p%s, "
			"identities at %llu and %llu, max %llu and %llu, "
			"committed %llu and %llu, %u patches\n", m->handle,
			len, (void *)addr, fresh ? "" : " (again)",
			(unsigned long long)s->id_off[IPCSVC_DIR_TX],
			(unsigned long long)s->id_off[IPCSVC_DIR_RX],
			(unsigned long long)s->max[IPCSVC_DIR_TX],
			(unsigned long long)s->max[IPCSVC_DIR_RX],
			(unsigned long long)s->committed[IPCSVC_DIR_TX],
			(unsigned long long)s->committed[IPCSVC_DIR_RX],
			fe_mod.npatch);
	return 0;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	struct fmi *tx, *rx;
	int i, what = -1;
	uint8_t *p;

	if (fd < 0 || fd != fe_mod.port_fd)
		return __real_mmap(addr, len, prot, flags, fd, off);
	i = find_answer(len, off, &what);
	FZ_CHECK(i >= 0, "mmap(%zu bytes at %lld) that no MAP_INFO answer "
		 "describes (last asked: handle %u)", len, (long long)off,
		 fe_mod.mi_last);
	FZ_CHECK(flags & MAP_SHARED, "an area mapped without MAP_SHARED");
	tx = &fe_mod.mi[i][IPCSVC_DIR_TX];
	rx = &fe_mod.mi[i][IPCSVC_DIR_RX];
	/* the library takes the channel mapping where it is offered, and
	 * maps the areas one by one only if that failed */
	FZ_CHECK(what != IPCSVC_DIR_TX || !fe_mod.mi_chan[i].valid ||
		 fe_mod.mi_chan[i].used, "handle %u: the TX area mapped "
		 "alone, though MAP_INFO offered the channel mapping",
		 fe_mod.chan[i]);
	if (what == FE_CHANNEL)
		fe_mod.mi_chan[i].used = true;
	if (len == 0 || len > FE_MAP_CAP ||
	    fe_mod.nmap + (what == FE_CHANNEL ? 2 : 1) > MAX_MAPS) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	/*
	 * The module maps a channel by its areas' sizes, whole pages: with
	 * mi_raw, a channel map_size from the input that is not the sum, or
	 * a TX map_size that is no page multiple, is a mapping it refuses
	 * (EINVAL from the module; ENOMEM here, which the library passes on
	 * and the oracles do not take for a bad argument). The second is
	 * one the library does not refuse itself: it would open an RX area
	 * off a page, and one off 8 bytes is the engine's -EINVAL.
	 */
	if (what == FE_CHANNEL &&
	    (tx->map_size >= len || tx->map_size + rx->map_size != len ||
	     tx->map_size % fe_page)) {
		if (fz_trace > 0)
			fprintf(stderr, "    mmap %u: a channel mapping of %zu "
				"bytes, areas of %llu and %llu: refused\n",
				fe_mod.chan[i], len,
				(unsigned long long)tx->map_size,
				(unsigned long long)rx->map_size);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = __real_mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	if (what == FE_CHANNEL) {
		add_map(i, IPCSVC_DIR_TX, p, p, len);
		add_map(i, IPCSVC_DIR_RX, p + tx->map_size, p, len);
	} else if (what == FE_HEADERS) {
		if (add_headers(i, p, len)) {
			__real_munmap(p, len);
			errno = ENOMEM;
			return MAP_FAILED;
		}
	} else {
		add_map(i, (uint32_t)what, p, p, len);
	}
	return p;
}

/*
 * A mapping of the device goes whole: an area's own, a channel mapping
 * with both its areas, or header pages. Unmapping a part of one (an area of a
 * channel mapping, say) is the library's mistake.
 */
int __wrap_munmap(void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	for (unsigned int i = 0; i < fe_mod.nmap;) {
		struct fmap *m = &fe_mod.map[i];
		uintptr_t b = (uintptr_t)m->base;

		if (b != a) {
			FZ_CHECK(a + len <= b || a >= b + m->base_len,
				 "munmap of %zu bytes at %p, into the mapping "
				 "of %zu bytes at %p (%u/%u)", len, addr,
				 m->base_len, (void *)m->base, m->handle,
				 m->dir);
			i++;
			continue;
		}
		FZ_CHECK(len == m->base_len, "munmap of %zu bytes of a %zu "
			 "byte mapping (%u/%u)", len, m->base_len, m->handle,
			 m->dir);
		fe_mod.map[i] = fe_mod.map[--fe_mod.nmap];
	}
	return __real_munmap(addr, len);
}

