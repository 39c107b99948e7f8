// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the fake module. The link wraps ioctl(), mmap() and
 * munmap(), so that the library's calls on the port's fd (a socket) reach
 * the handlers here, which answer as the module would, or with the errors
 * the man pages list, as the script's knobs say.
 */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_events.h"

#define MAP_CAP		(4u << 20)	/* a bigger mmap() is -ENOMEM */

struct fe_module fe_mod;

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
 * Does the module answer as the real one would, with nothing to refuse?
 * Then a channel end it announced opens: the library found both areas
 * where it mapped them, one mapping or two.
 */
bool fe_sane(void)
{
	return !fe_mod.mi_raw && !fe_mod.npatch && !fe_mod.closed &&
	       !fe_mod.grow_err && (fe_mod.id_off == 0 ||
				    fe_mod.id_off == IPCSVC_IDENTITY_STRIDE);
}

/* The module's area for a mapping: identity, words, data, guard. */
static void fill_area(struct fmap *m)
{
	struct ipcsvc_area_identity *id;
	uint64_t area_bytes = 3 * fe_page + m->max;

	if (m->id_off % 8 == 0 && m->id_off + sizeof(*id) <= m->len) {
		id = (void *)(m->addr + m->id_off);
		id->size = 0;
		id->protocol_version = 1;
		id->protocol_name_len = 4;
		memcpy(id->protocol_name, "fuzz", 4);
		id->max_size = m->max;
		id->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
		id->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
		id->data_offset = 3 * fe_page;
		id->area_bytes = area_bytes;
		id->closed = fe_mod.closed;
		id->magic = IPCSVC_AREA_MAGIC;
	}
	for (unsigned int i = 0; i < fe_mod.npatch; i++) {
		uint64_t off = fe_mod.patch_off[i] %
			       (m->len > 8 ? m->len - 8 : 1);

		if (off + 8 <= m->len)
			memcpy(m->addr + (off & ~7ULL), &fe_mod.patch_val[i],
			       8);
	}
	/*
	 * The patches stand for a kernel whose answers the library checks
	 * (magic, max_size, area_bytes, closed, ...). The committed size and
	 * where the words and data are it cannot check, and the real identity
	 * page is the module's alone: those stay the truth.
	 */
	if (m->id_off % 8 == 0 && m->id_off + sizeof(*id) <= m->len) {
		id = (void *)(m->addr + m->id_off);
		id->size = 0;
		id->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
		id->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
		id->data_offset = 3 * fe_page;
	}
	/*
	 * nothing committed: the data, and the guard, fault. A channel
	 * mapping is split at a page (see __wrap_mmap()), so the TX half's
	 * pages are its own; the RX half's last is the mapping's.
	 */
	if (m->len > 3 * fe_page)
		mprotect(m->addr + 3 * fe_page,
			 (m->len - 3 * fe_page + fe_page - 1) / fe_page *
			 fe_page, PROT_NONE);
}

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);
int __real_ioctl(int fd, unsigned long req, ...);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __wrap_munmap(void *addr, size_t len);
int __wrap_ioctl(int fd, unsigned long req, ...);

/* the answer a mapping is for, other than an area's own direction */
#define FE_CHANNEL	2

/*
 * Which answer of MAP_INFO for channel @i a mapping of @len bytes at @off
 * is: its channel mapping, its TX area's or its RX area's (FE_CHANNEL,
 * IPCSVC_DIR_TX, IPCSVC_DIR_RX), or none (-1). With mi_raw the TX and RX
 * answers are alike: the one not mapped since it was given first, so that
 * TX then RX are each recorded as what they are.
 */
