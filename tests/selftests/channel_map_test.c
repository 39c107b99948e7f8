// SPDX-License-Identifier: GPL-2.0
/*
 * The channel mapping (IPCSVC_MAP_CHANNEL): both areas of a channel end in
 * one mmap() at the TX area's offset, the area the end produces and right
 * after it the one it consumes, each half byte for byte that area's own
 * mapping and bound by its rules: guard page, commit on demand, one writer
 * per page, one piece, revocation, lifetime.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

#include "st_maps.h"
#include "kselftest_harness.h"

/* Different sizes, so that a half shown in the other's place is seen. */
#define TO_SERVER	(8 * ST_PAGE)
#define TO_CLIENT	(4 * ST_PAGE)

static uint8_t *rx_half(const struct st_end *e)
{
	return e->map + e->tx.map_size;
}

/* The identity of the TX half of @e's mapping, or of the RX half. */
static const struct ipcsvc_area_identity *half_id(const struct st_end *e,
						   bool rx)
{
	return rx ? st_identity(rx_half(e), &e->rx) :
		    st_identity(e->map, &e->tx);
}

FIXTURE(chmap) {
	struct st_pair p;
	struct st_end c, s;	/* the client's and the server's */
};

FIXTURE_SETUP(chmap)
{
	ASSERT_EQ(0, st_ends_open(&self->p, "chmap.svc", TO_SERVER, TO_CLIENT,
				  IPCSVC_MAP_CHANNEL, &self->c, &self->s));
}

FIXTURE_TEARDOWN(chmap)
{
	st_pair_close(&self->p);
}

/* The TX area's answer, but for map_size: both areas' added. */
TEST_F(chmap, map_info_answer)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		const struct st_end *e = ends[i];
		const struct ipcsvc_map_info *a = &e->mi, *t = &e->tx;

		EXPECT_EQ(t->map_size + e->rx.map_size, a->map_size);
		EXPECT_EQ(IPCSVC_MMAP_TOKEN(e->ch, IPCSVC_DIR_TX) * ST_PAGE,
			  a->offset);
		EXPECT_EQ(t->area_bytes, a->area_bytes);
		EXPECT_EQ(t->max_size, a->max_size);
		EXPECT_EQ(t->committed, a->committed);
		EXPECT_EQ(t->identity_offset, a->identity_offset);
		EXPECT_EQ(t->producer_offset, a->producer_offset);
		EXPECT_EQ(t->consumer_offset, a->consumer_offset);
		EXPECT_EQ(t->data_offset, a->data_offset);
	}
	/* Header, data and guard of each area. */
	EXPECT_EQ((2 * IPCSVC_AREA_HEADER_PAGES + 2) * ST_PAGE + TO_SERVER +
		  TO_CLIENT, self->c.mi.map_size);
	EXPECT_EQ(self->c.mi.map_size, self->s.mi.map_size);
	EXPECT_EQ(TO_SERVER, self->c.mi.max_size);
	EXPECT_EQ(TO_CLIENT, self->s.mi.max_size);

	/* committed is the TX area's, as of now. */
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 3 * ST_PAGE, NULL));
	ASSERT_EQ(0, st_end_info(&self->c));
	ASSERT_EQ(0, st_end_info(&self->s));
	EXPECT_EQ(3 * ST_PAGE, self->c.mi.committed);
	EXPECT_EQ(0u, self->s.mi.committed);
}

TEST_F(chmap, map_info_refusals)
{
	const uint32_t bad[] = { 4, 3, 1u << 31, IPCSVC_MAP_CHANNEL | 4 };

	/* The channel mapping is the TX area's, at its offset only. */
	EXPECT_EQ(0, st_map_info_refusals(self->p.cfd, self->p.cch,
					  self->p.sfd, self->p.svc,
					  IPCSVC_MAP_CHANNEL, bad,
					  ARRAY_SIZE(bad)));
}

