// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for area.c: the channel header and its identities, what is
 * charged to whom, growth, the pages behind each mapping offset (the guard
 * page included), page ownership, and the words WAIT and ARM may name.
 *
 * The header is charged to one user (uid 90201) and the data pages to
 * another (90202), as a connecting client and a server would be, so that
 * every charge can be told apart.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/stddef.h>
#include <linux/vmalloc.h>

#include "ipcsvc_kunit.h"

#define HDR		IPCSVC_AREA_HEADER_PAGES
#define HDR_BYTES	(IPCSVC_AREA_HEADER_PAGES * PAGE_SIZE)
#define PROD_WORDS	(IPCSVC_AREA_PRODUCER_PAGE * PAGE_SIZE + \
			 IPCSVC_CONTROL_PRODUCER)
#define CONS_WORDS	(IPCSVC_AREA_CONSUMER_PAGE * PAGE_SIZE + \
			 IPCSVC_CONTROL_CONSUMER)

struct area_fixture {
	struct ipcsvc_user *hdr_user, *data_user;
	struct ipcsvc_header *hdr;
	struct ipcsvc_area *area[2];
};

static struct ipcsvc_user *area_user(struct kunit *test, u32 uid)
{
	struct cred *cred = ipcsvc_kunit_creds(test, uid);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);

	put_cred(cred);
	KUNIT_ASSERT_NOT_NULL(test, user);
	return user;
}

/* A header and both its areas: client side @max0 bytes, server @max1. */
static void area_setup(struct kunit *test, struct area_fixture *f, u64 max0,
		       u64 max1)
{
	unsigned int s;

	f->hdr_user = area_user(test, 90201);
	f->data_user = area_user(test, 90202);
	f->hdr = ipcsvc_header_create(7, "area.proto", 10, f->hdr_user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->hdr));
	for (s = 0; s < 2; s++) {
		f->area[s] = ipcsvc_area_create(f->hdr, s, s ? max1 : max0,
						f->data_user);
		KUNIT_ASSERT_FALSE(test, IS_ERR(f->area[s]));
	}
	/* The areas hold the header now. */
	ipcsvc_header_put(f->hdr);
}

static void area_teardown(struct area_fixture *f)
{
	if (f->area[0])
		ipcsvc_area_put(f->area[0]);
	if (f->area[1])
		ipcsvc_area_put(f->area[1]);
	ipcsvc_user_put(f->hdr_user);
	ipcsvc_user_put(f->data_user);
}

static long area_bytes_of(struct ipcsvc_user *user)
{
	return atomic_long_read(&user->bytes);
}

/* Both identities share the identity page, at 0 and at the stride. */
static void ipcsvc_area_identities_written(struct kunit *test)
{
	struct area_fixture f;
	unsigned int s, i;

	area_setup(test, &f, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
	for (s = 0; s < 2; s++) {
		const struct ipcsvc_area_identity *id = f.hdr->kaddr +
			s * IPCSVC_IDENTITY_STRIDE;
		u64 max = s ? 2 * PAGE_SIZE : 8 * PAGE_SIZE;

		KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_identity(f.area[s]),
				    (struct ipcsvc_area_identity *)id);
		KUNIT_EXPECT_EQ(test, ipcsvc_area_identity_offset(f.area[s]),
				(u64)s * IPCSVC_IDENTITY_STRIDE);
		KUNIT_EXPECT_EQ(test, id->magic, IPCSVC_AREA_MAGIC);
		KUNIT_EXPECT_EQ(test, id->reserved_lock, 0ull);
		/* where a channel mapping's second half starts */
		KUNIT_EXPECT_EQ(test, f.hdr->area_pages[s],
				IPCSVC_AREA_HEADER_PAGES + max / PAGE_SIZE + 1);
		/* Nothing is committed until the producer grows the area. */
		KUNIT_EXPECT_EQ(test, id->size, 0ull);
		KUNIT_EXPECT_EQ(test, id->protocol_version, 7ull);
		KUNIT_EXPECT_EQ(test, id->protocol_name_len, 10ull);
		KUNIT_EXPECT_EQ(test, memcmp(id->protocol_name, "area.proto", 10),
				0);
		for (i = 10; i < IPCSVC_PROTOCOL_NAME_MAX; i++)
			KUNIT_EXPECT_EQ(test, id->protocol_name[i], 0);
		KUNIT_EXPECT_EQ(test, id->max_size, max);
		KUNIT_EXPECT_EQ(test, id->producer_offset, (u64)PROD_WORDS);
		KUNIT_EXPECT_EQ(test, id->consumer_offset, (u64)CONS_WORDS);
		KUNIT_EXPECT_EQ(test, id->data_offset, (u64)HDR_BYTES);
		KUNIT_EXPECT_EQ(test, id->area_bytes, (u64)HDR_BYTES + max);
		KUNIT_EXPECT_EQ(test, ipcsvc_area_bytes(f.area[s]),
				(u64)HDR_BYTES + max);
		KUNIT_EXPECT_EQ(test, id->closed, 0ull);
		KUNIT_EXPECT_EQ(test, id->revoked, 0ull);
		for (i = 0; i < ARRAY_SIZE(id->__reserved); i++)
			KUNIT_EXPECT_EQ(test, id->__reserved[i], 0ull);
	}
	area_teardown(&f);
}

