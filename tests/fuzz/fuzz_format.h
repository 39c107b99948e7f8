/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The operation codes of the script-driven fuzz targets, shared with the
 * seed generator (gen_seeds.c). An input byte selects op = byte % *_COUNT;
 * each target's file comment describes the arguments that follow.
 * Appending a code keeps the saved corpora meaningful; renumbering does not.
 */
#ifndef IPCSVC_FUZZ_FORMAT_H
#define IPCSVC_FUZZ_FORMAT_H

/* fuzz_ops: V_ the victim's calls, P_ the peer's, H_ hostile writes, K_
 * the kernel's doings (module mode). */
enum {
	OP_V_SEND, OP_V_SEND_T, OP_V_HOLD, OP_V_SEND_HELD, OP_V_RECV,
	OP_V_RECV_T, OP_V_RELEASE, OP_V_WALK, OP_V_GROW, OP_V_INFO,
	OP_P_SEND, OP_P_HOLD, OP_P_SEND_HELD, OP_P_RECV, OP_P_RELEASE,
	OP_P_GROW, OP_H_WRITE, OP_H_BYTES, OP_K_CLOSE, OP_K_FAIL_GROW,
	OP_K_EINTR, OP_V_CALL, OP_COUNT
};

/* fuzz_mailbox */
enum {
	MB_SEND, MB_SEND_T, MB_SEND_B, MB_RECV, MB_RECV_T, MB_RECV_TRIES,
	MB_RECV_B, MB_H_WORD, MB_H_BYTES, MB_INIT, MB_BAD, MB_SEND_W,
	MB_RECV_W, MB_COUNT
};

/* fuzz_events */
enum {
	EV_PUSH, EV_READ, EV_ACCEPT, EV_REJECT, EV_CONNECT, EV_CONN,
	EV_KNOB, EV_CLOSE_SVC, EV_CLOSE_PORT, EV_COUNT
};

#endif /* IPCSVC_FUZZ_FORMAT_H */
