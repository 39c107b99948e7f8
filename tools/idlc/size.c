// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sizer: every type's shape, every message's maximum size, and the
 * two areas' sizes, by the rules of Documentation/idl.md ("Sizing"):
 *
 *   message  = ipcsvc_msg_space(payload, objects), what the library
 *              reserves: payload = [24 (call header)] + each argument's
 *              most data; objects = [1] + one per argument
 *   content  = sum over the direction's uses of count x biggest message
 *              (sync calls: 1; async calls and events: their depth)
 *   needed   = content + content / 10 (rounded up)
 *              + biggest message + 16 (wrap room)
 *   area     = needed rounded up to 4096, one page at least, at most
 *              2 GiB; or the protocol's own "area" setting
 *
 * All arithmetic saturates at IDL_SAT, far above every limit, so a huge
 * bound is reported as too large, never wrapped into a small size.
 */
#include <assert.h>
#include <string.h>

#include "idlc.h"
#include "ipcsvc/call.h"
#include "ipcsvc/channel.h"

/* The framing these rules count is the library's. */
static_assert(sizeof(struct ipcsvc_msg_header) == IDL_MSG_HEADER,
	      "message header size changed: update idl.md and size.c");
static_assert(sizeof(struct ipcsvc_obj_header) == IDL_OBJ_HEADER,
	      "object header size changed: update idl.md and size.c");
static_assert(sizeof(struct ipcsvc_call_header) == IDL_CALL_HEADER,
	      "call header size changed: update idl.md and size.c");
static_assert(IPCSVC_AREA_MAX_SIZE_LIMIT == IDL_AREA_LIMIT,
	      "area limit changed: update idl.md and size.c");

struct sizer {
	struct diag *d;
	struct arena *a;
	struct protocol *p;
	bool failed;
};

static bool struct_shape(struct sizer *z, struct decl *s, struct loc use,
			 int depth);

static const uint64_t width[] = {
	[T_BOOL] = 1, [T_INT8] = 1, [T_INT16] = 2, [T_INT32] = 4,
	[T_INT64] = 8, [T_UINT8] = 1, [T_UINT16] = 2, [T_UINT32] = 4,
	[T_UINT64] = 8, [T_FLOAT32] = 4, [T_FLOAT64] = 8,
};

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The inline form (in a struct, array or vector) and the whole-argument
 * form of @t. False if a struct it holds is invalid (already reported).
 */
static bool shape(struct sizer *z, struct type *t, int depth)
{
	uint64_t off;

	switch (t->kind) {
	case T_STRING:
	case T_BYTES:
		/* inline: uint32 length, then room for n bytes */
		t->align = 4;
		t->size = round_up(4 + t->n, 4);
		t->arg_max = t->n;
		return true;
	case T_VECTOR:
	case T_ARRAY:
		if (!shape(z, t->elem, depth + 1))
			return false;
		if (t->kind == T_ARRAY) {
			t->align = t->elem->align;
			t->size = sat_mul(t->n, t->elem->size);
			t->arg_max = t->size;
			return true;
		}
		/* inline: uint32 count, then room for n elements; as an
		 * argument, only the elements (the object's length counts
		 * them) */
		t->align = max_u64(4, t->elem->align);
		off = round_up(4, t->elem->align);
		t->arg_max = sat_mul(t->n, t->elem->size);
		t->size = round_up(sat_add(off, t->arg_max), t->align);
		return true;
	case T_NAMED:
		if (t->ref->kind == D_ENUM) {
			t->size = t->align = width[t->ref->underlying->kind];
		} else {
			if (!struct_shape(z, t->ref, t->loc, depth + 1))
				return false;
			t->size = t->ref->size;
			t->align = t->ref->align;
		}
		t->arg_max = t->size;
		return true;
	default:
		t->size = t->align = t->arg_max = width[t->kind];
		return true;
	}
}

/* C's layout: each field at its alignment, the whole padded to the
 * largest, so the generated struct can be read in place. */
