// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the library's side of a port, with the module played by the
 * target. Event records (struct ipcsvc_event, or anything shorter or longer)
 * are written into one end of a SOCK_SEQPACKET socketpair whose other end
 * is the port's fd, so read() hands the library one record per call as the
 * module does, and EAGAIN when none is pending. The ioctl(), mmap() and
 * munmap() calls that lib/service.c, lib/port.c and lib/module_backend.c
 * make on that fd reach this file's handlers (the link wraps those symbols:
 * -Wl,--wrap=ioctl,--wrap=mmap,--wrap=munmap), which answer as the module
 * would, or with the errors the man pages list for it: a fake module.
 *
 * Covered: ipcsvc_port_read_event() and ipcsvc_port_wait_event() (record to
 * struct ipcsvc_port_event, with the cookies of ipcsvc_service_set_cookie()
 * and ipcsvc_conn_set_cookie()), ipcsvc_service_create_attr(),
 * ipcsvc_service_accept() and ipcsvc_service_reject() (parsing of ServiceConnected, mapping the
 * areas from MAP_INFO, opening the channel over the module backend),
 * ipcsvc_client_connect(), the module backend's WAIT/WAKE/GROW through a
 * connection's channel, ipcsvc_conn_arm(), ipcsvc_conn_peer_creds(),
 * ipcsvc_conn_peer_pidfd(), ipcsvc_port_version(), the closes, and the
 * port's reference count (its fd is closed with the last reference).
 *
 * The input is a script: one byte per operation (op % EV_COUNT) and its
 * arguments; the fake module's answers (MAP_INFO fields, identity patches,
 * errors of GROW, WAIT, CONNECT, ...) come from it too.
 *
 * Oracles: documented statuses only; a record of exactly 32 bytes comes
 * out with every field equal and the cookie last set on its handle (none
 * once that was closed); any other length, which the module never returns,
 * is -EPROTO; none is -EAGAIN (or -ETIMEDOUT after its deadline);
 * accept and reject return -EINVAL exactly when the event is not a
 * ServiceConnected of the service, and then ask the module nothing; a
 * failed accept or connect closes the announced handle once and unmaps
 * everything it mapped; the library maps exactly what MAP_INFO said; a
 * connection's close closes its handle and unmaps both areas; ARM names
 * producer.published (RX) or consumer.consumed (TX); the port's fd stays
 * open while anything holds the port and is closed after the last; no
 * mapping of the fake device outlives the input.
 */
#include <dirent.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <fcntl.h>

#include "fuzz_common.h"
#include "fuzz_format.h"
#include "../../lib/internal.h"

/* ---- the fake module ----------------------------------------------------- */

#define MAX_HANDLES	16
#define MAX_MAPS	16
#define MAX_CONNS	4
#define MAX_PATCH	8
#define MAP_CAP		(4u << 20)	/* a bigger mmap() is -ENOMEM */

struct fmap {
	uint8_t *addr;
	size_t len;
	uint32_t handle, dir;
	uint64_t id_off, max, committed;
};

static uint64_t page;

static struct {
	int port_fd, ev_fd;
	uint32_t svc;			/* the service's handle, 0: none */
	uint32_t chan[MAX_HANDLES];	/* channel handles the module knows */
	bool chan_open[MAX_HANDLES];
	unsigned int nchan;
	unsigned long closes[MAX_HANDLES];	/* IOC_CLOSE per channel */
	unsigned long ioctls, map_infos;
	struct fmap map[MAX_MAPS];
	unsigned int nmap;
	/* MAP_INFO as last answered: the library must mmap exactly this */
	uint64_t mi_offset, mi_map_size;
	/* knobs set by the script */
	bool mi_raw;			/* MAP_INFO fields from the input */
	uint64_t raw[6];		/* map_size, area_bytes, max, committed, id_off, offset */
	uint64_t max_pages;		/* sane MAP_INFO: data pages */
	uint64_t id_off;		/* sane MAP_INFO: identity offset */
	uint64_t patch_off[MAX_PATCH], patch_val[MAX_PATCH];
	unsigned int npatch;
	int grow_err, wait_err, wake_err, create_err, connect_err;
	int creds_err;
	uint32_t creds_pid[2];		/* pids answered in turn */
	unsigned int creds_calls;
	int version_size;
	bool closed;			/* the channel's identity says closed */
	bool closing_svc;		/* inside ipcsvc_service_close() */
	unsigned long waits;
} K;

static int chan_index(uint32_t h)
{
	for (unsigned int i = 0; i < K.nchan; i++)
		if (K.chan[i] == h)
			return (int)i;
	return -1;
}

static struct fmap *find_map(uint32_t handle, uint32_t dir)
{
	for (unsigned int i = 0; i < K.nmap; i++)
		if (K.map[i].handle == handle && K.map[i].dir == dir)
			return &K.map[i];
	return NULL;
}

