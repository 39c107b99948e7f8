// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer areas: one per direction, mapped by both processes, committed on
 * demand, followed by a guard page, written by one side per page.
 */
#include <signal.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(areas) {
	struct st_pair p;
	struct ipcsvc_map_info mi;
	uint8_t *tx;	/* client's TX area */
	uint8_t *rx;	/* server's RX view of the same area */
};

FIXTURE_SETUP(areas)
{
	self->p.sfd = self->p.cfd = -1;
	ASSERT_EQ(0, st_pair_open(&self->p, "areas.svc", 16 * ST_PAGE,
				  4 * ST_PAGE));
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
				 &self->mi));
	self->tx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			  PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->tx);
	self->rx = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
			  PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->rx);
}

FIXTURE_TEARDOWN(areas)
{
	st_pair_close(&self->p);
}

/* The layout MAP_INFO reports: three header pages, then the data. */
TEST_F(areas, map_info_layout)
{
	struct ipcsvc_map_info mi;

	EXPECT_EQ(IPCSVC_MMAP_TOKEN(self->p.cch, IPCSVC_DIR_TX) * ST_PAGE,
		  self->mi.offset);
	EXPECT_EQ(0u, self->mi.identity_offset);
	EXPECT_EQ(ST_PAGE + IPCSVC_CONTROL_PRODUCER, self->mi.producer_offset);
	EXPECT_EQ(2 * ST_PAGE + IPCSVC_CONTROL_CONSUMER,
		  self->mi.consumer_offset);
	EXPECT_EQ(IPCSVC_AREA_HEADER_PAGES * ST_PAGE, self->mi.data_offset);
	EXPECT_EQ(16 * ST_PAGE, self->mi.max_size);
	EXPECT_EQ(0u, self->mi.committed);
	EXPECT_EQ(self->mi.data_offset + self->mi.max_size,
		  self->mi.area_bytes);
	EXPECT_EQ(self->mi.area_bytes + ST_PAGE, self->mi.map_size);

	/* The other direction: its identity is the second one. */
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(IPCSVC_MMAP_TOKEN(self->p.cch, IPCSVC_DIR_RX) * ST_PAGE,
		  mi.offset);
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, mi.identity_offset);
	EXPECT_EQ(4 * ST_PAGE, mi.max_size);
	EXPECT_EQ(0u, mi.committed);

	/* The server's view of the same two areas. */
	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_RX, &mi));
	EXPECT_EQ(IPCSVC_MMAP_TOKEN(self->p.sch, IPCSVC_DIR_RX) * ST_PAGE,
		  mi.offset);
	EXPECT_EQ(0u, mi.identity_offset);
	EXPECT_EQ(16 * ST_PAGE, mi.max_size);
	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(IPCSVC_IDENTITY_STRIDE, mi.identity_offset);
	EXPECT_EQ(4 * ST_PAGE, mi.max_size);
}

TEST_F(areas, identity_written_by_kernel)
{
	const struct ipcsvc_area_identity *id = st_identity(self->rx, &self->mi);
	const struct ipcsvc_area_identity *id2;
	struct ipcsvc_map_info mi;
	uint8_t *crx;

	EXPECT_EQ(IPCSVC_AREA_MAGIC, id->magic);
	EXPECT_EQ(0u, id->reserved_lock);
	EXPECT_EQ(0u, id->size);	/* no data page until GROW */
	EXPECT_EQ(1u, id->protocol_version);
	EXPECT_EQ(strlen("areas.svc"), id->protocol_name_len);
	EXPECT_EQ(0, memcmp(id->protocol_name, "areas.svc", 9));
	EXPECT_EQ(16 * ST_PAGE, id->max_size);
	EXPECT_EQ(self->mi.producer_offset, id->producer_offset);
	EXPECT_EQ(self->mi.consumer_offset, id->consumer_offset);
	EXPECT_EQ(self->mi.data_offset, id->data_offset);
	EXPECT_EQ(self->mi.area_bytes, id->area_bytes);
	EXPECT_EQ(0u, id->closed);
	EXPECT_EQ(0u, id->revoked);
	for (size_t i = 0; i < sizeof(id->__reserved) / 8; i++)
		EXPECT_EQ(0u, id->__reserved[i]);

	/* The server-to-client identity sits in the same page, further on. */
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &mi));
	crx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, crx);
	id2 = st_identity(crx, &mi);
	EXPECT_EQ(IPCSVC_AREA_MAGIC, id2->magic);
	EXPECT_EQ(4 * ST_PAGE, id2->max_size);
	EXPECT_EQ(mi.area_bytes, id2->area_bytes);
	EXPECT_EQ(16 * ST_PAGE,
		  st_identity(crx, &self->mi)->max_size);
	EXPECT_EQ(0, munmap(crx, mi.map_size));
}

