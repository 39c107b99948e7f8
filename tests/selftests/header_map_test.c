// SPDX-License-Identifier: GPL-2.0
/*
 * The header mapping (IPCSVC_MAP_HEADERS): at the TX area's offset, the
 * length of the header pages alone maps the end's TX area cut short before
 * its data: the identity page (both areas' identities), the end's own
 * control page (writable) and the peer's (read-only). A channel can be
 * opened and watched with it, and its data mapped on first use. It obeys
 * an area mapping's rules: one writable page, one piece, not inherited, it
 * holds the area; and WAIT and ARM need no other mapping.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "st_maps.h"
#include "kselftest_harness.h"

#define NAME		"hdrmap.svc"
#define NAME_LEN	10
/* Different sizes, so that one area shown for the other is seen. */
#define TO_SERVER	(8 * ST_PAGE)
#define TO_CLIENT	(4 * ST_PAGE)
#define HDR_BYTES	(IPCSVC_AREA_HEADER_PAGES * ST_PAGE)

/* The pages of a header mapping. */
#define ID_PAGE		0
#define OWN_PAGE	1	/* this end's control page */
#define PEER_PAGE	2	/* the peer's */

/* Where a word sits in its struct, and in a control page. */
#define PRODF(f)	offsetof(struct ipcsvc_area_producer, f)
#define CONSF(f)	offsetof(struct ipcsvc_area_consumer, f)
#define PROD(f)		(IPCSVC_CONTROL_PRODUCER + PRODF(f))
#define CONS(f)		(IPCSVC_CONTROL_CONSUMER + CONSF(f))

/* The identity of @e's TX area, or of its RX area, in a header mapping. */
static const struct ipcsvc_area_identity *
id_of(const struct st_end *e, const uint8_t *m, bool rx)
{
	return st_identity(m, rx ? &e->rx : &e->tx);
}

static const struct ipcsvc_area_identity *
hdr_id(const struct st_end *e, bool rx)
{
	return id_of(e, e->map, rx);
}

/* A word of page @page of mapping @m, at @off in it. */
static volatile uint64_t *at(uint8_t *m, unsigned int page, size_t off)
{
	return (volatile uint64_t *)(m + page * ST_PAGE + off);
}

/* A mapping of @len at @off, or NULL (errno set). */
static uint8_t *map_at(int fd, uint64_t off, uint64_t len, int prot)
{
	void *p = mmap(NULL, (size_t)len, prot, MAP_SHARED, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

/* Both ends map their headers and nothing else. */
FIXTURE(hdrmap) {
	struct st_pair p;
	struct st_end c, s;	/* the client's and the server's */
};

FIXTURE_SETUP(hdrmap)
{
	ASSERT_EQ(0, st_ends_open(&self->p, NAME, TO_SERVER, TO_CLIENT,
				  IPCSVC_MAP_HEADERS, &self->c, &self->s));
}

FIXTURE_TEARDOWN(hdrmap)
{
	st_pair_close(&self->p);
}

/* The TX area's answer, but for map_size: the header pages. */
TEST_F(hdrmap, map_info_answer)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		const struct st_end *e = ends[i];
		const struct ipcsvc_map_info *h = &e->mi, *t = &e->tx;

		EXPECT_EQ(HDR_BYTES, h->map_size) TH_LOG("end %d", i);
		EXPECT_EQ(h->data_offset, h->map_size);
		EXPECT_GT(t->map_size, h->map_size);
		EXPECT_EQ(IPCSVC_MMAP_TOKEN(e->ch, IPCSVC_DIR_TX) * ST_PAGE,
			  h->offset);
		EXPECT_EQ(t->offset, h->offset);
		EXPECT_EQ(t->area_bytes, h->area_bytes);
		EXPECT_EQ(t->max_size, h->max_size);
		EXPECT_EQ(t->committed, h->committed);
		EXPECT_EQ(t->identity_offset, h->identity_offset);
		EXPECT_EQ(t->producer_offset, h->producer_offset);
		EXPECT_EQ(t->consumer_offset, h->consumer_offset);
		EXPECT_EQ(t->data_offset, h->data_offset);
	}
	EXPECT_EQ(TO_SERVER, self->c.mi.max_size);
	EXPECT_EQ(TO_CLIENT, self->s.mi.max_size);

	/* committed is the TX area's, as of now. */
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 3 * ST_PAGE, NULL));
	ASSERT_EQ(0, st_end_info(&self->c));
	ASSERT_EQ(0, st_end_info(&self->s));
	EXPECT_EQ(3 * ST_PAGE, self->c.mi.committed);
	EXPECT_EQ(HDR_BYTES, self->c.mi.map_size);
	EXPECT_EQ(0u, self->s.mi.committed);
}