/*
 * A channel header charges its three pages to its user, and nothing else
 * is charged until a producer grows an area; the last reference returns
 * the pages. Over the user's budget the header is refused with EDQUOT.
 */
static void ipcsvc_area_header_charging(struct kunit *test)
{
	unsigned long old = ipcsvc_max_user_bytes;
	struct ipcsvc_user *user = area_user(test, 90203);
	struct ipcsvc_header *hdr, *hdr2;
	struct ipcsvc_area *area;

	KUNIT_ASSERT_EQ(test, area_bytes_of(user), 0l);
	hdr = ipcsvc_header_create(1, "x", 1, user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hdr));
	KUNIT_EXPECT_EQ(test, area_bytes_of(user), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, kref_read(&hdr->ref), 1u);
	area = ipcsvc_area_create(hdr, IPCSVC_SIDE_CLIENT, 64 * PAGE_SIZE, user);
	KUNIT_ASSERT_FALSE(test, IS_ERR(area));
	KUNIT_EXPECT_EQ(test, kref_read(&hdr->ref), 2u);
	KUNIT_EXPECT_EQ(test, area_bytes_of(user), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, area->nr_data, 0ul);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), 0ull);

	/* A second header does not fit a budget of one and a bit. */
	WRITE_ONCE(ipcsvc_max_user_bytes, HDR_BYTES + 2 * PAGE_SIZE);
	hdr2 = ipcsvc_header_create(1, "y", 1, user);
	KUNIT_EXPECT_PTR_EQ(test, hdr2, ERR_PTR(-EDQUOT));
	if (!IS_ERR(hdr2))
		ipcsvc_header_put(hdr2);
	KUNIT_EXPECT_EQ(test, area_bytes_of(user), (long)HDR_BYTES);
	WRITE_ONCE(ipcsvc_max_user_bytes, old);

	/* The header goes with its last area. */
	ipcsvc_header_put(hdr);
	KUNIT_EXPECT_EQ(test, area_bytes_of(user), (long)HDR_BYTES);
	ipcsvc_area_put(area);
	KUNIT_EXPECT_EQ(test, area_bytes_of(user), 0l);
	/* Every record reference taken for the charges was given back. */
	KUNIT_EXPECT_EQ(test, refcount_read(&user->ref), 1u);
	ipcsvc_user_put(user);
}

/*
 * Growth commits whole pages, publishes nr_data and identity.size
 * together, and charges the data user for exactly what it adds.
 */
