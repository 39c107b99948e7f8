/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtime tests of generated code (tests/host/idl_*_test.c) speak
 * tests/idl/runtime/kinds.idl, whose generated source they include: a
 * channel pair over memfd areas of the protocol's derived sizes, and a
 * server thread that dispatches every request to echoing handlers and
 * records what each dispatch returned.
 */
#ifndef IPCSVC_TESTS_IDL_KINDS_H
#define IPCSVC_TESTS_IDL_KINDS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "channel_helpers.h"
#include "kinds.c"	/* the code under test, from build/idl-gen */

#define SEC		1000000000LL
#define MAX_RECORDS	256

struct kinds_server {
	struct ipcsvc_channel *ch;
	const struct kinds_handlers *handlers;
	pthread_t thread;
	atomic_bool stop;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int rcs[MAX_RECORDS];		/* what each dispatch returned */
	unsigned int nrcs;
	unsigned int handled;		/* handler calls */
	char notes[16][33];		/* the note handler's lines */
	unsigned int nnotes;
};

/* ---- echoing handlers ---- */

static int h_scalars(void *ctx, const struct ipcsvc_call_header *call,
		     bool b, int8_t i8, int16_t i16, int32_t i32, int64_t i64,
		     uint8_t u8, uint16_t u16, uint32_t u32, uint64_t u64,
		     float f32, double f64, kinds_color c, kinds_sign s,
		     kinds_huge h, bool *rb, int8_t *ri8, int16_t *ri16,
		     int32_t *ri32, int64_t *ri64, uint8_t *ru8, uint16_t *ru16,
		     uint32_t *ru32, uint64_t *ru64, float *rf32, double *rf64,
		     kinds_color *rc_, kinds_sign *rs, kinds_huge *rh)
{
	struct kinds_server *srv = ctx;

	(void)call;
	*rb = b, *ri8 = i8, *ri16 = i16, *ri32 = i32, *ri64 = i64;
	*ru8 = u8, *ru16 = u16, *ru32 = u32, *ru64 = u64;
	*rf32 = f32, *rf64 = f64, *rc_ = c, *rs = s, *rh = h;
	srv->handled++;
	return 0;
}

static int h_text(void *ctx, const struct ipcsvc_call_header *call,
		  const char *s, size_t s_len, const uint8_t *raw,
		  size_t raw_len, char rs[17], uint8_t rraw[8],
		  size_t *rraw_len)
{
	struct kinds_server *srv = ctx;

	(void)call;
	memcpy(rs, s, s_len);	/* the buffer starts zeroed: terminated */
	memcpy(rraw, raw, raw_len);
	*rraw_len = raw_len;
	srv->handled++;
	return 0;
}

static int h_shapes(void *ctx, const struct ipcsvc_call_header *call,
		    const struct kinds_outer *o,
		    const struct kinds_inner *list, size_t list_count,
		    const struct kinds_plain *plain, size_t plain_count,
		    const struct kinds_inner arr[2], const int32_t parr[3],
		    const bool (*nested)[2], size_t nested_count,
		    struct kinds_outer *ro, struct kinds_inner rlist[2],
		    size_t *rlist_count, struct kinds_plain rplain[4],
		    size_t *rplain_count, struct kinds_inner rarr[2],
		    int32_t rparr[3], bool rnested[2][2],
		    size_t *rnested_count)
{
	struct kinds_server *srv = ctx;

	(void)call;
	*ro = *o;
	memcpy(rlist, list, list_count * sizeof(*list));
	*rlist_count = list_count;
	memcpy(rplain, plain, plain_count * sizeof(*plain));
	*rplain_count = plain_count;
	memcpy(rarr, arr, 2 * sizeof(*arr));
	memcpy(rparr, parr, 3 * sizeof(*parr));
	memcpy(rnested, nested, nested_count * sizeof(*nested));
	*rnested_count = nested_count;
	srv->handled++;
	return 0;
}

static int h_deadline(void *ctx, const struct ipcsvc_call_header *call,
		      int64_t *ns)
{
	struct kinds_server *srv = ctx;

	*ns = call->deadline;
	srv->handled++;
	return 0;
}

static int h_note(void *ctx, const struct ipcsvc_call_header *call,
		  const char *line, size_t line_len)
{
	struct kinds_server *srv = ctx;

	(void)call;
	pthread_mutex_lock(&srv->lock);
	if (srv->nnotes < 16) {
		memcpy(srv->notes[srv->nnotes], line, line_len);
		srv->notes[srv->nnotes++][line_len] = '\0';
	}
	srv->handled++;
	pthread_mutex_unlock(&srv->lock);
	return 0;
}

/* Fails with @status; its result is @status too, when it succeeds. */
static int h_fail(void *ctx, const struct ipcsvc_call_header *call,
		  int32_t status, int32_t *x)
{
	struct kinds_server *srv = ctx;

	(void)call;
	*x = 42;
	srv->handled++;
	return status;
}

