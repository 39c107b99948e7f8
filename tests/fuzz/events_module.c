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
	/* nothing committed: the data, and the guard, fault */
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

static uint32_t last_mi_handle, last_mi_dir;

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	struct fmap *m;
	void *p;

	if (fd < 0 || fd != fe_mod.port_fd)
		return __real_mmap(addr, len, prot, flags, fd, off);
	FZ_CHECK(len == fe_mod.mi_map_size && (uint64_t)off == fe_mod.mi_offset,
		 "mmap(%zu bytes at %lld), MAP_INFO said %llu at %llu", len,
		 (long long)off, (unsigned long long)fe_mod.mi_map_size,
		 (unsigned long long)fe_mod.mi_offset);
	FZ_CHECK(flags & MAP_SHARED, "an area mapped without MAP_SHARED");
	if (len == 0 || len > MAP_CAP || fe_mod.nmap >= MAX_MAPS) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = __real_mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	m = &fe_mod.map[fe_mod.nmap++];
	memset(m, 0, sizeof(*m));
	m->addr = p;
	m->len = len;
	m->handle = last_mi_handle;
	m->dir = last_mi_dir;
	m->id_off = fe_mod.mi_raw ? fe_mod.raw[4] : fe_mod.id_off;
	m->max = fe_mod.mi_raw ? fe_mod.raw[2] % (64 * fe_page + 1) :
		 fe_mod.max_pages * fe_page;
	fill_area(m);
	if (fz_trace > 0)
		fprintf(stderr, "    mmap %u/%u: %zu bytes at %p, identity at "
			"%llu, max %llu, %u patches\n", m->handle, m->dir,
			len, p, (unsigned long long)m->id_off,
			(unsigned long long)m->max, fe_mod.npatch);
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	for (unsigned int i = 0; i < fe_mod.nmap; i++) {
		if (fe_mod.map[i].addr != addr)
			continue;
		FZ_CHECK(len == fe_mod.map[i].len, "munmap of %zu bytes of a "
			 "%zu byte area", len, fe_mod.map[i].len);
		fe_mod.map[i] = fe_mod.map[--fe_mod.nmap];
		break;
	}
	return __real_munmap(addr, len);
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

		FZ_CHECK(mi->size == sizeof(*mi) && mi->dir <= 1 && !mi->flags,
			 "MAP_INFO with size %u dir %u", mi->size, mi->dir);
		fe_mod.map_infos++;
		if (mi->handle == fe_mod.svc && fe_mod.svc)
			return -EPROTOTYPE;
		if (i < 0 || !fe_mod.chan_open[i])
			return -EBADSLT;
		if (fe_mod.mi_raw) {
			mi->map_size = fe_mod.raw[0];
			mi->area_bytes = fe_mod.raw[1];
			mi->max_size = fe_mod.raw[2];
			mi->committed = fe_mod.raw[3];
			mi->identity_offset = fe_mod.raw[4];
			mi->offset = fe_mod.raw[5];
		} else {
			mi->max_size = fe_mod.max_pages * fe_page;
			mi->area_bytes = 3 * fe_page + mi->max_size;
			mi->map_size = mi->area_bytes + fe_page;
			mi->committed = 0;
			mi->identity_offset = fe_mod.id_off;
			mi->offset = IPCSVC_MMAP_TOKEN(mi->handle, mi->dir) *
				     fe_page;
		}
		mi->producer_offset = fe_page + IPCSVC_CONTROL_PRODUCER;
		mi->consumer_offset = 2 * fe_page + IPCSVC_CONTROL_CONSUMER;
		mi->data_offset = 3 * fe_page;
		fe_mod.mi_offset = mi->offset;
		fe_mod.mi_map_size = mi->map_size;
		if (fz_trace > 0)
			fprintf(stderr, "    MAP_INFO %u/%u: map_size %llu "
				"area_bytes %llu max %llu id_off %llu\n",
				mi->handle, mi->dir,
				(unsigned long long)mi->map_size,
				(unsigned long long)mi->area_bytes,
				(unsigned long long)mi->max_size,
				(unsigned long long)mi->identity_offset);
		last_mi_handle = mi->handle;
		last_mi_dir = mi->dir;
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
	switch (k % 10) {
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
	default: {
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