TEST_F(hdrmap, map_info_refusals)
{
	const uint32_t bad[] = {
		IPCSVC_MAP_CHANNEL | IPCSVC_MAP_HEADERS, 1u << 2,
		IPCSVC_MAP_HEADERS | (1u << 2), IPCSVC_MAP_HEADERS | (1u << 31),
	};

	/* The header mapping is the TX area's, at its offset only. */
	EXPECT_EQ(0, st_map_info_refusals(self->p.cfd, self->p.cch,
					  self->p.sfd, self->p.svc,
					  IPCSVC_MAP_HEADERS, bad,
					  ARRAY_SIZE(bad)));
}

/*
 * Both identities are in page 0, where the areas' MAP_INFO says, and the
 * three pages are those an area mapping and a channel mapping of the end
 * show: the TX area's first three pages, and the RX half's page 0.
 */
TEST_F(hdrmap, identities_and_pages_as_full_mappings_show)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		struct st_end *e = ends[i];
		struct ipcsvc_map_info all;
		uint8_t *area, *chan;

		for (int rx = 0; rx < 2; rx++) {
			const struct ipcsvc_map_info *mi = rx ? &e->rx : &e->tx;
			const struct ipcsvc_area_identity *id = hdr_id(e, rx);

			EXPECT_EQ(IPCSVC_AREA_MAGIC, id->magic)
				TH_LOG("end %d, %s identity", i, rx ? "RX" : "TX");
			EXPECT_EQ(mi->max_size, id->max_size);
			EXPECT_EQ(mi->area_bytes, id->area_bytes);
			EXPECT_EQ(mi->producer_offset, id->producer_offset);
			EXPECT_EQ(mi->consumer_offset, id->consumer_offset);
			EXPECT_EQ(mi->data_offset, id->data_offset);
			EXPECT_EQ(1u, id->protocol_version);
			EXPECT_EQ((uint64_t)NAME_LEN, id->protocol_name_len);
			EXPECT_EQ(0, memcmp(id->protocol_name, NAME, NAME_LEN));
			EXPECT_EQ(0u, id->closed);
			EXPECT_EQ(0u, id->size);
			EXPECT_GT(ST_PAGE, mi->identity_offset + sizeof(*id));
		}
		/* Something in both control pages, to compare. */
		*at(e->map, OWN_PAGE, PROD(cpu)) = 0x100 + i;
		*at(e->map, OWN_PAGE, CONS(cpu)) = 0x200 + i;

		area = st_map(e->fd, e->ch, IPCSVC_DIR_TX, PROT_READ);
		ASSERT_NE(NULL, area);
		EXPECT_EQ(0, memcmp(area, e->map, HDR_BYTES));
		EXPECT_EQ(IPCSVC_AREA_MAGIC, id_of(e, area, true)->magic);
		EXPECT_EQ(0, munmap(area, e->tx.map_size));

		ASSERT_EQ(0, st_map_info_flags(e->fd, e->ch, IPCSVC_DIR_TX,
					       IPCSVC_MAP_CHANNEL, &all));
		chan = map_at(e->fd, all.offset, all.map_size, PROT_READ);
		ASSERT_NE(NULL, chan);
		EXPECT_EQ(0, memcmp(chan, e->map, HDR_BYTES));
		EXPECT_EQ(0, memcmp(chan + e->tx.map_size, e->map, ST_PAGE));
		EXPECT_EQ(0, munmap(chan, all.map_size));
	}
	/* The client produces the client-to-server area. */
	EXPECT_EQ(TO_SERVER, hdr_id(&self->c, false)->max_size);
	EXPECT_EQ(TO_CLIENT, hdr_id(&self->c, true)->max_size);
	EXPECT_EQ(TO_CLIENT, hdr_id(&self->s, false)->max_size);
	EXPECT_EQ(TO_SERVER, hdr_id(&self->s, true)->max_size);
	EXPECT_EQ(0u, self->c.tx.identity_offset);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, self->c.rx.identity_offset);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, self->s.tx.identity_offset);
	EXPECT_EQ(0u, self->s.rx.identity_offset);
}

