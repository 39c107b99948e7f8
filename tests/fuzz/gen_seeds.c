// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gen-seeds DIR: write the seed inputs of the fuzz targets into
 * DIR/<target>/seed-*, a few well-formed inputs each (`make fuzz-seeds`).
 * The files are committed; regenerate them when an input format changes.
 *
 *  - fuzz_area_image: areas the library itself filled (ipcsvc_area_format()
 *    areas, and the module's layout with the identity at
 *    IPCSVC_IDENTITY_STRIDE), dumped up to the end of their committed data:
 *    messages pending, wrapped rings with a wrap marker in the last bytes,
 *    an empty area, a closed and a revoked one;
 *  - fuzz_ops, fuzz_mailbox, fuzz_events: scripts in their formats
 *    (fuzz_format.h and each target's comment): ping-pong, rings that fill
 *    and wrap, held and out-of-order messages, NOQUEUE, 64 held slots,
 *    closes and revocation, growth, a harmless hostile write, ...
 *
 * Pages are 4096 bytes in the seeds.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "../../lib/internal.h"
#include "fuzz_format.h"
#include "../lib/identity.h"

#define PAGE		4096ULL
#define AREA_PAGES	19	/* fuzz_area_image's mapping: 3 + 16 */

static const char *top;

static void die(const char *what, int rc)
{
	fprintf(stderr, "gen-seeds: %s: %d\n", what, rc);
	exit(1);
}

static void put(const char *target, const char *name, const void *p,
		size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%s", top, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		die(path, -errno);
}

/* ---- area images ---------------------------------------------------------- */

static uint8_t *area;

static void send_objs(struct ipcsvc_channel *ch, uint64_t id,
		      const uint64_t *lens, unsigned int n)
{
	struct ipcsvc_msg *m;
	uint64_t size = 0;
	int rc;

	for (unsigned int i = 0; i < n; i++)
		size += lens[i];	/* the payload */
	rc = ipcsvc_channel_allocate_for_send(ch, size, id, n, 0, &m);
	if (rc)
		die("allocate", rc);
	for (unsigned int i = 0; i < n; i++) {
		void *d;

		rc = ipcsvc_msg_reserve_object(m, 10 + i, lens[i], &d);
		if (rc)
			die("reserve", rc);
		memset(d, (int)(id + i), lens[i]);
	}
	if (ipcsvc_channel_send(ch, m))
		die("send", -1);
}

static void take(struct ipcsvc_channel *ch)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_receive(ch, &m);

	if (rc)
		die("receive", rc);
	if (ipcsvc_channel_release(ch, m))
		die("release", -1);
}

enum scene { S_FEW, S_NEAR_END, S_EMPTY, S_CLOSED, S_GROWN, S_REVOKED };

static void play(struct ipcsvc_channel *tx, struct ipcsvc_channel *rx,
		 enum scene s)
{
	static const uint64_t a[] = { 5 }, c[] = { 17, 40 }, big[] = { 1984 },
			      small[] = { 8 }, mid[] = { 700 };

	switch (s) {
	case S_FEW:
	case S_CLOSED:
	case S_REVOKED:
		send_objs(tx, 1, a, 1);
		send_objs(tx, 2, NULL, 0);
		send_objs(tx, 3, c, 2);
		take(rx);
		break;
	case S_NEAR_END:
		/* 2040 + 2040 bytes end at 4080 = size - 16; the third
		 * message wraps, leaving the marker in the last 16 bytes */
		send_objs(tx, 1, big, 1);
		send_objs(tx, 2, big, 1);
		take(rx);
		send_objs(tx, 3, small, 1);
		break;
	case S_GROWN:
		for (uint64_t i = 0; i < 9; i++)
			send_objs(tx, i, mid, 1);
		for (int i = 0; i < 5; i++)
			take(rx);
		break;
	case S_EMPTY:
		break;
	}
}

static void dump_image(const char *name, uint64_t id_off)
{
	struct ipcsvc_area_identity *id = (void *)(area + id_off);
	size_t n = (size_t)(id->data_offset + id->size);

	while (n > id_off + sizeof(*id) && !area[n - 1])
		n--;
	put("fuzz_area_image", name, area, n);
}

