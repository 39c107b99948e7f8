// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the fake module. The link wraps ioctl(), so that the
 * library's calls on the port's fd (a socket) reach the handlers here,
 * which answer as the module would, or with the errors the man pages
 * list, as the script's knobs say. Its memory, and the mappings of it,
 * are events_maps.c's; a module without header mappings answers the flag
 * -EINVAL.
 */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_events.h"

struct fe_module fe_mod;

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

/*
 * What MAP_INFO says of area @dir of a channel (handle @h), in @a: with
 * @hdr, of its header pages (IPCSVC_MAP_HEADERS, @dir IPCSVC_DIR_TX):
 * the TX area's answer cut short before its data region.
 */
static struct fmi *answer(struct fmi *a, uint32_t h, uint32_t dir, bool hdr)
{
	/* The identities of a channel with a header store are where the
	 * store has them: they are the module's, and stay put. */
	const struct fchan *s = fe_store(h);

	a->valid = true;
	a->used = false;
	if (fe_mod.mi_raw) {
		a->offset = fe_mod.raw[5];
		a->map_size = hdr ? (fe_mod.raw_hdr ? fe_mod.raw_hdr :
				     3 * fe_page) : fe_mod.raw[0];
		a->id_off = s ? s->id_off[dir] : fe_mod.raw_one_id ?
			    fe_mod.raw[4] : fe_id_off_of(fe_mod.raw[4], dir);
		/* as much of a max_size from the input as a mapping holds */
		a->max = fe_mod.raw[2] % (64 * fe_page + 1);
		return a;
	}
	a->max = (fe_mod.max_pages +
		  (dir == IPCSVC_DIR_RX ? fe_mod.rx_pages : 0)) * fe_page;
	a->map_size = hdr ? 3 * fe_page : 3 * fe_page + a->max + fe_page;
	a->id_off = s ? s->id_off[dir] : fe_id_off_of(fe_mod.id_off, dir);
	a->offset = IPCSVC_MMAP_TOKEN(h, dir) * fe_page;
	return a;
}

/* The same of channel @i, kept in fe_mod.mi for the mmap() that follows. */
static struct fmi *answer_area(int i, uint32_t h, uint32_t dir)
{
	return answer(&fe_mod.mi[i][dir], h, dir, false);
}

/*
 * Would the module answer for channel @handle's areas now as it did for
 * its header pages? Then the data regions the library maps on first use
 * are the ones its header pages describe.
 */
