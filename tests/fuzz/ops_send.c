// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: the producer's calls. Allocation, filling, send, hold and
 * sync call, and growth: each status is checked against what the
 * arguments, the model and the kernel's doings allow.
 */
#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"

static bool may_grow_fail(int a)
{
	return fo_state.module &&
	       (fo_state.d[a].k.fail_grow > 0 || fo_state.closed);
}

static uint8_t objbuf[MAX_PAGES * 4096 / 2];

static void do_call(int e, struct held_tx *h, int64_t t, uint64_t corr);

/*
 * Allocate, fill, and then send, hold, or make a sync call with it. A
 * message with objects starts with a call header if it is a call's
 * request, or every other one (by allocation order) otherwise; its
 * correlation id is its own id (ALLOC_CALL: that of the peer's message
 * the target byte picks, counted from the next one this end has not
 * received, or one that matches none).
 */
void fo_op_alloc(int e, struct fz_in *in, bool timed, int mode, bool run)
{
	struct end *en = &fo_state.e[e];
	struct dirst *d = &fo_state.d[e];
	uint8_t b = fz_u8(in), nobj = (b & 7) % (MAX_OBJ + 1);
	uint64_t lens[MAX_OBJ], size = 0, flags = 0, limit, len, id, extra;
	uint64_t corr;
	bool hdr;
	int64_t t = (int64_t)(fz_u8(in) % 4) * 10000;
	uint8_t target = mode == ALLOC_CALL ? fz_u8(in) : 0;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg *m = NULL;
	bool exact = !fo_state.tainted, bad_args = false, grow_may_fail;
	uint32_t outstanding, unpub;
	struct rec *r;
	int rc;

	if (nobj > MAX_OBJ)
		nobj = MAX_OBJ;
	for (unsigned int i = 0; i < nobj; i++) {
		uint8_t s = fz_u8(in);

		if (s < 200)
			lens[i] = s % 64;
		else
			lens[i] = fz_u16(in) % (d->max / 2 + 1);
		if (i == 0 && nobj && (mode == ALLOC_CALL || d->nalloc % 2 == 0))
			lens[i] = sizeof(struct ipcsvc_call_header);
		size += lens[i];	/* the payload: the library adds the rest */
	}
	hdr = nobj && (mode == ALLOC_CALL || d->nalloc % 2 == 0);
	size += (uint64_t)((b >> 3) & 3) * 8;
	limit = nobj + ((b >> 5) & 1);
	if (b & 0x40)
		flags |= IPCSVC_MSG_NOQUEUE;
	if ((b & 0x87) == 0x87) {
		/* a rarely taken bad argument */
		switch (fz_u8(in) % 3) {
		case 0: flags |= 1ULL << 4; break;
		case 1: limit = IPCSVC_AREA_MAX_SIZE_LIMIT / 23 + 1; break;
		default: size = 1ULL << 32; break;
		}
		bad_args = true;
	}
	/* one more object than planned, of this length: must not fit, or be
	 * beyond object_count */
	extra = (b & 0x80) ? fz_u8(in) % 24 : 0;
	len = fz_msg_len(size, limit);
	if (!run || d->nalloc >= MAX_REC || en->nhtx >= HOLD_TX)
		return;
	id = ((uint64_t)e << 32) | d->nalloc;
	corr = id;
	if (mode == ALLOC_CALL) {
		struct dirst *rx = &fo_state.d[1 - e];
		uint32_t k = rx->nrecv + target % 4;

		corr = k < rx->nalloc && rx->rec[k].hdr ? rx->rec[k].corr :
		       0xca11ULL << 40 | target;
	}
	FZ_CHECK(ipcsvc_channel_info(en->ch, &ci) == 0, "info");
	grow_may_fail = may_grow_fail(e);
	if (timed) {
		rc = FZ_CALL("ipcsvc_channel_allocate_for_send_timeout",
			     ipcsvc_channel_allocate_for_send_timeout(en->ch,
					size, id, limit, flags, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send_timeout", rc, 0,
			   -EINVAL, -EMSGSIZE, -EDQUOT, -EPIPE, -EBUSY,
			   -EBADMSG, -ETIMEDOUT);
		fz_check_timeout("allocate_for_send_timeout", rc, t);
	} else {
		rc = FZ_CALL("ipcsvc_channel_allocate_for_send",
			     ipcsvc_channel_allocate_for_send(en->ch, size, id,
					limit, flags, &m));
		FZ_ALLOWED("ipcsvc_channel_allocate_for_send", rc, 0, -EINVAL,
			   -EMSGSIZE, -EDQUOT, -EPIPE, -EBUSY, -EBADMSG,
			   -EAGAIN);
	}
	FZ_CHECK((rc == 0) == (m != NULL), "allocate: rc %d, msg %p", rc,
		 (void *)m);
	/* statically decided, before anything shared is looked at, in the
	 * order of the man page: flags, size, object_count, max_size */
	if (flags & ~(uint64_t)IPCSVC_SEND_FLAGS) {
		FZ_CHECK(rc == -EINVAL, "%s: allocate with bad flags: %d",
			 fo_end_name(e), rc);
		return;
	}
	if (size > IPCSVC_AREA_MAX_SIZE_LIMIT) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu bytes: %d",
			 fo_end_name(e), (unsigned long long)size, rc);
		return;
	}
	if (limit > IPCSVC_AREA_MAX_SIZE_LIMIT / 23) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu objects: %d",
			 fo_end_name(e), (unsigned long long)limit, rc);
		return;
	}
	FZ_CHECK(rc != -EINVAL, "%s: allocate with good arguments: -EINVAL",
		 fo_end_name(e));
	(void)bad_args;
	if (en->autogrow && len > d->max / 2) {
		FZ_CHECK(rc == -EMSGSIZE, "%s: allocate of %llu bytes, max "
			 "%llu: %d", fo_end_name(e), (unsigned long long)len,
			 (unsigned long long)d->max, rc);
		return;
	}
	if (en->autogrow && len <= fz_max_message(d->max))
		FZ_CHECK(rc != -EMSGSIZE, "%s: allocate of %llu bytes, max "
			 "%llu: -EMSGSIZE", fo_end_name(e),
			 (unsigned long long)len, (unsigned long long)d->max);
	if (!en->autogrow && len <= fz_max_message(ci.tx_size))
		FZ_CHECK(rc != -EMSGSIZE, "%s: allocate of %llu bytes, size "
			 "%llu: -EMSGSIZE", fo_end_name(e),
			 (unsigned long long)len,
			 (unsigned long long)ci.tx_size);
	if (en->tx_broken) {
		/* but for what is decided before the direction is looked at:
		 * a message too large for max_size (with auto-growth) */
		FZ_CHECK(rc == -EBADMSG || (rc == -EMSGSIZE &&
			 (!en->autogrow || len > fz_max_message(d->max))),
			 "%s: allocate after -EBADMSG: %d", fo_end_name(e), rc);
		return;
	}
	if (rc == -EBADMSG) {
		FZ_CHECK(!exact, "%s: allocate: -EBADMSG, no hostile write",
			 fo_end_name(e));
		en->tx_broken = true;
		fo_check_info(e);
		return;
	}
	/* the kernel's close, or (memfd) a hostile identity.closed */
	FZ_CHECK(rc != -EPIPE || fo_state.closed || fo_state.tainted,
		 "%s: allocate: -EPIPE, not closed", fo_end_name(e));
	FZ_CHECK(rc != -EDQUOT || grow_may_fail, "%s: allocate: -EDQUOT",
		 fo_end_name(e));
	if (exact) {
		outstanding = d->nalloc - d->nret;
		unpub = d->nalloc - d->npub;
		if (unpub >= 64) {
			/* with auto-growth, max_size alone decides -EMSGSIZE,
			 * before the slots are looked at */
			FZ_CHECK(rc == (fo_state.closed ? -EPIPE :
					timed ? -ETIMEDOUT : -EAGAIN) ||
				 (rc == -EMSGSIZE && en->autogrow &&
				  len > fz_max_message(d->max)),
				 "%s: allocate with 64 unpublished: %d",
				 fo_end_name(e), rc);
		} else if (!en->autogrow && len > fz_max_message(ci.tx_size)) {
			FZ_CHECK(rc == -EMSGSIZE || (len <= ci.tx_size / 2 &&
						     rc != -EBUSY),
				 "%s: allocate of %llu in %llu without "
				 "growth: %d", fo_end_name(e),
				 (unsigned long long)len,
				 (unsigned long long)ci.tx_size, rc);
		} else if (len > fz_max_message(en->autogrow ? d->max :
						 ci.tx_size)) {
			/* between the exact limit and half the ring: either */
			FZ_CHECK(rc == -EMSGSIZE || rc == 0 || rc == -EBUSY ||
				 rc == -EAGAIN || rc == -ETIMEDOUT ||
				 rc == -EPIPE || rc == -EDQUOT, "unreachable");
		} else if ((flags & IPCSVC_MSG_NOQUEUE) && outstanding) {
			FZ_CHECK(rc == -EBUSY, "%s: NOQUEUE with %u "
				 "outstanding: %d", fo_end_name(e), outstanding,
				 rc);
		} else if (!outstanding) {
			/* an empty ring fits any message that fits at all */
			FZ_CHECK(rc == 0 || rc == -EPIPE || rc == -EDQUOT,
				 "%s: allocate of %llu into an empty ring "
				 "(size %llu, max %llu): %d", fo_end_name(e),
				 (unsigned long long)len,
				 (unsigned long long)ci.tx_size,
				 (unsigned long long)d->max, rc);
		}
		if (rc == -EBUSY)
			FZ_CHECK((flags & IPCSVC_MSG_NOQUEUE) && outstanding,
				 "%s: -EBUSY", fo_end_name(e));
		if (rc == 0 && (flags & IPCSVC_MSG_NOQUEUE))
			FZ_CHECK(!outstanding, "%s: NOQUEUE allocated with %u "
				 "outstanding", fo_end_name(e), outstanding);
	}
	if (rc)
		return;

	/* fill it: the record says what the receiver must see */
	r = &d->rec[d->nalloc];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->flags = IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN | flags;
	r->size = size;
	r->limit = limit;
	r->hdr = hdr;
	r->corr = corr;
	{
		struct held_tx h = { .m = m, .rec = d->nalloc, .fill = 40,
				     .len = len, .limit = limit };

		for (unsigned int i = 0; i < nobj + 1u; i++) {
			uint64_t ol = i < nobj ? lens[i] : extra;
			uint64_t room = h.len - h.fill, oid = 100 + i;
			struct ipcsvc_call_header hv = fo_rec_hdr(r);
			int want;
			void *p = NULL;

			if (i == 0 && hdr)
				oid = IPCSVC_CALL_HEADER_ID;
			if (i == nobj && !(b & 0x80))
				break;
			if (h.count >= h.limit)
				want = -E2BIG;
			else if (room < 16 || ol > room - 16 ||
				 IPCSVC_OBJECT_SPACE(ol) > room)
				want = -EMSGSIZE;
			else
				want = 0;
			if (i == 0 && hdr) {
				rc = FZ_CALL("ipcsvc_msg_add_object",
					     ipcsvc_msg_add_object(m, oid, &hv,
								   ol));
			} else if (i % 2 && ol <= sizeof(objbuf)) {
				/* the copying variant */
				for (uint64_t j = 0; j < ol; j++)
					objbuf[j] = fz_pat(id, h.count, j);
				rc = FZ_CALL("ipcsvc_msg_add_object",
					     ipcsvc_msg_add_object(m, oid, objbuf,
								   ol));
			} else {
				rc = FZ_CALL("ipcsvc_msg_reserve_object",
					     ipcsvc_msg_reserve_object(m, oid, ol,
								       &p));
			}
			FZ_CHECK(rc == want, "%s: object of %llu with %llu "
				 "room, %llu of %llu objects: %d, not %d",
				 fo_end_name(e), (unsigned long long)ol,
				 (unsigned long long)room,
				 (unsigned long long)h.count,
				 (unsigned long long)h.limit, rc, want);
			if (rc)
				continue;
			if (p) {
				FZ_CHECK((uint8_t *)p >= fo_data_of(e, e) &&
					 (uint8_t *)p + ol <= fo_data_of(e, e) +
					 fo_committed(e), "%s: object space "
					 "outside the committed data",
					 fo_end_name(e));
				for (uint64_t j = 0; j < ol; j++)
					((uint8_t *)p)[j] = fz_pat(id, h.count,
								   j);
			}
			r->objid[h.count] = oid;
			r->objlen[h.count] = ol;
			h.fill += IPCSVC_OBJECT_SPACE(ol);
			h.count++;
		}
		r->nobj = (uint32_t)h.count;
		d->nalloc++;
		en->htx[en->nhtx++] = h;
	}
	if (mode == ALLOC_SEND) {
		struct held_tx *h = &en->htx[en->nhtx - 1];

		rc = FZ_CALL("ipcsvc_channel_send",
			     ipcsvc_channel_send(en->ch, h->m));
		FZ_CHECK(rc == 0, "%s: send: %d", fo_end_name(e), rc);
		d->rec[h->rec].sent = true;
		en->nhtx--;
		fo_advance_pub(d);
	} else if (mode == ALLOC_CALL) {
		do_call(e, &en->htx[en->nhtx - 1], timed ? t : 0, corr);
	}
}