/*
 * The words an end writes through its header mapping, its producer words
 * (TX) and its consumer words (RX), are those its channel mapping and its
 * area mappings show, and those the peer reads in its own mappings; and
 * the other way round.
 */
static void check_words(struct __test_metadata *_metadata,
			const struct st_end *e, const struct st_end *peer,
			uint64_t v)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct ipcsvc_map_info all;
	uint8_t *chan, *ptx, *prx;

	*at(e->map, OWN_PAGE, PROD(cpu)) = v;
	*at(e->map, OWN_PAGE, CONS(cpu)) = v + 1;

	ASSERT_EQ(0, st_map_info_flags(e->fd, e->ch, IPCSVC_DIR_TX,
				       IPCSVC_MAP_CHANNEL, &all));
	chan = map_at(e->fd, all.offset, all.map_size, rw);
	ASSERT_NE(NULL, chan);
	ptx = st_map(peer->fd, peer->ch, IPCSVC_DIR_TX, PROT_READ);
	prx = st_map(peer->fd, peer->ch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_TRUE(ptx && prx);

	/* This end's channel mapping: the TX half, then the RX half. */
	EXPECT_EQ(v, *at(chan, 0, e->tx.producer_offset + PRODF(cpu)));
	EXPECT_EQ(v + 1, *at(chan, 0, e->tx.map_size + e->rx.consumer_offset +
			     CONSF(cpu)));
	/* The peer: its header mapping, its area mappings. */
	EXPECT_EQ(v, *at(peer->map, PEER_PAGE, PROD(cpu)));
	EXPECT_EQ(v + 1, *at(peer->map, PEER_PAGE, CONS(cpu)));
	EXPECT_EQ(v, *at(prx, 0, peer->rx.producer_offset + PRODF(cpu)));
	EXPECT_EQ(v + 1, *at(ptx, 0, peer->tx.consumer_offset + CONSF(cpu)));

	/* Written through the channel mapping, seen in the header mapping. */
	*at(chan, 0, e->tx.producer_offset + PRODF(waiters)) = v + 2;
	EXPECT_EQ(v + 2, *at(e->map, OWN_PAGE, PROD(waiters)));
	EXPECT_EQ(v + 2, *at(peer->map, PEER_PAGE, PROD(waiters)));
	*at(e->map, OWN_PAGE, PROD(waiters)) = 0;

	EXPECT_EQ(0, munmap(chan, all.map_size));
	EXPECT_EQ(0, munmap(ptx, peer->tx.map_size));
	EXPECT_EQ(0, munmap(prx, peer->rx.map_size));
}

TEST_F(hdrmap, words_shared_with_every_mapping)
{
	check_words(_metadata, &self->c, &self->s, 0x1110);
	check_words(_metadata, &self->s, &self->c, 0x3330);
	/* Each end's page kept what it was given. */
	EXPECT_EQ(0x1110u, *at(self->c.map, OWN_PAGE, PROD(cpu)));
	EXPECT_EQ(0x3331u, *at(self->c.map, PEER_PAGE, CONS(cpu)));
	EXPECT_EQ(0x3330u, *at(self->s.map, OWN_PAGE, PROD(cpu)));
	EXPECT_EQ(0x1111u, *at(self->s.map, PEER_PAGE, CONS(cpu)));
}

/*
 * Page 1 is the only one an end may write; a write to page 0 or page 2
 * raises SIGBUS and changes nothing. Each page is written before and
 * after it is read, as the two take different paths. mprotect() cannot
 * lift the rule.
 */
