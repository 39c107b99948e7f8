// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: what the harness knows of the channel, and the checks that
 * hold it against what the library says: a received message's objects
 * (where they lie, and while no hostile write happened, what they hold)
 * and ipcsvc_channel_info()'s counters.
 */
#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"

const char *fo_end_name(int e)
{
	return e == fo_state.victim ? "victim" : "peer";
}

/* The call header of a message that has one. */
struct ipcsvc_call_header fo_rec_hdr(const struct rec *r)
{
	struct ipcsvc_call_header h = {
		.id = r->corr, .deadline = IPCSVC_CALL_NO_DEADLINE,
	};

	return h;
}

static volatile uint8_t sink;

/* Walk @h's objects; with @exact, compare with the record. */
int fo_walk(int e, struct held_rx *h, bool exact)
{
	int a = 1 - e;
	const struct rec *r = &fo_state.d[a].rec[h->rec];
	const uint8_t *data = fo_data_of(e, a);
	uint64_t lim = fo_committed(a);
	struct ipcsvc_object o;
	uint64_t n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	for (;;) {
		rc = FZ_CALL("ipcsvc_msg_next_object",
			     ipcsvc_msg_next_object(h->m, &o));
		FZ_ALLOWED("ipcsvc_msg_next_object", rc, 1, 0, -EBADMSG);
		if (fo_state.e[e].rx_broken)
			FZ_CHECK(rc == -EBADMSG, "%s: next_object on a broken "
				 "direction: %d", fo_end_name(e), rc);
		if (rc == -EBADMSG) {
			FZ_CHECK(!exact, "%s: next_object: -EBADMSG, no hostile "
				 "write", fo_end_name(e));
			fo_state.e[e].rx_broken = true;
			return rc;
		}
		if (rc == 0)
			break;
		FZ_CHECK((const uint8_t *)o.data >= data &&
			 (const uint8_t *)o.data <= data + lim &&
			 o.length <= (uint64_t)(data + lim -
						(const uint8_t *)o.data),
			 "%s: object of %llu bytes at data%+lld, outside the "
			 "%llu bytes of the data region", fo_end_name(e),
			 (unsigned long long)o.length,
			 (long long)((const uint8_t *)o.data - data),
			 (unsigned long long)lim);
		if (exact) {
			FZ_CHECK(n < r->nobj && o.id == r->objid[n] &&
				 o.length == r->objlen[n],
				 "%s: message %llu object %llu is not what "
				 "was sent", fo_end_name(e),
				 (unsigned long long)r->id,
				 (unsigned long long)n);
			if (n == 0 && r->hdr) {
				struct ipcsvc_call_header want = fo_rec_hdr(r);

				FZ_CHECK(!memcmp(o.data, &want, sizeof(want)),
					 "%s: message %llu: call header "
					 "differs", fo_end_name(e),
					 (unsigned long long)r->id);
				n++;
				continue;
			}
			for (uint64_t i = 0; i < o.length; i++)
				FZ_CHECK(((const uint8_t *)o.data)[i] ==
					 fz_pat(r->id, n, i),
					 "%s: message %llu object %llu byte "
					 "%llu differs", fo_end_name(e),
					 (unsigned long long)r->id,
					 (unsigned long long)n,
					 (unsigned long long)i);
		} else {
			for (uint64_t i = 0; i < o.length; i++)
				sink ^= ((const volatile uint8_t *)o.data)[i];
		}
		n++;
		FZ_CHECK(n <= h->info.object_count, "%s: object %llu of %llu",
			 fo_end_name(e), (unsigned long long)n,
			 (unsigned long long)h->info.object_count);
	}
	FZ_CHECK(n == h->info.object_count, "%s: walked %llu objects of %llu",
		 fo_end_name(e), (unsigned long long)n,
		 (unsigned long long)h->info.object_count);
	if (exact)
		FZ_CHECK(n == r->nobj, "%s: %llu objects, %u sent",
			 fo_end_name(e), (unsigned long long)n, r->nobj);
	return 0;
}

/* Clean, and the messages of area @a are what was sent? */
bool fo_exact_rx(int a)
{
	return !fo_state.tainted && !fo_state.d[a].revoked;
}

void fo_advance_pub(struct dirst *d)
{
	while (d->npub < d->nalloc && d->rec[d->npub].sent)
		d->npub++;
}

void fo_advance_ret(struct dirst *d)
{
	while (d->nret < d->nrecv && d->rec[d->nret].released)
		d->nret++;
}

void fo_check_info(int e)
{
	struct ipcsvc_channel_info ci;
	struct dirst *tx = &fo_state.d[e], *rx = &fo_state.d[1 - e];
	int rc = ipcsvc_channel_info(fo_state.e[e].ch, &ci);

	FZ_CHECK(rc == 0, "channel_info: %d", rc);
	FZ_CHECK(!!(ci.broken & IPCSVC_BROKEN_TX) == fo_state.e[e].tx_broken &&
		 !!(ci.broken & IPCSVC_BROKEN_RX) == fo_state.e[e].rx_broken,
		 "%s: channel_info broken %#llx, seen tx %d rx %d",
		 fo_end_name(e), (unsigned long long)ci.broken,
		 fo_state.e[e].tx_broken, fo_state.e[e].rx_broken);
	FZ_CHECK(ci.tx_max_size == tx->max && ci.rx_max_size == rx->max,
		 "%s: channel_info max sizes", fo_end_name(e));
	if (fo_state.tainted)
		return;
	FZ_CHECK(ci.tx_queued == (uint64_t)(tx->npub - tx->nret),
		 "%s: tx_queued %llu, expected %u", fo_end_name(e),
		 (unsigned long long)ci.tx_queued, tx->npub - tx->nret);
	FZ_CHECK(ci.rx_queued == (uint64_t)(rx->npub - rx->nret),
		 "%s: rx_queued %llu, expected %u", fo_end_name(e),
		 (unsigned long long)ci.rx_queued, rx->npub - rx->nret);
	if (fo_state.module)
		FZ_CHECK(ci.tx_size == tx->k.committed,
			 "%s: tx_size %llu, committed %llu", fo_end_name(e),
			 (unsigned long long)ci.tx_size,
			 (unsigned long long)tx->k.committed);
}