static bool struct_shape(struct sizer *z, struct decl *s, struct loc use,
			 int depth)
{
	struct field *f;
	uint64_t off = 0, align = 1;

	if (s->mark == M_DONE)
		return !s->invalid;
	if (s->mark == M_BUSY || depth > IDL_MAX_CHAIN) {
		if (s->mark == M_BUSY)
			diag_error(z->d, use, "struct '%s' contains itself: its "
				   "fields are stored inline, even in an array "
				   "or a vector", s->name);
		else
			diag_error(z->d, use, "structs nested more than %d "
				   "levels deep", IDL_MAX_CHAIN);
		z->failed = true;
		return false;
	}
	s->mark = M_BUSY;
	for (f = s->fields; f; f = f->next) {
		if (!shape(z, f->type, depth)) {
			s->invalid = true;
			break;
		}
		align = max_u64(align, f->type->align);
		f->offset = round_up(off, f->type->align);
		off = sat_add(f->offset, f->type->size);
	}
	s->mark = M_DONE;
	if (s->invalid)
		return false;
	s->align = align;
	s->size = round_up(off, align);
	if (s->size > IDL_MESSAGE_LIMIT) {
		diag_error(z->d, s->loc, "struct '%s' takes %s%llu bytes, more "
			   "than the largest message (%llu bytes)", s->name,
			   s->size >= IDL_SAT ? "more than " : "",
			   (unsigned long long)s->size,
			   (unsigned long long)IDL_MESSAGE_LIMIT);
		s->invalid = true;
		z->failed = true;
		return false;
	}
	return true;
}

static const char *const kind_name[] = {
	[MSG_REQUEST] = "request", [MSG_REPLY] = "reply",
	[MSG_EVENT] = "event",
};

static void message(struct sizer *z, struct msg *m)
{
	struct field *f;
	bool ok = true;

	m->call_header = m->kind == MSG_EVENT ? 0 : IDL_CALL_HEADER;
	m->payload = m->call_header;
	m->objects = m->call_header ? 1 : 0;
	for (f = m->args; f; f = f->next) {
		if (!shape(z, f->type, 0)) {
			ok = false;
			continue;
		}
		m->payload = sat_add(m->payload, f->type->arg_max);
		m->objects++;
	}
	/* The library's own reservation, so that the areas hold what the
	 * generated code allocates; the objects' headers stay small next to
	 * IDL_SAT, where a payload stops. */
	m->bytes = m->payload >= IDL_SAT ? IDL_SAT :
		   ipcsvc_msg_space(m->payload, m->objects);
	if (!ok) {
		z->failed = true;
	} else if (m->bytes > IDL_MESSAGE_LIMIT) {
		diag_error(z->d, m->d->loc, "the %s of '%s' can be %s%llu "
			   "bytes, more than the largest message an area can "
			   "carry (%llu bytes, in an area of 2 GiB)",
			   kind_name[m->kind], m->d->name,
			   m->bytes >= IDL_SAT ? "more than " : "",
			   (unsigned long long)m->bytes,
			   (unsigned long long)IDL_MESSAGE_LIMIT);
		z->failed = true;
	}
}

static struct msg *add_msg(struct sizes *s, const struct decl *d,
			   enum msg_kind k, enum dir dir, struct field *args)
{
	struct msg *m = &s->msgs[s->nmsgs++];

	m->d = d;
	m->kind = k;
	m->dir = dir;
	m->args = args;
	return m;
}

static void messages(struct sizer *z, struct sizes *s)
{
	const struct decl *d;
	size_t n = 0, i;

	for (d = z->p->decls; d; d = d->next)
		if (d->kind == D_CALL || d->kind == D_EVENT)
			n += d->is_sync ? 2 : 1;
	s->msgs = arena_alloc(z->a, (n ? n : 1) * sizeof(*s->msgs));
	for (d = z->p->decls; d; d = d->next) {
		if (d->kind == D_EVENT) {
			add_msg(s, d, MSG_EVENT, DIR_TO_CLIENT, d->params);
		} else if (d->kind == D_CALL) {
			add_msg(s, d, MSG_REQUEST, DIR_TO_SERVER, d->params);
			if (d->is_sync)
				add_msg(s, d, MSG_REPLY, DIR_TO_CLIENT,
					d->results);
		}
	}
	for (i = 0; i < s->nmsgs && !z->d->stopped; i++)
		message(z, &s->msgs[i]);
}