static void check_rules(struct __test_metadata *_metadata,
			const struct st_end *e, const struct st_end *peer,
			const char *who)
{
	for (unsigned int i = 0; i < IPCSVC_AREA_HEADER_PAGES; i++) {
		size_t off = i * ST_PAGE + ST_PAGE - 1;
		int wr = i == OWN_PAGE ? 0 : SIGBUS;
		uint8_t before = e->map[off], v = 0x80 | i;

		EXPECT_EQ(wr, probe(e->map + off, true, v))
			TH_LOG("%s, page %u: write", who, i);
		EXPECT_EQ(0, probe(e->map + off, false, 0))
			TH_LOG("%s, page %u: read", who, i);
		EXPECT_EQ(wr, probe(e->map + off, true, v))
			TH_LOG("%s, page %u: write after read", who, i);
		EXPECT_EQ(wr ? before : v, e->map[off])
			TH_LOG("%s, page %u", who, i);
		/* The peer sees this end's page as its page 2. */
		if (!wr) {
			EXPECT_EQ(v, peer->map[PEER_PAGE * ST_PAGE +
					       ST_PAGE - 1]);
		}
	}
	EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(e, false)->magic);
}

TEST_F(hdrmap, page_rules)
{
	*at(self->s.map, OWN_PAGE, PROD(cpu)) = 0x77;
	check_rules(_metadata, &self->c, &self->s, "client");
	check_rules(_metadata, &self->s, &self->c, "server");
	EXPECT_EQ(0x77u, *at(self->c.map, PEER_PAGE, PROD(cpu)));
}

TEST_F(hdrmap, mprotect_cannot_lift_rules)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		struct st_end *e = ends[i];

		ASSERT_EQ(0, mprotect(e->map, HDR_BYTES, PROT_READ));
		EXPECT_EQ(SIGSEGV, probe(e->map + ST_PAGE, true, 1));
		EXPECT_EQ(0, probe(e->map + ST_PAGE, false, 0));
		ASSERT_EQ(0, mprotect(e->map, HDR_BYTES,
				      PROT_READ | PROT_WRITE));
	}
	check_rules(_metadata, &self->c, &self->s, "client");
	check_rules(_metadata, &self->s, &self->c, "server");
}

TEST_F(hdrmap, mmap_lengths_and_offsets)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct st_end *ends[] = { &self->c, &self->s };
	uint8_t *ro;

	for (int i = 0; i < 2; i++) {
		const struct st_end *e = ends[i];
		const uint64_t bad[] = { ST_PAGE, 2 * ST_PAGE, 4 * ST_PAGE,
					 HDR_BYTES + e->tx.map_size };
		uint64_t none = IPCSVC_MMAP_TOKEN(e->ch + 100, IPCSVC_DIR_TX) *
				ST_PAGE;
		int fd = e->fd;

		for (size_t j = 0; j < ARRAY_SIZE(bad); j++) {
			EXPECT_EQ(EINVAL, map_errno(fd, e->tx.offset, bad[j],
						    rw, MAP_SHARED))
				TH_LOG("end %d, %llu pages", i,
				       (unsigned long long)(bad[j] / ST_PAGE));
		}
		/* Not at the RX area's offset. */
		EXPECT_EQ(EINVAL, map_errno(fd, e->rx.offset, HDR_BYTES, rw,
					    MAP_SHARED));
		EXPECT_EQ(EINVAL, map_errno(fd, e->rx.offset, HDR_BYTES,
					    PROT_READ, MAP_SHARED));
		EXPECT_EQ(0, map_errno(fd, e->tx.offset, HDR_BYTES, rw,
				       MAP_SHARED));
		EXPECT_EQ(0, map_errno(fd, e->tx.offset, HDR_BYTES, PROT_READ,
				       MAP_SHARED));
		EXPECT_EQ(EINVAL, map_errno(fd, e->tx.offset, HDR_BYTES, rw,
					    MAP_PRIVATE));
		EXPECT_EQ(EINVAL, map_errno(fd, e->tx.offset, HDR_BYTES,
					    PROT_READ, MAP_PRIVATE));
		EXPECT_EQ(EPERM, map_errno(fd, e->tx.offset, HDR_BYTES,
					   PROT_READ | PROT_EXEC, MAP_SHARED));
		EXPECT_EQ(EPERM, map_errno(fd, e->tx.offset, HDR_BYTES,
					   PROT_EXEC, MAP_SHARED));
		EXPECT_EQ(EBADSLT, map_errno(fd, none, HDR_BYTES, rw,
					     MAP_SHARED));
	}
	EXPECT_EQ(EPROTOTYPE, map_errno(self->p.sfd,
					IPCSVC_MMAP_TOKEN(self->p.svc,
							  IPCSVC_DIR_TX) *
					ST_PAGE, HDR_BYTES, rw, MAP_SHARED));
	/* Mapped without PROT_WRITE, never writable. */
	ro = st_end_map(&self->c, PROT_READ);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, mprotect(ro, HDR_BYTES, rw));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, probe(ro + ST_PAGE, true, 1));
	EXPECT_EQ(IPCSVC_AREA_MAGIC, id_of(&self->c, ro, true)->magic);
	EXPECT_EQ(0, munmap(ro, HDR_BYTES));
}

