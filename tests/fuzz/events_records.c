// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the event records the module would write to the port's
 * fd, and what the library must make of them when it reads one; the
 * model of the cookies the library hands out with each event.
 */
#include <sys/socket.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_events.h"

static void *model_cookie(uint32_t h)
{
	for (unsigned int i = 0; i < fe_app.nck; i++)
		if (fe_app.ck_handle[i] == h)
			return fe_app.ck[i];
	return NULL;
}

void fe_model_set_cookie(uint32_t h, void *cookie)
{
	unsigned int i;

	for (i = 0; i < fe_app.nck && fe_app.ck_handle[i] != h; i++)
		;
	if (i == fe_app.nck) {
		if (!cookie || fe_app.nck > MAX_CONNS)
			return;
		fe_app.nck++;
	}
	if (cookie) {
		fe_app.ck_handle[i] = h;
		fe_app.ck[i] = cookie;
	} else {
		fe_app.ck_handle[i] = fe_app.ck_handle[--fe_app.nck];
		fe_app.ck[i] = fe_app.ck[fe_app.nck];
	}
}

void fe_push_record(struct fz_in *in)
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

		if (fe_mod.nchan < MAX_HANDLES && (k & 0x10) == 0) {
			h = 100 + fe_mod.nchan;
			fe_mod.chan_open[fe_mod.nchan] = true;
			fe_mod.chan[fe_mod.nchan++] = h;
		} else {
			h = fz_u32(in);
		}
		ev.type = IPCSVC_EVENT_SERVICE_CONNECTED;
		ev.a = (uint64_t)fz_u32(in) << 32 |
		       (k % 4 == 0 ? fe_mod.svc : fz_u8(in));
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
		ev.a = fe_mod.nchan ? fe_mod.chan[i % fe_mod.nchan] : 1;
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
	if (fe_app.qn >= 8)
		return;
	if (send(fe_mod.ev_fd, r.b, r.len, MSG_DONTWAIT) != (ssize_t)r.len)
		return;
	fe_app.q[(fe_app.qh + fe_app.qn++) % 8] = r;
}

static void check_event(const char *what, int rc,
			const struct ipcsvc_port_event *ev, bool timed)
{
	struct rec_q *r;
	struct ipcsvc_event rec;
	bool sc;

	if (!fe_app.qn) {
		FZ_CHECK(rc == (timed ? -ETIMEDOUT : -EAGAIN),
			 "%s with nothing pending: %d", what, rc);
		return;
	}
	r = &fe_app.q[fe_app.qh];
	fe_app.qh = (fe_app.qh + 1) % 8;
	fe_app.qn--;
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
	fe_app.last = *ev;
	fe_app.have_last = true;
}

void fe_op_read(struct fz_in *in)
{
	struct ipcsvc_port_event ev;
	int64_t t = (int64_t)(fz_u8(in) % 3) * 20000;
	int rc;

	if (!fe_app.port)
		return;
	memset(&ev, 0x5a, sizeof(ev));
	if (t == 0) {
		rc = FZ_CALL("ipcsvc_port_read_event",
			     ipcsvc_port_read_event(fe_app.port, &ev));
		FZ_ALLOWED("ipcsvc_port_read_event", rc, 0, -EAGAIN, -EPROTO);
		check_event("read_event", rc, &ev, false);
	} else {
		rc = FZ_CALL("ipcsvc_port_wait_event",
			     ipcsvc_port_wait_event(fe_app.port, &ev,
						    ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_port_wait_event", rc, 0, -ETIMEDOUT,
			   -EPROTO);
		fz_check_timeout("ipcsvc_port_wait_event", rc, t);
		check_event("wait_event", rc, &ev, true);
	}
}