/* Both processes see the same pages. */
TEST_F(areas, shared_between_ends)
{
	uint8_t *data = self->tx + self->mi.data_offset;

	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 1, NULL));
	memcpy(data, "hello", 6);
	EXPECT_STREQ("hello", (char *)self->rx + self->mi.data_offset);
	*(volatile uint64_t *)(self->tx + self->mi.producer_offset) = 42;
	EXPECT_EQ(42u, *(volatile uint64_t *)(self->rx +
					      self->mi.producer_offset));
	*(volatile uint64_t *)(self->rx + self->mi.consumer_offset) = 7;
	EXPECT_EQ(7u, *(volatile uint64_t *)(self->tx +
					     self->mi.consumer_offset));
}

/*
 * Three pages per channel: an end's control page is the second page of
 * the area it produces and the third of the area it consumes, so its
 * producer words and its consumer words are one page, seen twice.
 */
TEST_F(areas, control_page_shared_by_both_areas)
{
	struct ipcsvc_map_info cmi, smi;
	uint8_t *crx, *stx;

	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &cmi));
	crx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
		     PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, crx);
	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_TX, &smi));
	stx = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_TX,
		     PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, stx);

	/* The client's consumer words, written through its RX mapping... */
	*(volatile uint64_t *)(crx + cmi.consumer_offset) = 0x1111;
	/* ...are 256 bytes into its control page, page 1 of its TX area. */
	EXPECT_EQ(0x1111u, *(volatile uint64_t *)(self->tx + ST_PAGE +
						  IPCSVC_CONTROL_CONSUMER));
	/* And the server reads them as the consumer words of its TX area. */
	EXPECT_EQ(0x1111u, *(volatile uint64_t *)(stx + smi.consumer_offset));

	/* The same for the server's page. */
	*(volatile uint64_t *)(self->rx + self->mi.consumer_offset) = 0x2222;
	EXPECT_EQ(0x2222u, *(volatile uint64_t *)(stx + ST_PAGE +
						  IPCSVC_CONTROL_CONSUMER));
	*(volatile uint64_t *)(stx + smi.producer_offset) = 0x3333;
	EXPECT_EQ(0x3333u, *(volatile uint64_t *)(crx + cmi.producer_offset));
	EXPECT_EQ(0x3333u, *(volatile uint64_t *)(self->rx + 2 * ST_PAGE +
						  IPCSVC_CONTROL_PRODUCER));
	EXPECT_EQ(0, munmap(crx, cmi.map_size));
	EXPECT_EQ(0, munmap(stx, smi.map_size));
}

TEST_F_SIGNAL(areas, guard_page_faults, SIGBUS)
{
	volatile uint8_t *guard = self->tx + self->mi.area_bytes;

	(void)*guard;
}

/* The data region starts empty: even its first page faults. */
TEST_F_SIGNAL(areas, uncommitted_page_faults, SIGBUS)
{
	volatile uint8_t *p = self->tx + self->mi.data_offset;

	*p = 1;
}

TEST_F_SIGNAL(areas, uncommitted_page_faults_after_grow, SIGBUS)
{
	volatile uint8_t *p = self->tx + self->mi.data_offset;

	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, ST_PAGE, NULL));
	p[ST_PAGE - 1] = 1;
	p[ST_PAGE] = 1;
}

/* GROW of one byte commits one page, which then works on both sides. */
TEST_F(areas, grow_one_byte_commits_a_page)
{
	const struct ipcsvc_area_identity *id = st_identity(self->rx, &self->mi);
	uint64_t committed = 0xcccccccc;

	EXPECT_EQ(0u, __atomic_load_n(&id->size, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 1, &committed));
	EXPECT_EQ(ST_PAGE, committed);
	EXPECT_EQ(ST_PAGE, __atomic_load_n(&id->size, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				 &self->mi));
	EXPECT_EQ(ST_PAGE, self->mi.committed);
	self->tx[self->mi.data_offset] = 0x42;
	self->tx[self->mi.data_offset + ST_PAGE - 1] = 0x43;
	EXPECT_EQ(0x42, self->rx[self->mi.data_offset]);
	EXPECT_EQ(0x43, self->rx[self->mi.data_offset + ST_PAGE - 1]);
	/* GROW 0: nothing changes. */
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 0, &committed));
	EXPECT_EQ(ST_PAGE, committed);
}