/*
 * One piece, three pages, all mapped by mmap(), not copied, grown or
 * dumped; of the channel's file, at the TX area's own range of it.
 */
TEST_F(hdrmap, one_piece)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		struct st_end *e = ends[i];
		uint8_t *m = e->map, *area;
		struct vma_info v, a;

		EXPECT_EQ(-1, munmap(m, ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m + ST_PAGE, ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m + 2 * ST_PAGE, ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m, 2 * ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mprotect(m + ST_PAGE, ST_PAGE, PROT_READ));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(MAP_FAILED, mremap(m, HDR_BYTES, 2 * ST_PAGE, 0));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(MAP_FAILED, mremap(m, HDR_BYTES, HDR_BYTES + ST_PAGE,
					     MREMAP_MAYMOVE));
		EXPECT_EQ(EFAULT, errno);

		ASSERT_EQ(0, vma_info(m, &v));
		EXPECT_EQ(HDR_BYTES, v.len);
		EXPECT_EQ(HDR_BYTES, v.rss);
		EXPECT_NE(NULL, strstr(v.flags, " dc")) TH_LOG("%s", v.flags);
		EXPECT_NE(NULL, strstr(v.flags, " de")) TH_LOG("%s", v.flags);
		EXPECT_NE(NULL, strstr(v.flags, " dd")) TH_LOG("%s", v.flags);
		EXPECT_EQ(NULL, strstr(v.flags, " ex")) TH_LOG("%s", v.flags);
		EXPECT_EQ(NULL, strstr(v.flags, " me")) TH_LOG("%s", v.flags);

		area = st_map(e->fd, e->ch, IPCSVC_DIR_TX, PROT_READ);
		ASSERT_NE(NULL, area);
		ASSERT_EQ(0, vma_info(area, &a));
		EXPECT_EQ(a.ino, v.ino);
		EXPECT_EQ(a.off, v.off);
		EXPECT_EQ(0, munmap(area, e->tx.map_size));

		EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(e, true)->magic);
		EXPECT_EQ(0, munmap(m, HDR_BYTES));
		e->map = NULL;
	}
}

/* Not inherited by a child: VM_DONTCOPY, as area mappings. */
TEST_F(hdrmap, fork_does_not_inherit)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		(void)*(volatile uint8_t *)self->c.map;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

/*
 * Header mappings of many channels, placed one right after the other:
 * no guard page between them, each its own channel's, each one VMA.
 */
TEST_F(hdrmap, headers_pack_densely)
{
	enum { N = 16 };
	struct st_end e[N];
	uint8_t *base;

	base = mmap(NULL, N * HDR_BYTES, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	for (int i = 0; i < N; i++) {
		uint32_t ch;
		void *p;

		ASSERT_EQ(0, st_connect(self->p.cfd, NAME, 1, &ch));
		e[i].fd = self->p.cfd;
		e[i].ch = ch;
		e[i].flags = IPCSVC_MAP_HEADERS;
		ASSERT_EQ(0, st_end_info(&e[i]));
		ASSERT_EQ(HDR_BYTES, e[i].mi.map_size);
		p = mmap(base + i * HDR_BYTES, HDR_BYTES,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 e[i].fd, (off_t)e[i].mi.offset);
		ASSERT_EQ((void *)(base + i * HDR_BYTES), p)
			TH_LOG("channel %d: %s", i, strerror(errno));
		e[i].map = p;
		*at(e[i].map, OWN_PAGE, PROD(cpu)) = 1000 + i;
	}
	for (int i = 0; i < N; i++) {
		struct vma_info v;

		EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(&e[i], false)->magic);
		EXPECT_EQ(TO_SERVER, hdr_id(&e[i], false)->max_size);
		EXPECT_EQ(TO_CLIENT, hdr_id(&e[i], true)->max_size);
		EXPECT_EQ(1000u + i, *at(e[i].map, OWN_PAGE, PROD(cpu)));
		ASSERT_EQ(0, vma_info(e[i].map, &v)) TH_LOG("channel %d", i);
		EXPECT_EQ(HDR_BYTES, v.len);
		EXPECT_EQ(HDR_BYTES, v.rss);
	}
	/* Closing one channel is seen in its headers only. */
	ASSERT_EQ(0, st_close(self->p.cfd, e[3].ch));
	EXPECT_EQ(1u, load(&hdr_id(&e[3], false)->closed));
	EXPECT_EQ(0u, load(&hdr_id(&e[2], false)->closed));
	EXPECT_EQ(0u, load(&hdr_id(&e[4], false)->closed));
	/* All of them at once: whole VMAs, so no split. */
	EXPECT_EQ(0, munmap(base, N * HDR_BYTES));
}

