// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_ops: a channel between two ends, driven by an operation sequence
 * decoded from the input: the victim end's calls, interleaved with a
 * legitimate peer end's calls (the same library) and with hostile writes
 * to every word the peer could write.
 *
 * Input: a header, then operations until the input ends (at most MAX_OPS).
 *   byte 0  bit 0: mode: 1 "module", 0 "memfd"
 *   byte 1  bit 0: the victim is the server (1) or the client (0);
 *           bits 1-2: the victim's wait mode (3 is taken as 0);
 *           bit 3: the victim opens with IPCSVC_CHANNEL_NO_AUTOGROW;
 *           bits 4-5: the peer's wait mode
 *   byte 2  client-to-server max_size, in pages: 1 + (b % MAX_PAGES)
 *   byte 3  server-to-client max_size, likewise
 *   byte 4  memfd mode: committed pages to start with, each area
 *           (ipcsvc_area_format(); capped at max_size); module areas
 *           start empty, as the module starts them
 *   then ops: one byte each (op % OP_COUNT, fuzz_format.h) and the op's
 *   arguments, read whether or not the op can run (a gone peer's ops):
 *     *_SEND, *_SEND_T, *_HOLD (after a timed-or-not byte): an allocation:
 *       b: bits 0-2 objects (% 5), 3-4 slack words, 5 one more object
 *       allowed, 6 NOQUEUE, 7 try one more object than planned (then, with
 *       bits 0-2 all set, a bad-argument byte first); t: timeout (t % 4) *
 *       10 us; per object a length byte (< 200: % 64; else a u16 follows);
 *       with bit 7 the extra object's length byte
 *     *_SEND_HELD, *_RELEASE, V_WALK: an index byte; *_GROW: pages byte
 *       (bit 7: not a page multiple); *_RECV*: timeout byte (P_RECV:
 *       a timed-or-not byte first)
 *     H_WRITE: where (a byte, then per kind a u16, u32 or byte), what (a
 *       byte, then a u64, u32 or byte); H_BYTES: where, offset, count, bytes
 *     K_CLOSE: none; K_FAIL_GROW: area byte; K_EINTR: count byte
 *
 * "module" mode lays the channel out as the module does (one identity page
 * with both identities, the server-to-client one at IPCSVC_IDENTITY_STRIDE;
 * one control page per end; data pages committed on GROW) in a memfd, maps
 * it once per end with the module's protections (identity read-only, the
 * other end's control page read-only, the data read-only to its consumer,
 * nothing past the committed size) and opens each end with
 * ipcsvc__channel_open_ops() over a stand-in for the module
 * (fuzz_kernel.h). The kernel may close the channel (identity.closed; a
 * closing server's server-to-client area is revoked: its data reads as
 * zeroes) and may refuse a growth (-EDQUOT). Hostile writes go only where
 * the peer's process can write: its control page, and the committed data
 * of the area it produces.
 *
 * "memfd" mode is the module-less channel: two areas made with
 * ipcsvc_area_format(), opened with ipcsvc_channel_open() (futex backend),
 * and everything is writable by the peer, the identities included.
 *
 * Oracles: every call's status is one its documentation allows; a
 * direction that returned -EBADMSG keeps returning it; objects lie inside
 * the data region. Until the first hostile write, the state is known
 * exactly, and then each call's status is predicted (empty, full, held
 * slots, NOQUEUE, closed, revoked, grow limits) and every message arrives
 * once, in order, with its id, flags, objects and payload intact, in both
 * directions; -EBADMSG is then a false alarm and fails too.
 */
#include "fuzz_format.h"
#include "fuzz_ops.h"

#define MAX_OPS		600

struct fo_state fo_state;

