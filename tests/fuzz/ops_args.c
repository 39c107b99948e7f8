// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: the arguments the man pages refuse, each of which must come
 * back -EINVAL without effect on the channel.
 */
#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"

void fo_bad_args(int e)
{
	struct end *en = &fo_state.e[e];
	struct ipcsvc_channel *ch2 = (void *)1;
	struct ipcsvc_channel_attr attr = { .size = 4 };
	struct ipcsvc_msg *m = (void *)1;
	struct ipcsvc_channel_info ci;
	struct ipcsvc_msg_info mi;
	struct ipcsvc_object o;
	static uint8_t junk[256];	/* zeroes: no channel, no slot */
	struct ipcsvc_msg *jm = (struct ipcsvc_msg *)junk;
	void *dp;
	uint8_t *tx = fo_view[e][e];
	size_t tl = 3 * fo_page + fo_state.d[e].max;
	int rc;

#define BAD(call) \
	do { \
		rc = FZ_CALL(#call, call); \
		FZ_CHECK(rc == -EINVAL, "%s: %d, not -EINVAL", #call, rc); \
	} while (0)
	BAD(ipcsvc_channel_receive(NULL, &m));
	BAD(ipcsvc_channel_receive(en->ch, NULL));
	BAD(ipcsvc_channel_receive_timeout(NULL, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_receive_timeout(en->ch, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_release(NULL, NULL));
	BAD(ipcsvc_channel_release(en->ch, NULL));
	BAD(ipcsvc_channel_release(en->ch, jm));
	BAD(ipcsvc_channel_send(NULL, NULL));
	BAD(ipcsvc_channel_send(en->ch, jm));
	BAD(ipcsvc_channel_allocate_for_send(NULL, 0, 0, 0, 0, &m));
	BAD(ipcsvc_channel_allocate_for_send(en->ch, 0, 0, 0, 0, NULL));
	BAD(ipcsvc_channel_allocate_for_send_timeout(NULL, 0, 0, 0, 0, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_grow(NULL, fo_page));
	BAD(ipcsvc_channel_info(NULL, &ci));
	BAD(ipcsvc_channel_info(en->ch, NULL));
	BAD(ipcsvc_msg_info(NULL, &mi));
	BAD(ipcsvc_msg_info(jm, &mi));
	BAD(ipcsvc_msg_next_object(NULL, &o));
	BAD(ipcsvc_msg_reserve_object(NULL, 1, 1, &dp));
	BAD(ipcsvc_msg_add_object(NULL, 1, "x", 1));
	BAD(ipcsvc_channel_call(NULL, jm, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_call(en->ch, jm, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_allocate(NULL, 1, 0, 0, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_allocate(en->ch, 1, 0, 0, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_receive_event(NULL, &m, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_receive_event(en->ch, NULL, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_call_header(jm, &(struct ipcsvc_call_header){ 0 }));
	BAD(ipcsvc_call_fail(en->ch, jm, -EIO, ipcsvc_timeout_ns(0)));
	BAD(ipcsvc_channel_open(NULL, 0, NULL, 0, NULL, &ch2));
	BAD(ipcsvc_channel_open(tx, tl, NULL, 0, NULL, NULL));
	BAD(ipcsvc_channel_open(tx, tl, tx, tl, NULL, &ch2));
	BAD(ipcsvc_channel_open(tx, 0, NULL, 0, NULL, &ch2));
	BAD(ipcsvc_channel_open(tx, tl, NULL, 0, &attr, &ch2));
	attr.size = sizeof(attr);
	attr.wait_mode = 3;
	BAD(ipcsvc_channel_open(tx, tl, NULL, 0, &attr, &ch2));
	attr.wait_mode = 0;
	attr.flags = 1u << 7;
	BAD(ipcsvc_channel_open(tx, tl, NULL, 0, &attr, &ch2));
	FZ_CHECK(ch2 == NULL, "a refused open left *chp set");
	if (en->nhrx) {
		struct held_rx *h = &en->hrx[0];

		BAD(ipcsvc_channel_send(en->ch, h->m));
		BAD(ipcsvc_msg_reserve_object(h->m, 1, 1, &dp));
		BAD(ipcsvc_msg_info(h->m, NULL));
		BAD(ipcsvc_msg_next_object(h->m, NULL));
		if (!en->rx_broken) {
			memset(&o, 0, sizeof(o));
			o.index = h->info.object_count + 1;
			BAD(ipcsvc_msg_next_object(h->m, &o));
			/* a cursor matters below the last index only */
			if (h->info.object_count >= 2) {
				o.index = 1;
				o.cursor = 4;
				BAD(ipcsvc_msg_next_object(h->m, &o));
				o.cursor = 1ULL << 40;
				BAD(ipcsvc_msg_next_object(h->m, &o));
			}
		}
	}
	if (en->nhtx) {
		struct held_tx *h = &en->htx[0];
		const struct rec *r = &fo_state.d[e].rec[h->rec];

		/* a message being written shows what it holds so far */
		memset(&o, 0, sizeof(o));
		rc = ipcsvc_msg_next_object(h->m, &o);
		FZ_CHECK(rc == (h->count ? 1 : 0) ||
			 (fo_state.tainted && rc == -EBADMSG),
			 "next_object of a message being written: %d", rc);
		if (rc == 1 && !fo_state.tainted)
			FZ_CHECK(o.id == r->objid[0] &&
				 o.length == r->objlen[0],
				 "next_object of a message being written: "
				 "object %#llx of %llu bytes",
				 (unsigned long long)o.id,
				 (unsigned long long)o.length);
		BAD(ipcsvc_channel_release(en->ch, h->m));
		BAD(ipcsvc_msg_reserve_object(h->m, 1, 1, NULL));
		BAD(ipcsvc_msg_add_object(h->m, 1, NULL, 5));
	}
#undef BAD
}
