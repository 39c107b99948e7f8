// SPDX-License-Identifier: GPL-2.0
/*
 * Area mappings across fork(): a child does not inherit them (VM_DONTCOPY)
 * unless the process asks with MADV_DOFORK, and then the child shares the
 * area with the same per-page rights as its parent.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(fork) {
	struct st_pair p;
	struct ipcsvc_map_info mi;
	uint8_t *rx;
};

FIXTURE_SETUP(fork)
{
	ASSERT_EQ(0, st_pair_open(&self->p, "fork.svc", 0, 0));
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
				 &self->mi));
	self->rx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
			  PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->rx);
}

FIXTURE_TEARDOWN(fork)
{
	munmap(self->rx, self->mi.map_size);
	st_pair_close(&self->p);
}

/*
 * Fork a child that reads the identity's magic, then writes the identity
 * page; return how it ended: 0 if both worked, else the signal that
 * stopped it (SIGSEGV: not mapped, SIGBUS: mapped but not writable).
 */
static int child_touch(FIXTURE_DATA(fork) *self, bool write_identity)
{
	const struct ipcsvc_area_identity *id = st_identity(self->rx,
							    &self->mi);
	volatile uint64_t *reserved = (volatile uint64_t *)
		(self->rx + self->mi.identity_offset +
		 offsetof(struct ipcsvc_area_identity, __reserved));
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (id->magic != IPCSVC_AREA_MAGIC)
			_exit(3);
		if (write_identity)
			*reserved = 1;
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status) ? 100 + WEXITSTATUS(status) : 0;
}

TEST_F(fork, child_does_not_inherit_by_default)
{
	EXPECT_EQ(SIGSEGV, child_touch(self, false));
}

TEST_F(fork, madv_dofork_shares_with_the_same_rights)
{
	if (madvise(self->rx, self->mi.map_size, MADV_DOFORK) && errno == ENOSYS)
		SKIP(return, "no madvise() in this kernel");
	ASSERT_EQ(0, madvise(self->rx, self->mi.map_size, MADV_DOFORK));
	EXPECT_EQ(0, child_touch(self, false));
	/* Nobody may write the identity page, in the child either. */
	EXPECT_EQ(SIGBUS, child_touch(self, true));
	/* And MADV_DONTFORK takes it back. */
	ASSERT_EQ(0, madvise(self->rx, self->mi.map_size, MADV_DONTFORK));
	EXPECT_EQ(SIGSEGV, child_touch(self, false));
}

TEST_HARNESS_MAIN