/*
 * The data mapped on first use, beside the header mapping: the TX area's
 * own mapping to send, the RX area's to receive. The header mapping
 * follows the sizes and the words.
 */
TEST_F(hdrmap, data_mapped_on_first_use)
{
	struct st_end *c = &self->c, *s = &self->s;
	uint8_t *ctx, *srx;

	ASSERT_EQ(0, st_grow(c->fd, c->ch, 2 * ST_PAGE, NULL));
	EXPECT_EQ(2 * ST_PAGE, load(&hdr_id(c, false)->size));
	EXPECT_EQ(2 * ST_PAGE, load(&hdr_id(s, true)->size));
	ASSERT_EQ(0, st_end_info(c));
	ctx = st_map(c->fd, c->ch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	srx = st_map(s->fd, s->ch, IPCSVC_DIR_RX, PROT_READ | PROT_WRITE);
	ASSERT_TRUE(ctx && srx);
	memcpy(ctx + c->tx.data_offset, "hello", 6);
	*at(ctx, 0, c->tx.producer_offset + PRODF(published)) = 1;
	EXPECT_EQ(1u, *at(s->map, PEER_PAGE, PROD(published)));
	EXPECT_STREQ("hello", (char *)srx + s->rx.data_offset);
	*at(s->map, OWN_PAGE, CONS(consumed)) = 1;
	EXPECT_EQ(1u, *at(ctx, 0, c->tx.consumer_offset + CONSF(consumed)));
	EXPECT_EQ(1u, *at(srx, 0, s->rx.consumer_offset + CONSF(consumed)));
	/* The data mappings go; the headers stay. */
	EXPECT_EQ(0, munmap(ctx, c->tx.map_size));
	EXPECT_EQ(0, munmap(srx, s->rx.map_size));
	EXPECT_EQ(1u, *at(c->map, PEER_PAGE, CONS(consumed)));
	EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(c, true)->magic);
}

/*
 * The peer goes (by its handle, or with its port): both identities say so
 * through the header mapping, the area it produced is revoked there, and
 * the control pages, which revocation leaves, keep their words.
 */
static void check_peer_close(struct __test_metadata *_metadata,
			     FIXTURE_DATA(hdrmap) *self, bool port)
{
	struct st_end *c = &self->c, *s = &self->s;

	*at(c->map, OWN_PAGE, PROD(cpu)) = 0x51;
	*at(s->map, OWN_PAGE, PROD(cpu)) = 0x52;
	EXPECT_EQ(0u, load(&hdr_id(c, false)->closed));
	EXPECT_EQ(0u, load(&hdr_id(c, true)->closed));
	if (port) {
		close(self->p.sfd);
		self->p.sfd = -1;
	} else {
		ASSERT_EQ(0, st_close(s->fd, s->ch));
	}
	EXPECT_EQ(1u, load(&hdr_id(c, false)->closed));
	EXPECT_EQ(1u, load(&hdr_id(c, true)->closed));
	EXPECT_EQ(1u, load(&hdr_id(c, true)->revoked));
	EXPECT_EQ(0u, load(&hdr_id(c, false)->revoked));
	EXPECT_EQ(1u, load(&hdr_id(s, false)->revoked));
	EXPECT_EQ(0x52u, *at(c->map, PEER_PAGE, PROD(cpu)));
	EXPECT_EQ(0x51u, *at(s->map, PEER_PAGE, PROD(cpu)));
	/* The survivor's own page is still its to write, the rest not. */
	EXPECT_EQ(0, probe(c->map + ST_PAGE + 8, true, 1));
	EXPECT_EQ(SIGBUS, probe(c->map + 2 * ST_PAGE + 8, true, 1));
	EXPECT_EQ(SIGBUS, probe(c->map + 8, true, 1));
}

