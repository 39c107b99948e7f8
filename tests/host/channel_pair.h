/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture of the single-threaded channel tests (channel_test.c,
 * channel_errors_test.c): two areas of one page, each growable to four,
 * and a channel at either end: a sends over a2b and receives over b2a, b
 * the other way round.
 */
#ifndef IPCSVC_TESTS_CHANNEL_PAIR_H
#define IPCSVC_TESTS_CHANNEL_PAIR_H

#include "channel_helpers.h"
#include "kselftest_harness.h"

FIXTURE(pair) {
	struct test_area a2b, b2a;
	struct ipcsvc_channel *a, *b;
};

FIXTURE_SETUP(pair)
{
	ASSERT_EQ(0, test_area_make(&self->a2b, page_size(), 4 * page_size()));
	ASSERT_EQ(0, test_area_make(&self->b2a, page_size(), 4 * page_size()));
	ASSERT_EQ(0, test_ends_open(&self->a2b, &self->b2a, &self->a,
				    &self->b));
}

FIXTURE_TEARDOWN(pair)
{
	ipcsvc_channel_close(self->a);
	ipcsvc_channel_close(self->b);
	test_area_free(&self->a2b);
	test_area_free(&self->b2a);
}

#endif /* IPCSVC_TESTS_CHANNEL_PAIR_H */