static void ipcsvc_area_growth_commits(struct kunit *test)
{
	struct area_fixture f;
	struct ipcsvc_area *area;
	struct ipcsvc_area_identity *id;
	unsigned long i;

	area_setup(test, &f, 16 * PAGE_SIZE, PAGE_SIZE);
	area = f.area[IPCSVC_SIDE_CLIENT];
	id = ipcsvc_area_identity(area);
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR));

	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 1), 0);
	KUNIT_EXPECT_EQ(test, area->nr_data, 1ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user), (long)PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 5 * PAGE_SIZE + 1), 0);
	KUNIT_EXPECT_EQ(test, area->nr_data, 6ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_committed(area), (u64)6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user),
			(long)(6 * PAGE_SIZE));
	/* The header's user pays for the header only. */
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.hdr_user), (long)HDR_BYTES);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(area, HDR + i));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR + 6));
	/* The other area is untouched. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(f.area[1])->size, 0ull);
	KUNIT_EXPECT_EQ(test, f.area[1]->nr_data, 0ul);

	/* Asking for no more than is committed changes nothing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 6 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, area->nr_data, 6ul);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user),
			(long)(6 * PAGE_SIZE));

	/* Up to the maximum exactly, and not a byte more. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 16 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, area->nr_data, 16ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)16 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 16 * PAGE_SIZE + 1),
			-EFBIG);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, U64_MAX), -EFBIG);
	KUNIT_EXPECT_EQ(test, area->nr_data, 16ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)16 * PAGE_SIZE);

	/* The last reference returns the data pages to their user. */
	ipcsvc_area_put(area);
	f.area[IPCSVC_SIDE_CLIENT] = NULL;
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user), 0l);
	/* The header stays for the other area. */
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.hdr_user), (long)HDR_BYTES);
	area_teardown(&f);
}

/* Failed growth leaves the area and the charges as they were. */
static void ipcsvc_area_growth_errors(struct kunit *test)
{
	unsigned long old = ipcsvc_max_user_bytes;
	struct area_fixture f;
	struct ipcsvc_area *area;
	struct ipcsvc_area_identity *id;

	area_setup(test, &f, PAGE_SIZE, 16 * PAGE_SIZE);
	area = f.area[IPCSVC_SIDE_SERVER];
	id = ipcsvc_area_identity(area);

	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 2 * PAGE_SIZE), 0);
	WRITE_ONCE(ipcsvc_max_user_bytes, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 5 * PAGE_SIZE), -EDQUOT);
	KUNIT_EXPECT_EQ(test, area->nr_data, 2ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user),
			(long)(2 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR + 2));
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 4 * PAGE_SIZE), 0);
	WRITE_ONCE(ipcsvc_max_user_bytes, old);

	/*
	 * After the kill: EPIPE, even for a size already committed, and
	 * EFBIG still comes first. Only this area is marked closed.
	 */
	ipcsvc_area_kill(area);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(area->dead));
	KUNIT_EXPECT_EQ(test, id->closed, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(f.area[0])->closed, 0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 8 * PAGE_SIZE), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, PAGE_SIZE), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 17 * PAGE_SIZE), -EFBIG);
	KUNIT_EXPECT_EQ(test, area->nr_data, 4ul);
	KUNIT_EXPECT_EQ(test, id->size, (u64)4 * PAGE_SIZE);
	/* Killing twice changes nothing more. */
	ipcsvc_area_kill(area);
	KUNIT_EXPECT_EQ(test, id->closed, 1ull);
	/* Pages committed before the kill stay mapped for the survivor. */
	KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(area, HDR + 3));
	area_teardown(&f);
}

/*
 * Revoking a dead area takes its data pages back at once, whoever still
 * holds the area: its user is uncharged, the identity says revoked (after
 * closed), and every committed data offset shows one shared zeroed page
 * instead. The committed size stays, so a mapping still faults in pages
 * there; the reserve and the guard page stay empty. The header, and the
 * other area, are untouched.
 */