/* Hold a received message: its record @rec (exact) and a walk. */
static void hold_rx(int e, struct ipcsvc_msg *m, uint32_t rec, bool exact)
{
	struct end *en = &fo_state.e[e];
	struct held_rx *hr = &en->hrx[en->nhrx];

	FZ_CHECK(en->nhrx < HOLD_RX, "%s: more than %u held", fo_end_name(e),
		 HOLD_RX);
	hr->m = m;
	hr->rec = exact ? rec : 0;
	FZ_CHECK(ipcsvc_msg_info(m, &hr->info) == 0, "msg_info of a held "
		 "message");
	if (!exact)
		fo_state.d[1 - e].nrecv++;	/* only an estimate now */
	en->nhrx++;
	fo_walk(e, hr, exact);
}

/*
 * ipcsvc_channel_call(): sends @h, then receives in order until the reply
 * (the message whose call header carries @corr), the deadline, 64
 * unretired messages, or a closed or broken direction. On the way it
 * drops (and releases) late replies, messages with a call header, and
 * keeps the others, which ipcsvc_call_receive_event() then hands out in
 * order: they are taken at once and held. A request without a call
 * header is refused, and stays held.
 */
static void do_call(int e, struct held_tx *h, int64_t t, uint64_t corr)
{
	struct end *en = &fo_state.e[e];
	struct dirst *tx = &fo_state.d[e], *rx = &fo_state.d[1 - e];
	bool exact = !fo_state.tainted && !en->rx_broken;
	bool has_hdr = tx->rec[h->rec].hdr;
	struct ipcsvc_msg *reply = (void *)1;
	uint32_t nrecv = rx->nrecv, match = 0, dropped[MAX_REC], ndrop = 0;
	uint32_t kept[MAX_REC], nkept = 0;
	int rc, want = 0;

	if (exact && !has_hdr) {
		want = -EINVAL;
	} else if (exact) {
		/* the releases of dropped messages retire in order, too */
		uint32_t nret = rx->nret;

		for (;;) {
			while (nret < nrecv && (rx->rec[nret].released ||
			       (nret >= rx->nrecv && rx->rec[nret].hdr)))
				nret++;
			if (nrecv - nret >= 64) {
				want = -ENOBUFS;
				break;
			}
			if (rx->revoked) {
				want = -EPIPE;
				break;
			}
			if (nrecv < rx->npub) {
				if (rx->rec[nrecv].hdr &&
				    rx->rec[nrecv].corr == corr) {
					match = nrecv++;
					break;
				}
				if (rx->rec[nrecv].hdr)
					dropped[ndrop++] = nrecv++;
				else
					kept[nkept++] = nrecv++;
				continue;
			}
			want = fo_state.closed ? -EPIPE : -ETIMEDOUT;
			break;
		}
	}
	rc = FZ_CALL("ipcsvc_channel_call",
		     ipcsvc_channel_call(en->ch, h->m, &reply, ipcsvc_timeout_ns(t)));
	/* a hostile reply may carry any status */
	if (!fo_state.tainted || rc < IPCSVC_CALL_STATUS_MIN || rc >= 0)
		FZ_ALLOWED("ipcsvc_channel_call", rc, 0, -ETIMEDOUT, -EPIPE,
			   -EBADMSG, -ENOBUFS, -EINVAL);
	fz_check_timeout("ipcsvc_channel_call", rc, t);
	FZ_CHECK((rc == 0) == (reply != NULL), "call: rc %d, reply %p", rc,
		 (void *)reply);
	if (exact)
		FZ_CHECK(rc == want, "%s: call: %d, expected %d (received %u "
			 "of %u published, %u dropped, %u kept)",
			 fo_end_name(e), rc, want, rx->nrecv, rx->npub, ndrop,
			 nkept);
	if (rc == -EINVAL) {
		/* not sent: still the caller's */
		FZ_CHECK(!has_hdr || fo_state.tainted, "%s: call of a request "
			 "with a call header: -EINVAL", fo_end_name(e));
		return;
	}
	/* the request left, whatever came back */
	en->nhtx--;
	tx->rec[h->rec].sent = true;
	fo_advance_pub(tx);
	if (en->rx_broken)
		FZ_CHECK(rc == -EBADMSG, "%s: call on a broken direction: %d",
			 fo_end_name(e), rc);
	if (rc == -EBADMSG) {
		FZ_CHECK(fo_state.tainted, "%s: call: -EBADMSG, no hostile "
			 "write", fo_end_name(e));
		en->rx_broken = true;
	}
	if (exact) {
		for (uint32_t i = 0; i < ndrop; i++)
			rx->rec[dropped[i]].released = true;
		rx->nrecv = nrecv;
		fo_advance_ret(rx);
	}
	if (!rc) {
		if (exact) {
			struct ipcsvc_call_header got;

			FZ_CHECK(ipcsvc_call_header(reply, &got) == 0 &&
				 got.id == corr, "%s: call returned the reply "
				 "of %#llx for a request of %#llx",
				 fo_end_name(e), (unsigned long long)got.id,
				 (unsigned long long)corr);
		}
		hold_rx(e, reply, match, exact);
	}
	/* the messages the call kept, in order */
	for (uint32_t i = 0; exact ? i < nkept : en->nhrx < HOLD_RX; i++) {
		struct ipcsvc_msg *m = (void *)1;

		rc = FZ_CALL("ipcsvc_call_receive_event",
			     ipcsvc_call_receive_event(en->ch, &m,
						       ipcsvc_timeout_ns(0)));
		FZ_ALLOWED("ipcsvc_call_receive_event", rc, 0, -ETIMEDOUT,
			   -EPIPE, -EBADMSG, -ENOBUFS);
		FZ_CHECK((rc == 0) == (m != NULL), "receive_event: rc %d, "
			 "msg %p", rc, (void *)m);
		if (exact)
			FZ_CHECK(rc == 0, "%s: kept message %u of %u: %d",
				 fo_end_name(e), i, nkept, rc);
		if (rc == -EBADMSG)
			en->rx_broken = true;
		if (rc)
			break;
		hold_rx(e, m, exact ? kept[i] : 0, exact);
	}
}