static void image(const char *name, bool module, uint64_t size,
		  uint64_t max, enum scene s)
{
	struct ipcsvc_channel_attr attr = { .size = sizeof(attr) };
	struct ipcsvc_channel *tx, *rx;
	uint64_t id_off = module ? IPCSVC_IDENTITY_STRIDE : 0;
	int rc;

	memset(area, 0, AREA_PAGES * PAGE);
	if (module) {
		/* the module's identity page: both areas' identities */
		for (uint64_t off = 0; off <= IPCSVC_IDENTITY_STRIDE;
		     off += IPCSVC_IDENTITY_STRIDE) {
			test_identity_write((void *)(area + off), size, max,
					    PAGE, "seed");
		}
	} else {
		struct ipcsvc_area_params p = {
			.size = size, .max_size = max, .protocol_version = 1,
			.protocol_name = "seed",
		};

		rc = ipcsvc_area_format(area, AREA_PAGES * PAGE, &p);
		if (rc)
			die("format", rc);
	}
	rc = ipcsvc__channel_open_ops(area, 3 * PAGE + max, id_off, NULL, 0,
				      0, &attr, &ipcsvc__futex_ops, NULL, &tx);
	if (!rc)
		rc = ipcsvc__channel_open_ops(NULL, 0, 0, area, 3 * PAGE + max,
					      id_off, &attr,
					      &ipcsvc__futex_ops, NULL, &rx);
	if (rc)
		die("open", rc);
	play(tx, rx, s);
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	if (s == S_CLOSED || s == S_REVOKED)
		((struct ipcsvc_area_identity *)(area + id_off))->closed = 1;
	if (s == S_REVOKED) {
		struct ipcsvc_area_identity *id = (void *)(area + id_off);

		id->revoked = 1;
		memset(area + 3 * PAGE, 0, id->size);
	}
	dump_image(name, id_off);
}

/*
 * Identity offsets near 2^64, each field in turn, the others as the
 * module writes them: sums of offsets wrap, and every one must be refused
 * (-EPROTO) without a fault.
 */
static void near_2_64(void)
{
	static const struct {
		const char *name;
		size_t field;
		uint64_t v;
	} f[] = {
		{ "producer", offsetof(struct ipcsvc_area_identity,
				       producer_offset), -256ULL },
		{ "consumer", offsetof(struct ipcsvc_area_identity,
				       consumer_offset), -256ULL },
		{ "data", offsetof(struct ipcsvc_area_identity, data_offset),
		  -4096ULL },
		{ "max", offsetof(struct ipcsvc_area_identity, max_size),
		  -8192ULL },
		{ "bytes", offsetof(struct ipcsvc_area_identity, area_bytes),
		  -8ULL },
		{ "size", offsetof(struct ipcsvc_area_identity, size),
		  -4096ULL },
	};
	struct ipcsvc_area_identity *id = (void *)area;
	char name[64];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memset(area, 0, 3 * PAGE);
		id->size = PAGE;
		id->max_size = 4 * PAGE;
		id->producer_offset = PAGE;
		id->consumer_offset = 2 * PAGE + 256;
		id->data_offset = 3 * PAGE;
		id->area_bytes = 7 * PAGE;
		id->magic = IPCSVC_AREA_MAGIC;
		memcpy((uint8_t *)id + f[i].field, &f[i].v, 8);
		/* and a data offset that brings the sum back round */
		if (f[i].field == offsetof(struct ipcsvc_area_identity,
					   max_size))
			id->area_bytes = id->data_offset + id->max_size;
		snprintf(name, sizeof(name), "offset-wrap-%s", f[i].name);
		put("fuzz_area_image", name, area, sizeof(*id));
	}
}

