// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: connections. Accept, reject and connect over the fake
 * module, with what a failure must undo, and the calls a connection's
 * channel makes through the module backend.
 */
#include <sys/mman.h>

#define FZ_STATE_ELSEWHERE
#include "fuzz_events.h"

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

/* A connection that made @maps mappings of the device to open. */
static void add_conn(struct ipcsvc_conn *c, uint32_t h, unsigned int maps)
{
	FZ_CHECK(maps == fe_open_maps(), "opening channel %u mapped %u, not "
		 "%s", h, maps, fe_mod.headers ? "its header pages alone" :
		 "its two areas");
	fe_app.conn_handle[fe_app.nconn] = h;
	fe_app.conn_cookie[fe_app.nconn] = NULL;
	fe_app.conn_maps[fe_app.nconn] = maps;
	/* whole areas are mapped at once; header pages wait for a message */
	fe_app.conn_data[fe_app.nconn] = maps == 2;
	fe_app.conn[fe_app.nconn++] = c;
}

/* What a failed accept or connect of channel @h must have left. */
static void check_undone(uint32_t h, unsigned long closes_before,
			 unsigned int maps_before, int rc)
{
	int i = fe_chan_index(h);

	FZ_CHECK(fe_mod.nmap == maps_before, "a failed open (%d) left %u "
		 "mappings", rc, fe_mod.nmap - maps_before);
	if (i >= 0)
		FZ_CHECK(fe_mod.closes[i] == closes_before + 1 ||
			 (rc == -EBADSLT && fe_mod.closes[i] == closes_before),
			 "a failed open (%d) closed handle %u %lu times", rc, h,
			 fe_mod.closes[i] - closes_before);
}

void fe_op_accept(struct fz_in *in, bool reject)
{
	uint8_t b = fz_u8(in);
	struct ipcsvc_port_event ev = fe_app.last;
	struct ipcsvc_channel_attr attr;
	struct ipcsvc_conn *conn = (void *)1;
	bool valid_attr, good_ev;
	unsigned long ioctls = fe_mod.ioctls, closes = 0;
	unsigned int maps = fe_mod.nmap;
	uint32_t h;
	bool open_h = false, sane = fe_sane();
	int rc, i;

	/* an event of the script's own making, or the last one read */
	uint8_t type = fz_u8(in), asel = fz_u8(in), bsel = fz_u8(in),
		bidx = fz_u8(in);
	uint32_t araw = fz_u32(in), braw = fz_u32(in);

	if (!fe_app.svc || fe_app.nconn >= MAX_CONNS)
		return;
	if (!fe_app.have_last || (b & 0x80)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = type % 7;
		ev.handle = asel % 2 ?
			    (uint32_t)ipcsvc_service_handle(fe_app.svc) : araw;
		ev.channel = fe_mod.nchan && bsel % 4 ?
			     fe_mod.chan[bidx % fe_mod.nchan] : braw;
	}
	attr = attr_of(b, &valid_attr);
	h = ev.channel;
	good_ev = ev.type == IPC_MSG_SERVICE_CONNECTED &&
		  ev.handle == (uint32_t)ipcsvc_service_handle(fe_app.svc) && h;
	i = fe_chan_index(h);
	if (i >= 0) {
		closes = fe_mod.closes[i];
		/* a second mapping of an area does not see the fake's
		 * GROW of the first: only a first accept must open */
		open_h = fe_mod.chan_open[i] &&
			 !fe_find_map(h, IPCSVC_DIR_TX) &&
			 !fe_find_map(h, IPCSVC_DIR_RX) &&
			 !fe_find_map(h, FE_HEADERS);
	}
	if (reject) {
		rc = FZ_CALL("ipcsvc_service_reject",
			     ipcsvc_service_reject(fe_app.svc, &ev));
		FZ_ALLOWED("ipcsvc_service_reject", rc, 0, -EINVAL, -EBADSLT,
			   -EPROTOTYPE);
		FZ_CHECK((rc == -EINVAL) == !good_ev, "reject: %d for an "
			 "event that is %sa ServiceConnected of the service",
			 rc, good_ev ? "" : "not ");
		/* the service's own handle named as the channel (a forged
		 * event): refused, nothing closed (checked in CLOSE) */
		if (good_ev && h == (uint32_t)ipcsvc_service_handle(fe_app.svc))
			FZ_CHECK(rc == -EPROTOTYPE, "reject of an event naming "
				 "the service as its channel: %d", rc);
		if (!good_ev) {
			FZ_CHECK(fe_mod.ioctls == ioctls, "reject of a bad "
				 "event asked the module");
			return;
		}
		if (i >= 0 && rc == 0)
			FZ_CHECK(fe_mod.closes[i] == closes + 1, "reject did "
				 "not close the handle");
		return;
	}
	rc = FZ_CALL("ipcsvc_service_accept",
		     ipcsvc_service_accept(fe_app.svc, &ev, &attr, &conn));
	FZ_ALLOWED("ipcsvc_service_accept", rc, 0, -EINVAL, -EBADSLT,
		   -EPROTOTYPE, -EDQUOT, -EPIPE, -ENOMEM, -EPROTO);
	FZ_CHECK((rc == 0) == (conn != NULL), "accept: rc %d, conn %p", rc,
		 (void *)conn);
	FZ_CHECK((rc == -EINVAL) == (!good_ev || !valid_attr),
		 "accept: %d for an event {%u, %u, %u} that is %sa "
		 "ServiceConnected of the service (handle %d), attr %svalid",
		 rc, ev.type, ev.handle, ev.channel,
		 good_ev ? "" : "not ", ipcsvc_service_handle(fe_app.svc),
		 valid_attr ? "" : "in");
	if (!good_ev || !valid_attr) {
		FZ_CHECK(fe_mod.ioctls == ioctls, "accept of a bad event "
			 "asked the module");
		return;
	}
	if (h == (uint32_t)ipcsvc_service_handle(fe_app.svc))
		FZ_CHECK(rc == -EPROTOTYPE, "accept of an event naming the "
			 "service as its channel: %d", rc);
	if (sane && open_h)
		FZ_CHECK(rc == 0, "accept of channel %u from a sane module: "
			 "%d", h, rc);
	if (rc) {
		check_undone(h, closes, maps, rc);
		return;
	}
	add_conn(conn, h, fe_mod.nmap - maps);
}

