// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime: closing handles, ports and processes tears everything down;
 * the module cannot be removed while anything is in use and can be once
 * nothing is, even after heavy use. The module file is expected at
 * /lib/modules/ipcsvc.ko, as the guest harness installs it.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

#define MODULE_PATH	"/lib/modules/ipcsvc.ko"

static int module_loaded(void)
{
	return access("/sys/module/ipcsvc", F_OK) == 0;
}

static int try_rmmod(void)
{
	return system("rmmod ipcsvc 2>/dev/null");
}

static int reload(void)
{
	return module_loaded() ? 0 : system("insmod " MODULE_PATH);
}

FIXTURE(lifetime) {
	int unused;
};

FIXTURE_SETUP(lifetime)
{
	if (access(MODULE_PATH, R_OK))
		SKIP(return, "no %s", MODULE_PATH);
	ASSERT_TRUE(module_loaded());
}

FIXTURE_TEARDOWN(lifetime)
{
	/* Whatever happened, leave the module loaded for later tests. */
	reload();
}

TEST_F(lifetime, rmmod_refused_while_port_open)
{
	int fd = st_open();

	ASSERT_LE(0, fd);
	EXPECT_NE(0, try_rmmod());
	EXPECT_TRUE(module_loaded());
	close(fd);
}

/* A mapping alone keeps the area, and so the module, in use. */
TEST_F(lifetime, rmmod_refused_while_area_mapped)
{
	struct st_pair p;
	struct ipcsvc_map_info mi;
	uint8_t *a;

	ASSERT_EQ(0, st_pair_open(&p, "life.map", 0, 0));
	ASSERT_EQ(0, st_map_info(p.cfd, p.cch, IPCSVC_DIR_TX, &mi));
	a = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, st_grow(p.cfd, p.cch, 1, NULL));
	a[mi.data_offset] = 1;
	st_pair_close(&p);
	EXPECT_NE(0, try_rmmod());
	EXPECT_EQ(1, a[mi.data_offset]);
	ASSERT_EQ(0, munmap(a, mi.map_size));
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/ipcsvc/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * Every reference on the module is given back: ports, and the files that
 * back area mappings, each take one and drop one. A missing get shows as
 * a count below where it started (and, later, as a module that cannot be
 * opened or unloaded).
 */
TEST_F(lifetime, module_references_balance)
{
	long r0, r1, r2;
	struct st_pair p;
	void *a[4];

	r0 = module_refcnt();
	ASSERT_LE(0, r0);
	ASSERT_EQ(0, st_pair_open(&p, "life.refs", 0, 0));
	r1 = module_refcnt();
	EXPECT_LT(r0, r1);	/* the ports hold the module */
	for (int i = 0; i < 4; i++) {
		a[i] = st_map(i < 2 ? p.cfd : p.sfd, i < 2 ? p.cch : p.sch,
			      i & 1, PROT_READ);
		ASSERT_NE(NULL, a[i]);
	}
	r2 = module_refcnt();
	EXPECT_LE(r1, r2);	/* mappings may hold their own */
	for (int i = 0; i < 4; i++) {
		struct ipcsvc_map_info m;

		ASSERT_EQ(0, st_map_info(i < 2 ? p.cfd : p.sfd,
					 i < 2 ? p.cch : p.sch, i & 1, &m));
		ASSERT_EQ(0, munmap(a[i], m.map_size));
	}
	EXPECT_EQ(r1, module_refcnt());
	st_pair_close(&p);
	EXPECT_EQ(r0, module_refcnt());
}

/* identity.closed of a mapped area, as libipcsvc reads it. */
static uint64_t closed_of(const void *area, const struct ipcsvc_map_info *mi)
{
	return __atomic_load_n(&st_identity(area, mi)->closed,
			       __ATOMIC_ACQUIRE);
}

static uint64_t revoked_of(const void *area, const struct ipcsvc_map_info *mi)
{
	return __atomic_load_n(&st_identity(area, mi)->revoked,
			       __ATOMIC_ACQUIRE);
}

/* Both areas, through the client's read-only mappings: 0 while open, set
 * once the server closes its channel handle. */
TEST_F(lifetime, closed_flag_on_peer_close)
{
	struct ipcsvc_map_info tmi, rmi;
	struct st_pair p;
	void *tx, *rx;

	ASSERT_EQ(0, st_pair_open(&p, "life.closed", 0, 0));
	ASSERT_EQ(0, st_map_info(p.cfd, p.cch, IPCSVC_DIR_TX, &tmi));
	ASSERT_EQ(0, st_map_info(p.cfd, p.cch, IPCSVC_DIR_RX, &rmi));
	tx = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ);
	rx = st_map(p.cfd, p.cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	EXPECT_EQ(0, closed_of(tx, &tmi));
	EXPECT_EQ(0, closed_of(rx, &rmi));
	ASSERT_EQ(0, st_close(p.sfd, p.sch));
	EXPECT_EQ(1, closed_of(tx, &tmi));
	EXPECT_EQ(1, closed_of(rx, &rmi));
	/* The server's end went: its area to the client is revoked. */
	EXPECT_EQ(0, revoked_of(tx, &tmi));
	EXPECT_EQ(1, revoked_of(rx, &rmi));
	st_pair_close(&p);
	/* The mappings outlive the ports; the flag stays. */
	EXPECT_EQ(1, closed_of(tx, &tmi));
	EXPECT_EQ(1, closed_of(rx, &rmi));
	munmap(tx, tmi.map_size);
	munmap(rx, rmi.map_size);
}