TEST_F(hdrmap, survives_peer_close)
{
	check_peer_close(_metadata, self, false);
}

TEST_F(hdrmap, survives_peer_port_close)
{
	check_peer_close(_metadata, self, true);
}

/*
 * The mapping holds the area, not the handle nor the port: after both are
 * gone, at both ends, it reads as before, also moved to a new VMA.
 */
TEST_F(hdrmap, outlives_handles_and_ports)
{
	struct st_end *c = &self->c, *s = &self->s;
	void *dst;
	uint8_t *moved;

	*at(c->map, OWN_PAGE, PROD(cpu)) = 0x61;
	*at(s->map, OWN_PAGE, CONS(cpu)) = 0x62;
	ASSERT_EQ(0, st_close(c->fd, c->ch));
	EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(c, false)->magic);
	EXPECT_EQ(1u, load(&hdr_id(c, false)->closed));
	EXPECT_EQ(0x61u, *at(c->map, OWN_PAGE, PROD(cpu)));
	EXPECT_EQ(0x62u, *at(c->map, PEER_PAGE, CONS(cpu)));
	close(self->p.cfd);
	self->p.cfd = -1;
	EXPECT_EQ(0x61u, *at(s->map, PEER_PAGE, PROD(cpu)));

	ASSERT_EQ(0, st_close(s->fd, s->ch));
	close(self->p.sfd);
	self->p.sfd = -1;
	EXPECT_EQ(1u, load(&hdr_id(c, true)->revoked));
	EXPECT_EQ(0u, load(&hdr_id(s, true)->revoked));
	EXPECT_EQ(TO_SERVER, hdr_id(s, true)->max_size);
	EXPECT_EQ(0, memcmp(c->map, s->map, ST_PAGE));
	EXPECT_EQ(0, memcmp(c->map + ST_PAGE, s->map + 2 * ST_PAGE, ST_PAGE));
	EXPECT_EQ(0, munmap(s->map, HDR_BYTES));
	s->map = NULL;

	dst = mmap(NULL, HDR_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	moved = mremap(c->map, HDR_BYTES, HDR_BYTES,
		       MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, moved) TH_LOG("mremap: %s", strerror(errno));
	c->map = moved;
	EXPECT_EQ(IPCSVC_AREA_MAGIC, hdr_id(c, true)->magic);
	EXPECT_EQ(TO_CLIENT, hdr_id(c, true)->max_size);
	EXPECT_EQ(0x61u, *at(moved, OWN_PAGE, PROD(cpu)));
	EXPECT_EQ(0x62u, *at(moved, PEER_PAGE, CONS(cpu)));
	EXPECT_EQ(0, probe(moved + ST_PAGE + 16, true, 1));
	EXPECT_EQ(SIGBUS, probe(moved + 2 * ST_PAGE + 16, true, 1));
	EXPECT_EQ(0, munmap(moved, HDR_BYTES));
}

/* A server thread waiting on the client's published word. */
struct waiter {
	int fd;
	uint32_t h;
	uint64_t value;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = st_wait(w->fd, w->h, IPCSVC_DIR_RX, st_prod_word(1),
			 w->value, 10LL * 1000 * 1000 * 1000);
	return NULL;
}

/*
 * WAIT and ARM for a process that maps nothing but the headers: the
 * kernel compares the words the ends write through them, and the armed
 * and fired counts show in the identities there.
 */