static void ipcsvc_area_revoke_returns_pages(struct kunit *test)
{
	struct area_fixture f;
	struct ipcsvc_area *area, *other;
	struct ipcsvc_area_identity *id;
	struct page *tomb;
	u8 *bytes;
	unsigned int i;

	area_setup(test, &f, 4 * PAGE_SIZE, 4 * PAGE_SIZE);
	area = f.area[IPCSVC_SIDE_SERVER];
	other = f.area[IPCSVC_SIDE_CLIENT];
	id = ipcsvc_area_identity(area);
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(area, 3 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(other, PAGE_SIZE), 0);
	bytes = page_address(ipcsvc_area_page(area, HDR));
	memset(bytes, 0x5a, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user),
			(long)(4 * PAGE_SIZE));

	ipcsvc_area_kill(area);
	ipcsvc_area_revoke(area);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(area->revoked));
	KUNIT_EXPECT_EQ(test, id->closed, 1ull);
	KUNIT_EXPECT_EQ(test, id->revoked, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(other)->revoked, 0ull);
	/* Only the other area's page is still charged. */
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user), (long)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.hdr_user), (long)HDR_BYTES);
	KUNIT_EXPECT_TRUE(test, xa_empty(&area->pages));
	KUNIT_EXPECT_EQ(test, id->size, (u64)3 * PAGE_SIZE);

	tomb = ipcsvc_area_page(area, HDR);
	KUNIT_ASSERT_NOT_NULL(test, tomb);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(area, HDR + 2), tomb);
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR + 3));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(area, HDR + 4));
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(tomb), 0, PAGE_SIZE));
	/* The other area keeps its page. */
	KUNIT_EXPECT_PTR_NE(test, ipcsvc_area_page(other, HDR), tomb);
	/* The header pages are still the channel's. */
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(area, 0),
			    vmalloc_to_page(f.hdr->kaddr));
	for (i = 1; i < HDR; i++)
		KUNIT_EXPECT_PTR_NE(test, ipcsvc_area_page(area, i), tomb);

	/* Once only, and growth stays refused. */
	ipcsvc_area_revoke(area);
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user), (long)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(area, 4 * PAGE_SIZE), -EPIPE);
	/* The last reference does not uncharge the pages a second time. */
	ipcsvc_area_put(area);
	f.area[IPCSVC_SIDE_SERVER] = NULL;
	KUNIT_EXPECT_EQ(test, area_bytes_of(f.data_user), (long)PAGE_SIZE);
	area_teardown(&f);
}

/*
 * What a mapping of each area shows at each page offset: the shared
 * identity page, the producer's control page, the consumer's, the data
 * pages committed, and nothing for the rest of the reserve or the guard
 * page. A committed page stays in place as the area grows.
 */
static void ipcsvc_area_pages_behind_mapping(struct kunit *test)
{
	struct area_fixture f;
	struct ipcsvc_area *a0, *a1;
	struct page *ctl0, *ctl1, *data;
	u8 *bytes;

	area_setup(test, &f, 4 * PAGE_SIZE, 4 * PAGE_SIZE);
	a0 = f.area[0];
	a1 = f.area[1];
	ctl0 = vmalloc_to_page(f.hdr->kaddr + PAGE_SIZE);
	ctl1 = vmalloc_to_page(f.hdr->kaddr + 2 * PAGE_SIZE);

	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a0, 0),
			    vmalloc_to_page(f.hdr->kaddr));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a1, 0),
			    vmalloc_to_page(f.hdr->kaddr));
	/* Side s's control page is page 1 of its area, page 2 of the other. */
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a0, 1), ctl0);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a0, 2), ctl1);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a1, 1), ctl1);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a1, 2), ctl0);
	KUNIT_EXPECT_PTR_NE(test, ctl0, ctl1);

	/* Nothing committed: from the data offset to the guard, no page. */
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR + 3));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR + 4));
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(a0, PAGE_SIZE), 0);
	data = ipcsvc_area_page(a0, HDR);
	KUNIT_ASSERT_NOT_NULL(test, data);
	bytes = page_address(data);
	KUNIT_EXPECT_EQ(test, bytes[0], 0);	/* zeroed */
	KUNIT_EXPECT_EQ(test, bytes[PAGE_SIZE - 1], 0);
	bytes[0] = 0x5a;
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR + 1));

	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(a0, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_area_page(a0, HDR), data);
	KUNIT_EXPECT_EQ(test, bytes[0], 0x5a);
	KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(a0, HDR + 3));
	KUNIT_EXPECT_PTR_NE(test, ipcsvc_area_page(a0, HDR + 3), data);
	/* The guard page is never committed, even at the maximum. */
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR + 4));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, HDR + 5));
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a0, ULONG_MAX));
	/* Each area has data pages of its own. */
	KUNIT_EXPECT_NULL(test, ipcsvc_area_page(a1, HDR));
	area_teardown(&f);
}