bool fe_same_geometry(uint32_t handle)
{
	struct fchan *s = fe_store(handle);
	struct fmi a;

	if (!s || fe_mod.mi_raw)
		return false;
	for (uint32_t d = IPCSVC_DIR_TX; d <= IPCSVC_DIR_RX; d++) {
		answer(&a, handle, d, false);
		if (a.max != s->max[d])
			return false;
	}
	return true;
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
		bool hdr = mi->flags & IPCSVC_MAP_HEADERS;
		struct fchan *s = fe_store(mi->handle);
		struct fmi *a;

		/* the library asks for the header pages of its end, never
		 * those with the channel mapping, never of the RX area */
		FZ_CHECK(mi->size == sizeof(*mi) && mi->dir <= 1 &&
			 !(mi->flags & ~(IPCSVC_MAP_CHANNEL |
					 IPCSVC_MAP_HEADERS)) &&
			 !(chan && hdr) &&
			 (!(chan || hdr) || mi->dir == IPCSVC_DIR_TX),
			 "MAP_INFO with size %u dir %u flags %#x", mi->size,
			 mi->dir, mi->flags);
		fe_mod.map_infos++;
		/* as the module: the flags before the handle; one that
		 * predates a flag knows no such bit */
		if ((chan && fe_mod.no_chan) || (hdr && !fe_mod.headers)) {
			if (i >= 0) {
				if (chan)
					fe_mod.mi_chan[i].valid = false;
				else
					fe_mod.mi_hdr[i].valid = false;
			}
			if (fz_trace > 0)
				fprintf(stderr, "    MAP_INFO %u/%u, %s: "
					"-EINVAL\n", mi->handle, mi->dir,
					chan ? "channel" : "headers");
			return -EINVAL;
		}
		if (mi->handle == fe_mod.svc && fe_mod.svc)
			return -EPROTOTYPE;
		if (i < 0 || !fe_mod.chan_open[i])
			return -EBADSLT;
		a = hdr ? answer(&fe_mod.mi_hdr[i], mi->handle, mi->dir, true) :
			  answer_area(i, mi->handle, mi->dir);
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
			mi->committed = s ? s->committed[mi->dir] : 0;
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
				mi->handle, mi->dir, chan ? ", channel" :
				hdr ? ", headers" : "",
				(unsigned long long)mi->map_size,
				(unsigned long long)mi->area_bytes,
				(unsigned long long)mi->max_size,
				(unsigned long long)mi->identity_offset);
		return 0;
	}
	case IPCSVC_IOC_GROW: {
		struct ipcsvc_grow *g = arg;
		struct fmap *m = fe_find_map(g->handle, IPCSVC_DIR_TX);
		struct fchan *s = fe_store(g->handle);
		struct ipcsvc_area_identity *id;
		uint64_t want, max;
		int i = fe_chan_index(g->handle);

		FZ_CHECK(g->size == sizeof(*g) && !g->flags, "GROW size %u",
			 g->size);
		/* a channel with a header store grows in it, mapped or not
		 * (IPCSVC_CHANNEL_NO_AUTOGROW commits at open, before the
		 * data is mapped); one without, in its TX area's mapping */
		if (i < 0 || !fe_mod.chan_open[i] || (!m && !s))
			return -EBADSLT;
		if (fe_mod.closed)
			return -EPIPE;
		if (fe_mod.grow_err)
			return -fe_mod.grow_err;
		max = s ? s->max[IPCSVC_DIR_TX] : m->max;
		if (g->new_size > max)
			return -EFBIG;
		want = (g->new_size + fe_page - 1) / fe_page * fe_page;
		if (want > max)
			want = max;
		if (s) {
			fe_commit(g->handle, IPCSVC_DIR_TX, want);
			g->committed = s->committed[IPCSVC_DIR_TX];
			if (fz_trace > 0)
				fprintf(stderr, "    GROW %u to %llu: committed "
					"%llu, max %llu (header store)\n",
					g->handle,
					(unsigned long long)g->new_size,
					(unsigned long long)g->committed,
					(unsigned long long)max);
			return 0;
		}
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
		/* the area, or the header pages, where the words are */
		struct fmap *m = fe_find_map(a->handle, a->dir) ?:
				 fe_find_map(a->handle, FE_HEADERS);
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

			/* a header store's are set below, once */
			if (!m->shared && m->id_off % 8 == 0 && m->id_off +
			    sizeof(struct ipcsvc_area_identity) <= m->len)
				STORE_RELEASE(&((struct ipcsvc_area_identity *)
						(m->addr + m->id_off))->closed,
					      (uint64_t)fe_mod.closed);
		}
		for (unsigned int i = 0; i < fe_mod.nchan; i++)
			for (uint32_t d = IPCSVC_DIR_TX; d <= IPCSVC_DIR_RX;
			     d++) {
				struct ipcsvc_area_identity *id =
					fe_mod.hs[i].store ?
					fe_store_id(&fe_mod.hs[i], d) : NULL;

				if (id)
					STORE_RELEASE(&id->closed,
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
		 * channel map_size from the input rather than the sum. With
		 * bit 5, the header mappings too: a module with them (bit 4
		 * clear) or one that predates them (bit 4 set: their flag is
		 * -EINVAL and everything is mapped as before them); under
		 * mi_raw, with bit 6 a header map_size from the input rather
		 * than data_offset, with bit 7 both identities at the input's
		 * offset, as areas of their own would have them (the library
		 * refuses to open header pages so described).
		 */
		fe_mod.no_chan = v & 1;
		fe_mod.rx_pages = (v >> 1) % 4;
		fe_mod.raw_chan = (v & 8) ? fz_u64(in) : 0;
		if (v & 0x20)
			fe_mod.headers = !(v & 0x10);
		fe_mod.raw_hdr = (v & 0x40) ? fz_u64(in) : 0;
		fe_mod.raw_one_id = v & 0x80;
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