/* Each half's identity is where its area's MAP_INFO says, and right. */
TEST_F(chmap, identities_in_both_halves)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		const struct st_end *e = ends[i];

		for (int h = 0; h < 2; h++) {
			const struct ipcsvc_map_info *mi = h ? &e->rx : &e->tx;
			const struct ipcsvc_area_identity *id = half_id(e, h);

			EXPECT_EQ(IPCSVC_AREA_MAGIC, id->magic)
				TH_LOG("end %d, half %d", i, h);
			EXPECT_EQ(mi->max_size, id->max_size);
			EXPECT_EQ(mi->area_bytes, id->area_bytes);
			EXPECT_EQ(mi->producer_offset, id->producer_offset);
			EXPECT_EQ(mi->consumer_offset, id->consumer_offset);
			EXPECT_EQ(mi->data_offset, id->data_offset);
			EXPECT_EQ(9u, id->protocol_name_len);
			EXPECT_EQ(0, memcmp(id->protocol_name, "chmap.svc", 9));
			EXPECT_EQ(0u, id->closed);
			EXPECT_EQ(0u, id->size);
		}
		/* The two areas share one identity page. */
		EXPECT_EQ(0, memcmp(e->map, rx_half(e), ST_PAGE));
	}
	/* The client produces the client-to-server area, in its first half. */
	EXPECT_EQ(TO_SERVER, half_id(&self->c, false)->max_size);
	EXPECT_EQ(TO_CLIENT, half_id(&self->c, true)->max_size);
	EXPECT_EQ(TO_CLIENT, half_id(&self->s, false)->max_size);
	EXPECT_EQ(TO_SERVER, half_id(&self->s, true)->max_size);
	EXPECT_EQ(0u, self->c.tx.identity_offset);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, self->c.rx.identity_offset);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, self->s.tx.identity_offset);
	EXPECT_EQ(0u, self->s.rx.identity_offset);
}

/*
 * What one end writes in its TX half the other reads in its RX half:
 * control words and data committed after mmap(). An end's control page
 * is page 1 of its TX half and page 2 of its RX half, one page seen twice.
 */
TEST_F(chmap, shared_both_ways)
{
	struct st_end *c = &self->c, *s = &self->s;
	uint8_t *cd = c->map + c->tx.data_offset;
	uint8_t *sd = s->map + s->tx.data_offset;

	*(volatile uint64_t *)(c->map + c->tx.producer_offset) = 0x1111;
	*(volatile uint64_t *)(rx_half(c) + c->rx.consumer_offset) = 0x2222;
	*(volatile uint64_t *)(s->map + s->tx.producer_offset) = 0x3333;
	*(volatile uint64_t *)(rx_half(s) + s->rx.consumer_offset) = 0x4444;
	EXPECT_EQ(0x1111u, word(rx_half(s) + s->rx.producer_offset));
	EXPECT_EQ(0x2222u, word(s->map + s->tx.consumer_offset));
	EXPECT_EQ(0x2222u, word(c->map + ST_PAGE + IPCSVC_CONTROL_CONSUMER));
	EXPECT_EQ(0x3333u, word(rx_half(c) + c->rx.producer_offset));
	EXPECT_EQ(0x4444u, word(c->map + c->tx.consumer_offset));
	EXPECT_EQ(0x4444u, word(s->map + ST_PAGE + IPCSVC_CONTROL_CONSUMER));

	ASSERT_EQ(0, st_grow(c->fd, c->ch, 2 * ST_PAGE, NULL));
	EXPECT_EQ(2 * ST_PAGE, load(&half_id(s, true)->size));
	cd[0] = 0x5a;
	cd[2 * ST_PAGE - 1] = 0xa5;
	EXPECT_EQ(0x5a, rx_half(s)[s->rx.data_offset]);
	EXPECT_EQ(0xa5, rx_half(s)[s->rx.data_offset + 2 * ST_PAGE - 1]);

	/* The server's area fully: its last page is right before a guard. */
	ASSERT_EQ(0, st_grow(s->fd, s->ch, TO_CLIENT, NULL));
	EXPECT_EQ(TO_CLIENT, load(&half_id(c, true)->size));
	sd[0] = 0x3c;
	sd[TO_CLIENT - 1] = 0xc3;
	EXPECT_EQ(0x3c, rx_half(c)[c->rx.data_offset]);
	EXPECT_EQ(0xc3, rx_half(c)[c->rx.data_offset + TO_CLIENT - 1]);
}