TEST_F_SIGNAL(areas, identity_page_is_read_only, SIGBUS)
{
	*(volatile uint64_t *)self->tx = 1;
}

/* The consumer never writes the producer's control page or the data. */
TEST_F_SIGNAL(areas, consumer_cannot_write_producer_page, SIGBUS)
{
	*(volatile uint64_t *)(self->rx + self->mi.producer_offset) = 1;
}

TEST_F_SIGNAL(areas, consumer_cannot_write_data, SIGBUS)
{
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, ST_PAGE, NULL));
	*(volatile uint64_t *)(self->rx + self->mi.data_offset) = 1;
}

TEST_F_SIGNAL(areas, producer_cannot_write_consumer_page, SIGBUS)
{
	*(volatile uint64_t *)(self->tx + self->mi.consumer_offset) = 1;
}

/* mprotect() does not lift the per-page rule. */
TEST_F_SIGNAL(areas, mprotect_cannot_enable_writes, SIGBUS)
{
	ASSERT_EQ(0, mprotect(self->rx, self->mi.map_size, PROT_READ));
	ASSERT_EQ(0, mprotect(self->rx, self->mi.map_size,
			      PROT_READ | PROT_WRITE));
	*(volatile uint64_t *)(self->rx + self->mi.producer_offset) = 1;
}

/* A read-only mapping can never become writable. */
TEST_F(areas, read_only_mapping_stays_read_only)
{
	void *ro = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_RX, PROT_READ);

	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-1, mprotect(ro, self->mi.map_size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(ro, self->mi.map_size));
}

/*
 * A port opened O_RDONLY: MAP_SHARED mappings of it lose VM_SHARED but
 * keep VM_MAYSHARE, which is what the module checks. PROT_READ works,
 * PROT_WRITE is refused by the VFS.
 */
TEST_F(areas, read_only_port_maps_prot_read)
{
	struct ipcsvc_map_info mi;
	uint32_t ch = 0;
	uint8_t *a;
	void *p;
	int fd = st_open_flags(O_RDONLY | O_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_connect(fd, "areas.svc", 1, &ch));
	ASSERT_EQ(0, st_map_info(fd, ch, IPCSVC_DIR_RX, &mi));
	a = mmap(NULL, mi.map_size, PROT_READ, MAP_SHARED, fd, mi.offset);
	ASSERT_NE(MAP_FAILED, a) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(IPCSVC_AREA_MAGIC, st_identity(a, &mi)->magic);
	EXPECT_EQ(4 * ST_PAGE, st_identity(a, &mi)->max_size);
	p = mmap(NULL, mi.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 mi.offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(a, mi.map_size));
	close(fd);
}