void fo_op_send_held(int e, struct fz_in *in)
{
	struct end *en = &fo_state.e[e];
	unsigned int i = fz_u8(in);
	struct held_tx h;
	int rc;

	if (!en->nhtx) {
		/* nothing held: a message that was never allocated */
		rc = ipcsvc_channel_send(en->ch, NULL);
		FZ_CHECK(rc == -EINVAL, "send(NULL): %d", rc);
		return;
	}
	i %= en->nhtx;
	h = en->htx[i];
	rc = FZ_CALL("ipcsvc_channel_send", ipcsvc_channel_send(en->ch, h.m));
	FZ_CHECK(rc == 0, "%s: send of a held message: %d", fo_end_name(e), rc);
	rc = ipcsvc_channel_send(en->ch, h.m);
	FZ_CHECK(rc == -EINVAL, "%s: second send: %d", fo_end_name(e), rc);
	fo_state.d[e].rec[h.rec].sent = true;
	en->htx[i] = en->htx[--en->nhtx];
	fo_advance_pub(&fo_state.d[e]);
}

void fo_op_grow(int e, struct fz_in *in)
{
	struct end *en = &fo_state.e[e];
	struct dirst *d = &fo_state.d[e];
	uint8_t b = fz_u8(in);
	uint64_t want = (uint64_t)(b % (MAX_PAGES + 2)) * fo_page;
	struct ipcsvc_channel_info ci;
	bool grow_may_fail;
	int rc;

	if (b & 0x80)
		want += 8;	/* not a page multiple */
	FZ_CHECK(ipcsvc_channel_info(en->ch, &ci) == 0, "info");
	grow_may_fail = may_grow_fail(e);
	rc = FZ_CALL("ipcsvc_channel_grow", ipcsvc_channel_grow(en->ch, want));
	FZ_ALLOWED("ipcsvc_channel_grow", rc, 0, -EINVAL, -EFBIG, -EBADMSG,
		   -EDQUOT, -ENOMEM, -EPIPE);
	if (want % fo_page)
		FZ_CHECK(rc == -EINVAL, "grow to %llu: %d",
			 (unsigned long long)want, rc);
	else if (want > d->max)
		FZ_CHECK(rc == -EFBIG, "grow to %llu of %llu: %d",
			 (unsigned long long)want, (unsigned long long)d->max,
			 rc);
	else if (en->tx_broken)
		FZ_CHECK(rc == -EBADMSG, "grow after -EBADMSG: %d", rc);
	else if (want < ci.tx_size)
		FZ_CHECK(rc == -EINVAL, "grow below the size: %d", rc);
	else if (want == ci.tx_size)
		FZ_CHECK(rc == 0, "grow to the size: %d", rc);
	else
		FZ_CHECK(rc == 0 || ((rc == -EDQUOT || rc == -EPIPE) &&
				     grow_may_fail),
			 "%s: grow to %llu: %d", fo_end_name(e),
			 (unsigned long long)want, rc);
	FZ_CHECK(rc != -EBADMSG || en->tx_broken, "grow: -EBADMSG");
}