static void teardown(void)
{
	for (int e = 0; e < 2; e++) {
		struct end *en = &fo_state.e[e];

		/* send what is held, release what is held: all valid */
		while (en->ch && en->nhtx) {
			struct fz_in none = { 0 };

			fo_op_send_held(e, &none);
		}
		while (en->ch && en->nhrx) {
			struct fz_in none = { 0 };

			fo_op_release(e, &none);
		}
		if (en->ch)
			fo_check_info(e);
		ipcsvc_channel_close(en->ch);
		en->ch = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct ipcsvc_channel_attr attr[2];
	uint8_t mode, b1;
	unsigned int nops = 0;
	int v, p;

	if (!fo_page)
		fo_sim_setup();
	memset(&fo_state, 0, sizeof(fo_state));
	mode = fz_u8(&in);
	b1 = fz_u8(&in);
	fo_state.module = mode & 1;
	fo_state.victim = v = b1 & 1;
	p = 1 - v;
	fo_state.d[0].max = (1 + fz_u8(&in) % MAX_PAGES) * fo_page;
	fo_state.d[1].max = (1 + fz_u8(&in) % MAX_PAGES) * fo_page;
	memset(fo_kview, 0, fo_file_max);
	if (fo_state.module) {
		fz_u8(&in);
		fo_setup_module();
	} else {
		fo_setup_memfd(fz_u8(&in) % (MAX_PAGES + 1));
	}
	for (int e = 0; e < 2; e++) {
		uint32_t wm = (uint32_t)(e == v ? b1 >> 1 : b1 >> 4) & 3;

		attr[e] = (struct ipcsvc_channel_attr){
			.size = sizeof(attr[e]),
			.wait_mode = wm == 3 ? 0 : wm,
			.spin_count = 3,
			.flags = e == v && (b1 & 8) ?
				 IPCSVC_CHANNEL_NO_AUTOGROW : 0,
		};
	}
	if (fo_open_end(v, &attr[v]) || fo_open_end(p, &attr[p]))
		abort();
	if (fo_state.module && !fo_state.e[v].autogrow)
		FZ_CHECK(fo_state.d[v].k.committed > 0,
			 "NO_AUTOGROW open committed nothing");

	while (fz_more(&in) && nops++ < MAX_OPS) {
		uint8_t op = fz_u8(&in) % OP_COUNT;
		bool peer_gone = fo_state.closed;

		switch (op) {
		case OP_V_SEND:
			fo_op_alloc(v, &in, false, ALLOC_SEND, true);
			break;
		case OP_V_SEND_T:
			fo_op_alloc(v, &in, true, ALLOC_SEND, true);
			break;
		case OP_V_HOLD:
			fo_op_alloc(v, &in, fz_u8(&in) & 1, ALLOC_HOLD, true);
			break;
		case OP_V_SEND_HELD: fo_op_send_held(v, &in); break;
		case OP_V_RECV: fo_op_recv(v, &in, false); break;
		case OP_V_RECV_T: fo_op_recv(v, &in, true); break;
		case OP_V_RELEASE: fo_op_release(v, &in); break;
		case OP_V_WALK: fo_op_walk(v, &in); break;
		case OP_V_GROW: fo_op_grow(v, &in); break;
		case OP_V_INFO:
			fo_check_info(v);
			fo_bad_args(v);
			break;
		/* the peer's calls, once the kernel closed the channel: its
		 * end is gone; the arguments are still read */
		case OP_P_SEND:
			fo_op_alloc(p, &in, false, ALLOC_SEND, !peer_gone);
			break;
		case OP_P_HOLD:
			fo_op_alloc(p, &in, false, ALLOC_HOLD, !peer_gone);
			break;
		case OP_P_SEND_HELD:
			if (peer_gone)
				fz_u8(&in);
			else
				fo_op_send_held(p, &in);
			break;
		case OP_P_RECV: {
			bool timed = fz_u8(&in) & 1;

			if (peer_gone)
				fz_u8(&in);
			else
				fo_op_recv(p, &in, timed);
			break;
		}
		case OP_P_RELEASE:
			if (peer_gone)
				fz_u8(&in);
			else
				fo_op_release(p, &in);
			break;
		case OP_P_GROW:
			if (peer_gone)
				fz_u8(&in);
			else
				fo_op_grow(p, &in);
			break;
		case OP_H_WRITE: fo_op_hostile(&in); break;
		case OP_H_BYTES: fo_op_hostile_bytes(&in); break;
		case OP_K_CLOSE: fo_op_close(); break;
		case OP_V_CALL:
			fo_op_alloc(v, &in, fz_u8(&in) & 1, ALLOC_CALL, true);
			break;
		case OP_K_FAIL_GROW: {
			uint8_t a = fz_u8(&in) & 1;

			if (fo_state.module)
				fo_state.d[a].k.fail_grow = 1;
			break;
		}
		case OP_K_EINTR: {
			uint8_t n = fz_u8(&in) % 3;

			if (fo_state.module)
				fo_state.e[v].ctx.eintr = n;
			break;
		}
		}
	}
	teardown();
	return 0;
}
