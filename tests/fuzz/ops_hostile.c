// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: the peer turned hostile, and the kernel's close. Hostile
 * writes go where the peer's process can write: in "module" mode its
 * control page and the committed data of the area it produces, in
 * "memfd" mode anywhere in the memfd.
 */
#define FZ_STATE_ELSEWHERE
#include "fuzz_ops.h"

static const uint64_t magic_values[] = {
	IPCSVC_MSG_MAGIC, IPCSVC_WRAP_MAGIC, IPCSVC_AREA_MAGIC, 0, ~0ULL,
	1ULL << 63, IPCSVC_MSG_ALLOCATED | IPCSVC_MSG_WRITTEN, 40, 56, 64,
	(1ULL << 32) - 8, 1, 7,
};

/* A file offset the peer may write, and the area it concerns. */
static uint64_t pick_offset(struct fz_in *in, int *areap)
{
	int peer = 1 - fo_state.victim;
	uint8_t k = fz_u8(in);
	int a = (k >> 2) & 1;
	uint64_t off;

	if (fo_state.module) {
		/* the peer's control page, or the data of the area it
		 * produces (committed part) */
		uint64_t ctl = (1 + (uint64_t)peer) * fo_page;
		uint64_t c = fo_state.d[peer].k.committed;

		a = peer;
		*areap = peer;
		switch (k % 4) {
		case 0:
			return ctl + (uint64_t)fz_u16(in) % (fo_page / 8) * 8;
		case 1: {
			/* named words: its producer words (tail, published,
			 * waiters, broken) and consumer words */
			static const uint64_t w[] = { 0, 8, 128, 136, 256,
						      264, 384, 392 };
			uint64_t x = w[fz_u8(in) % 8];

			*areap = x >= 256 ? fo_state.victim : peer;
			return ctl + x;
		}
		default: {
			/* data: near the peer's tail, or near the end */
			uint64_t *tail = (uint64_t *)(fo_kview + ctl);
			uint8_t x = fz_u8(in);

			if (!c)
				return ctl + 8;
			if (k % 4 == 2)
				off = (LOAD_RELAXED(tail) +
				       (uint64_t)(int64_t)(int8_t)x * 8) % c;
			else
				off = c - 8 * (1 + (uint64_t)x % 16);
			*areap = a;
			return fo_state.d[peer].foff_data + (off & ~7ULL);
		}
		}
	}
	*areap = a;
	switch (k % 4) {
	case 0:
		return (uint64_t)fz_u32(in) % (fo_file_max / 8) * 8;
	case 1: {
		static const uint64_t w[] = {
			/* identity: size, max, offsets, bytes, closed, revoked */
			16, 104, 112, 120, 128, 136, 144, 152, 8,
			/* producer words */
			4096, 4104, 4224, 4232,
			/* consumer words */
			8448, 8456, 8576, 8584,
		};
		uint64_t x = w[fz_u8(in) % (sizeof(w) / sizeof(w[0]))];

		if (x >= 4096)
			x = x / 4096 * fo_page + x % 4096;
		return fo_state.d[a].base + x;
	}
	default: {
		uint64_t c = fo_state.d[a].max, tail;

		tail = LOAD_RELAXED((uint64_t *)(fo_kview + fo_state.d[a].base +
						 fo_page));
		if (k % 4 == 2)
			off = (tail + (uint64_t)(int64_t)(int8_t)fz_u8(in) * 8) % c;
		else
			off = c - 8 * (1 + (uint64_t)fz_u8(in) % 16);
		return fo_state.d[a].foff_data + (off & ~7ULL);
	}
	}
}

void fo_op_hostile(struct fz_in *in)
{
	int a = 0;
	uint64_t off = pick_offset(in, &a), cur, v;
	uint8_t k = fz_u8(in);

	if (off + 8 > fo_file_max)
		return;
	cur = LOAD_RELAXED((uint64_t *)(fo_kview + off));
	switch (k % 8) {
	case 0: v = fz_u64(in); break;
	case 1: v = cur + (uint64_t)(int64_t)(int8_t)fz_u8(in); break;
	case 2: v = magic_values[fz_u8(in) % (sizeof(magic_values) /
					      sizeof(magic_values[0]))]; break;
	case 3: v = fo_committed(a) - 8 * (uint64_t)(fz_u8(in) % 8); break;
	case 4: v = cur ^ (1ULL << (fz_u8(in) % 64)); break;
	case 5: v = fz_u32(in); break;
	case 6:
		v = fo_state.d[a].max +
		    (uint64_t)(int64_t)(int8_t)fz_u8(in) * 8;
		break;
	default: v = cur + 1; break;
	}
	STORE_RELEASE((uint64_t *)(fo_kview + off), v);
	fo_state.tainted = true;
}

void fo_op_hostile_bytes(struct fz_in *in)
{
	int a = 0;
	uint64_t off = pick_offset(in, &a) + fz_u8(in) % 8;
	size_t n;
	const uint8_t *p = fz_bytes(in, fz_u8(in) % 24, &n);

	if (off + n > fo_file_max)
		return;
	if (fo_state.module) {
		/* stay inside the region pick_offset() chose */
		uint64_t ctl = (1 + (uint64_t)(1 - fo_state.victim)) * fo_page;
		uint64_t ds = fo_state.d[1 - fo_state.victim].foff_data;
		uint64_t de = ds + fo_state.d[1 - fo_state.victim].k.committed;

		if (!((off >= ctl && off + n <= ctl + fo_page) ||
		      (off >= ds && off + n <= de)))
			return;
	}
	memcpy(fo_kview + off, p, n);
	fo_state.tainted = true;
}

/* The kernel closes the channel: the peer's end went away. */
void fo_op_close(void)
{
	if (!fo_state.module || fo_state.closed)
		return;
	fo_state.closed = true;
	STORE_RELEASE(&fk_id(&fo_state.d[0].k)->closed, 1);
	STORE_RELEASE(&fk_id(&fo_state.d[1].k)->closed, 1);
	if (fo_state.victim == 0) {
		/* the server went: its server-to-client area is revoked */
		struct dirst *d = &fo_state.d[1];

		STORE_RELEASE(&fk_id(&d->k)->revoked, 1);
		memset(fo_kview + d->foff_data, 0, d->k.committed);
		d->revoked = true;
	}
}