TEST_F(areas, mmap_checks_offset_length_protection)
{
	struct ipcsvc_map_info *mi = &self->mi;
	int fd = self->p.cfd;
	void *p;

	/* The RX area's token with the TX area's length. */
	p = mmap(NULL, mi->map_size, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(self->p.cch, IPCSVC_DIR_RX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, mi->map_size - ST_PAGE, PROT_READ, MAP_SHARED, fd,
		 mi->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, mi->map_size + ST_PAGE, PROT_READ, MAP_SHARED, fd,
		 mi->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, mi->map_size, PROT_READ, MAP_PRIVATE, fd, mi->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, mi->map_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd,
		 mi->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, mi->map_size, PROT_EXEC, MAP_SHARED, fd, mi->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
}

/* The handle inside an mmap token is checked like an ioctl's. */
TEST_F(areas, mmap_checks_token_handle)
{
	uint64_t len = self->mi.map_size;
	int fd = self->p.cfd;
	uint32_t svc = 0;
	void *p;

	/* Handle 0. */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(0, IPCSVC_DIR_RX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* Above INT_MAX. */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(0x80000000ULL, IPCSVC_DIR_TX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* A handle this port never gave, and the server's channel handle,
	 * which names nothing in the client's port. */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(self->p.cch + 100, IPCSVC_DIR_TX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EBADSLT, errno);
	/* A service handle. */
	ASSERT_EQ(0, st_service(fd, "areas.other", 1, 0600, &svc));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(svc, IPCSVC_DIR_TX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPROTOTYPE, errno);
	/* A closed one. */
	ASSERT_EQ(0, st_close(fd, svc));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
		 IPCSVC_MMAP_TOKEN(svc, IPCSVC_DIR_TX) * ST_PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EBADSLT, errno);
}

/*
 * The guard page goes only with the whole area: a partial munmap() fails,
 * and the guard still faults afterwards.
 */
TEST_F_SIGNAL(areas, guard_page_cannot_be_unmapped, SIGBUS)
{
	volatile uint8_t *guard = self->tx + self->mi.area_bytes;

	ASSERT_EQ(-1, munmap((void *)guard, ST_PAGE));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, munmap(self->tx, ST_PAGE));
	ASSERT_EQ(EINVAL, errno);
	(void)*guard;
}

/* mremap() cannot shrink the area off its guard, nor mprotect() split it. */
TEST_F(areas, mapping_cannot_be_split)
{
	size_t len = self->mi.map_size;
	void *p;

	p = mremap(self->tx, len, len - ST_PAGE, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mremap(self->tx, len, len + ST_PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(self->tx + ST_PAGE, ST_PAGE, PROT_READ));
	EXPECT_EQ(EINVAL, errno);
	/* Still whole: the identity and the guard are where they were. */
	EXPECT_EQ(IPCSVC_AREA_MAGIC, st_identity(self->tx, &self->mi)->magic);
	EXPECT_EQ(0, munmap(self->tx, len));
}

/*
 * mmap() maps the header with the protection a fault would give it: a
 * write-only mapping (which x86 lets read) and a PROT_NONE one opened by
 * mprotect() later both read their identity, and a write to the page the
 * mapping may write lands.
 */
TEST_F(areas, header_of_unusual_protections)
{
	size_t len = self->mi.map_size;
	volatile uint8_t *w, *n;

	w = mmap(NULL, len, PROT_WRITE, MAP_SHARED, self->p.cfd,
		 self->mi.offset);
	ASSERT_NE(MAP_FAILED, w);
	w[self->mi.producer_offset] = 1;
#if defined(__x86_64__) || defined(__i386__)
	EXPECT_EQ(IPCSVC_AREA_MAGIC,
		  st_identity((const void *)w, &self->mi)->magic);
	EXPECT_EQ(1, w[self->mi.producer_offset]);
	EXPECT_EQ(0, w[self->mi.consumer_offset]);
#endif
	n = mmap(NULL, len, PROT_NONE, MAP_SHARED, self->p.cfd,
		 self->mi.offset);
	ASSERT_NE(MAP_FAILED, n);
	ASSERT_EQ(0, mprotect((void *)n, len, PROT_READ));
	EXPECT_EQ(IPCSVC_AREA_MAGIC,
		  st_identity((const void *)n, &self->mi)->magic);
	EXPECT_EQ(1, n[self->mi.producer_offset]);
	EXPECT_EQ(0, munmap((void *)w, len));
	EXPECT_EQ(0, munmap((void *)n, len));
}

/*
 * A mapping moved by mremap() is a new VMA: it keeps the area alive on its
 * own once the ports, and the other mappings, are gone.
 */
TEST_F(areas, moved_mapping_keeps_its_area)
{
	size_t len = self->mi.map_size;
	void *dst, *p;

	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	p = mremap(self->tx, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, p) TH_LOG("mremap: %s", strerror(errno));
	st_pair_close(&self->p);
	EXPECT_EQ(0, munmap(self->rx, len));
	EXPECT_EQ(IPCSVC_AREA_MAGIC, st_identity(p, &self->mi)->magic);
	EXPECT_EQ(0, munmap(p, len));
}

/* Find @addr's line in /proc/self/@file; NULL if absent. */
static char *vma_line(const char *file, void *addr, const char *key,
		      char *out, size_t len)
{
	char path[64], line[512];
	unsigned long lo, hi;
	bool in = false, found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = lo == (unsigned long)addr;
			if (in && !key) {
				found = true;
				break;
			}
			continue;
		}
		if (in && key && !strncmp(line, key, strlen(key))) {
			found = true;
			break;
		}
	}
	fclose(f);
	if (!found)
		return NULL;
	snprintf(out, len, "%s", line);
	return out;
}

/* The offset and inode of the mapping at @addr, from /proc/self/maps. */
static int vma_place(void *addr, unsigned long *off, unsigned long *ino)
{
	char line[512];

	if (!vma_line("maps", addr, NULL, line, sizeof(line)))
		return -1;
	return sscanf(line, "%*x-%*x %*s %lx %*s %lu", off, ino) == 2 ? 0 : -1;
}

/*
 * The VMA: page offset 0 for the area of the connecting side (page index
 * within the area, not the token), not copied on fork, not expandable, not
 * dumped.
 */
TEST_F(areas, vma_offset_and_flags)
{
	char line[512], perms[8];
	unsigned long lo, hi, off;

	ASSERT_NE(NULL, vma_line("maps", self->tx, NULL, line, sizeof(line)));
	ASSERT_EQ(4, sscanf(line, "%lx-%lx %7s %lx", &lo, &hi, perms, &off));
	EXPECT_EQ(self->mi.map_size, hi - lo);
	EXPECT_EQ(0u, off) TH_LOG("%s", line);
	EXPECT_EQ('s', perms[3]);
	EXPECT_EQ('-', perms[2]);
	ASSERT_NE(NULL, vma_line("smaps", self->tx, "VmFlags:", line,
				 sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " dc")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, " de")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, " dd")) TH_LOG("%s", line);
}