/* The module's area for a mapping: identity, words, data, guard. */
static void fill_area(struct fmap *m)
{
	struct ipcsvc_area_identity *id;
	uint64_t area_bytes = 3 * page + m->max;

	if (m->id_off % 8 == 0 && m->id_off + sizeof(*id) <= m->len) {
		id = (void *)(m->addr + m->id_off);
		id->size = 0;
		id->protocol_version = 1;
		id->protocol_name_len = 4;
		memcpy(id->protocol_name, "fuzz", 4);
		id->max_size = m->max;
		id->producer_offset = page + IPCSVC_CONTROL_PRODUCER;
		id->consumer_offset = 2 * page + IPCSVC_CONTROL_CONSUMER;
		id->data_offset = 3 * page;
		id->area_bytes = area_bytes;
		id->closed = K.closed;
		id->magic = IPCSVC_AREA_MAGIC;
	}
	for (unsigned int i = 0; i < K.npatch; i++) {
		uint64_t off = K.patch_off[i] % (m->len > 8 ? m->len - 8 : 1);

		if (off + 8 <= m->len)
			memcpy(m->addr + (off & ~7ULL), &K.patch_val[i], 8);
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
		id->producer_offset = page + IPCSVC_CONTROL_PRODUCER;
		id->consumer_offset = 2 * page + IPCSVC_CONTROL_CONSUMER;
		id->data_offset = 3 * page;
	}
	/* nothing committed: the data, and the guard, fault */
	if (m->len > 3 * page)
		mprotect(m->addr + 3 * page, (m->len - 3 * page + page - 1) /
			 page * page, PROT_NONE);
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

	if (fd < 0 || fd != K.port_fd)
		return __real_mmap(addr, len, prot, flags, fd, off);
	FZ_CHECK(len == K.mi_map_size && (uint64_t)off == K.mi_offset,
		 "mmap(%zu bytes at %lld), MAP_INFO said %llu at %llu", len,
		 (long long)off, (unsigned long long)K.mi_map_size,
		 (unsigned long long)K.mi_offset);
	FZ_CHECK(flags & MAP_SHARED, "an area mapped without MAP_SHARED");
	if (len == 0 || len > MAP_CAP || K.nmap >= MAX_MAPS) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	p = __real_mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	m = &K.map[K.nmap++];
	memset(m, 0, sizeof(*m));
	m->addr = p;
	m->len = len;
	m->handle = last_mi_handle;
	m->dir = last_mi_dir;
	m->id_off = K.mi_raw ? K.raw[4] : K.id_off;
	m->max = K.mi_raw ? K.raw[2] % (64 * page + 1) : K.max_pages * page;
	fill_area(m);
	if (fz_trace > 0)
		fprintf(stderr, "    mmap %u/%u: %zu bytes at %p, identity at "
			"%llu, max %llu, %u patches\n", m->handle, m->dir,
			len, p, (unsigned long long)m->id_off,
			(unsigned long long)m->max, K.npatch);
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	for (unsigned int i = 0; i < K.nmap; i++) {
		if (K.map[i].addr != addr)
			continue;
		FZ_CHECK(len == K.map[i].len, "munmap of %zu bytes of a %zu "
			 "byte area", len, K.map[i].len);
		K.map[i] = K.map[--K.nmap];
		break;
	}
	return __real_munmap(addr, len);
}