/* The same when the server process is SIGKILLed holding its end. */
TEST_F(lifetime, closed_flag_on_peer_death)
{
	struct ipcsvc_map_info tmi, rmi;
	int ready[2], status, cfd;
	uint32_t cch = 0;
	void *tx, *rx;
	pid_t child;
	char b = 1;

	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int sfd = st_open();

		if (sfd < 0 || st_service(sfd, "life.killed", 1, 0666, NULL) ||
		    write(ready[1], &b, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(ready[0], &b, 1));
	cfd = st_open();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, st_connect(cfd, "life.killed", 1, &cch));
	ASSERT_EQ(0, st_map_info(cfd, cch, IPCSVC_DIR_TX, &tmi));
	ASSERT_EQ(0, st_map_info(cfd, cch, IPCSVC_DIR_RX, &rmi));
	tx = st_map(cfd, cch, IPCSVC_DIR_TX, PROT_READ);
	rx = st_map(cfd, cch, IPCSVC_DIR_RX, PROT_READ);
	ASSERT_NE(NULL, tx);
	ASSERT_NE(NULL, rx);
	EXPECT_EQ(0, closed_of(tx, &tmi));
	EXPECT_EQ(0, closed_of(rx, &rmi));
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(1, closed_of(tx, &tmi));
	EXPECT_EQ(1, closed_of(rx, &rmi));
	EXPECT_EQ(0, revoked_of(tx, &tmi));
	EXPECT_EQ(1, revoked_of(rx, &rmi));
	munmap(tx, tmi.map_size);
	munmap(rx, rmi.map_size);
	close(cfd);
	close(ready[0]);
	close(ready[1]);
}

/* Children that die holding ports, channels, mappings and waiters. */
static void churn_child(int i)
{
	char name[32];
	struct st_pair p;
	uint8_t *a;

	snprintf(name, sizeof(name), "life.child%d", i);
	if (st_pair_open(&p, name, 8 * ST_PAGE, 8 * ST_PAGE))
		_exit(1);
	a = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	if (!a || st_grow(p.cfd, p.cch, 8 * ST_PAGE, NULL))
		_exit(1);
	memset(a + 3 * ST_PAGE, i, 8 * ST_PAGE);
	st_arm(p.sfd, p.sch, IPCSVC_DIR_RX, ST_PAGE, 0);
	st_wait(p.sfd, p.sch, IPCSVC_DIR_RX, ST_PAGE + 8, 0, -1);
	_exit(0);
}

TEST_F(lifetime, rmmod_after_heavy_use)
{
	pid_t kids[16];
	int fd[8], status;
	uint32_t h = 0;

	for (int i = 0; i < 8; i++) {
		char name[32];

		fd[i] = st_open();
		ASSERT_LE(0, fd[i]);
		snprintf(name, sizeof(name), "life.svc%d", i);
		ASSERT_EQ(0, st_service(fd[i], name, 1, 0666, NULL));
		for (int j = 0; j < 32; j++) {
			ASSERT_EQ(0, st_connect_sized(fd[(i + j) % (i + 1)],
						      name, 1, 4 * ST_PAGE,
						      4 * ST_PAGE, &h));
			ASSERT_EQ(0, st_grow(fd[(i + j) % (i + 1)], h,
					     2 * ST_PAGE, NULL));
		}
	}
	for (int i = 0; i < 16; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0)
			churn_child(i);
	}
	usleep(300000);
	for (int i = 0; i < 16; i++) {
		kill(kids[i], SIGKILL);
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
	}
	for (int i = 0; i < 8; i++)
		close(fd[i]);

	ASSERT_EQ(0, try_rmmod());
	EXPECT_FALSE(module_loaded());
	EXPECT_GT(0, st_open());
	ASSERT_EQ(0, reload());
	fd[0] = st_open();
	EXPECT_LE(0, fd[0]);
	close(fd[0]);
}

/*
 * Races: clients connect, wait, wake and close while the server keeps
 * closing and recreating its service and port. Nothing may crash, leak or
 * deadlock (the debug guest watches with KASAN, lockdep and kmemleak).
 */
struct race {
	volatile int stop;
	int cfd;
};

static void *race_client(void *arg)
{
	struct race *r = arg;
	uint32_t ch = 0;

	while (!r->stop) {
		if (st_connect(r->cfd, "life.race", 1, &ch))
			continue;
		st_wake(r->cfd, ch, IPCSVC_DIR_TX);
		st_arm(r->cfd, ch, IPCSVC_DIR_RX, ST_PAGE, 0);
		st_wait(r->cfd, ch, IPCSVC_DIR_RX, ST_PAGE, 0, 100000);
		st_grow(r->cfd, ch, 2 * ST_PAGE, NULL);
		st_close(r->cfd, ch);
	}
	return NULL;
}

TEST_F(lifetime, connect_close_races)
{
	struct ipcsvc_event ev[64];
	struct race r = { 0 };
	pthread_t t[3];

	r.cfd = st_open();
	ASSERT_LE(0, r.cfd);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_client, &r));
	for (int i = 0; i < 200; i++) {
		int sfd = st_open();
		uint32_t svc = 0;

		ASSERT_LE(0, sfd);
		if (st_service(sfd, "life.race", 1, 0666, &svc) == 0) {
			usleep(1000);
			while (st_events(sfd, ev, 64) > 0)
				;
			if (i & 1)
				st_close(sfd, svc);
		}
		close(sfd);
	}
	r.stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	close(r.cfd);
}

TEST_HARNESS_MAIN