/*
 * Every mapping of a channel's two areas, by either end, is of one inode
 * (an inode costs the machine memory per channel); each area has a range
 * of it, which both ends' mappings share. Another channel has its own.
 */
TEST_F(areas, one_inode_per_channel)
{
	unsigned long off_tx, ino_tx, off_rx, ino_rx, off, ino;
	struct st_pair q = { .sfd = -1, .cfd = -1 };
	uint8_t *back, *other;

	back = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, back);
	ASSERT_EQ(0, vma_place(self->tx, &off_tx, &ino_tx));
	ASSERT_EQ(0, vma_place(self->rx, &off_rx, &ino_rx));
	EXPECT_EQ(ino_tx, ino_rx);
	EXPECT_EQ(off_tx, off_rx);
	ASSERT_EQ(0, vma_place(back, &off, &ino));
	EXPECT_EQ(ino_tx, ino);
	/* past the whole of the first area's largest possible mapping */
	EXPECT_LT(off_tx + self->mi.map_size, off);

	ASSERT_EQ(0, st_pair_open(&q, "areas.other", 4 * ST_PAGE,
				  4 * ST_PAGE));
	other = st_map(q.cfd, q.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, vma_place(other, &off, &ino));
	EXPECT_NE(ino_tx, ino);
	EXPECT_EQ(0u, off);
	st_pair_close(&q);
}

/*
 * mmap() maps the header pages itself: they are resident before anything
 * touches them, and reading the identity and both control pages, and
 * writing the mapping's own control page, takes no page fault.
 */
TEST_F(areas, header_is_mapped_by_mmap)
{
	struct ipcsvc_map_info mi;
	struct rusage r0, r1;
	unsigned long rss;
	volatile uint8_t *a;
	char line[512];

	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &mi));
	a = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
		   PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, vma_line("smaps", (void *)a, "Rss:", line,
				 sizeof(line)));
	ASSERT_EQ(1, sscanf(line, "Rss: %lu kB", &rss));
	EXPECT_EQ(IPCSVC_AREA_HEADER_PAGES * ST_PAGE / 1024, rss);
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &r0));
	(void)a[mi.identity_offset];
	(void)a[mi.producer_offset];
	a[mi.consumer_offset] = 1;	/* this end consumes from the area */
	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &r1));
	EXPECT_EQ(r0.ru_minflt, r1.ru_minflt);
	EXPECT_EQ(0, munmap((void *)a, mi.map_size));
}

/*
 * READ_IMPLIES_EXEC turns PROT_READ into PROT_READ|PROT_EXEC inside
 * mmap(): the module drops the implied exec instead of refusing.
 */