static void area_images(void)
{
	area = mmap(NULL, AREA_PAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap", -errno);
	image("memfd-few", false, PAGE, 4 * PAGE, S_FEW);
	image("memfd-near-end", false, PAGE, PAGE, S_NEAR_END);
	image("memfd-empty", false, 0, 4 * PAGE, S_EMPTY);
	image("memfd-grown", false, 0, 4 * PAGE, S_GROWN);
	image("module-few", true, PAGE, 8 * PAGE, S_FEW);
	image("module-near-end", true, PAGE, 2 * PAGE, S_NEAR_END);
	image("module-closed", true, PAGE, 2 * PAGE, S_CLOSED);
	image("module-revoked", true, PAGE, 2 * PAGE, S_REVOKED);
	image("module-empty", true, 0, 16 * PAGE, S_EMPTY);
	near_2_64();
}

/* ---- scripts ---------------------------------------------------------------- */

static uint8_t buf[8192];
static size_t n;

static void b(unsigned int v)
{
	if (n >= sizeof(buf))
		die("script too long", 0);
	buf[n++] = (uint8_t)v;
}

static void u16(unsigned int v)
{
	b(v & 0xff);
	b(v >> 8);
}

static void u32(uint32_t v)
{
	u16(v & 0xffff);
	u16(v >> 16);
}

static void u64(uint64_t v)
{
	u32((uint32_t)v);
	u32((uint32_t)(v >> 32));
}

static void begin(void)
{
	n = 0;
}

static void done(const char *target, const char *name)
{
	put(target, name, buf, n);
}

/* fuzz_ops: an allocation's arguments (see fo_op_alloc()). */
#define NOQ	0x40
static void alloc_args(unsigned int nobj, const unsigned int *lens,
		       unsigned int bits, unsigned int tsel)
{
	b(nobj | bits);
	b(tsel);
	for (unsigned int i = 0; i < nobj; i++) {
		if (lens[i] < 64) {
			b(lens[i]);
		} else {
			b(200);
			u16(lens[i]);
		}
	}
	if (bits & 0x80)
		b(30);	/* the extra object: does not fit */
}

static void v_send(unsigned int len)
{
	b(OP_V_SEND);
	alloc_args(1, &len, 0, 0);
}

static void p_send(unsigned int len)
{
	b(OP_P_SEND);
	alloc_args(1, &len, 0, 0);
}

static void v_take(void)
{
	b(OP_V_RECV); b(0);
	b(OP_V_RELEASE); b(0);
}

static void p_take(void)
{
	b(OP_P_RECV); b(0); b(0);
	b(OP_P_RELEASE); b(0);
}

static void ops_header(bool module, bool victim_server, unsigned int vattr,
		       unsigned int max0, unsigned int max1,
		       unsigned int start)
{
	b(module);
	b((victim_server ? 1 : 0) | vattr);
	b(max0 - 1);
	b(max1 - 1);
	b(start);
}

static void ops_seeds(void)
{
	static const unsigned int three[] = { 3, 0, 63 };

	for (int mod = 0; mod < 2; mod++) {
		const char *pp = mod ? "module-pingpong" : "memfd-pingpong";

		begin();
		ops_header(mod, false, 0, 2, 2, 1);
		for (unsigned int i = 0; i < 6; i++) {
			v_send(10 + i * 20);
			p_take();
			p_send(5 + i * 30);
			v_take();
		}
		b(OP_V_INFO);
		done("fuzz_ops", pp);
	}

	/* the victim is the server; waits in the victim's timed calls */
	begin();
	ops_header(1, true, 2 << 1, 1, 3, 0);
	b(OP_V_RECV_T); b(1);
	p_send(40);
	b(OP_V_RECV_T); b(2);
	b(OP_V_WALK); b(0);
	b(OP_V_RELEASE); b(0);
	b(OP_V_SEND_T); alloc_args(3, three, 0, 1);
	p_take();
	done("fuzz_ops", "module-server-timed");

	/* a ring that fills and wraps: the peer's two 2040-byte messages
	 * end 16 bytes before the end, the third wraps; a hostile write puts
	 * the wrap marker back where it is (harmless) */
	for (int mod = 0; mod < 2; mod++) {
		begin();
		ops_header(mod, false, 0, 1, 1, 0);
		p_send(1984);
		p_send(1984);
		v_take();
		p_send(8);
		b(OP_V_RECV); b(0);
		/* H_WRITE: the word 16 bytes before the end of the
		 * peer's data := IPCSVC_WRAP_MAGIC */
		b(OP_H_WRITE);
		if (mod) {
			b(3); b(1);		/* module: end - 16 */
		} else {
			b(3 | 4); b(1);		/* memfd: area 1, end - 16 */
		}
		b(2); b(1);			/* magic_values[1] */
		b(OP_V_RECV); b(0);
		b(OP_V_RELEASE); b(0);
		b(OP_V_RELEASE); b(0);
		done("fuzz_ops", mod ? "module-wrap-end" : "memfd-wrap-end");
	}

	/* held allocations sent out of order; NOQUEUE busy, then free */
	begin();
	ops_header(1, false, 0, 2, 2, 0);
	for (int i = 0; i < 3; i++) {
		unsigned int l = 8u * (unsigned int)i;

		b(OP_V_HOLD); b(0); alloc_args(1, &l, 0, 0);
	}
	b(OP_V_SEND_HELD); b(2);
	b(OP_P_RECV); b(0); b(0);		/* nothing published yet */
	b(OP_V_SEND_HELD); b(0);
	b(OP_V_SEND_HELD); b(0);
	b(OP_V_SEND); alloc_args(1, three, NOQ, 0);	/* -EBUSY */
	p_take(); p_take(); p_take();
	b(OP_V_SEND); alloc_args(1, three, NOQ, 0);	/* now it fits */
	p_take();
	done("fuzz_ops", "module-hold-noqueue");

	/* 64 unpublished allocations: the 65th is refused */
	begin();
	ops_header(0, false, 0, 8, 1, 8);
	for (int i = 0; i < 66; i++) {
		b(OP_V_HOLD); b(i == 65); alloc_args(0, NULL, 0, 1);
	}
	for (int i = 0; i < 64; i++) {
		b(OP_V_SEND_HELD); b(0);
	}
	done("fuzz_ops", "memfd-slots");

	/* 64 received and held: the 65th receive is -ENOBUFS */
	begin();
	ops_header(1, false, 0, 1, 8, 0);
	for (int i = 0; i < 66; i++)
		p_send(0);
	for (int i = 0; i < 66; i++) {
		b(OP_V_RECV); b(0);
	}
	for (int i = 0; i < 64; i++) {
		b(OP_V_RELEASE); b(63 - i);
	}
	done("fuzz_ops", "module-enobufs");

	/* the server closes: its area is revoked; the victim's sends go on */
	begin();
	ops_header(1, false, 0, 2, 2, 0);
	p_send(16);
	p_send(17);
	v_send(4);
	b(OP_K_CLOSE);
	b(OP_V_RECV); b(0);
	b(OP_V_RECV_T); b(1);
	v_send(100);
	b(OP_V_INFO);
	done("fuzz_ops", "module-client-closed");

	/* the client closes: the server still receives what it sent */
	begin();
	ops_header(1, true, 0, 2, 2, 0);
	p_send(16);
	p_send(17);
	b(OP_K_CLOSE);
	v_take(); v_take();
	b(OP_V_RECV); b(0);
	b(OP_V_SEND_T); alloc_args(1, three, 0, 2);
	done("fuzz_ops", "module-server-closed");

	/* no auto-growth: grow by hand, a refused growth, EINTR */
	begin();
	ops_header(1, false, 1 << 3, 4, 2, 0);
	b(OP_V_GROW); b(3);
	b(OP_V_GROW); b(0x80 | 2);
	b(OP_V_GROW); b(9);
	v_send(3000);
	b(OP_K_FAIL_GROW); b(0);
	b(OP_V_GROW); b(4);
	b(OP_V_GROW); b(4);
	v_send(3000);
	b(OP_K_EINTR); b(2);
	b(OP_V_RECV_T); b(3);
	p_take(); p_take();
	b(OP_P_GROW); b(2);
	b(OP_V_INFO);
	done("fuzz_ops", "module-grow");

	/* sync calls: the reply is the peer's third message, whose call
	 * header carries the request's correlation id (the first, a reply to
	 * no call, is dropped; the second, with no call header, is kept for
	 * ipcsvc_call_receive_event()); then one that no message answers */
	for (int mod = 0; mod < 2; mod++) {
		begin();
		ops_header(mod, false, 0, 2, 2, 1);
		p_send(4);
		p_send(5);
		p_send(6);
		b(OP_V_CALL); b(1); b(1); b(1); b(2); b(12);
		b(OP_V_WALK); b(0);
		b(OP_V_RELEASE); b(0);
		b(OP_V_CALL); b(1); b(1); b(2); b(3); b(12);
		p_take(); p_take();
		done("fuzz_ops", mod ? "module-call" : "memfd-call");
	}

	/* one hostile write: the peer's published count + 1 */
	begin();
	ops_header(1, false, 0, 2, 2, 0);
	p_send(16);
	v_take();
	b(OP_H_WRITE); b(1); b(1); b(7);
	b(OP_V_RECV); b(0);
	b(OP_V_RECV); b(0);
	done("fuzz_ops", "module-hostile-published");
}

static void mailbox_seeds(void)
{
	begin();
	b(1);
	for (int i = 0; i < 5; i++) {
		b(MB_SEND); b(0);
	}
	for (int i = 0; i < 6; i++) {
		b(MB_RECV); b(0);
	}
	done("fuzz_mailbox", "shared-fifo");

	begin();
	b(0);
	for (int i = 0; i < 33; i++) {
		b(MB_SEND); b(0);
	}
	b(MB_SEND_T); b(1);
	for (int i = 0; i < 33; i++) {
		b(MB_RECV_T); b(1);
	}
	b(MB_RECV_TRIES); b(2);
	done("fuzz_mailbox", "private-full");

	begin();
	b(1);
	for (int i = 0; i < 80; i++) {
		b(i % 2 ? MB_SEND_W : MB_SEND_B); b(0);
		b(i % 2 ? MB_RECV_W : MB_RECV_B); b(0);
	}
	done("fuzz_mailbox", "shared-laps");

	begin();
	b(1);
	b(MB_SEND); b(0);
	b(MB_SEND); b(0);
	b(MB_H_WORD); b(16); b(0); b(1);	/* slot 0's seq += 32 */
	b(MB_RECV); b(0);
	b(MB_RECV_T); b(1);
	b(MB_INIT); b(1);
	b(MB_SEND); b(0);
	b(MB_RECV); b(0);
	for (int i = 0; i < 8; i++) {
		b(MB_BAD); b(i);
	}
	done("fuzz_mailbox", "corrupt-reinit");
}

static void events_seeds(void)
{
	/* accept a connection; use it; close everything */
	begin();
	b(0); b(12);				/* service handle 1, name */
	b(EV_PUSH); b(0); u32(4242); u64(1000);	/* ServiceConnected */
	b(EV_READ); b(0);
	b(EV_ACCEPT); b(0); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_CONN); b(7); b(0); b(16);		/* the peer publishes */
	b(EV_CONN); b(0); b(0);			/* receive */
	b(EV_CONN); b(2); b(0); b(1); u16(100);	/* send, timed */
	b(EV_CONN); b(1); b(0); b(1);		/* receive, timed */
	b(EV_CONN); b(4); b(0); b(1);		/* arm rx */
	b(EV_CONN); b(4); b(0); b(0);		/* arm tx */
	b(EV_KNOB); b(8); b(3);			/* creds: our pid */
	b(EV_CONN); b(6); b(0);			/* pidfd */
	b(EV_CONN); b(5); b(0);			/* creds */
	b(EV_KNOB); b(9); b(0);			/* version */
	b(EV_CONN); b(8); b(0);			/* a cookie; the end of input closes */
	done("fuzz_events", "accept-use-close");

	/* records of every length, waited for; reject; other events */
	begin();
	b(1); b(5);
	b(EV_READ); b(0);
	b(EV_READ); b(1);
	b(EV_PUSH); b(2); b(31);
	for (int i = 0; i < 31; i++)
		b(i);
	b(EV_PUSH); b(2); b(40);
	for (int i = 0; i < 40; i++)
		b(0x11 * (i % 9));
	b(EV_PUSH); b(1); b(2); b(0);
	b(EV_PUSH); b(0); u32(7); u64(0);
	b(EV_READ); b(0);
	b(EV_READ); b(1);
	b(EV_READ); b(2);
	b(EV_READ); b(0);
	b(EV_REJECT); b(0); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_REJECT); b(0); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_CLOSE_PORT);
	b(EV_CLOSE_SVC);
	done("fuzz_events", "records-reject");

	/* a client: connect, a refused one, a strange module */
	begin();
	b(2); b(3);
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(2); b(0); b(0); u16(5000);
	b(EV_KNOB); b(0); b(1);			/* GROW: -EDQUOT */
	b(EV_CONN); b(3); b(0); b(3);
	b(EV_KNOB); b(2); b(4);			/* CONNECT: -EMSGSIZE */
	b(EV_CONNECT); b(8); b(9); u16(0); u16(0);
	b(EV_KNOB); b(2); b(0);
	b(EV_KNOB); b(6); b(1);			/* identity at 2048 */
	b(EV_CONNECT); b(8); b(9); u16(0); u16(0);
	b(EV_KNOB); b(7); b(0); u16(8); u64(0);	/* patch: no magic */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_KNOB); b(3); b(1);			/* closed */
	b(EV_CONN); b(1); b(0); b(2);
	b(EV_CONN); b(2); b(1); b(0); u16(10);
	done("fuzz_events", "client-connect");

	/* the areas in one mapping (IPCSVC_MAP_CHANNEL) or in two */
	begin();
	b(2); b(3);
	b(EV_KNOB); b(10); b(1);		/* a module without it */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(7); b(0); b(16);		/* the peer publishes */
	b(EV_CONN); b(0); b(0);			/* receive */
	b(EV_CONN); b(2); b(0); b(1); u16(100);	/* send, timed */
	b(EV_CONN); b(9); b(0);			/* close */
	b(EV_KNOB); b(10); b(4);		/* with it; RX 2 pages more */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(7); b(0); b(16);
	b(EV_CONN); b(0); b(0);
	b(EV_CONN); b(2); b(0); b(1); u16(100);
	b(EV_CONN); b(4); b(0); b(1);		/* arm rx */
	b(EV_KNOB); b(5); b(3);			/* 4 data pages */
	b(EV_KNOB); b(10); b(3);		/* without; RX 1 page more */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(7); b(0); b(16);
	b(EV_CONN); b(0); b(0);
	/* MAP_INFO from the input: 5 pages, 4 of area, 1 of data */
	b(EV_KNOB); b(4); b(1);
	u16(5 * PAGE / 8); u16(4 * PAGE / 8); u16(PAGE / 8);
	u16(0); u16(0); u16(0);
	b(EV_KNOB); b(10); b(8); u64(11 * PAGE);	/* not the sum */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_KNOB); b(10); b(0);		/* the sum */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(9); b(0);
	b(EV_CONN); b(9); b(0);
	done("fuzz_events", "channel-mapping");

	/*
	 * A module with header mappings (bit 3 of the first byte): accept
	 * without auto-growth, so that the first page is committed before
	 * the data is mapped; arm on the header pages alone; the peer
	 * publishes before the data is mapped, and the receive that finds
	 * the message maps it; send, receive, grow, close.
	 */
	begin();
	b(8); b(12);				/* header mappings, service 1 */
	b(EV_PUSH); b(0); u32(4242); u64(1000);	/* ServiceConnected */
	b(EV_READ); b(0);
	b(EV_ACCEPT); b(8); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_CONN); b(4); b(0); b(1);		/* arm rx */
	b(EV_CONN); b(4); b(0); b(0);		/* arm tx */
	b(EV_CONN); b(7); b(0); b(16);		/* the peer publishes */
	b(EV_CONN); b(0); b(0);			/* receive: maps the data */
	b(EV_CONN); b(2); b(0); b(1); u16(100);	/* send, timed */
	b(EV_CONN); b(7); b(0); b(40);
	b(EV_CONN); b(1); b(0); b(1);		/* receive, timed */
	b(EV_CONN); b(3); b(0); b(1);		/* grow: one page, as now */
	b(EV_CONN); b(9); b(0);			/* close */
	done("fuzz_events", "headers-accept-use");

	/*
	 * Clients of a module with header mappings: growth before the data
	 * is mapped, then the first send maps it; data regions that the
	 * module describes otherwise than the header pages did (-EPROTO);
	 * a module without header mappings after all, and with them again.
	 */
	begin();
	b(8 | 2); b(3);
	b(EV_KNOB); b(5); b(3);			/* 4 data pages */
	b(EV_CONNECT); b(8); b(9); u16(0); u16(0);	/* no auto-growth */
	b(EV_CONN); b(3); b(0); b(3);		/* grow to 3 pages, unmapped */
	b(EV_CONN); b(2); b(0); b(0); u16(5000);	/* send: maps the data */
	b(EV_CONN); b(7); b(0); b(16);
	b(EV_CONN); b(0); b(0);
	b(EV_KNOB); b(6); b(1);			/* TX identity at 2048 */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_KNOB); b(5); b(0);			/* 1 data page from now on */
	b(EV_CONN); b(2); b(1); b(0); u16(10);	/* -EPROTO */
	b(EV_KNOB); b(5); b(3);
	b(EV_CONN); b(7); b(1); b(16);
	b(EV_CONN); b(0); b(1);			/* -EPROTO again */
	b(EV_KNOB); b(10); b(0x30);		/* a module from before them */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(7); b(2); b(16);
	b(EV_CONN); b(0); b(2);
	b(EV_KNOB); b(10); b(0x21);		/* with them; no channel mapping */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(7); b(3); b(16);
	b(EV_CONN); b(0); b(3);
	b(EV_CONN); b(4); b(3); b(1);
	b(EV_CONN); b(9); b(0);
	b(EV_CONN); b(9); b(0);
	done("fuzz_events", "headers-connect");

	/*
	 * What the first use of a header-mapped channel can meet: its handle
	 * closed behind the library's back (a forged event rejected), the
	 * channel closed, MAP_INFO answers from the input (the header
	 * pages' length, both identities at one offset, then areas that do
	 * not match the header pages).
	 */
	begin();
	b(8); b(12);
	b(EV_PUSH); b(0); u32(0); u64(0);
	b(EV_READ); b(0);
	b(EV_ACCEPT); b(0); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_CONN); b(7); b(0); b(16);
	/* reject a forged ServiceConnected naming the channel: its handle
	 * goes, and the receive finds it gone */
	b(EV_REJECT); b(0x80); b(1); b(1); b(1); b(0); u32(0); u32(0);
	b(EV_CONN); b(0); b(0);			/* -EBADSLT */
	b(EV_CONN); b(9); b(0);
	b(EV_PUSH); b(0); u32(0); u64(0);
	b(EV_READ); b(0);
	b(EV_ACCEPT); b(0); b(0); b(0); b(0); b(0); u32(0); u32(0);
	b(EV_KNOB); b(3); b(1);			/* closed */
	b(EV_CONN); b(2); b(0); b(0); u16(10);
	b(EV_CONN); b(1); b(0); b(1);
	b(EV_KNOB); b(3); b(0);
	/* MAP_INFO from the input: 6 pages, 4 of area, 1 of data; the
	 * header pages' length from the input, then data_offset */
	b(EV_KNOB); b(4); b(1);
	u16(6 * PAGE / 8); u16(4 * PAGE / 8); u16(PAGE / 8);
	u16(0); u16(0); u16(0);
	b(EV_KNOB); b(10); b(0x60); u64(2 * PAGE);
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);	/* -EPROTO */
	b(EV_KNOB); b(10); b(0xa0);		/* one identity offset */
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);	/* -EPROTO */
	b(EV_KNOB); b(10); b(0x20);
	b(EV_CONNECT); b(0); b(9); u16(0); u16(0);
	b(EV_CONN); b(2); b(1); b(0); u16(10);
	b(EV_KNOB); b(4); b(0);
	u16(0); u16(0); u16(0); u16(0); u16(0); u16(0);
	b(EV_CONN); b(2); b(0); b(0); u16(10);
	done("fuzz_events", "headers-first-use");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-seeds DIR\n");
		return 2;
	}
	top = argv[1];
	mkdir(top, 0755);
	area_images();
	ops_seeds();
	mailbox_seeds();
	events_seeds();
	return 0;
}