static void add_use(struct area *ar, enum use_kind k, const struct msg *m,
		    uint64_t count)
{
	struct use *u = &ar->uses[ar->nuses++];

	u->kind = k;
	u->m = m;
	u->count = count;
	u->bytes = m->bytes;
	ar->content = sat_add(ar->content, sat_mul(count, m->bytes));
	if (!ar->biggest || m->bytes > ar->biggest->bytes)
		ar->biggest = m;
}

static void area(struct sizer *z, struct sizes *s, enum dir dir)
{
	struct area *ar = &s->area[dir];
	const struct msg *sync = NULL;
	const struct decl *d;
	size_t i;

	ar->dir = dir;
	ar->uses = arena_alloc(z->a, (s->nmsgs + 1) * sizeof(*ar->uses));
	/* One synchronous call is in flight at a time: the biggest of its
	 * messages in this direction. */
	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].dir == dir && s->msgs[i].d->is_sync &&
		    (!sync || s->msgs[i].bytes > sync->bytes))
			sync = &s->msgs[i];
	if (sync)
		add_use(ar, USE_SYNC, sync, 1);
	/* Queued messages: as many as their depth, of each kind at once. */
	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].dir == dir && !s->msgs[i].d->is_sync)
			add_use(ar, s->msgs[i].kind == MSG_EVENT ? USE_EVENT :
				USE_ASYNC, &s->msgs[i], s->msgs[i].d->depth_v);
	if (ar->biggest) {
		ar->margin = ar->content / 10 + (ar->content % 10 != 0);
		ar->wrap = ar->biggest->bytes + IDL_RING_RESERVE;
		ar->needed = sat_add(sat_add(ar->content, ar->margin),
				     ar->wrap);
	}
	ar->derived = max_u64(round_up(ar->needed, IDL_PAGE), IDL_PAGE);
	ar->size = ar->derived;
	for (d = z->p->decls; d; d = d->next)
		if (d->kind == D_AREA && d->dir == dir)
			ar->override = d;
	if (ar->override) {
		uint64_t min = ar->biggest ?
			2 * ar->biggest->bytes + IDL_RING_RESERVE : 0;

		ar->size = round_up((uint64_t)ar->override->cval, IDL_PAGE);
		if (ar->size < min) {
			diag_error(z->d, ar->override->value->loc, "area %s of "
				   "%llu bytes cannot carry the %s of '%s' (%llu "
				   "bytes): a message of L bytes needs an area "
				   "of 2 L + 16 = %llu bytes", ar->override->name,
				   (unsigned long long)ar->size,
				   kind_name[ar->biggest->kind],
				   ar->biggest->d->name,
				   (unsigned long long)ar->biggest->bytes,
				   (unsigned long long)min);
			diag_note(z->d, ar->biggest->d->loc, "'%s' declared here",
				  ar->biggest->d->name);
		}
	} else if (ar->derived > IDL_AREA_LIMIT) {
		diag_error(z->d, z->p->loc, "the %s area needs %s%llu bytes, "
			   "more than the limit of %llu (2 GiB): lower a bound "
			   "or a depth, or set 'area %s = SIZE;'",
			   dir == DIR_TO_SERVER ? "client-to-server" :
			   "server-to-client",
			   ar->derived >= IDL_SAT ? "more than " : "",
			   (unsigned long long)ar->derived,
			   (unsigned long long)IDL_AREA_LIMIT,
			   dir == DIR_TO_SERVER ? "to_server" : "to_client");
	}
}

void size_protocol(struct diag *d, struct arena *a, struct protocol *p,
		   struct sizes *s)
{
	struct sizer z = { .d = d, .a = a, .p = p };
	struct decl *k;

	memset(s, 0, sizeof(*s));
	/* every struct, used or not: its generated C type must exist */
	for (k = p->decls; k && !d->stopped; k = k->next)
		if (k->kind == D_STRUCT)
			struct_shape(&z, k, k->loc, 0);
		else if (k->kind == D_ENUM)
			k->size = k->align = width[k->underlying->kind];
	messages(&z, s);
	if (z.failed || d->stopped)
		return;
	area(&z, s, DIR_TO_SERVER);
	area(&z, s, DIR_TO_CLIENT);
}
