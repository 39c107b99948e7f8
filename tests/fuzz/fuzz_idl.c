// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_idl: ipcsvc-idlc's lexer, parser, checker and sizer on any input,
 * with every diagnostic rendered (source line and caret) and, for a valid
 * protocol, the --sizes report printed and the C generated, all into
 * /dev/null.
 *
 * Input: the bytes of a protocol file (tests/fuzz/corpus/fuzz_idl/ holds
 * valid and broken ones; fuzz_idl.dict the language's words).
 *
 * Oracles, besides the sanitizers' (no crash, no out-of-bounds access, no
 * leak) and libFuzzer's timeout (no hang):
 * - the compiler succeeds exactly when it reported no error;
 * - every message is at least a header, a multiple of 8 and within the
 *   largest message an area carries, and exactly what the library
 *   reserves for its payload and objects (ipcsvc_msg_space());
 * - the generator fails exactly when it reports an error (two things
 *   that would get one C name);
 * - each area's numbers follow Documentation/idl.md: content is the sum
 *   of its uses, margin a tenth of it rounded up, the derived size the
 *   needed bytes rounded up to pages (one at least); the declared size is
 *   a page multiple within the limit and carries the biggest message.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gen.h"
#include "ipcsvc/channel.h"

static FILE *sink;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "oracle violated: %s (%s:%d)\n",	\
				#cond, __FILE__, __LINE__);		\
			abort();					\
		}							\
	} while (0)

static void check_area(const struct area *ar)
{
	uint64_t content = 0;
	size_t i;

	CHECK(ar->size % IDL_PAGE == 0);
	CHECK(ar->size >= IDL_PAGE && ar->size <= IDL_AREA_LIMIT);
	CHECK(ar->derived % IDL_PAGE == 0 && ar->derived >= IDL_PAGE);
	for (i = 0; i < ar->nuses; i++) {
		CHECK(ar->uses[i].count >= 1);
		CHECK(ar->uses[i].bytes <= ar->biggest->bytes);
		content = sat_add(content, sat_mul(ar->uses[i].count,
						   ar->uses[i].bytes));
	}
	CHECK(content == ar->content);
	if (!ar->biggest) {
		CHECK(ar->nuses == 0 && ar->needed == 0);
		CHECK(ar->derived == IDL_PAGE);
	} else {
		CHECK(ar->margin == (ar->content + 9) / 10);
		CHECK(ar->wrap == ar->biggest->bytes + IDL_RING_RESERVE);
		CHECK(ar->needed == ar->content + ar->margin + ar->wrap);
		CHECK(ar->derived >= ar->needed &&
		      ar->derived - ar->needed < IDL_PAGE);
		/* the library's max_message(size) takes the biggest */
		CHECK(((ar->size - IDL_RING_RESERVE) / 2 & ~7ULL) >=
		      ar->biggest->bytes);
	}
	if (!ar->override)
		CHECK(ar->size == ar->derived);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct protocol *p = NULL;
	struct sizes s;
	struct arena *a;
	struct diag d;
	size_t i;
	int rc;

	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink)
			abort();
	}
	a = arena_new();
	/* exactly the input's bytes: ASan reports any read past them */
	diag_init(&d, "fuzz.idl", (const char *)data, size, sink);
	rc = idlc_compile(&d, a, &p, &s);
	CHECK((rc == 0) == (d.errors == 0));
	if (rc == 0) {
		for (i = 0; i < s.nmsgs; i++) {
			CHECK(s.msgs[i].bytes >= IDL_MSG_HEADER);
			CHECK(s.msgs[i].bytes % 8 == 0);
			CHECK(s.msgs[i].bytes <= IDL_MESSAGE_LIMIT);
			CHECK(s.msgs[i].bytes ==
			      ipcsvc_msg_space(s.msgs[i].payload,
					       s.msgs[i].objects));
		}
		check_area(&s.area[DIR_TO_SERVER]);
		check_area(&s.area[DIR_TO_CLIENT]);
		print_sizes(sink, p, &s);
		rc = generate_to(&d, a, p, &s, "fuzz.idl", sink, sink);
		CHECK((rc == 0) == (d.errors == 0));
	}
	arena_free(a);
	return 0;
}