/*
 * Every page of both halves of @e's mapping against 6.4: in the TX half
 * @e is the producer (page 1 and committed data writable), in the RX half
 * the consumer (page 2 only); the identity, the peer's page, uncommitted
 * data and the guard raise SIGBUS. Each page is written before and after
 * it is read, as a write fault and a write to a page mapped for reading
 * take different paths. A write let through shows in @peer's mapping.
 */
static void check_rules(struct __test_metadata *_metadata,
			const struct st_end *e, const struct st_end *peer,
			const char *who)
{
	for (int h = 0; h < 2; h++) {
		const struct ipcsvc_map_info *mi = h ? &e->rx : &e->tx;
		uint8_t *half = h ? rx_half(e) : e->map;
		const uint8_t *mirror = h ? peer->map : rx_half(peer);
		uint64_t data = mi->data_offset / ST_PAGE;
		uint64_t own = (h ? mi->consumer_offset :
				    mi->producer_offset) / ST_PAGE;

		for (uint64_t i = 0; i < mi->map_size / ST_PAGE; i++) {
			size_t off = i * ST_PAGE + (i & 1 ? ST_PAGE - 1 : 64);
			int rd = i < data + mi->committed / ST_PAGE ? 0 : SIGBUS;
			int wr = !rd && (i == own || (!h && i >= data)) ?
				 0 : SIGBUS;
			uint8_t v = 0x80 | i;
			char at[64];

			snprintf(at, sizeof(at), "%s, %s half, page %llu", who,
				 h ? "RX" : "TX", (unsigned long long)i);
			EXPECT_EQ(wr, probe(half + off, true, v))
				TH_LOG("%s: write", at);
			EXPECT_EQ(rd, probe(half + off, false, 0))
				TH_LOG("%s: read", at);
			EXPECT_EQ(wr, probe(half + off, true, v))
				TH_LOG("%s: write after read", at);
			if (!wr) {
				EXPECT_EQ(v, mirror[off])
					TH_LOG("%s: seen by the peer", at);
			}
		}
	}
}

/* Part of the client's area committed, all of the server's. */
static int grow_for_rules(FIXTURE_DATA(chmap) *self)
{
	int ret = st_grow(self->c.fd, self->c.ch, 2 * ST_PAGE, NULL);

	if (!ret)
		ret = st_grow(self->s.fd, self->s.ch, TO_CLIENT, NULL);
	if (!ret)
		ret = st_end_info(&self->c);
	if (!ret)
		ret = st_end_info(&self->s);
	return ret;
}

TEST_F(chmap, page_rules)
{
	ASSERT_EQ(0, grow_for_rules(self));
	check_rules(_metadata, &self->c, &self->s, "client");
	check_rules(_metadata, &self->s, &self->c, "server");
}

/* mprotect() works on the whole, but cannot lift a page's rule. */
TEST_F(chmap, mprotect_cannot_lift_rules)
{
	struct st_end *ends[] = { &self->c, &self->s };

	ASSERT_EQ(0, grow_for_rules(self));
	for (int i = 0; i < 2; i++) {
		struct st_end *e = ends[i];
		size_t len = e->mi.map_size;

		ASSERT_EQ(0, mprotect(e->map, len, PROT_READ));
		EXPECT_EQ(SIGSEGV, probe(e->map + e->tx.producer_offset,
					 true, 1));
		EXPECT_EQ(0, probe(rx_half(e) + e->rx.consumer_offset,
				   false, 0));
		ASSERT_EQ(0, mprotect(e->map, len, PROT_READ | PROT_WRITE));
	}
	check_rules(_metadata, &self->c, &self->s, "client");
	check_rules(_metadata, &self->s, &self->c, "server");
}