static int fake_ioctl(unsigned long req, void *arg)
{
	K.ioctls++;
	switch (req) {
	case IPCSVC_IOC_VERSION: {
		struct ipcsvc_version *v = arg;

		FZ_CHECK(v->size >= IPCSVC_VERSION_SIZE_VER0 && !v->flags,
			 "VERSION with size %u flags %u", v->size, v->flags);
		v->abi = IPCSVC_ABI_VERSION;
		memset(v->release, 'x', sizeof(v->release));
		v->size = (uint32_t)K.version_size;
		return 0;
	}
	case IPCSVC_IOC_SERVICE_CREATE: {
		struct ipcsvc_service_create *c = arg;

		FZ_CHECK(c->size == sizeof(*c) && c->name_len >= 1 &&
			 c->name_len <= IPCSVC_PROTOCOL_NAME_MAX &&
			 c->mode <= 0777 && !c->flags,
			 "SERVICE_CREATE with size %u name_len %u mode %o",
			 c->size, c->name_len, c->mode);
		if (K.create_err)
			return -K.create_err;
		c->handle = K.svc;
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
		if (K.connect_err)
			return -K.connect_err;
		if (K.nchan >= MAX_HANDLES)
			return -ENOSPC;
		c->handle = 200 + K.nchan;
		K.chan_open[K.nchan] = true;
		K.chan[K.nchan++] = c->handle;
		return 0;
	}
	case IPCSVC_IOC_CLOSE: {
		struct ipcsvc_handle_arg *h = arg;
		int i = chan_index(h->handle);

		FZ_CHECK(h->size == sizeof(*h) && !h->flags,
			 "CLOSE with size %u", h->size);
		if (h->handle == K.svc && K.svc) {
			/* a service goes only with ipcsvc_service_close() */
			FZ_CHECK(K.closing_svc,
				 "the library closed the service's handle %u "
				 "outside ipcsvc_service_close() (an accept or "
				 "reject of an event whose channel handle is "
				 "the service's own)", h->handle);
			K.svc = 0;
			return 0;
		}
		if (i < 0 || !K.chan_open[i])
			return -EBADSLT;
		K.chan_open[i] = false;
		K.closes[i]++;
		return 0;
	}
	case IPCSVC_IOC_MAP_INFO: {
		struct ipcsvc_map_info *mi = arg;
		int i = chan_index(mi->handle);

		FZ_CHECK(mi->size == sizeof(*mi) && mi->dir <= 1 && !mi->flags,
			 "MAP_INFO with size %u dir %u", mi->size, mi->dir);
		K.map_infos++;
		if (mi->handle == K.svc && K.svc)
			return -EPROTOTYPE;
		if (i < 0 || !K.chan_open[i])
			return -EBADSLT;
		if (K.mi_raw) {
			mi->map_size = K.raw[0];
			mi->area_bytes = K.raw[1];
			mi->max_size = K.raw[2];
			mi->committed = K.raw[3];
			mi->identity_offset = K.raw[4];
			mi->offset = K.raw[5];
		} else {
			mi->max_size = K.max_pages * page;
			mi->area_bytes = 3 * page + mi->max_size;
			mi->map_size = mi->area_bytes + page;
			mi->committed = 0;
			mi->identity_offset = K.id_off;
			mi->offset = IPCSVC_MMAP_TOKEN(mi->handle, mi->dir) * page;
		}
		mi->producer_offset = page + IPCSVC_CONTROL_PRODUCER;
		mi->consumer_offset = 2 * page + IPCSVC_CONTROL_CONSUMER;
		mi->data_offset = 3 * page;
		K.mi_offset = mi->offset;
		K.mi_map_size = mi->map_size;
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
		struct fmap *m = find_map(g->handle, IPCSVC_DIR_TX);
		struct ipcsvc_area_identity *id;
		uint64_t want;
		int i = chan_index(g->handle);

		FZ_CHECK(g->size == sizeof(*g) && !g->flags, "GROW size %u",
			 g->size);
		if (i < 0 || !K.chan_open[i] || !m)
			return -EBADSLT;
		if (K.closed)
			return -EPIPE;
		if (K.grow_err)
			return -K.grow_err;
		if (g->new_size > m->max)
			return -EFBIG;
		want = (g->new_size + page - 1) / page * page;
		if (want > m->max)
			want = m->max;
		if (want > m->committed && 3 * page + want <= m->len)
			mprotect(m->addr + 3 * page + m->committed,
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
		int i = chan_index(w->handle);

		FZ_CHECK(w->size == sizeof(*w) && w->dir <= 1 &&
			 !(w->flags & ~IPCSVC_WAIT_ABSTIME) && w->offset % 8 == 0 &&
			 ((w->offset >= page && w->offset < page + 256) ||
			  (w->offset >= 2 * page + 256 &&
			   w->offset < 2 * page + 512)),
			 "WAIT size %u dir %u flags %u offset %llu", w->size,
			 w->dir, w->flags, (unsigned long long)w->offset);
		K.waits++;
		if (i < 0 || !K.chan_open[i])
			return -EBADSLT;
		if (K.closed)
			return -EPIPE;
		if (K.wait_err)
			return -K.wait_err;
		/* a deadline in the past, or a relative 0: only look */
		return (w->timeout == 0 || (w->flags & IPCSVC_WAIT_ABSTIME &&
			(uint64_t)w->timeout <= ipcsvc__now_ns())) ?
		       -ETIMEDOUT : 0;
	}
	case IPCSVC_IOC_WAKE: {
		struct ipcsvc_wake *w = arg;

		FZ_CHECK(w->size == sizeof(*w) && w->dir <= 1 && !w->flags,
			 "WAKE size %u dir %u", w->size, w->dir);
		return K.closed ? -EPIPE : -K.wake_err;
	}
	case IPCSVC_IOC_ARM: {
		struct ipcsvc_arm *a = arg;
		struct fmap *m = find_map(a->handle, a->dir);
		uint64_t want = a->dir == IPCSVC_DIR_RX ?
			page + IPCSVC_CONTROL_PRODUCER + 8 :
			2 * page + IPCSVC_CONTROL_CONSUMER + 8;

		FZ_CHECK(a->size == sizeof(*a) && a->dir <= 1 && !a->flags,
			 "ARM size %u dir %u", a->size, a->dir);
		/* with the identity the fake wrote (unpatched offsets) */
		if (m && !K.npatch && !K.mi_raw)
			FZ_CHECK(a->offset == want, "ARM dir %u names offset "
				 "%llu, not %llu", a->dir,
				 (unsigned long long)a->offset,
				 (unsigned long long)want);
		return K.closed ? -EPIPE : 0;
	}
	case IPCSVC_IOC_PEER_CREDS: {
		struct ipcsvc_peer_creds *pc = arg;

		FZ_CHECK(pc->size == sizeof(*pc) && !pc->flags,
			 "PEER_CREDS size %u", pc->size);
		if (K.creds_err)
			return -K.creds_err;
		pc->pid = K.creds_pid[K.creds_calls++ % 2];
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
	if (fd != K.port_fd || fd < 0)
		return __real_ioctl(fd, req, arg);
	rc = fake_ioctl(req, arg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

/* ---- the script ---------------------------------------------------------- */

struct rec_q {
	uint8_t len;
	uint8_t b[48];
};

static struct {
	struct ipcsvc_port *port;	/* NULL once the script closed it */
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conn[MAX_CONNS];
	uint32_t conn_handle[MAX_CONNS];
	unsigned int nconn;
	struct rec_q q[8];		/* records in the socket, in order */
	unsigned int qh, qn;
	struct ipcsvc_port_event last;	/* the last event read */
	void *conn_cookie[MAX_CONNS];	/* as set on each connection */
	void *svc_cookie;
	/* the port's table as it must be: handle -> cookie */
	uint32_t ck_handle[MAX_CONNS + 1];
	void *ck[MAX_CONNS + 1];
	unsigned int nck;
	bool have_last;
	uint64_t published;		/* per connection would be nicer; one */
} P;

static void *model_cookie(uint32_t h)
{
	for (unsigned int i = 0; i < P.nck; i++)
		if (P.ck_handle[i] == h)
			return P.ck[i];
	return NULL;
}

static void model_set_cookie(uint32_t h, void *cookie)
{
	unsigned int i;

	for (i = 0; i < P.nck && P.ck_handle[i] != h; i++)
		;
	if (i == P.nck) {
		if (!cookie || P.nck > MAX_CONNS)
			return;
		P.nck++;
	}
	if (cookie) {
		P.ck_handle[i] = h;
		P.ck[i] = cookie;
	} else {
		P.ck_handle[i] = P.ck_handle[--P.nck];
		P.ck[i] = P.ck[P.nck];
	}
}

static void push_record(struct fz_in *in)
{
	uint8_t k = fz_u8(in);
	struct rec_q r;
	struct ipcsvc_event ev;
	size_t n;

	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	switch (k % 4) {
	case 0:		/* a ServiceConnected of our service */
	case 3: {	/* ... or of another one, or without a channel */
		uint32_t h;

		if (K.nchan < MAX_HANDLES && (k & 0x10) == 0) {
			h = 100 + K.nchan;
			K.chan_open[K.nchan] = true;
			K.chan[K.nchan++] = h;
		} else {
			h = fz_u32(in);
		}
		ev.type = IPCSVC_EVENT_SERVICE_CONNECTED;
		ev.a = (uint64_t)fz_u32(in) << 32 |
		       (k % 4 == 0 ? K.svc : fz_u8(in));
		ev.b = k % 4 == 0 ? h : (k & 0x20 ? 0 : h);
		ev.c = fz_u64(in);
		r.len = sizeof(ev);
		memcpy(r.b, &ev, sizeof(ev));
		break;
	}
	case 1: {	/* another event about a channel */
		uint8_t i;

		ev.type = 2 + fz_u8(in) % 5;
		i = fz_u8(in);
		ev.a = K.nchan ? K.chan[i % K.nchan] : 1;
		r.len = sizeof(ev);
		memcpy(r.b, &ev, sizeof(ev));
		break;
	}
	default: {	/* any bytes, any length up to 40 */
		const uint8_t *p;

		r.len = fz_u8(in) % 41;
		p = fz_bytes(in, r.len, &n);
		memcpy(r.b, p, n);
		break;
	}
	}
	if (P.qn >= 8)
		return;
	if (send(K.ev_fd, r.b, r.len, MSG_DONTWAIT) != (ssize_t)r.len)
		return;
	P.q[(P.qh + P.qn++) % 8] = r;
}

static void check_event(const char *what, int rc,
			const struct ipcsvc_port_event *ev, bool timed)
{
	struct rec_q *r;
	struct ipcsvc_event rec;
	bool sc;

	if (!P.qn) {
		FZ_CHECK(rc == (timed ? -ETIMEDOUT : -EAGAIN),
			 "%s with nothing pending: %d", what, rc);
		return;
	}
	r = &P.q[P.qh];
	P.qh = (P.qh + 1) % 8;
	P.qn--;
	/* the library reads a batch, so a longer one is not cut to 32 */
	if (r->len != sizeof(rec)) {
		FZ_CHECK(rc == -EPROTO, "%s of a %u-byte record: %d", what,
			 r->len, rc);
		return;
	}
	FZ_CHECK(rc == 0, "%s of a whole record: %d", what, rc);
	memcpy(&rec, r->b, sizeof(rec));
	/* fixed-width fields: the same on every word size */
	sc = rec.type == IPCSVC_EVENT_SERVICE_CONNECTED;
	FZ_CHECK(ev->type == rec.type && ev->handle == (uint32_t)rec.a &&
		 ev->channel == (sc ? (uint32_t)rec.b : 0) &&
		 ev->pid == (sc ? (uint32_t)(rec.a >> 32) : 0) &&
		 ev->uid == (sc ? (uint32_t)rec.c : 0) &&
		 ev->gid == (sc ? (uint32_t)(rec.c >> 32) : 0),
		 "%s: record {%u, %#llx, %#llx, %#llx} came out as {%u, h %u, "
		 "ch %u, pid %u, uid %u, gid %u}", what, rec.type,
		 (unsigned long long)rec.a, (unsigned long long)rec.b,
		 (unsigned long long)rec.c, ev->type, ev->handle, ev->channel,
		 ev->pid, ev->uid, ev->gid);
	FZ_CHECK(ev->cookie == model_cookie(ev->handle),
		 "%s: handle %u came with cookie %p, not %p", what, ev->handle,
		 ev->cookie, model_cookie(ev->handle));
	P.last = *ev;
	P.have_last = true;
}

static void op_read(struct fz_in *in)
{
	struct ipcsvc_port_event ev;
	int64_t t = (int64_t)(fz_u8(in) % 3) * 20000;
	int rc;

	if (!P.port)
		return;
	memset(&ev, 0x5a, sizeof(ev));
	if (t == 0) {
		rc = FZ_CALL("ipcsvc_port_read_event",
			     ipcsvc_port_read_event(P.port, &ev));
		FZ_ALLOWED("ipcsvc_port_read_event", rc, 0, -EAGAIN, -EPROTO);
		check_event("read_event", rc, &ev, false);
	} else {
		rc = FZ_CALL("ipcsvc_port_wait_event",
			     ipcsvc_port_wait_event(P.port, &ev, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_port_wait_event", rc, 0, -ETIMEDOUT,
			   -EPROTO);
		fz_check_timeout("ipcsvc_port_wait_event", rc, t);
		check_event("wait_event", rc, &ev, true);
	}
}

static struct ipcsvc_channel_attr attr_of(uint8_t b, bool *valid)
{
	struct ipcsvc_channel_attr a = {
		.size = sizeof(a),
		.wait_mode = (b >> 1) & 3,
		.spin_count = 2,
		.flags = (b & 8) ? IPCSVC_CHANNEL_NO_AUTOGROW : 0,
	};

	if (b & 0x10)
		a.flags |= 1u << 5;
	if ((b & 0x60) == 0x60)
		a.size = 8;
	*valid = a.wait_mode <= IPCSVC_WAIT_SLEEP && !(a.flags & (1u << 5)) &&
		 a.size >= sizeof(a);
	return a;
}

static void add_conn(struct ipcsvc_conn *c, uint32_t h)
{
	P.conn_handle[P.nconn] = h;
	P.conn_cookie[P.nconn] = NULL;
	P.conn[P.nconn++] = c;
}

/* What a failed accept or connect of channel @h must have left. */
static void check_undone(uint32_t h, unsigned long closes_before,
			 unsigned int maps_before, int rc)
{
	int i = chan_index(h);

	FZ_CHECK(K.nmap == maps_before, "a failed open (%d) left %u mappings",
		 rc, K.nmap - maps_before);
	if (i >= 0)
		FZ_CHECK(K.closes[i] == closes_before + 1 ||
			 (rc == -EBADSLT && K.closes[i] == closes_before),
			 "a failed open (%d) closed handle %u %lu times", rc, h,
			 K.closes[i] - closes_before);
}

static void op_accept(struct fz_in *in, bool reject)
{
	uint8_t b = fz_u8(in);
	struct ipcsvc_port_event ev = P.last;
	struct ipcsvc_channel_attr attr;
	struct ipcsvc_conn *conn = (void *)1;
	bool valid_attr, good_ev;
	unsigned long ioctls = K.ioctls, closes = 0;
	unsigned int maps = K.nmap;
	uint32_t h;
	int rc, i;

	/* an event of the script's own making, or the last one read */
	uint8_t type = fz_u8(in), asel = fz_u8(in), bsel = fz_u8(in),
		bidx = fz_u8(in);
	uint32_t araw = fz_u32(in), braw = fz_u32(in);

	if (!P.svc || P.nconn >= MAX_CONNS)
		return;
	if (!P.have_last || (b & 0x80)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = type % 7;
		ev.handle = asel % 2 ? (uint32_t)ipcsvc_service_handle(P.svc) :
				       araw;
		ev.channel = K.nchan && bsel % 4 ? K.chan[bidx % K.nchan] :
						    braw;
	}
	attr = attr_of(b, &valid_attr);
	h = ev.channel;
	good_ev = ev.type == IPC_MSG_SERVICE_CONNECTED &&
		  ev.handle == (uint32_t)ipcsvc_service_handle(P.svc) && h;
	i = chan_index(h);
	if (i >= 0)
		closes = K.closes[i];
	if (reject) {
		rc = FZ_CALL("ipcsvc_service_reject",
			     ipcsvc_service_reject(P.svc, &ev));
		FZ_ALLOWED("ipcsvc_service_reject", rc, 0, -EINVAL, -EBADSLT,
			   -EPROTOTYPE);
		FZ_CHECK((rc == -EINVAL) == !good_ev, "reject: %d for an "
			 "event that is %sa ServiceConnected of the service",
			 rc, good_ev ? "" : "not ");
		/* the service's own handle named as the channel (a forged
		 * event): refused, nothing closed (checked in CLOSE) */
		if (good_ev && h == (uint32_t)ipcsvc_service_handle(P.svc))
			FZ_CHECK(rc == -EPROTOTYPE, "reject of an event naming "
				 "the service as its channel: %d", rc);
		if (!good_ev) {
			FZ_CHECK(K.ioctls == ioctls, "reject of a bad event "
				 "asked the module");
			return;
		}
		if (i >= 0 && rc == 0)
			FZ_CHECK(K.closes[i] == closes + 1, "reject did not "
				 "close the handle");
		return;
	}
	rc = FZ_CALL("ipcsvc_service_accept",
		     ipcsvc_service_accept(P.svc, &ev, &attr, &conn));
	FZ_ALLOWED("ipcsvc_service_accept", rc, 0, -EINVAL, -EBADSLT,
		   -EPROTOTYPE, -EDQUOT, -EPIPE, -ENOMEM, -EPROTO);
	FZ_CHECK((rc == 0) == (conn != NULL), "accept: rc %d, conn %p", rc,
		 (void *)conn);
	FZ_CHECK((rc == -EINVAL) == (!good_ev || !valid_attr),
		 "accept: %d for an event {%u, %u, %u} that is %sa "
		 "ServiceConnected of the service (handle %d), attr %svalid",
		 rc, ev.type, ev.handle, ev.channel,
		 good_ev ? "" : "not ", ipcsvc_service_handle(P.svc),
		 valid_attr ? "" : "in");
	if (!good_ev || !valid_attr) {
		FZ_CHECK(K.ioctls == ioctls, "accept of a bad event asked the "
			 "module");
		return;
	}
	if (h == (uint32_t)ipcsvc_service_handle(P.svc))
		FZ_CHECK(rc == -EPROTOTYPE, "accept of an event naming the "
			 "service as its channel: %d", rc);
	if (rc) {
		check_undone(h, closes, maps, rc);
		return;
	}
	FZ_CHECK(K.nmap == maps + 2, "accept mapped %u areas",
		 K.nmap - maps);
	add_conn(conn, h);
}

static void op_connect(struct fz_in *in)
{
	uint8_t b = fz_u8(in), nl = fz_u8(in) % 70;
	char name[80];
	uint64_t ms = (b & 0x80) ? (1ULL << 31) + page : fz_u16(in),
		 mr = fz_u16(in);
	struct ipcsvc_channel_attr attr;
	struct ipcsvc_conn *conn = (void *)1;
	bool valid;
	unsigned int maps = K.nmap, nchan = K.nchan;
	int rc;

	if (!P.port || P.nconn >= MAX_CONNS)
		return;
	memset(name, 'n', sizeof(name));
	name[nl] = '\0';
	attr = attr_of(b, &valid);
	rc = FZ_CALL("ipcsvc_client_connect",
		     ipcsvc_client_connect(P.port, name, 1, ms, mr, &attr,
					   &conn));
	FZ_ALLOWED("ipcsvc_client_connect", rc, 0, -EINVAL, -ENOENT, -EACCES,
		   -EPROTONOSUPPORT, -EMSGSIZE, -EUSERS, -EAGAIN, -EDQUOT,
		   -ENOSPC, -ECONNREFUSED, -EPIPE, -EPROTO, -ENOMEM);
	FZ_CHECK((rc == 0) == (conn != NULL), "connect: rc %d", rc);
	if (!valid || nl == 0 || nl > 64) {
		FZ_CHECK(rc == -EINVAL, "connect with a bad argument: %d", rc);
		return;
	}
	FZ_CHECK(rc != -EINVAL, "connect with good arguments: -EINVAL");
	if (ms > IPCSVC_AREA_MAX_SIZE_LIMIT) {
		FZ_CHECK(rc == -EMSGSIZE, "connect beyond 2 GiB: %d", rc);
		return;
	}
	if (K.nchan == nchan) {
		FZ_CHECK(rc == -K.connect_err || (rc == -ENOSPC &&
						  nchan == MAX_HANDLES),
			 "connect: %d, the module said %d", rc,
			 -K.connect_err);
		return;
	}
	if (rc) {
		check_undone(K.chan[nchan], 0, maps, rc);
		return;
	}
	add_conn(conn, K.chan[nchan]);
}

/* The peer (here: the fake module's data) publishes into rx of @c. */
static void peer_publish(struct fz_in *in, unsigned int c)
{
	struct fmap *m = find_map(P.conn_handle[c], IPCSVC_DIR_RX);
	struct ipcsvc_area_producer *prod;
	struct ipcsvc_area_identity *id;
	uint8_t b = fz_u8(in);
	uint64_t len, olen = b % 64, tail;
	uint8_t *h;

	if (!m || m->len < 4 * page || m->max < page || K.mi_raw ||
	    m->id_off + sizeof(*id) > page)
		return;
	id = (void *)(m->addr + m->id_off);
	prod = (void *)(m->addr + page);
	if (!m->committed) {
		mprotect(m->addr + 3 * page, page, PROT_READ | PROT_WRITE);
		m->committed = page;
		STORE_RELEASE(&id->size, page);
	}
	tail = prod->tail % m->committed & ~7ULL;
	len = 40 + 16 + ((olen + 7) & ~7ULL);
	if (tail + len + 8 > m->committed)
		return;
	h = m->addr + 3 * page + tail;
	if (b & 0x80) {
		size_t n;
		const uint8_t *p = fz_bytes(in, len, &n);

		memcpy(h, p, n);
	} else {
		struct ipcsvc_msg_header mh = {
			.magic = IPCSVC_MSG_MAGIC, .id = P.published,
			.flags = IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN,
			.length = len, .object_count = 1,
		};
		struct ipcsvc_obj_header oh = { .id = 1, .length = olen };

		memcpy(h, &mh, sizeof(mh));
		memcpy(h + 40, &oh, sizeof(oh));
		memset(h + 56, 0x3c, (olen + 7) & ~7ULL);
	}
	STORE_RELEASE(&prod->tail, tail + len);
	STORE_RELEASE(&prod->published, ++P.published);
}

static void op_conn(struct fz_in *in)
{
	uint8_t k = fz_u8(in);
	unsigned int c;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
	int rc;

	c = fz_u8(in);
	if (!P.nconn)
		return;
	c %= P.nconn;
	conn = P.conn[c];
	ch = ipcsvc_conn_channel(conn);
	FZ_CHECK(ch != NULL, "a connection without a channel");
	FZ_CHECK(ipcsvc_conn_handle(conn) == (int)P.conn_handle[c],
		 "conn_handle %d, not %u", ipcsvc_conn_handle(conn),
		 P.conn_handle[c]);
	switch (k % 10) {
	case 8: {	/* a cookie, or none, on the connection */
		void *cookie = (k & 0x80) ? NULL :
			       (void *)(uintptr_t)(fz_u16(in) | 1);

		rc = FZ_CALL("ipcsvc_conn_set_cookie",
			     ipcsvc_conn_set_cookie(conn, cookie));
		FZ_ALLOWED("ipcsvc_conn_set_cookie", rc, 0);
		FZ_CHECK(ipcsvc_conn_cookie(conn) == cookie, "conn cookie");
		P.conn_cookie[c] = cookie;
		model_set_cookie(P.conn_handle[c], cookie);
		break;
	}
	case 0: {
		struct ipcsvc_msg *m;

		rc = FZ_CALL("ipcsvc_channel_receive",
			     ipcsvc_channel_receive(ch, &m));
		FZ_ALLOWED("ipcsvc_channel_receive", rc, 0, -EAGAIN, -EBADMSG,
			   -ENOBUFS, -EPIPE);
		if (!rc)
			FZ_CHECK(ipcsvc_channel_release(ch, m) == 0, "release");
		break;
	}
	case 1: {
		struct ipcsvc_msg *m;
		int64_t t = (int64_t)(fz_u8(in) % 3) * 10000;

		rc = FZ_CALL("ipcsvc_channel_receive_timeout",
			     ipcsvc_channel_receive_timeout(ch, &m, ipcsvc_timeout_ns(t)));
		/* the module's WAIT may fail with what it fails with */
		FZ_ALLOWED("ipcsvc_channel_receive_timeout", rc, 0, -ETIMEDOUT,
			   -EBADMSG, -ENOBUFS, -EPIPE, -EBADSLT);
		fz_check_timeout("receive_timeout", rc, t);
		if (!rc)
			FZ_CHECK(ipcsvc_channel_release(ch, m) == 0, "release");
		break;
	}
	case 2: {
		struct ipcsvc_msg *m;
		int64_t t = (int64_t)(fz_u8(in) % 3) * 10000 - (k & 0x80 ? 0 : 1);
		uint64_t sz = fz_u16(in) % 9000;

		if (t < 0)
			rc = FZ_CALL("ipcsvc_channel_allocate_for_send",
				     ipcsvc_channel_allocate_for_send(ch, sz, 1,
						0, 0, &m));
		else
			rc = FZ_CALL("ipcsvc_channel_allocate_for_send_timeout",
				     ipcsvc_channel_allocate_for_send_timeout(ch,
						sz, 1, 0, 0, &m, ipcsvc_timeout_ns(t)));
		/* growth errors pass through: the module's, and -EPROTO
		 * when its identity disagrees (patched) */
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send", rc, 0, -EAGAIN,
			   -ETIMEDOUT, -EMSGSIZE, -EDQUOT, -ENOMEM, -EPIPE,
			   -EBADMSG, -EBADSLT, -EFBIG, -EPROTO);
		if (!rc)
			FZ_CHECK(ipcsvc_channel_send(ch, m) == 0, "send");
		break;
	}
	case 3:
		rc = FZ_CALL("ipcsvc_channel_grow",
			     ipcsvc_channel_grow(ch, (fz_u8(in) % 6) * page));
		FZ_ALLOWED("ipcsvc_channel_grow", rc, 0, -EINVAL, -EFBIG,
			   -EBADMSG, -EDQUOT, -ENOMEM, -EPIPE, -EBADSLT,
			   -EPROTO);
		break;
	case 4: {
		uint32_t dir = fz_u8(in) % 3;

		rc = FZ_CALL("ipcsvc_conn_arm", ipcsvc_conn_arm(conn, dir));
		FZ_ALLOWED("ipcsvc_conn_arm", rc, 0, -EINVAL, -EPIPE,
			   -EBADSLT);
		FZ_CHECK((rc == -EINVAL) == (dir > 1), "arm dir %u: %d", dir,
			 rc);
		break;
	}
	case 5: {
		struct ipcsvc_peer_creds pc;

		rc = FZ_CALL("ipcsvc_conn_peer_creds",
			     ipcsvc_conn_peer_creds(conn, &pc));
		FZ_ALLOWED("ipcsvc_conn_peer_creds", rc, 0, -EBADSLT);
		break;
	}
	case 6: {
		/* the lowest free fd, before and after: a leak moves it */
		int lo = dup(2), lo2;

		close(lo);
		rc = FZ_CALL("ipcsvc_conn_peer_pidfd",
			     ipcsvc_conn_peer_pidfd(conn));
		if (rc < 0) {
			lo2 = dup(2);
			close(lo2);
			FZ_CHECK(lo2 == lo, "peer_pidfd failed (%d) and left "
				 "an fd open", rc);
		}
		if (rc >= 0) {
			/* only the peer's own pid, seen twice */
			FZ_CHECK(K.creds_pid[0] == K.creds_pid[1] &&
				 K.creds_pid[0] == (uint32_t)getpid(),
				 "pidfd for pids %u, %u", K.creds_pid[0],
				 K.creds_pid[1]);
			close(rc);
		} else {
			FZ_ALLOWED("ipcsvc_conn_peer_pidfd", rc, -ESRCH,
				   -EBADSLT, -EMFILE, -ENFILE, -ENOMEM,
				   -ENOSYS);
		}
		break;
	}
	case 7:
		peer_publish(in, c);
		break;
	default: {
		unsigned int maps = K.nmap;
		int i = chan_index(P.conn_handle[c]);
		unsigned long closes = i >= 0 ? K.closes[i] : 0;

		rc = FZ_CALL("ipcsvc_conn_close", ipcsvc_conn_close(conn));
		FZ_ALLOWED("ipcsvc_conn_close", rc, 0, -EBADSLT);
		/* a connection with a cookie takes its handle's out */
		if (P.conn_cookie[c])
			model_set_cookie(P.conn_handle[c], NULL);
		FZ_CHECK(K.nmap == maps - 2, "conn_close left %u of its "
			 "mappings", K.nmap - (maps - 2));
		if (i >= 0 && rc == 0)
			FZ_CHECK(K.closes[i] == closes + 1, "conn_close did "
				 "not close its handle");
		P.conn[c] = P.conn[--P.nconn];
		P.conn_handle[c] = P.conn_handle[P.nconn];
		P.conn_cookie[c] = P.conn_cookie[P.nconn];
		break;
	}
	}
}

static void op_knob(struct fz_in *in)
{
	static const int grow_errs[] = { 0, EDQUOT, ENOMEM, EPIPE };
	static const int wait_errs[] = { 0, EINTR, EPIPE, EBADSLT };
	static const int conn_errs[] = { 0, ENOENT, EACCES, EPROTONOSUPPORT,
					 EMSGSIZE, EUSERS, EAGAIN, EDQUOT,
					 ENOSPC, ECONNREFUSED };
	uint8_t k = fz_u8(in), v = fz_u8(in);

	/* a cookie, or none, on the service: not a knob of the module, but
	 * as cheap to reach from here */
	if (k >= 0xf0 && P.svc) {
		void *cookie = (v & 1) ? NULL : (void *)(uintptr_t)(v | 0x100);
		int rc = FZ_CALL("ipcsvc_service_set_cookie",
				 ipcsvc_service_set_cookie(P.svc, cookie));

		FZ_ALLOWED("ipcsvc_service_set_cookie", rc, 0);
		FZ_CHECK(ipcsvc_service_cookie(P.svc) == cookie,
			 "service cookie");
		P.svc_cookie = cookie;
		model_set_cookie((uint32_t)ipcsvc_service_handle(P.svc),
				 cookie);
		return;
	}
	switch (k % 10) {
	case 0: K.grow_err = grow_errs[v % 4]; break;
	case 1: K.wait_err = wait_errs[v % 4]; break;
	case 2: K.connect_err = conn_errs[v % 10]; break;
	case 3:
		/* as the module: in every identity, with release */
		K.closed = v & 1;
		for (unsigned int i = 0; i < K.nmap; i++) {
			struct fmap *m = &K.map[i];

			if (m->id_off % 8 == 0 && m->id_off +
			    sizeof(struct ipcsvc_area_identity) <= m->len)
				STORE_RELEASE(&((struct ipcsvc_area_identity *)
						(m->addr + m->id_off))->closed,
					      (uint64_t)K.closed);
		}
		break;
	case 4:
		K.mi_raw = v & 1;
		for (int i = 0; i < 6; i++)
			K.raw[i] = (v & 2) ? fz_u64(in) :
				   (uint64_t)fz_u16(in) * 8;
		break;
	case 5: K.max_pages = 1 + v % 4; break;
	case 6:
		K.id_off = (v & 1) ? IPCSVC_IDENTITY_STRIDE :
			   (v & 2) ? (uint64_t)fz_u16(in) : 0;
		break;
	case 7:
		if (K.npatch < MAX_PATCH) {
			K.patch_off[K.npatch] = fz_u16(in);
			K.patch_val[K.npatch++] = fz_u64(in);
		}
		break;
	case 8:
		K.creds_pid[0] = (v & 1) ? (uint32_t)getpid() : 0;
		K.creds_pid[1] = (v & 2) ? (uint32_t)getpid() : 0;
		K.creds_err = (v & 4) ? EBADSLT : 0;
		break;
	default: {
		static const int sizes[] = { 56, 56, 40, 1000 };
		struct ipcsvc_version ver;
		int rc;

		if (!P.port)
			break;
		K.version_size = sizes[v % 4];
		rc = FZ_CALL("ipcsvc_port_version",
			     ipcsvc_port_version(P.port, &ver));
		FZ_CHECK(rc == (K.version_size == 56 ? 0 : -EPROTO),
			 "port_version with size %d: %d", K.version_size, rc);
		if (!rc)
			FZ_CHECK(memchr(ver.release, 0,
					sizeof(ver.release)) != NULL,
				 "release not terminated");
		break;
	}
	}
}

/* Is the port's fd open? */
static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void op_close_svc(void)
{
	int rc;

	if (!P.svc)
		return;
	K.closing_svc = true;
	if (P.svc_cookie)
		model_set_cookie((uint32_t)ipcsvc_service_handle(P.svc), NULL);
	rc = FZ_CALL("ipcsvc_service_close", ipcsvc_service_close(P.svc));
	K.closing_svc = false;
	FZ_ALLOWED("ipcsvc_service_close", rc, 0, -EBADSLT);
	P.svc = NULL;
	P.svc_cookie = NULL;
}

static void op_close_port(void)
{
	if (!P.port)
		return;
	ipcsvc_port_close(P.port);
	P.port = NULL;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct ipcsvc_service_attr sa;
	int sv[2], rc, port_fd;
	unsigned int nops = 0;
	uint8_t b0;
	char name[80];
	uint8_t nl;

	if (!page) {
		page = fz_page();
		fz_timer_init();
	}
	memset(&K, 0, sizeof(K));
	memset(&P, 0, sizeof(P));
	K.port_fd = -1;
	K.max_pages = 1;
	K.version_size = 56;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, sv))
		abort();
	P.port = calloc(1, sizeof(*P.port));
	if (!P.port)
		abort();
	atomic_init(&P.port->ref, 1);
	P.port->fd = port_fd = K.port_fd = sv[0];
	K.ev_fd = sv[1];

	/* a service to accept for */
	b0 = fz_u8(&in);
	nl = fz_u8(&in) % 70;
	memset(name, 's', sizeof(name));
	name[nl] = '\0';
	K.svc = 1 + b0 % 8;
	memset(&sa, 0, sizeof(sa));
	sa.max_to_server = (b0 & 0x80) ? (1ULL << 32) : 0;
	K.create_err = (b0 & 0x40) ? EADDRINUSE : 0;
	rc = FZ_CALL("ipcsvc_service_create_attr",
		     ipcsvc_service_create_attr(P.port, name, 1,
				(b0 & 0x20) ? 01000 : 0666, &sa, &P.svc));
	FZ_ALLOWED("ipcsvc_service_create_attr", rc, 0, -EINVAL, -EMSGSIZE,
		   -EADDRINUSE);
	if (nl == 0 || nl > 64 || (b0 & 0x20))
		FZ_CHECK(rc == -EINVAL, "service_create with a bad argument: %d",
			 rc);
	else if (b0 & 0x80)
		FZ_CHECK(rc == -EMSGSIZE, "service_create beyond 2 GiB: %d", rc);
	else
		FZ_CHECK(rc == -K.create_err, "service_create: %d", rc);
	K.create_err = 0;
	if (rc)
		K.svc = 0;
	else
		FZ_CHECK(ipcsvc_service_handle(P.svc) == (int)K.svc &&
			 ipcsvc_service_fd(P.svc) == port_fd,
			 "service handle/fd");

	while (fz_more(&in) && nops++ < 300) {
		switch (fz_u8(&in) % EV_COUNT) {
		case EV_PUSH: push_record(&in); break;
		case EV_READ: op_read(&in); break;
		case EV_ACCEPT: op_accept(&in, false); break;
		case EV_REJECT: op_accept(&in, true); break;
		case EV_CONNECT: op_connect(&in); break;
		case EV_CONN: op_conn(&in); break;
		case EV_KNOB: op_knob(&in); break;
		case EV_CLOSE_SVC: op_close_svc(); break;
		case EV_CLOSE_PORT: op_close_port(); break;
		}
		FZ_CHECK(fd_open(port_fd) == (P.port || P.svc || P.nconn),
			 "the port's fd is %s, port %p, service %p, %u "
			 "connections", fd_open(port_fd) ? "open" : "closed",
			 (void *)P.port, (void *)P.svc, P.nconn);
	}
	/* everything goes; the fd with the last reference */
	op_close_svc();
	while (P.nconn) {
		/* operation 9 of op_conn(): close the first connection */
		struct fz_in none = { (const uint8_t *)"\x09\x00", 2 };

		op_conn(&none);
	}
	FZ_CHECK(K.nmap == 0, "%u mappings of the device left", K.nmap);
	FZ_CHECK(!P.port || fd_open(port_fd), "port fd closed early");
	op_close_port();
	FZ_CHECK(!fd_open(port_fd), "the port's fd outlived its last reference");
	close(sv[1]);
	return 0;
}