static int h_ping(void *ctx, const struct ipcsvc_call_header *call)
{
	struct kinds_server *srv = ctx;

	(void)call;
	srv->handled++;
	return 0;
}

static const struct kinds_handlers echo_handlers = {
	.scalars = h_scalars, .text = h_text, .shapes = h_shapes,
	.deadline = h_deadline, .note = h_note, .fail = h_fail,
	.ping = h_ping,
};

/* ---- the server thread ---- */

static void *server_main(void *arg)
{
	struct kinds_server *srv = arg;

	while (!atomic_load(&srv->stop)) {
		struct ipcsvc_msg *req;
		int rc = ipcsvc_channel_receive_timeout(srv->ch, &req,
				ipcsvc_timeout_ms(5));

		if (rc == -ETIMEDOUT)
			continue;
		if (rc)
			break;
		rc = kinds_dispatch(srv->ch, req, srv->handlers, srv,
				    ipcsvc_timeout_ms(1000));
		pthread_mutex_lock(&srv->lock);
		if (srv->nrcs < MAX_RECORDS)
			srv->rcs[srv->nrcs++] = rc;
		pthread_cond_broadcast(&srv->cond);
		pthread_mutex_unlock(&srv->lock);
	}
	return NULL;
}

static inline int server_start(struct kinds_server *srv)
{
	srv->running = !pthread_create(&srv->thread, NULL, server_main, srv);
	return srv->running ? 0 : -1;
}

static inline void server_stop(struct kinds_server *srv)
{
	if (!srv->running)
		return;
	atomic_store(&srv->stop, true);
	pthread_join(srv->thread, NULL);
	srv->running = false;
	atomic_store(&srv->stop, false);
}

/* What the @n-th dispatch (from 0) returned, waiting up to 10 s for it. */
static inline int server_rc(struct kinds_server *srv, unsigned int n)
{
	struct timespec ts;
	int rc = 1;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&srv->lock);
	while (srv->nrcs <= n &&
	       pthread_cond_timedwait(&srv->cond, &srv->lock, &ts) == 0)
		;
	if (srv->nrcs > n)
		rc = srv->rcs[n];
	pthread_mutex_unlock(&srv->lock);
	return rc;
}

/* ---- a channel pair of the protocol's sizes ---- */

struct kinds_pair {
	struct test_area up, down;	/* client->server, server->client */
	struct ipcsvc_channel *client, *server;
};

static inline int pair_open(struct kinds_pair *p)
{
	int rc = test_area_make(&p->up, page_size(), KINDS_MAX_TO_SERVER);

	if (!rc)
		rc = test_area_make(&p->down, page_size(), KINDS_MAX_TO_CLIENT);
	if (!rc)
		rc = ipcsvc_channel_open(p->up.mem, p->up.len, p->down.mem,
					 p->down.len, NULL, &p->client);
	if (!rc)
		rc = ipcsvc_channel_open(p->down.mem, p->down.len, p->up.mem,
					 p->up.len, NULL, &p->server);
	return rc;
}

static inline void pair_close(struct kinds_pair *p)
{
	ipcsvc_channel_close(p->client);
	ipcsvc_channel_close(p->server);
	test_area_free(&p->up);
	test_area_free(&p->down);
}

/* An Outer at the bounds of each of its fields. */
static inline void outer_fill(struct kinds_outer *o, uint64_t seed)
{
	memset(o, 0, sizeof(*o));	/* padding too: compared with memcmp */
	o->id = UINT64_MAX - seed;
	o->inner.flag = true;
	o->inner.tag.length = 4;
	memcpy(o->inner.tag.data, "\xc3\xa9\xc3\xa8", 4);	/* two 2-byte sequences */
	o->inner.color = KINDS_COLOR_BLUE;
	o->pts.count = 3;
	o->pts.data[0] = INT16_MIN;
	o->pts.data[1] = (int16_t)seed;
	o->pts.data[2] = INT16_MAX;
	o->grid[0][0] = 0, o->grid[0][1] = 1;
	o->grid[1][0] = 254, o->grid[1][1] = UINT8_MAX;
	o->blob.length = 5;
	memcpy(o->blob.data, "\0\1\2\3\xff", 5);
	o->f = -1.5f;
	o->d = 1e300;
	o->names[0].length = 3;
	memcpy(o->names[0].data, "abc", 3);
	o->names[1].length = 0;
	o->huge = KINDS_HUGE_LOW;
}

static inline void inner_fill(struct kinds_inner *in, unsigned int i)
{
	memset(in, 0, sizeof(*in));
	in->flag = i % 2;
	in->tag.length = i % 5;
	memcpy(in->tag.data, "wxyz", in->tag.length);
	in->color = i % 2 ? KINDS_COLOR_GREEN : KINDS_COLOR_RED;
}

#endif /* IPCSVC_TESTS_IDL_KINDS_H */