TEST_F(hdrmap, wait_and_arm_with_headers_only)
{
	struct st_end *c = &self->c, *s = &self->s;
	const struct ipcsvc_area_identity *sid = hdr_id(s, true);
	const struct ipcsvc_area_identity *cid = hdr_id(c, false);
	struct ipcsvc_event ev[2];
	struct waiter w;
	pthread_t t;
	uint64_t v;

	/* Readable: the server arms on the word it reads in page 2. */
	v = *at(s->map, PEER_PAGE, PROD(published));
	EXPECT_EQ(0u, v);
	ASSERT_EQ(0, st_arm(s->fd, s->ch, IPCSVC_DIR_RX, st_prod_word(1), v));
	EXPECT_EQ(-EAGAIN, st_events(s->fd, ev, 2));
	EXPECT_EQ(1u, load(&sid->readable_armed));
	EXPECT_EQ(0u, load(&sid->readable_fired));
	EXPECT_EQ(1u, load(&cid->readable_armed));
	EXPECT_EQ(-ETIMEDOUT, st_wait(s->fd, s->ch, IPCSVC_DIR_RX,
				      st_prod_word(1), 0, 0));

	*at(c->map, OWN_PAGE, PROD(published)) = 1;
	EXPECT_EQ(0, st_wait(s->fd, s->ch, IPCSVC_DIR_RX, st_prod_word(1),
			     0, 0));
	EXPECT_EQ(-ETIMEDOUT, st_wait(s->fd, s->ch, IPCSVC_DIR_RX,
				      st_prod_word(1), 1, 0));
	ASSERT_EQ(0, st_wake(c->fd, c->ch, IPCSVC_DIR_TX));
	ASSERT_EQ(1, st_events(s->fd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, ev[0].type);
	EXPECT_EQ(s->ch, ev[0].a);
	EXPECT_EQ(1u, load(&cid->readable_fired));

	/* Arming on a stale value fires at once. */
	ASSERT_EQ(0, st_arm(s->fd, s->ch, IPCSVC_DIR_RX, st_prod_word(1), 0));
	ASSERT_EQ(1, st_events(s->fd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, ev[0].type);

	/* A sleeper woken by a publish through the client's headers. */
	w = (struct waiter){ .fd = s->fd, .h = s->ch, .value = 1, .ret = 1 };
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &w));
	usleep(50 * 1000);
	*at(c->map, OWN_PAGE, PROD(published)) = 2;
	ASSERT_EQ(0, st_wake(c->fd, c->ch, IPCSVC_DIR_TX));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, w.ret);

	/* Writable: the client arms on the head the server releases. */
	v = *at(c->map, PEER_PAGE, CONS(head));
	EXPECT_EQ(0u, v);
	ASSERT_EQ(0, st_arm(c->fd, c->ch, IPCSVC_DIR_TX, st_cons_word(0), v));
	EXPECT_EQ(-EAGAIN, st_events(c->fd, ev, 2));
	EXPECT_EQ(1u, load(&cid->writable_armed));
	EXPECT_EQ(0u, load(&cid->writable_fired));
	*at(s->map, OWN_PAGE, CONS(head)) = 8;
	EXPECT_EQ(8u, *at(c->map, PEER_PAGE, CONS(head)));
	EXPECT_EQ(0, st_wait(c->fd, c->ch, IPCSVC_DIR_TX, st_cons_word(0), 0,
			     0));
	EXPECT_EQ(-ETIMEDOUT, st_wait(c->fd, c->ch, IPCSVC_DIR_TX,
				      st_cons_word(0), 8, 0));
	ASSERT_EQ(0, st_wake(s->fd, s->ch, IPCSVC_DIR_RX));
	ASSERT_EQ(1, st_events(c->fd, ev, 2));
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_WRITABLE, ev[0].type);
	EXPECT_EQ(c->ch, ev[0].a);
	EXPECT_EQ(1u, load(&hdr_id(s, true)->writable_fired));
}

/* With only the header mapping left, a closed peer still wakes WAIT. */
TEST_F(hdrmap, wait_sees_peer_close_with_headers_only)
{
	struct st_end *c = &self->c, *s = &self->s;

	ASSERT_EQ(0, st_close(c->fd, c->ch));
	EXPECT_EQ(1u, load(&hdr_id(s, true)->closed));
	EXPECT_EQ(-EPIPE, st_wait(s->fd, s->ch, IPCSVC_DIR_RX,
				  st_prod_word(1), 0, 5LL * 1000 * 1000 * 1000));
	EXPECT_EQ(-EPIPE, st_arm(s->fd, s->ch, IPCSVC_DIR_RX,
				 st_prod_word(1), 0));
}

TEST_HARNESS_MAIN