TEST_F(areas, read_implies_exec_is_dropped)
{
	char line[512], perms[8];
	unsigned long lo, hi;
	void *p;

	ASSERT_LE(0, personality(READ_IMPLIES_EXEC));
	p = mmap(NULL, self->mi.map_size, PROT_READ, MAP_SHARED, self->p.cfd,
		 self->mi.offset);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_NE(NULL, vma_line("maps", p, NULL, line, sizeof(line)));
	ASSERT_EQ(3, sscanf(line, "%lx-%lx %7s", &lo, &hi, perms));
	EXPECT_EQ('-', perms[2]) TH_LOG("%s", line);
	EXPECT_EQ(-1, mprotect(p, self->mi.map_size, PROT_READ | PROT_EXEC));
	EXPECT_EQ(0, munmap(p, self->mi.map_size));
}

TEST_F(areas, map_info_checks_arguments)
{
	struct ipcsvc_map_info mi;

	EXPECT_EQ(-EINVAL, st_map_info(self->p.cfd, self->p.cch, 2, &mi));
	EXPECT_EQ(-EINVAL, st_map_info_flags(self->p.cfd, self->p.cch,
					     IPCSVC_DIR_TX, 4, &mi));
	/* the channel mapping is the TX area's: at its offset only */
	EXPECT_EQ(-EINVAL, st_map_info_flags(self->p.cfd, self->p.cch,
					     IPCSVC_DIR_RX, IPCSVC_MAP_CHANNEL,
					     &mi));
}

/* The producer grows; the consumer sees the new size and the pages. */
TEST_F(areas, growth_is_seen_by_peer)
{
	const struct ipcsvc_area_identity *id = st_identity(self->rx, &self->mi);
	uint64_t committed = 0;
	uint8_t *last;

	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 3 * ST_PAGE + 1,
			     &committed));
	EXPECT_EQ(4 * ST_PAGE, committed);
	EXPECT_EQ(4 * ST_PAGE, __atomic_load_n(&id->size, __ATOMIC_ACQUIRE));
	last = self->tx + self->mi.data_offset + 3 * ST_PAGE;
	last[ST_PAGE - 1] = 0x5a;
	EXPECT_EQ(0x5a, self->rx[self->mi.data_offset + 4 * ST_PAGE - 1]);
	/* Not shrinking: a smaller request changes nothing. */
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, ST_PAGE, &committed));
	EXPECT_EQ(4 * ST_PAGE, committed);
	/* Up to the maximum, and not beyond it. */
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 16 * ST_PAGE,
			     &committed));
	EXPECT_EQ(16 * ST_PAGE, committed);
	EXPECT_EQ(-EFBIG, st_grow(self->p.cfd, self->p.cch, 17 * ST_PAGE,
				  NULL));
	self->tx[self->mi.data_offset + 16 * ST_PAGE - 1] = 1;
}

/* Only the maximum is reserved: committing needs the per-user budget. */
TEST_F(areas, memory_committed_only_on_use)
{
	struct st_limits lim = { .max_to_server = 64 << 20,
				 .max_to_client = 64 << 20 };
	unsigned long old, cap;
	uint32_t big = 0;
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_param_get("max_buffer_size", &cap));
	if (cap < (64 << 20))
		SKIP(return, "max_buffer_size below 64 MiB");
	ASSERT_EQ(0, st_service_ex(self->p.sfd, "areas.big", 1, 0666, &lim,
				   NULL));
	ASSERT_EQ(0, st_param_get("max_user_bytes", &old));
	/* 64 channels of 2 x 64 MiB fit a 4 MiB budget: 3 pages each. */
	ASSERT_EQ(0, st_param_set("max_user_bytes", 4 << 20));
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(0, st_connect_sized(fd, "areas.big", 1, 64 << 20,
					      64 << 20, &big));
	/* Committing one of them fully does not. */
	EXPECT_EQ(-EDQUOT, st_grow(fd, big, 64 << 20, NULL));
	ASSERT_EQ(0, st_param_set("max_user_bytes", old));
	close(fd);
}

/* A forked child does not inherit the mapping. */
TEST_F(areas, fork_does_not_inherit_mapping)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		(void)*(volatile uint8_t *)self->tx;	/* the identity page */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
}

/* The survivor's mapping outlives the peer, the handle and the port. */
TEST_F(areas, mapping_outlives_everything)
{
	uint8_t *data = self->rx + self->mi.data_offset;

	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, 1, NULL));
	self->tx[self->mi.data_offset] = 0x77;
	close(self->p.cfd);
	self->p.cfd = -1;
	EXPECT_EQ(0x77, data[0]);
	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	close(self->p.sfd);
	self->p.sfd = -1;
	EXPECT_EQ(0x77, data[0]);
	EXPECT_EQ(IPCSVC_AREA_MAGIC, st_identity(self->rx, &self->mi)->magic);
	EXPECT_EQ(1u, st_identity(self->rx, &self->mi)->closed);
	/* Client to server: never revoked. */
	EXPECT_EQ(0u, st_identity(self->rx, &self->mi)->revoked);
	EXPECT_EQ(0, munmap(self->rx, self->mi.map_size));
}

