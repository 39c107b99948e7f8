// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer areas: one per direction, mapped by both processes, committed on
 * demand, followed by a guard page, written by one side per page.
 */
#include <signal.h>
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

TEST_F(areas, identity_written_by_kernel)
{
	const struct ipcsvc_area_identity *id = (const void *)self->rx;

	EXPECT_EQ(IPCSVC_AREA_MAGIC, id->magic);
	EXPECT_EQ(0u, id->reserved_lock);
	EXPECT_EQ(ST_PAGE, id->size);
	EXPECT_EQ(1u, id->protocol_version);
	EXPECT_EQ(strlen("areas.svc"), id->protocol_name_len);
	EXPECT_EQ(0, memcmp(id->protocol_name, "areas.svc", 9));
	EXPECT_EQ(16 * ST_PAGE, id->max_size);
	EXPECT_EQ(self->mi.producer_offset, id->producer_offset);
	EXPECT_EQ(self->mi.consumer_offset, id->consumer_offset);
	EXPECT_EQ(self->mi.data_offset, id->data_offset);
	EXPECT_EQ(self->mi.area_bytes, id->area_bytes);
}

/* Both processes see the same pages. */
TEST_F(areas, shared_between_ends)
{
	uint8_t *data = self->tx + self->mi.data_offset;

	memcpy(data, "hello", 6);
	EXPECT_STREQ("hello", (char *)self->rx + self->mi.data_offset);
	*(volatile uint64_t *)(self->tx + self->mi.producer_offset) = 42;
	EXPECT_EQ(42u, *(volatile uint64_t *)(self->rx +
					      self->mi.producer_offset));
	*(volatile uint64_t *)(self->rx + self->mi.consumer_offset) = 7;
	EXPECT_EQ(7u, *(volatile uint64_t *)(self->tx +
					     self->mi.consumer_offset));
}

TEST_F_SIGNAL(areas, guard_page_faults, SIGBUS)
{
	volatile uint8_t *guard = self->tx + self->mi.area_bytes;

	(void)*guard;
}

TEST_F_SIGNAL(areas, uncommitted_page_faults, SIGBUS)
{
	volatile uint8_t *p = self->tx + self->mi.data_offset + ST_PAGE;

	*p = 1;
}

TEST_F_SIGNAL(areas, identity_page_is_read_only, SIGBUS)
{
	*(volatile uint64_t *)self->tx = 1;
}

/* The consumer never writes the producer page or the data. */
TEST_F_SIGNAL(areas, consumer_cannot_write_producer_page, SIGBUS)
{
	*(volatile uint64_t *)(self->rx + self->mi.producer_offset) = 1;
}

TEST_F_SIGNAL(areas, consumer_cannot_write_data, SIGBUS)
{
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

TEST_F(areas, mmap_checks_offset_length_protection)
{
	struct ipcsvc_map_info *mi = &self->mi;
	int fd = self->p.cfd;
	void *p;

	p = mmap(NULL, mi->map_size, PROT_READ, MAP_SHARED, fd,
		 mi->offset + ST_PAGE);
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
	/* An offset naming a handle this port does not have. */
	p = mmap(NULL, mi->map_size, PROT_READ, MAP_SHARED, fd,
		 mi->offset + (100ULL << 33));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(areas, map_info_checks_arguments)
{
	struct ipcsvc_map_info mi;

	EXPECT_EQ(-EINVAL, st_map_info(self->p.cfd, self->p.cch, 2, &mi));
	memset(&mi, 0, sizeof(mi));
	mi.size = sizeof(mi);
	mi.handle = self->p.cch;
	mi.flags = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->p.cfd, IPCSVC_IOC_MAP_INFO, &mi));
}

/* The producer grows; the consumer sees the new size and the pages. */
TEST_F(areas, growth_is_seen_by_peer)
{
	const struct ipcsvc_area_identity *id = (const void *)self->rx;
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
	unsigned long old;
	uint32_t big = 0;
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_param_get("max_user_bytes", &old));
	/* 64 areas of 64 MiB fit a 4 MiB budget: each commits 4 pages. */
	ASSERT_EQ(0, st_param_set("max_user_bytes", 4 << 20));
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(0, st_connect_sized(fd, "areas.svc", 1, 64 << 20,
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
		(void)*(volatile uint8_t *)(self->tx + self->mi.data_offset);
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

	self->tx[self->mi.data_offset] = 0x77;
	close(self->p.cfd);
	self->p.cfd = -1;
	EXPECT_EQ(0x77, data[0]);
	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	close(self->p.sfd);
	self->p.sfd = -1;
	EXPECT_EQ(0x77, data[0]);
	EXPECT_EQ(IPCSVC_AREA_MAGIC,
		  ((struct ipcsvc_area_identity *)self->rx)->magic);
	EXPECT_EQ(0, munmap(self->rx, self->mi.map_size));
}

/* Growth stops once the channel is closed. */
TEST_F(areas, grow_after_peer_close_is_epipe)
{
	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	EXPECT_EQ(-EPIPE, st_grow(self->p.cfd, self->p.cch, 2 * ST_PAGE, NULL));
}

TEST_HARNESS_MAIN
