/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of fuzz_ops share: the channel's memory, the harness's
 * model of both directions and both ends, and the operations the script
 * decodes to. fuzz_ops.c describes the input and the oracles.
 */
#ifndef IPCSVC_FUZZ_OPS_H
#define IPCSVC_FUZZ_OPS_H

#include "fuzz_common.h"
#include "fuzz_kernel.h"

#define MAX_PAGES	8
#define MAX_REC		1024	/* messages per direction per input */
#define MAX_OBJ		4
#define HOLD_TX		70
#define HOLD_RX		70

/* ---- the channel's memory (ops_channel.c) ------------------------------- */

extern uint64_t fo_page;
extern size_t fo_file_max;	/* bytes of the memfd */
extern uint8_t *fo_kview;	/* the kernel's (and the hostile peer's) view */
/* [end][area]: each end's mapping of each area, reserved once */
extern uint8_t *fo_view[2][2];

void fo_sim_setup(void);
void fo_setup_module(void);
void fo_setup_memfd(uint64_t start_pages);
int fo_open_end(int e, const struct ipcsvc_channel_attr *attr);
uint8_t *fo_data_of(int e, int a);
uint64_t fo_committed(int a);

/* ---- state -------------------------------------------------------------- */

/* Area a: 0 client-to-server (the client produces it), 1 server-to-client.
 * End e: 0 client, 1 server; end e produces area e, consumes area 1 - e. */
struct rec {
	uint64_t id, flags, size, limit;
	uint32_t nobj;
	uint64_t objid[MAX_OBJ + 1], objlen[MAX_OBJ + 1];
	/* object 0 is a call header (<ipcsvc/call.h>) with this correlation
	 * id: a request or reply, else not a reply (an event) */
	bool hdr;
	uint64_t corr;
	bool sent, released;
};

/* One direction (area) as the harness knows it. */
struct dirst {
	struct rec rec[MAX_REC];
	uint32_t nalloc;	/* allocated by the producer */
	uint32_t npub;		/* published: the sent prefix */
	uint32_t nrecv;		/* taken by the consumer, in order */
	uint32_t nret;		/* retired: the released prefix */
	uint64_t base;		/* memfd: file offset of the area */
	uint64_t foff_data;	/* file offset of the data region */
	uint64_t max;
	uint64_t id_off;
	bool revoked;
	struct fk_area k;
	struct fk_map m[2];	/* each end's mapping, module mode */
};

struct held_tx {
	struct ipcsvc_msg *m;
	uint32_t rec;		/* index in the direction's records */
	uint64_t fill, len, limit, count;
};

struct held_rx {
	struct ipcsvc_msg *m;
	uint32_t rec;
	struct ipcsvc_msg_info info;
};

struct end {
	struct ipcsvc_channel *ch;
	struct fk_ctx ctx;
	bool autogrow;
	bool tx_broken, rx_broken;
	struct held_tx htx[HOLD_TX];
	unsigned int nhtx;
	struct held_rx hrx[HOLD_RX];
	unsigned int nhrx;
};

/* The harness's state, reset for each input. */
struct fo_state {
	bool module;
	int victim;		/* the victim's end; the peer is 1 - victim */
	bool tainted;		/* a hostile write happened */
	bool closed;		/* the kernel closed the channel */
	struct dirst d[2];
	struct end e[2];
};

extern struct fo_state fo_state;

/* ---- the model's checks (ops_model.c) ----------------------------------- */

const char *fo_end_name(int e);
struct ipcsvc_call_header fo_rec_hdr(const struct rec *r);
bool fo_exact_rx(int a);
void fo_advance_pub(struct dirst *d);
void fo_advance_ret(struct dirst *d);
int fo_walk(int e, struct held_rx *h, bool exact);
void fo_check_info(int e);

/* ---- operations --------------------------------------------------------- */

/* What fo_op_alloc() does with the message it allocated and filled. */
enum { ALLOC_SEND, ALLOC_HOLD, ALLOC_CALL };

/* the producer's calls (ops_send.c) */
void fo_op_alloc(int e, struct fz_in *in, bool timed, int mode, bool run);
void fo_op_send_held(int e, struct fz_in *in);
void fo_op_grow(int e, struct fz_in *in);
/* the consumer's calls (ops_recv.c) */
void fo_op_recv(int e, struct fz_in *in, bool timed);
void fo_op_release(int e, struct fz_in *in);
void fo_op_walk(int e, struct fz_in *in);
/* the arguments the man pages refuse (ops_args.c) */
void fo_bad_args(int e);
/* the hostile peer and the kernel's close (ops_hostile.c) */
void fo_op_hostile(struct fz_in *in);
void fo_op_hostile_bytes(struct fz_in *in);
void fo_op_close(void);

#endif /* IPCSVC_FUZZ_OPS_H */