/*
 * Revocation: the server closing its end takes the server-to-client data
 * pages back at once, from every mapping (they read as zeroes), and
 * uncharges them although the client still maps them.
 */
TEST_F(areas, server_close_revokes_server_to_client_area)
{
	const struct ipcsvc_area_identity *cid, *sid;
	struct ipcsvc_map_info cmi, smi;
	struct ipcsvc_usage u0, u1;
	volatile uint8_t *crx, *stx;

	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_TX, &smi));
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &cmi));
	stx = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_TX,
		     PROT_READ | PROT_WRITE);
	crx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, stx);
	ASSERT_NE(NULL, crx);
	cid = st_identity((void *)crx, &cmi);
	sid = st_identity((void *)stx, &smi);
	ASSERT_EQ(0, st_grow(self->p.sfd, self->p.sch, 2 * ST_PAGE, NULL));
	stx[smi.data_offset] = 0x5a;
	stx[smi.data_offset + 2 * ST_PAGE - 1] = 0xa5;
	EXPECT_EQ(0x5a, crx[cmi.data_offset]);
	EXPECT_EQ(0xa5, crx[cmi.data_offset + 2 * ST_PAGE - 1]);
	EXPECT_EQ(0u, cid->revoked);
	ASSERT_EQ(0, st_usage(self->p.cfd, &u0));

	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	EXPECT_EQ(1u, __atomic_load_n(&cid->closed, __ATOMIC_ACQUIRE));
	EXPECT_EQ(1u, __atomic_load_n(&cid->revoked, __ATOMIC_ACQUIRE));
	EXPECT_EQ(1u, __atomic_load_n(&sid->revoked, __ATOMIC_ACQUIRE));
	EXPECT_EQ(0, crx[cmi.data_offset]);
	EXPECT_EQ(0, crx[cmi.data_offset + 2 * ST_PAGE - 1]);
	EXPECT_EQ(0, stx[smi.data_offset]);
	ASSERT_EQ(0, st_usage(self->p.cfd, &u1));
	EXPECT_EQ(2 * ST_PAGE, u0.bytes - u1.bytes);
	/* The other direction is the client's: kept, not revoked. */
	EXPECT_EQ(0u, st_identity(self->tx, &self->mi)->revoked);
}

/* Revocation reads committed pages as zeroes; the rest still fault. */
TEST_F_SIGNAL(areas, revoked_area_uncommitted_page_faults, SIGBUS)
{
	struct ipcsvc_map_info cmi;
	volatile uint8_t *crx;

	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, &cmi));
	crx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, crx);
	ASSERT_EQ(0, st_grow(self->p.sfd, self->p.sch, ST_PAGE, NULL));
	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	EXPECT_EQ(0, crx[cmi.data_offset]);
	(void)crx[cmi.data_offset + ST_PAGE];
}

/* What a client sent stays readable by the server after the client went. */
TEST_F(areas, client_close_keeps_client_to_server_area)
{
	const struct ipcsvc_area_identity *id = st_identity(self->rx, &self->mi);

	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, ST_PAGE, NULL));
	self->tx[self->mi.data_offset] = 0x77;
	close(self->p.cfd);
	self->p.cfd = -1;
	EXPECT_EQ(1u, __atomic_load_n(&id->closed, __ATOMIC_ACQUIRE));
	EXPECT_EQ(0u, __atomic_load_n(&id->revoked, __ATOMIC_ACQUIRE));
	EXPECT_EQ(0x77, self->rx[self->mi.data_offset]);
	/* Its MAP_INFO still answers, with the committed size. */
	ASSERT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_RX,
				 &self->mi));
	EXPECT_EQ(ST_PAGE, self->mi.committed);
}

/* Growth stops once the channel is closed. */
TEST_F(areas, grow_after_peer_close_is_epipe)
{
	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	EXPECT_EQ(-EPIPE, st_grow(self->p.cfd, self->p.cch, 2 * ST_PAGE, NULL));
}

TEST_HARNESS_MAIN