TEST_F(chmap, mmap_lengths_and_offsets)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct st_end *ends[] = { &self->c, &self->s };
	uint8_t *ro;

	for (int i = 0; i < 2; i++) {
		const struct st_end *e = ends[i];
		uint64_t t = e->tx.map_size, r = e->rx.map_size;
		uint64_t all = e->mi.map_size;
		const uint64_t bad[] = { all - ST_PAGE, all + ST_PAGE,
					 t + ST_PAGE, t - ST_PAGE, r, 2 * t };
		int fd = e->fd;

		for (size_t j = 0; j < ARRAY_SIZE(bad); j++) {
			EXPECT_EQ(EINVAL, map_errno(fd, e->tx.offset, bad[j],
						    rw, MAP_SHARED))
				TH_LOG("end %d, %llu pages", i,
				       (unsigned long long)(bad[j] / ST_PAGE));
		}
		/* At the RX area's offset only its own length. */
		EXPECT_EQ(EINVAL, map_errno(fd, e->rx.offset, all, rw,
					    MAP_SHARED));
		EXPECT_EQ(EINVAL, map_errno(fd, e->rx.offset, 2 * r, rw,
					    MAP_SHARED));
		EXPECT_EQ(0, map_errno(fd, e->rx.offset, r, rw, MAP_SHARED));
		EXPECT_EQ(0, map_errno(fd, e->tx.offset, t, rw, MAP_SHARED));
		EXPECT_EQ(EINVAL, map_errno(fd, e->tx.offset, all, rw,
					    MAP_PRIVATE));
		EXPECT_EQ(EPERM, map_errno(fd, e->tx.offset, all,
					   PROT_READ | PROT_EXEC, MAP_SHARED));
		EXPECT_EQ(EBADSLT, map_errno(fd, IPCSVC_MMAP_TOKEN(e->ch + 100,
					     IPCSVC_DIR_TX) * ST_PAGE, all, rw,
					     MAP_SHARED));
	}
	EXPECT_EQ(EPROTOTYPE, map_errno(self->p.sfd,
					IPCSVC_MMAP_TOKEN(self->p.svc,
							  IPCSVC_DIR_TX) *
					ST_PAGE, self->s.mi.map_size, rw,
					MAP_SHARED));
	/* Mapped without PROT_WRITE, never writable. */
	ro = st_end_map(&self->c, PROT_READ);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, mprotect(ro, self->c.mi.map_size, rw));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(IPCSVC_AREA_MAGIC,
		  st_identity(ro + self->c.tx.map_size, &self->c.rx)->magic);
	EXPECT_EQ(0, munmap(ro, self->c.mi.map_size));
}

/* No part of the mapping goes alone, guard pages included. */
TEST_F(chmap, one_piece)
{
	struct st_end *ends[] = { &self->c, &self->s };

	for (int i = 0; i < 2; i++) {
		struct st_end *e = ends[i];
		uint8_t *m = e->map;
		size_t t = e->tx.map_size, r = e->rx.map_size;
		size_t len = e->mi.map_size;
		struct vma_info v;

		EXPECT_EQ(-1, munmap(m, t));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m + t, r));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m + e->tx.area_bytes, ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, munmap(m + len - ST_PAGE, ST_PAGE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mprotect(m, t, PROT_READ));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mprotect(m + t, ST_PAGE, PROT_NONE));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(MAP_FAILED, mremap(m, len, t, 0));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(MAP_FAILED, mremap(m, len, len - ST_PAGE, 0));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(MAP_FAILED, mremap(m, len, len + ST_PAGE,
					     MREMAP_MAYMOVE));
		EXPECT_EQ(EFAULT, errno);

		/* Still one VMA, not copied, grown or dumped... */
		ASSERT_EQ(0, vma_info(m, &v));
		EXPECT_EQ(len, v.len);
		/* ...with both headers mapped by mmap(), nothing else. */
		EXPECT_EQ(2 * IPCSVC_AREA_HEADER_PAGES * ST_PAGE, v.rss);
		EXPECT_NE(NULL, strstr(v.flags, " dc")) TH_LOG("%s", v.flags);
		EXPECT_NE(NULL, strstr(v.flags, " de")) TH_LOG("%s", v.flags);
		EXPECT_NE(NULL, strstr(v.flags, " dd")) TH_LOG("%s", v.flags);
		EXPECT_EQ(IPCSVC_AREA_MAGIC, half_id(e, false)->magic);
		EXPECT_EQ(IPCSVC_AREA_MAGIC, half_id(e, true)->magic);
		EXPECT_EQ(SIGBUS, probe(m + e->tx.area_bytes, false, 0));
		EXPECT_EQ(SIGBUS, probe(m + len - 1, false, 0));
		EXPECT_EQ(0, munmap(m, len));
	}
}