void fe_op_connect(struct fz_in *in)
{
	uint8_t b = fz_u8(in), nl = fz_u8(in) % 70;
	char name[80];
	uint64_t ms = (b & 0x80) ? (1ULL << 31) + fe_page : fz_u16(in),
		 mr = fz_u16(in);
	struct ipcsvc_channel_attr attr;
	struct ipcsvc_conn *conn = (void *)1;
	bool valid, sane = fe_sane();
	unsigned int maps = fe_mod.nmap, nchan = fe_mod.nchan;
	int rc;

	if (!fe_app.port || fe_app.nconn >= MAX_CONNS)
		return;
	memset(name, 'n', sizeof(name));
	name[nl] = '\0';
	attr = attr_of(b, &valid);
	rc = FZ_CALL("ipcsvc_client_connect",
		     ipcsvc_client_connect(fe_app.port, name, 1, ms, mr, &attr,
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
	if (fe_mod.nchan == nchan) {
		FZ_CHECK(rc == -fe_mod.connect_err || (rc == -ENOSPC &&
						       nchan == MAX_HANDLES),
			 "connect: %d, the module said %d", rc,
			 -fe_mod.connect_err);
		return;
	}
	if (sane)
		FZ_CHECK(rc == 0, "connect from a sane module: %d", rc);
	if (rc) {
		check_undone(fe_mod.chan[nchan], 0, maps, rc);
		return;
	}
	add_conn(conn, fe_mod.chan[nchan], fe_mod.nmap - maps);
}

/*
 * The peer (here: the fake module's data) publishes into rx of @c: in the
 * RX area's mapping, or in the channel's header store, which the library
 * maps its data from on the first receive that finds the message.
 */
static void peer_publish(struct fz_in *in, unsigned int c)
{
	uint32_t handle = fe_app.conn_handle[c];
	struct fchan *s = fe_store(handle);
	struct fmap *m = s ? NULL : fe_find_map(handle, IPCSVC_DIR_RX);
	struct ipcsvc_area_producer *prod;
	struct ipcsvc_area_identity *id;
	uint8_t b = fz_u8(in);
	uint64_t len, olen = b % 64, tail, committed;
	uint8_t *h, *data;

	if (fe_mod.mi_raw)
		return;
	if (s) {
		if (s->max[IPCSVC_DIR_RX] < fe_page ||
		    !fe_id_in_page(s->id_off[IPCSVC_DIR_RX]))
			return;
		/* the RX area's producer words: the peer's control page */
		prod = (void *)(s->store + 2 * fe_page +
				IPCSVC_CONTROL_PRODUCER);
		data = fe_store_data(s, IPCSVC_DIR_RX);
		if (!s->committed[IPCSVC_DIR_RX])
			fe_commit(handle, IPCSVC_DIR_RX, fe_page);
		committed = s->committed[IPCSVC_DIR_RX];
	} else {
		if (!m || m->len < 4 * fe_page || m->max < fe_page ||
		    m->id_off + sizeof(*id) > fe_page)
			return;
		id = (void *)(m->addr + m->id_off);
		prod = (void *)(m->addr + fe_page);
		data = m->addr + 3 * fe_page;
		if (!m->committed) {
			mprotect(m->addr + 3 * fe_page, fe_page,
				 PROT_READ | PROT_WRITE);
			m->committed = fe_page;
			STORE_RELEASE(&id->size, fe_page);
		}
		committed = m->committed;
	}
	tail = prod->tail % committed & ~7ULL;
	len = 40 + 16 + ((olen + 7) & ~7ULL);
	if (tail + len + 8 > committed)
		return;
	h = data + tail;
	if (b & 0x80) {
		size_t n;
		const uint8_t *p = fz_bytes(in, len, &n);

		memcpy(h, p, n);
	} else {
		struct ipcsvc_msg_header mh = {
			.magic = IPCSVC_MSG_MAGIC, .id = fe_app.published,
			.flags = IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN,
			.length = len, .object_count = 1,
		};
		struct ipcsvc_obj_header oh = { .id = 1, .length = olen };

		memcpy(h, &mh, sizeof(mh));
		memcpy(h + 40, &oh, sizeof(oh));
		memset(h + 56, 0x3c, (olen + 7) & ~7ULL);
	}
	STORE_RELEASE(&prod->tail, tail + len);
	STORE_RELEASE(&prod->published, ++fe_app.published);
}

/*
 * After call @op on connection @c, which had @maps mappings of the device
 * before it: a connection opened on its header pages maps both areas at
 * the first message it sends or receives, once (a mapping that fails
 * leaves nothing mapped, and a later call tries again; areas that do not
 * match the header pages stay mapped until the close, and refused), and
 * no other call maps anything. A module that answers as the real one, the same as it did
 * for the header pages, describes the areas those pages show: mapping
 * them is no -EPROTO.
 */
static void check_data_maps(unsigned int c, unsigned int maps, unsigned int op,
			    int rc)
{
	unsigned int n = fe_mod.nmap - maps;
	bool first = fe_app.conn_maps[c] == 1;

	if (n)
		FZ_CHECK(n == 2 && first && op <= 2, "call %u on channel %u "
			 "mapped %u (%u mapped before)", op,
			 fe_app.conn_handle[c], n, fe_app.conn_maps[c]);
	if (op <= 2 && first && rc == -EPROTO)
		FZ_CHECK(!fe_sane() ||
			 !fe_same_geometry(fe_app.conn_handle[c]),
			 "call %u on channel %u: -EPROTO from a sane module, "
			 "its areas as its header pages say", op,
			 fe_app.conn_handle[c]);
	fe_app.conn_maps[c] += n;
	/* a message sent or received: the data regions are mapped */
	if (op <= 2 && rc == 0)
		fe_app.conn_data[c] = true;
}

void fe_op_conn(struct fz_in *in)
{
	uint8_t k = fz_u8(in);
	unsigned int c, maps;
	struct ipcsvc_conn *conn;
	struct ipcsvc_channel *ch;
	bool lazy;
	int rc = 0;

	c = fz_u8(in);
	if (!fe_app.nconn)
		return;
	c %= fe_app.nconn;
	conn = fe_app.conn[c];
	/* the data regions perhaps not mapped yet (header pages alone) */
	lazy = !fe_app.conn_data[c];
	maps = fe_mod.nmap;
	ch = ipcsvc_conn_channel(conn);
	FZ_CHECK(ch != NULL, "a connection without a channel");
	FZ_CHECK(ipcsvc_conn_handle(conn) == (int)fe_app.conn_handle[c],
		 "conn_handle %d, not %u", ipcsvc_conn_handle(conn),
		 fe_app.conn_handle[c]);
	switch (k % 10) {
	case 8: {	/* a cookie, or none, on the connection */
		void *cookie = (k & 0x80) ? NULL :
			       (void *)(uintptr_t)(fz_u16(in) | 1);

		rc = FZ_CALL("ipcsvc_conn_set_cookie",
			     ipcsvc_conn_set_cookie(conn, cookie));
		FZ_ALLOWED("ipcsvc_conn_set_cookie", rc, 0);
		FZ_CHECK(ipcsvc_conn_cookie(conn) == cookie, "conn cookie");
		fe_app.conn_cookie[c] = cookie;
		fe_model_set_cookie(fe_app.conn_handle[c], cookie);
		break;
	}
	case 0: {
		struct ipcsvc_msg *m;

		rc = FZ_CALL("ipcsvc_channel_receive",
			     ipcsvc_channel_receive(ch, &m));
		/* the first message maps the data regions: what that
		 * fails with, only while they are not mapped */
		FZ_ALLOWED("ipcsvc_channel_receive", rc, 0, -EAGAIN, -EBADMSG,
			   -ENOBUFS, -EPIPE, -ENOMEM, -EPROTO, -EBADSLT);
		FZ_CHECK(lazy || (rc != -ENOMEM && rc != -EPROTO &&
				  rc != -EBADSLT),
			 "receive: %d with the data mapped", rc);
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
			   -EBADMSG, -ENOBUFS, -EPIPE, -EBADSLT, -ENOMEM,
			   -EPROTO);
		FZ_CHECK(lazy || (rc != -ENOMEM && rc != -EPROTO),
			 "receive_timeout: %d with the data mapped", rc);
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
		/* growth and wait errors: the module's documented ones
		 * pass through (-EBADSLT: a handle it does not know); any
		 * other growth refusal, and an identity that disagrees
		 * (patched), is -EPROTO */
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send", rc, 0, -EAGAIN,
			   -ETIMEDOUT, -EMSGSIZE, -EDQUOT, -ENOMEM, -EPIPE,
			   -EBADMSG, -EBADSLT, -EPROTO);
		if (!rc)
			FZ_CHECK(ipcsvc_channel_send(ch, m) == 0, "send");
		break;
	}
	case 3:
		rc = FZ_CALL("ipcsvc_channel_grow",
			     ipcsvc_channel_grow(ch,
						 (fz_u8(in) % 6) * fe_page));
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
			FZ_CHECK(fe_mod.creds_pid[0] == fe_mod.creds_pid[1] &&
				 fe_mod.creds_pid[0] == (uint32_t)getpid(),
				 "pidfd for pids %u, %u", fe_mod.creds_pid[0],
				 fe_mod.creds_pid[1]);
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
		int i = fe_chan_index(fe_app.conn_handle[c]);
		unsigned long closes = i >= 0 ? fe_mod.closes[i] : 0;
		unsigned int left = maps - fe_app.conn_maps[c];

		rc = FZ_CALL("ipcsvc_conn_close", ipcsvc_conn_close(conn));
		FZ_ALLOWED("ipcsvc_conn_close", rc, 0, -EBADSLT);
		/* a connection with a cookie takes its handle's out */
		if (fe_app.conn_cookie[c])
			fe_model_set_cookie(fe_app.conn_handle[c], NULL);
		/* the header pages, and the areas if it mapped them */
		FZ_CHECK(fe_mod.nmap == left, "conn_close left %u of its %u "
			 "mappings", fe_mod.nmap - left, fe_app.conn_maps[c]);
		if (i >= 0 && rc == 0)
			FZ_CHECK(fe_mod.closes[i] == closes + 1, "conn_close "
				 "did not close its handle");
		fe_app.conn[c] = fe_app.conn[--fe_app.nconn];
		fe_app.conn_handle[c] = fe_app.conn_handle[fe_app.nconn];
		fe_app.conn_cookie[c] = fe_app.conn_cookie[fe_app.nconn];
		fe_app.conn_maps[c] = fe_app.conn_maps[fe_app.nconn];
		fe_app.conn_data[c] = fe_app.conn_data[fe_app.nconn];
		return;
	}
	}
	check_data_maps(c, maps, k % 10, rc);
}