/* Each page has one writing side; nobody writes the identity page. */
static void ipcsvc_area_page_ownership(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(0, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(0, false));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(1, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(1, false));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(2, true));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(2, false));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(HDR, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(HDR, false));
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_may_write(HDR + 100, true));
	KUNIT_EXPECT_FALSE(test, ipcsvc_area_may_write(HDR + 100, false));
}

/*
 * WAIT and ARM may name exactly the 8-aligned words of the producer
 * struct [PAGE, PAGE + 256) and of the consumer struct
 * [2 * PAGE + 256, 2 * PAGE + 512): not the other structs that share
 * those control pages, not the identity, not data.
 */
static void ipcsvc_area_check_word_bounds(struct kunit *test)
{
	unsigned int bad = 0, good = 0;
	u64 off;

	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE + 248), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE + 256), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE - 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE + 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE + 256), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE + 504), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE + 512),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE + 248),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(2 * PAGE_SIZE + 260),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(HDR_BYTES), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(U64_MAX & ~7ull), -EINVAL);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_check_word(PAGE_SIZE + (1ull << 32)),
			-EINVAL);

	/* Every offset of the header and a page beyond, by rule. */
	for (off = 0; off < (HDR + 1) * PAGE_SIZE; off++) {
		bool want = !(off & 7) &&
			    ((off >= PROD_WORDS && off < PROD_WORDS + 256) ||
			     (off >= CONS_WORDS && off < CONS_WORDS + 256));
		int ret = ipcsvc_area_check_word(off);

		if (ret != (want ? 0 : -EINVAL) && bad++ < 4)
			KUNIT_FAIL(test, "offset %llu: %d", off, ret);
		good += !ret;
	}
	KUNIT_EXPECT_EQ(test, bad, 0u);
	KUNIT_EXPECT_EQ(test, good, 64u);
}

/*
 * The kernel reads a word from the right control page: in the area that
 * side s produces, the producer words are side s's, the consumer words
 * the other side's.
 */
static void ipcsvc_area_read_word_sides(struct kunit *test)
{
	struct area_fixture f;
	u64 *ctl0, *ctl1;

	area_setup(test, &f, PAGE_SIZE, PAGE_SIZE);
	ctl0 = f.hdr->kaddr + PAGE_SIZE;
	ctl1 = f.hdr->kaddr + 2 * PAGE_SIZE;
	ctl0[1] = 0x0a;			/* side 0: producer.published */
	ctl0[32 + 1] = 0x0b;		/* side 0: consumer.consumed */
	ctl1[1] = 0x1a;
	ctl1[32 + 1] = 0x1b;
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[0], PROD_WORDS + 8),
			0x0aull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[0], CONS_WORDS + 8),
			0x1bull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[1], PROD_WORDS + 8),
			0x1aull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[1], CONS_WORDS + 8),
			0x0bull);
	/* The last word of each struct. */
	ctl1[31] = 0x1c;
	ctl0[63] = 0x0c;
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[1],
						    PROD_WORDS + 248), 0x1cull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_read_word(f.area[1],
						    CONS_WORDS + 248), 0x0cull);
	area_teardown(&f);
}

static struct kunit_case ipcsvc_area_cases[] = {
	KUNIT_CASE(ipcsvc_area_identities_written),
	KUNIT_CASE(ipcsvc_area_header_charging),
	KUNIT_CASE(ipcsvc_area_growth_commits),
	KUNIT_CASE(ipcsvc_area_growth_errors),
	KUNIT_CASE(ipcsvc_area_revoke_returns_pages),
	KUNIT_CASE(ipcsvc_area_pages_behind_mapping),
	KUNIT_CASE(ipcsvc_area_page_ownership),
	KUNIT_CASE(ipcsvc_area_check_word_bounds),
	KUNIT_CASE(ipcsvc_area_read_word_sides),
	{}
};

static struct kunit_suite ipcsvc_area_suite = {
	.name = "ipcsvc_area",
	.suite_init = ipcsvc_kunit_suite_init,
	.suite_exit = ipcsvc_kunit_suite_exit,
	.test_cases = ipcsvc_area_cases,
};

kunit_test_suite(ipcsvc_area_suite);