/* Not inherited by a child: VM_DONTCOPY, as area mappings. */
TEST_F(chmap, fork_does_not_inherit)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		(void)*(volatile uint8_t *)rx_half(&self->c);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

/* Unless asked for; then the child has both halves, with the same rights. */
TEST_F(chmap, madv_dofork_shares_both_halves)
{
	struct st_end *c = &self->c;
	int status;
	pid_t pid;

	ASSERT_EQ(0, st_grow(c->fd, c->ch, ST_PAGE, NULL));
	if (madvise(c->map, c->mi.map_size, MADV_DOFORK) && errno == ENOSYS)
		SKIP(return, "no madvise() in this kernel");
	ASSERT_EQ(0, madvise(c->map, c->mi.map_size, MADV_DOFORK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		c->map[c->tx.data_offset] = 0x3c;
		if (half_id(c, true)->magic != IPCSVC_AREA_MAGIC)
			_exit(2);
		_exit(probe(rx_half(c) + c->rx.producer_offset, true, 1) ==
		      SIGBUS ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's copy went on its own. */
	EXPECT_EQ(0x3c, c->map[c->tx.data_offset]);
	EXPECT_EQ(0x3c, rx_half(&self->s)[self->s.rx.data_offset]);
}

/*
 * Data both ways, then the server's end goes (by its handle, or with its
 * port): the server-to-client data is taken from every mapping, the
 * second half of the client's channel mapping, the client's area mapping
 * and the first half of the server's own channel mapping, whether the
 * pages were faulted in there or not; the client-to-server data stays.
 */
static void check_revocation(struct __test_metadata *_metadata,
			     FIXTURE_DATA(chmap) *self, bool port)
{
	struct st_end *c = &self->c, *s = &self->s;
	uint8_t *cd = rx_half(c) + c->rx.data_offset;
	uint8_t *sd = s->map + s->tx.data_offset;
	uint8_t *crx, *again;

	crx = st_map(c->fd, c->ch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, crx);
	ASSERT_EQ(0, st_grow(s->fd, s->ch, 2 * ST_PAGE, NULL));
	ASSERT_EQ(0, st_grow(c->fd, c->ch, ST_PAGE, NULL));
	sd[0] = 0x5a;
	sd[2 * ST_PAGE - 1] = 0xa5;
	c->map[c->tx.data_offset] = 0x77;
	EXPECT_EQ(0x5a, cd[0]);
	EXPECT_EQ(0x5a, crx[c->rx.data_offset]);
	EXPECT_EQ(0x77, rx_half(s)[s->rx.data_offset]);

	if (port) {
		close(self->p.sfd);
		self->p.sfd = -1;
	} else {
		ASSERT_EQ(0, st_close(s->fd, s->ch));
	}
	EXPECT_EQ(1u, load(&half_id(c, true)->closed));
	EXPECT_EQ(1u, load(&half_id(c, true)->revoked));
	EXPECT_EQ(1u, load(&half_id(s, false)->revoked));
	EXPECT_EQ(0, cd[0]);
	EXPECT_EQ(0, cd[2 * ST_PAGE - 1]);
	EXPECT_EQ(0, crx[c->rx.data_offset]);
	EXPECT_EQ(0, sd[0]);
	EXPECT_EQ(0, sd[2 * ST_PAGE - 1]);
	/* The zeroes are nobody's to write. */
	EXPECT_EQ(SIGBUS, probe(sd, true, 1));
	EXPECT_EQ(0, sd[0]);

	EXPECT_EQ(1u, half_id(c, false)->closed);
	EXPECT_EQ(0u, half_id(c, false)->revoked);
	EXPECT_EQ(0x77, c->map[c->tx.data_offset]);
	EXPECT_EQ(0x77, rx_half(s)[s->rx.data_offset]);

	/* A channel mapping made now shows the same. */
	ASSERT_EQ(0, st_end_info(c));
	again = st_end_map(c, PROT_READ);
	ASSERT_NE(NULL, again);
	EXPECT_EQ(0x77, again[c->tx.data_offset]);
	EXPECT_EQ(0, again[c->tx.map_size + c->rx.data_offset]);
	EXPECT_EQ(1u, st_identity(again + c->tx.map_size, &c->rx)->revoked);
	EXPECT_EQ(0, munmap(again, c->mi.map_size));
	EXPECT_EQ(0, munmap(crx, c->rx.map_size));
}

TEST_F(chmap, server_close_revokes)
{
	check_revocation(_metadata, self, false);
}

TEST_F(chmap, server_port_close_revokes)
{
	check_revocation(_metadata, self, true);
}

/*
 * Channel and area mappings of one channel, by both ends, at once: the
 * same pages, one file; each kind of mapping at a range of it of its own.
 */
TEST_F(chmap, coexists_with_area_mappings)
{
	const int rw = PROT_READ | PROT_WRITE;
	struct st_end *c = &self->c, *s = &self->s;
	uint64_t cdo = c->tx.data_offset, sdo = s->tx.data_offset;
	uint8_t *ctx, *crx, *stx, *srx, *again;
	struct vma_info v[4];

	ctx = st_map(c->fd, c->ch, IPCSVC_DIR_TX, rw);
	crx = st_map(c->fd, c->ch, IPCSVC_DIR_RX, rw);
	stx = st_map(s->fd, s->ch, IPCSVC_DIR_TX, rw);
	srx = st_map(s->fd, s->ch, IPCSVC_DIR_RX, rw);
	ASSERT_TRUE(ctx && crx && stx && srx);
	ASSERT_EQ(0, st_grow(c->fd, c->ch, ST_PAGE, NULL));
	ASSERT_EQ(0, st_grow(s->fd, s->ch, ST_PAGE, NULL));

	ctx[c->tx.producer_offset] = 1;
	crx[c->rx.consumer_offset] = 2;
	stx[s->tx.producer_offset] = 3;
	srx[s->rx.consumer_offset] = 4;
	ctx[cdo] = 5;
	stx[sdo] = 6;
	EXPECT_EQ(5, rx_half(s)[s->rx.data_offset]);
	EXPECT_EQ(6, rx_half(c)[c->rx.data_offset]);
	/* Each half, header and first data page, is its area's mapping. */
	EXPECT_EQ(0, memcmp(ctx, c->map, cdo + ST_PAGE));
	EXPECT_EQ(0, memcmp(crx, rx_half(c), c->rx.data_offset + ST_PAGE));
	EXPECT_EQ(0, memcmp(stx, s->map, sdo + ST_PAGE));
	EXPECT_EQ(0, memcmp(srx, rx_half(s), s->rx.data_offset + ST_PAGE));

	c->map[cdo + 1] = 7;
	s->map[sdo + 1] = 8;
	EXPECT_EQ(7, ctx[cdo + 1]);
	EXPECT_EQ(7, srx[s->rx.data_offset + 1]);
	EXPECT_EQ(8, stx[sdo + 1]);
	EXPECT_EQ(8, crx[c->rx.data_offset + 1]);

	/* A second channel mapping of the same end, unmapped on its own. */
	again = st_end_map(c, rw);
	ASSERT_NE(NULL, again);
	again[cdo + 2] = 9;
	EXPECT_EQ(9, c->map[cdo + 2]);
	EXPECT_EQ(8, again[c->tx.map_size + c->rx.data_offset + 1]);
	EXPECT_EQ(0, munmap(again, c->mi.map_size));

	ASSERT_EQ(0, vma_info(ctx, &v[0]));
	ASSERT_EQ(0, vma_info(crx, &v[1]));
	ASSERT_EQ(0, vma_info(c->map, &v[2]));
	ASSERT_EQ(0, vma_info(s->map, &v[3]));
	for (int i = 1; i < 4; i++)
		EXPECT_EQ(v[0].ino, v[i].ino);
	EXPECT_EQ(0u, v[0].off);
	EXPECT_LE(v[0].len, v[1].off);
	EXPECT_LE(v[1].off + v[1].len, v[2].off);
	EXPECT_LE(v[1].off + v[1].len, v[3].off);
	EXPECT_TRUE(v[2].off + v[2].len <= v[3].off ||
		    v[3].off + v[3].len <= v[2].off)
		TH_LOG("%llx+%llx, %llx+%llx", v[2].off, v[2].len, v[3].off,
		       v[3].len);

	/* The area mappings go, the channel mappings stay whole. */
	EXPECT_EQ(0, munmap(ctx, c->tx.map_size));
	EXPECT_EQ(0, munmap(crx, c->rx.map_size));
	EXPECT_EQ(0, munmap(stx, s->tx.map_size));
	EXPECT_EQ(0, munmap(srx, s->rx.map_size));
	EXPECT_EQ(7, rx_half(s)[s->rx.data_offset + 1]);
	EXPECT_EQ(8, rx_half(c)[c->rx.data_offset + 1]);
	EXPECT_EQ(4, rx_half(s)[s->rx.consumer_offset]);
}

/*
 * The mappings keep both areas once handles and ports are gone, also
 * where a page is faulted in only then, and also moved to a new VMA.
 */
TEST_F(chmap, mappings_outlive_handles_and_ports)
{
	struct st_end *c = &self->c, *s = &self->s;
	uint8_t *cd = c->map + c->tx.data_offset;
	uint8_t *sd = s->map + s->tx.data_offset;
	size_t len = c->mi.map_size;
	void *dst;
	uint8_t *moved;

	ASSERT_EQ(0, st_grow(c->fd, c->ch, 2 * ST_PAGE, NULL));
	ASSERT_EQ(0, st_grow(s->fd, s->ch, ST_PAGE, NULL));
	cd[0] = 0x11;
	cd[ST_PAGE] = 0x33;
	sd[0] = 0x22;

	/* The client goes: the server's end is open, nothing is revoked. */
	ASSERT_EQ(0, st_close(c->fd, c->ch));
	close(self->p.cfd);
	self->p.cfd = -1;
	EXPECT_EQ(1u, load(&half_id(c, false)->closed));
	EXPECT_EQ(0u, load(&half_id(c, true)->revoked));
	EXPECT_EQ(0x22, rx_half(c)[c->rx.data_offset]);
	EXPECT_EQ(0x11, cd[0]);

	/* The server's port goes: its area is revoked, the client's stays. */
	close(self->p.sfd);
	self->p.sfd = -1;
	EXPECT_EQ(1u, load(&half_id(c, true)->revoked));
	EXPECT_EQ(0, rx_half(c)[c->rx.data_offset]);
	EXPECT_EQ(0, sd[0]);
	EXPECT_EQ(0x33, rx_half(s)[s->rx.data_offset + ST_PAGE]);
	EXPECT_EQ(0x11, rx_half(s)[s->rx.data_offset]);
	EXPECT_EQ(IPCSVC_AREA_MAGIC, half_id(s, true)->magic);

	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	moved = mremap(c->map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, moved) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(0, munmap(s->map, s->mi.map_size));
	EXPECT_EQ(0x33, moved[c->tx.data_offset + ST_PAGE]);
	EXPECT_EQ(IPCSVC_AREA_MAGIC,
		  st_identity(moved + c->tx.map_size, &c->rx)->magic);
	EXPECT_EQ(SIGBUS, probe(moved + len - 1, false, 0));
	EXPECT_EQ(0, munmap(moved, len));
}

TEST_HARNESS_MAIN