static int match_answer(int i, size_t len, off_t off)
{
	const struct fmi *c = &fe_mod.mi_chan[i];
	int used = -1;

	if (c->valid && c->map_size == len && c->offset == (uint64_t)off)
		return FE_CHANNEL;
	for (int d = IPCSVC_DIR_TX; d <= IPCSVC_DIR_RX; d++) {
		const struct fmi *a = &fe_mod.mi[i][d];

		if (!a->valid || a->map_size != len ||
		    a->offset != (uint64_t)off)
			continue;
		if (!a->used)
			return d;
		if (used < 0)
			used = d;
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

/* Record an area of channel @i at @addr, part of the mmap() at @base. */
static void add_map(int i, uint32_t dir, uint8_t *addr, uint8_t *base,
		    size_t base_len)
{
	struct fmi *a = &fe_mod.mi[i][dir];
	struct fmap *m = &fe_mod.map[fe_mod.nmap++];

	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->len = (size_t)a->map_size;
	m->base = base;
	m->base_len = base_len;
	m->handle = fe_mod.chan[i];
	m->dir = dir;
	m->id_off = a->id_off;
	m->max = a->max;
	a->used = true;
	fill_area(m);
	if (fz_trace > 0)
		fprintf(stderr, "    mmap %u/%u: %zu bytes at %p%s, identity "
			"at %llu, max %llu, %u patches\n", m->handle, m->dir,
			m->len, (void *)addr, base_len == m->len ? "" :
			" (of a channel mapping)",
			(unsigned long long)m->id_off,
			(unsigned long long)m->max, fe_mod.npatch);
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
	if (len == 0 || len > MAP_CAP ||
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
	} else {
		add_map(i, (uint32_t)what, p, p, len);
	}
	return p;
}

/*
 * A mapping of the device goes whole: an area's own, or a channel
 * mapping with both its areas. Unmapping a part of one (an area of a
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

/*
 * What MAP_INFO says of area @dir of channel @i (handle @h), kept in
 * fe_mod.mi for the mmap() that follows.
 */
static struct fmi *answer_area(int i, uint32_t h, uint32_t dir)
{
	struct fmi *a = &fe_mod.mi[i][dir];

	a->valid = true;
	a->used = false;
	if (fe_mod.mi_raw) {
		a->offset = fe_mod.raw[5];
		a->map_size = fe_mod.raw[0];
		a->id_off = fe_mod.raw[4];
		/* as much of a max_size from the input as a mapping holds */
		a->max = fe_mod.raw[2] % (64 * fe_page + 1);
		return a;
	}
	a->max = (fe_mod.max_pages +
		  (dir == IPCSVC_DIR_RX ? fe_mod.rx_pages : 0)) * fe_page;
	a->map_size = 3 * fe_page + a->max + fe_page;
	a->id_off = fe_mod.id_off;
	a->offset = IPCSVC_MMAP_TOKEN(h, dir) * fe_page;
	return a;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	fe_mod.ioctls++;
	switch (req) {
	case IPCSVC_IOC_VERSION: {
		struct ipcsvc_version *v = arg;

		FZ_CHECK(v->size >= IPCSVC_VERSION_SIZE_VER0 && !v->flags,
			 "VERSION with size %u flags %u", v->size, v->flags);
		v->abi = IPCSVC_ABI_VERSION;
		memset(v->release, 'x', sizeof(v->release));
		v->size = (uint32_t)fe_mod.version_size;
		return 0;
	}
	case IPCSVC_IOC_SERVICE_CREATE: {
		struct ipcsvc_service_create *c = arg;

		FZ_CHECK(c->size == sizeof(*c) && c->name_len >= 1 &&
			 c->name_len <= IPCSVC_PROTOCOL_NAME_MAX &&
			 c->mode <= 0777 && !c->flags,
			 "SERVICE_CREATE with size %u name_len %u mode %o",
			 c->size, c->name_len, c->mode);
		if (fe_mod.create_err)
			return -fe_mod.create_err;
		c->handle = fe_mod.svc;
		return 0;
	}
	case IPCSVC_IOC_CONNECT: {
		struct ipcsvc_connect *c = arg;

		FZ_CHECK(c->size == sizeof(*c) && c->name_len >= 1 &&
			 c->name_len <= IPCSVC_PROTOCOL_NAME_MAX &&
			 c->max_to_server <= IPCSVC_AREA_MAX_SIZE_LIMIT &&
			 c->max_to_client <= IPCSVC_AREA_MAX_SIZE_LIMIT,
			 "CONNECT with size %u name_len %u", c->size,
			 c->name_len);
		if (fe_mod.connect_err)
			return -fe_mod.connect_err;
		if (fe_mod.nchan >= MAX_HANDLES)
			return -ENOSPC;
		c->handle = 200 + fe_mod.nchan;
		fe_mod.chan_open[fe_mod.nchan] = true;
		fe_mod.chan[fe_mod.nchan++] = c->handle;
		return 0;
	}
	case IPCSVC_IOC_CLOSE: {
		struct ipcsvc_handle_arg *h = arg;
		int i = fe_chan_index(h->handle);

		FZ_CHECK(h->size == sizeof(*h) && !h->flags,
			 "CLOSE with size %u", h->size);
		if (h->handle == fe_mod.svc && fe_mod.svc) {
			/* a service goes only with ipcsvc_service_close() */
			FZ_CHECK(fe_mod.closing_svc,
				 "the library closed the service's handle %u "
				 "outside ipcsvc_service_close() (an accept or "
				 "reject of an event whose channel handle is "
				 "the service's own)", h->handle);
			fe_mod.svc = 0;
			return 0;
		}
		if (i < 0 || !fe_mod.chan_open[i])
			return -EBADSLT;
		fe_mod.chan_open[i] = false;
		fe_mod.closes[i]++;
		return 0;
	}
	case IPCSVC_IOC_MAP_INFO: {
		struct ipcsvc_map_info *mi = arg;
		int i = fe_chan_index(mi->handle);
		bool chan = mi->flags & IPCSVC_MAP_CHANNEL;
		struct fmi *a;

		FZ_CHECK(mi->size == sizeof(*mi) && mi->dir <= 1 &&
			 !(mi->flags & ~IPCSVC_MAP_CHANNEL) &&
			 (!chan || mi->dir == IPCSVC_DIR_TX),
			 "MAP_INFO with size %u dir %u flags %#x", mi->size,
			 mi->dir, mi->flags);
		fe_mod.map_infos++;
		/* as the module: the flags before the handle; one that
		 * predates the channel mapping knows no flag at all */
		if (chan && fe_mod.no_chan) {
			if (i >= 0)
				fe_mod.mi_chan[i].valid = false;
			if (fz_trace > 0)
				fprintf(stderr, "    MAP_INFO %u/%u, channel: "
					"-EINVAL\n", mi->handle, mi->dir);
			return -EINVAL;
		}
		if (mi->handle == fe_mod.svc && fe_mod.svc)
			return -EPROTOTYPE;
		if (i < 0 || !fe_mod.chan_open[i])
			return -EBADSLT;
		a = answer_area(i, mi->handle, mi->dir);
		mi->offset = a->offset;
		mi->map_size = a->map_size;
		mi->identity_offset = a->id_off;
		if (fe_mod.mi_raw) {
			mi->area_bytes = fe_mod.raw[1];
			mi->max_size = fe_mod.raw[2];
			mi->committed = fe_mod.raw[3];
		} else {
			mi->max_size = a->max;
			mi->area_bytes = 3 * fe_page + mi->max_size;
			mi->committed = 0;
		}
		mi->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
		mi->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
		mi->data_offset = 3 * fe_page;
		if (chan) {
			/* both areas' map_size: the RX area is as its own
			 * MAP_INFO will say */
			struct fmi *rx = answer_area(i, mi->handle,
						     IPCSVC_DIR_RX);
			struct fmi *c = &fe_mod.mi_chan[i];

			c->valid = true;
			c->used = false;
			c->offset = a->offset;
			c->map_size = fe_mod.mi_raw && fe_mod.raw_chan ?
				      fe_mod.raw_chan :
				      a->map_size + rx->map_size;
			mi->map_size = c->map_size;
		}
		fe_mod.mi_last = mi->handle;
		if (fz_trace > 0)
			fprintf(stderr, "    MAP_INFO %u/%u%s: map_size %llu "
				"area_bytes %llu max %llu id_off %llu\n",
				mi->handle, mi->dir, chan ? ", channel" : "",
				(unsigned long long)mi->map_size,
				(unsigned long long)mi->area_bytes,
				(unsigned long long)mi->max_size,
				(unsigned long long)mi->identity_offset);
		return 0;
	}
	case IPCSVC_IOC_GROW: {
		struct ipcsvc_grow *g = arg;
		struct fmap *m = fe_find_map(g->handle, IPCSVC_DIR_TX);
		struct ipcsvc_area_identity *id;
		uint64_t want;
		int i = fe_chan_index(g->handle);

		FZ_CHECK(g->size == sizeof(*g) && !g->flags, "GROW size %u",
			 g->size);
		if (i < 0 || !fe_mod.chan_open[i] || !m)
			return -EBADSLT;
		if (fe_mod.closed)
			return -EPIPE;
		if (fe_mod.grow_err)
			return -fe_mod.grow_err;
		if (g->new_size > m->max)
			return -EFBIG;
		want = (g->new_size + fe_page - 1) / fe_page * fe_page;
		if (want > m->max)
			want = m->max;
		if (want > m->committed && 3 * fe_page + want <= m->len)
			mprotect(m->addr + 3 * fe_page + m->committed,
				 want - m->committed, PROT_READ | PROT_WRITE);
		if (want > m->committed)
			m->committed = want;
		if (m->id_off + sizeof(*id) <= m->len && m->id_off % 8 == 0) {
			id = (void *)(m->addr + m->id_off);
			STORE_RELEASE(&id->size, m->committed);
		}
		g->committed = m->committed;
		if (fz_trace > 0)
			fprintf(stderr, "    GROW %u to %llu: committed %llu of "
				"%zu mapped, max %llu\n", g->handle,
				(unsigned long long)g->new_size,
				(unsigned long long)m->committed, m->len,
				(unsigned long long)m->max);
		return 0;
	}
	case IPCSVC_IOC_WAIT: {
		struct ipcsvc_wait *w = arg;
		int i = fe_chan_index(w->handle);

		FZ_CHECK(w->size == sizeof(*w) && w->dir <= 1 &&
			 !(w->flags & ~IPCSVC_WAIT_ABSTIME) && w->offset % 8 == 0 &&
			 ((w->offset >= fe_page && w->offset < fe_page + 256) ||
			  (w->offset >= 2 * fe_page + 256 &&
			   w->offset < 2 * fe_page + 512)),
			 "WAIT size %u dir %u flags %u offset %llu", w->size,
			 w->dir, w->flags, (unsigned long long)w->offset);
		fe_mod.waits++;
		if (i < 0 || !fe_mod.chan_open[i])
			return -EBADSLT;
		if (fe_mod.closed)
			return -EPIPE;
		if (fe_mod.wait_err)
			return -fe_mod.wait_err;
		/* a deadline in the past, or a relative 0: only look */
		return (w->timeout == 0 || (w->flags & IPCSVC_WAIT_ABSTIME &&
			(uint64_t)w->timeout <= ipcsvc__now_ns())) ?
		       -ETIMEDOUT : 0;
	}
	case IPCSVC_IOC_WAKE: {
		struct ipcsvc_wake *w = arg;

		FZ_CHECK(w->size == sizeof(*w) && w->dir <= 1 && !w->flags,
			 "WAKE size %u dir %u", w->size, w->dir);
		return fe_mod.closed ? -EPIPE : -fe_mod.wake_err;
	}
	case IPCSVC_IOC_ARM: {
		struct ipcsvc_arm *a = arg;
		struct fmap *m = fe_find_map(a->handle, a->dir);
		uint64_t want = a->dir == IPCSVC_DIR_RX ?
			fe_page + IPCSVC_CONTROL_PRODUCER + 8 :
			2 * fe_page + IPCSVC_CONTROL_CONSUMER + 8;

		FZ_CHECK(a->size == sizeof(*a) && a->dir <= 1 && !a->flags,
			 "ARM size %u dir %u", a->size, a->dir);
		/* with the identity the fake wrote (unpatched offsets) */
		if (m && !fe_mod.npatch && !fe_mod.mi_raw)
			FZ_CHECK(a->offset == want, "ARM dir %u names offset "
				 "%llu, not %llu", a->dir,
				 (unsigned long long)a->offset,
				 (unsigned long long)want);
		return fe_mod.closed ? -EPIPE : 0;
	}
	case IPCSVC_IOC_PEER_CREDS: {
		struct ipcsvc_peer_creds *pc = arg;

		FZ_CHECK(pc->size == sizeof(*pc) && !pc->flags,
			 "PEER_CREDS size %u", pc->size);
		if (fe_mod.creds_err)
			return -fe_mod.creds_err;
		pc->pid = fe_mod.creds_pid[fe_mod.creds_calls++ % 2];
		pc->uid = 1000;
		pc->gid = 1000;
		pc->version = 1;
		return 0;
	}
	default:
		fz_fail("an ioctl the library does not make: %#lx", req);
	}
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fe_mod.port_fd || fd < 0)
		return __real_ioctl(fd, req, arg);
	rc = fake_ioctl(req, arg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

void fe_op_knob(struct fz_in *in)
{
	static const int grow_errs[] = { 0, EDQUOT, ENOMEM, EPIPE };
	static const int wait_errs[] = { 0, EINTR, EPIPE, EBADSLT };
	static const int conn_errs[] = { 0, ENOENT, EACCES, EPROTONOSUPPORT,
					 EMSGSIZE, EUSERS, EAGAIN, EDQUOT,
					 ENOSPC, ECONNREFUSED };
	uint8_t k = fz_u8(in), v = fz_u8(in);

	/* a cookie, or none, on the service: not a knob of the module, but
	 * as cheap to reach from here */
	if (k >= 0xf0 && fe_app.svc) {
		void *cookie = (v & 1) ? NULL : (void *)(uintptr_t)(v | 0x100);
		int rc = FZ_CALL("ipcsvc_service_set_cookie",
				 ipcsvc_service_set_cookie(fe_app.svc, cookie));

		FZ_ALLOWED("ipcsvc_service_set_cookie", rc, 0);
		FZ_CHECK(ipcsvc_service_cookie(fe_app.svc) == cookie,
			 "service cookie");
		fe_app.svc_cookie = cookie;
		fe_model_set_cookie((uint32_t)ipcsvc_service_handle(fe_app.svc),
				    cookie);
		return;
	}
	switch (k % 11) {
	case 0: fe_mod.grow_err = grow_errs[v % 4]; break;
	case 1: fe_mod.wait_err = wait_errs[v % 4]; break;
	case 2: fe_mod.connect_err = conn_errs[v % 10]; break;
	case 3:
		/* as the module: in every identity, with release */
		fe_mod.closed = v & 1;
		for (unsigned int i = 0; i < fe_mod.nmap; i++) {
			struct fmap *m = &fe_mod.map[i];

			if (m->id_off % 8 == 0 && m->id_off +
			    sizeof(struct ipcsvc_area_identity) <= m->len)
				STORE_RELEASE(&((struct ipcsvc_area_identity *)
						(m->addr + m->id_off))->closed,
					      (uint64_t)fe_mod.closed);
		}
		break;
	case 4:
		fe_mod.mi_raw = v & 1;
		for (int i = 0; i < 6; i++)
			fe_mod.raw[i] = (v & 2) ? fz_u64(in) :
				   (uint64_t)fz_u16(in) * 8;
		break;
	case 5: fe_mod.max_pages = 1 + v % 4; break;
	case 6:
		fe_mod.id_off = (v & 1) ? IPCSVC_IDENTITY_STRIDE :
			   (v & 2) ? (uint64_t)fz_u16(in) : 0;
		break;
	case 7:
		if (fe_mod.npatch < MAX_PATCH) {
			fe_mod.patch_off[fe_mod.npatch] = fz_u16(in);
			fe_mod.patch_val[fe_mod.npatch++] = fz_u64(in);
		}
		break;
	case 8:
		fe_mod.creds_pid[0] = (v & 1) ? (uint32_t)getpid() : 0;
		fe_mod.creds_pid[1] = (v & 2) ? (uint32_t)getpid() : 0;
		fe_mod.creds_err = (v & 4) ? EBADSLT : 0;
		break;
	case 10:
		/*
		 * The channel mapping: a module with it (the library maps
		 * both areas at once) or without (MAP_INFO's flag is -EINVAL,
		 * the library maps each area); an RX area bigger than the
		 * TX area, so that the halves are told apart; with mi_raw, a
		 * channel map_size from the input rather than the sum.
		 */
		fe_mod.no_chan = v & 1;
		fe_mod.rx_pages = (v >> 1) % 4;
		fe_mod.raw_chan = (v & 8) ? fz_u64(in) : 0;
		break;
	default: {	/* 9 */
		static const int sizes[] = { 56, 56, 40, 1000 };
		struct ipcsvc_version ver;
		int rc;

		if (!fe_app.port)
			break;
		fe_mod.version_size = sizes[v % 4];
		rc = FZ_CALL("ipcsvc_port_version",
			     ipcsvc_port_version(fe_app.port, &ver));
		FZ_CHECK(rc == (fe_mod.version_size == 56 ? 0 : -EPROTO),
			 "port_version with size %d: %d", fe_mod.version_size,
			 rc);
		if (!rc)
			FZ_CHECK(memchr(ver.release, 0,
					sizeof(ver.release)) != NULL,
				 "release not terminated");
		break;
	}
	}
}
