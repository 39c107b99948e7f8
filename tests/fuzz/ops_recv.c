// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: the consumer's calls. Receive, release and walk; a received
 * message is checked against its record while the state is known.
 */
#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"

void fo_op_recv(int e, struct fz_in *in, bool timed)
{
	struct end *en = &fo_state.e[e];
	int a = 1 - e;
	struct dirst *d = &fo_state.d[a];
	int64_t t = (int64_t)(fz_u8(in) % 4) * 10000;
	bool exact = fo_exact_rx(a) && !en->rx_broken;
	struct ipcsvc_msg *m = NULL;
	int rc, want = 1;

	if (timed) {
		rc = FZ_CALL("ipcsvc_channel_receive_timeout",
			     ipcsvc_channel_receive_timeout(en->ch, &m, ipcsvc_timeout_ns(t)));
		FZ_ALLOWED("ipcsvc_channel_receive_timeout", rc, 0, -ENOBUFS,
			   -EBADMSG, -ETIMEDOUT, -EPIPE);
		fz_check_timeout("receive_timeout", rc, t);
	} else {
		rc = FZ_CALL("ipcsvc_channel_receive",
			     ipcsvc_channel_receive(en->ch, &m));
		FZ_ALLOWED("ipcsvc_channel_receive", rc, 0, -ENOBUFS, -EBADMSG,
			   -EAGAIN, -EPIPE);
	}
	FZ_CHECK((rc == 0) == (m != NULL), "receive: rc %d, msg %p", rc,
		 (void *)m);
	if (en->rx_broken) {
		FZ_CHECK(rc == -EBADMSG, "%s: receive after -EBADMSG: %d",
			 fo_end_name(e), rc);
		return;
	}
	if (rc == -EBADMSG) {
		FZ_CHECK(fo_state.tainted, "%s: receive: -EBADMSG, no hostile "
			 "write", fo_end_name(e));
		en->rx_broken = true;
		fo_check_info(e);
		return;
	}
	FZ_CHECK(rc != -EPIPE || fo_state.closed || fo_state.tainted,
		 "%s: receive: -EPIPE, not closed", fo_end_name(e));
	if (!fo_state.tainted) {
		uint32_t held = d->nrecv - d->nret, avail = d->npub - d->nrecv;

		if (held >= 64)
			want = -ENOBUFS;
		else if (d->revoked)
			want = -EPIPE;
		else if (avail)
			want = 0;
		else if (fo_state.closed)
			want = -EPIPE;
		else
			want = timed ? -ETIMEDOUT : -EAGAIN;
		FZ_CHECK(rc == want, "%s: receive: %d, expected %d (held %u, "
			 "published %u, taken %u, closed %d, revoked %d)",
			 fo_end_name(e), rc, want, held, d->npub, d->nrecv,
			 fo_state.closed, d->revoked);
	}
	/* slots come back in order: 64 taken and not retired (a release
	 * out of order retires nothing until the older ones follow) */
	if (rc == -ENOBUFS && !fo_state.tainted)
		FZ_CHECK(d->nrecv - d->nret >= 64, "%s: -ENOBUFS with %u "
			 "unretired", fo_end_name(e), d->nrecv - d->nret);
	if (rc)
		return;
	FZ_CHECK(en->nhrx < HOLD_RX, "%s: more than %u held", fo_end_name(e),
		 HOLD_RX);
	{
		struct held_rx *h = &en->hrx[en->nhrx];
		struct rec *r = &d->rec[d->nrecv < MAX_REC ? d->nrecv : 0];

		h->m = m;
		h->rec = d->nrecv < MAX_REC ? d->nrecv : 0;
		rc = ipcsvc_msg_info(m, &h->info);
		FZ_CHECK(rc == 0, "msg_info of a received message: %d", rc);
		FZ_CHECK(h->info.length >= 40 && h->info.length % 8 == 0 &&
			 h->info.length <= fo_committed(a) &&
			 h->info.object_count <= (h->info.length - 40) / 16,
			 "%s: received length %llu with %llu objects",
			 fo_end_name(e), (unsigned long long)h->info.length,
			 (unsigned long long)h->info.object_count);
		if (exact)
			FZ_CHECK(h->info.id == r->id &&
				 h->info.flags == r->flags &&
				 h->info.length == fz_msg_len(r->size,
							      r->limit) &&
				 h->info.object_count == r->nobj,
				 "%s: received id %#llx flags %#llx length "
				 "%llu count %llu; sent id %#llx flags %#llx "
				 "length %llu count %u", fo_end_name(e),
				 (unsigned long long)h->info.id,
				 (unsigned long long)h->info.flags,
				 (unsigned long long)h->info.length,
				 (unsigned long long)h->info.object_count,
				 (unsigned long long)r->id,
				 (unsigned long long)r->flags,
				 (unsigned long long)fz_msg_len(r->size,
								r->limit),
				 r->nobj);
		d->nrecv++;
		en->nhrx++;
		fo_walk(e, h, exact);
	}
}

void fo_op_release(int e, struct fz_in *in)
{
	struct end *en = &fo_state.e[e];
	struct dirst *d = &fo_state.d[1 - e];
	unsigned int i = fz_u8(in);
	struct held_rx h;
	int rc;

	if (!en->nhrx)
		return;
	i %= en->nhrx;
	h = en->hrx[i];
	rc = FZ_CALL("ipcsvc_channel_release",
		     ipcsvc_channel_release(en->ch, h.m));
	FZ_CHECK(rc == 0, "%s: release of a held message: %d", fo_end_name(e),
		 rc);
	rc = ipcsvc_channel_release(en->ch, h.m);
	FZ_CHECK(rc == -EINVAL, "%s: second release: %d", fo_end_name(e), rc);
	rc = ipcsvc_msg_info(h.m, &h.info);
	FZ_CHECK(rc == -EINVAL, "%s: msg_info after release: %d",
		 fo_end_name(e), rc);
	d->rec[h.rec].released = true;
	en->hrx[i] = en->hrx[--en->nhrx];
	fo_advance_ret(d);
}

void fo_op_walk(int e, struct fz_in *in)
{
	struct end *en = &fo_state.e[e];
	unsigned int i = fz_u8(in);

	if (!en->nhrx)
		return;
	fo_walk(e, &en->hrx[i % en->nhrx],
		fo_exact_rx(1 - e) && !en->rx_broken);
}
