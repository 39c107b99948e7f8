// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays for what: a server that closes a channel gets the memory of its
 * replies back at once, whatever the client still maps; and the uids of a
 * user namespace are charged to the namespace's owner, so a mapped range
 * of uids does not multiply the per-user limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

static uint64_t usage_bytes(int fd)
{
	struct ipcsvc_usage u;

	return st_usage(fd, &u) ? ~0ULL : u.bytes;
}

FIXTURE(revoke) {
	struct st_pair p;
	struct ipcsvc_map_info mi;
	uint8_t *client_rx;	/* the client's mapping of server-to-client */
};

FIXTURE_SETUP(revoke)
{
	ASSERT_EQ(0, st_pair_open(&self->p, "charge.svc", 0, 64 * ST_PAGE));
	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
				 &self->mi));
	self->client_rx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
				 PROT_READ);
	ASSERT_NE(NULL, self->client_rx);
}

FIXTURE_TEARDOWN(revoke)
{
	munmap(self->client_rx, self->mi.map_size);
	st_pair_close(&self->p);
}

/*
 * The server commits 32 pages of replies that the client never releases
 * and keeps mapped; closing the server's end returns all 32 at once, the
 * client's mapping then reads zeroes, and the identity says why.
 */
TEST_F(revoke, server_close_returns_its_pages)
{
	const uint8_t *data = self->client_rx + self->mi.data_offset;
	const struct ipcsvc_area_identity *id =
		st_identity(self->client_rx, &self->mi);
	uint8_t *server_tx;
	uint64_t before, grown, after, committed = 0;

	server_tx = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_TX,
			   PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, server_tx);
	before = usage_bytes(self->p.sfd);
	ASSERT_EQ(0, st_grow(self->p.sfd, self->p.sch, 32 * ST_PAGE,
			     &committed));
	ASSERT_EQ(32 * ST_PAGE, committed);
	memset(server_tx + self->mi.data_offset, 0x5a, 32 * ST_PAGE);
	grown = usage_bytes(self->p.sfd);
	EXPECT_EQ(before + 32 * ST_PAGE, grown);
	/* The client sees the replies through its own mapping. */
	EXPECT_EQ(0x5a, data[0]);
	EXPECT_EQ(0x5a, data[31 * ST_PAGE]);
	EXPECT_EQ(0, id->revoked);
	munmap(server_tx, self->mi.map_size);

	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	after = usage_bytes(self->p.sfd);
	TH_LOG("replies the client kept mapped: %llu bytes charged before "
	       "the server closed, %lld after", (unsigned long long)(grown - before),
	       (long long)(after - before));
	EXPECT_EQ(before, after);
	EXPECT_EQ(1, id->closed);
	EXPECT_EQ(1, id->revoked);
	/* The client's mapping stays valid, but the data is gone. */
	EXPECT_EQ(0, data[0]);
	EXPECT_EQ(0, data[31 * ST_PAGE]);
}

static sigjmp_buf revoke_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(revoke_jmp, 1);
}

/* The client-to-server area is the client's: the server's close leaves
 * what the client sent readable where it is, and a revoked area cannot
 * be written even by a process that maps it writable. */
TEST_F(revoke, only_the_server_area_is_revoked)
{
	struct ipcsvc_map_info cmi;
	uint8_t *client_tx, *server_tx;
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile int faulted = 0;

	ASSERT_EQ(0, st_map_info(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
				 &cmi));
	client_tx = st_map(self->p.cfd, self->p.cch, IPCSVC_DIR_TX,
			   PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, client_tx);
	ASSERT_EQ(0, st_grow(self->p.cfd, self->p.cch, ST_PAGE, NULL));
	client_tx[cmi.data_offset] = 0x77;
	server_tx = st_map(self->p.sfd, self->p.sch, IPCSVC_DIR_TX,
			   PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, server_tx);
	ASSERT_EQ(0, st_grow(self->p.sfd, self->p.sch, ST_PAGE, NULL));

	ASSERT_EQ(0, st_close(self->p.sfd, self->p.sch));
	EXPECT_EQ(0x77, client_tx[cmi.data_offset]);
	EXPECT_EQ(0, st_identity(client_tx, &cmi)->revoked);

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	if (!sigsetjmp(revoke_jmp, 1))
		server_tx[self->mi.data_offset] = 1;
	else
		faulted = 1;
	signal(SIGBUS, SIG_DFL);
	EXPECT_EQ(1, faulted);
	munmap(server_tx, self->mi.map_size);
	munmap(client_tx, cmi.map_size);
}

/*
 * A service is charged for its name: closing its handle ends the charge
 * at once, although channels made through it still hold the object.
 */
TEST(service_charge_ends_with_its_name)
{
	struct ipcsvc_usage during, after;
	struct st_pair p;

	ASSERT_EQ(0, st_pair_open(&p, "charge.name", 0, 0));
	ASSERT_EQ(0, st_usage(p.sfd, &during));
	ASSERT_EQ(0, st_close(p.sfd, p.svc));
	ASSERT_EQ(0, st_usage(p.sfd, &after));
	EXPECT_EQ(during.services - 1, after.services);
	/* The channel is still there, and still charged. */
	EXPECT_EQ(during.channels, after.channels);
	st_pair_close(&p);
}

/* Write @text to /proc/@pid/@file. */
static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * A child in a new user namespace, running as uid 0 there but as kuid
 * 100000 outside, creates a service. The service is charged to the
 * namespace's owner (us), not to kuid 100000: our USAGE counts it.
 */
TEST(userns_uids_share_their_owners_limits)
{
	int go[2], done[2], fd;
	struct ipcsvc_usage before, during;
	char c;
	pid_t child;
	int status;

	fd = st_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	ASSERT_EQ(0, st_usage(fd, &before));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		uint32_t h;
		int cfd;

		if (unshare(CLONE_NEWUSER)) {
			/* No user namespaces in this kernel. */
			if (write(done[1], "x", 1) != 1)
				_exit(10);
			_exit(0);
		}
		if (write(done[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(11);
		if (setresuid(0, 0, 0) || setresgid(0, 0, 0))
			_exit(12);
		cfd = st_open();
		if (cfd < 0 || st_service(cfd, "charge.userns", 1, 0600, &h))
			_exit(13);
		if (write(done[1], "s", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(1, read(done[0], &c, 1));
	if (c == 'x') {
		waitpid(child, &status, 0);
		close(fd);
		SKIP(return, "no user namespaces in this kernel");
	}
	ASSERT_EQ(0, write_proc(child, "setgroups", "deny"));
	ASSERT_EQ(0, write_proc(child, "uid_map", "0 100000 65536"));
	ASSERT_EQ(0, write_proc(child, "gid_map", "0 100000 65536"));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(done[0], &c, 1)) TH_LOG("child failed to set up");
	ASSERT_EQ(0, st_usage(fd, &during));
	EXPECT_EQ(before.services + 1, during.services);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	ASSERT_EQ(0, st_usage(fd, &during));
	EXPECT_EQ(before.services, during.services);
	close(fd);
}

TEST_HARNESS_MAIN
