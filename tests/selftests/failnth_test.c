// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic fault injection: every path a user can drive runs with its
 * 1st, 2nd, 3rd, ... allocation failing (/proc/thread-self/fail-nth,
 * slab and page allocations both), until it runs with none failed. Each
 * run with an injected failure must end in success or a documented errno,
 * and the port must work afterwards; kmemleak (the debug guest) then finds
 * nothing. The module's unload is run the same way. Needs a kernel with
 * fault injection: the debug guest; skipped elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ipcsvc_st.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAILPAGE	"/sys/kernel/debug/fail_page_alloc/"
#define MAX_NTH		500	/* more allocation sites than any path has */

static int put_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Count sleeping allocations too (the module's are GFP_KERNEL), of every
 * order, and print nothing: a stack dump per injected failure would read
 * as a kernel report.
 */
static int injection_setup(void)
{
	static const char *const knobs[][2] = {
		{ FAILSLAB "verbose", "0" },
		{ FAILSLAB "ignore-gfp-wait", "N" },
		{ FAILPAGE "verbose", "0" },
		{ FAILPAGE "ignore-gfp-wait", "N" },
		{ FAILPAGE "ignore-gfp-highmem", "N" },
		{ FAILPAGE "min-order", "0" },
	};

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (put_str(knobs[i][0], knobs[i][1]))
			return -1;
	return 0;
}

/* The state one path runs in: a service and a client connected to it. */
struct ctx {
	int sfd, cfd;		/* server's and client's ports */
	uint32_t svc, sh, ch;	/* service, server end, client end */
	void *tx, *rx;		/* the client's mappings */
	size_t len;
	int fd;			/* a port a path made */
	pid_t child;
};

static int ctx_setup(struct ctx *c, bool connect)
{
	struct ipcsvc_event ev;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->sfd = st_open();
	c->cfd = st_open();
	if (c->sfd < 0 || c->cfd < 0)
		return -1;
	if (st_service(c->sfd, "failnth", 1, 0666, &c->svc))
		return -1;
	if (!connect)
		return 0;
	if (st_connect_sized(c->cfd, "failnth", 1, 16384, 16384, &c->ch))
		return -1;
	if (st_events(c->sfd, &ev, 1) != 1 ||
	    ev.type != IPCSVC_EVENT_SERVICE_CONNECTED)
		return -1;
	c->sh = (uint32_t)ev.b;
	return 0;
}

static void ctx_teardown(struct ctx *c)
{
	if (c->tx && c->tx != MAP_FAILED)
		munmap(c->tx, c->len);
	if (c->rx && c->rx != MAP_FAILED)
		munmap(c->rx, c->len);
	if (c->fd >= 0)
		close(c->fd);
	if (c->sfd >= 0)
		close(c->sfd);
	if (c->cfd >= 0)
		close(c->cfd);
}

/* ---- the paths --------------------------------------------------------- */

static int p_open(struct ctx *c)
{
	c->fd = st_open();
	return c->fd < 0 ? -errno : 0;
}

static int p_service(struct ctx *c)
{
	uint32_t h;

	return st_service(c->cfd, "failnth.other", 1, 0600, &h);
}

static int p_connect(struct ctx *c)
{
	uint32_t h;

	return st_connect(c->cfd, "failnth", 1, &h);
}

static int p_map_info(struct ctx *c)
{
	struct ipcsvc_map_info mi;

	return st_map_info(c->cfd, c->ch, IPCSVC_DIR_TX, &mi);
}

static int p_mmap(struct ctx *c)
{
	struct ipcsvc_map_info mi;
	int rc = st_map_info(c->cfd, c->ch, IPCSVC_DIR_TX, &mi);

	if (rc)
		return rc;
	c->len = mi.map_size;
	c->tx = mmap(NULL, c->len, PROT_READ | PROT_WRITE, MAP_SHARED, c->cfd,
		     (off_t)mi.offset);
	return c->tx == MAP_FAILED ? -errno : 0;
}

static int p_grow(struct ctx *c)
{
	uint64_t committed;

	return st_grow(c->cfd, c->ch, 3 * ST_PAGE, &committed);
}

static int p_wait(struct ctx *c)
{
	/* the word holds 0: a wait that must time out at once */
	return st_wait(c->cfd, c->ch, IPCSVC_DIR_RX, st_prod_word(1), 0, 0);
}

static int p_wake(struct ctx *c)
{
	return st_wake(c->cfd, c->ch, IPCSVC_DIR_TX);
}

static int p_arm(struct ctx *c)
{
	return st_arm(c->sfd, c->sh, IPCSVC_DIR_RX, st_prod_word(1), 0);
}

static int p_creds(struct ctx *c)
{
	struct ipcsvc_peer_creds pc;

	return st_peer_creds(c->sfd, c->sh, &pc);
}

static int p_usage(struct ctx *c)
{
	struct ipcsvc_usage u;

	return st_usage(c->cfd, &u);
}

static int p_read(struct ctx *c)
{
	struct ipcsvc_event ev[4];
	int n;

	/* the client closes its end: PeerClosed is pending for the server */
	close(c->cfd);
	c->cfd = -1;
	n = st_events(c->sfd, ev, 4);
	return n < 0 ? n : 0;
}

static int p_poll(struct ctx *c)
{
	struct pollfd pfd = { .fd = c->sfd, .events = POLLIN };

	return poll(&pfd, 1, 0) < 0 ? -errno : 0;
}

static int p_close_handle(struct ctx *c)
{
	return st_close(c->cfd, c->ch);
}

static int p_close_port(struct ctx *c)
{
	int rc = close(c->cfd);

	c->cfd = -1;
	return rc ? -errno : 0;
}

/* The pages of a mapping, touched for the first time. */
static int p_fault(struct ctx *c)
{
	volatile uint8_t *p = c->tx;

	for (size_t off = 0; off < 3 * ST_PAGE; off += ST_PAGE)
		(void)p[off];
	return 0;
}

struct path {
	const char *name;
	bool connect;		/* needs a connected channel */
	int (*prep)(struct ctx *c);	/* run before injection */
	int (*run)(struct ctx *c);
	bool in_child;		/* runs in a child that then exits */
	int allowed[4];		/* errnos besides ENOMEM */
};

/*
 * The exit path cannot tell whether a failure was injected (the child is
 * gone by then): it runs with each of its first EXIT_RUNS allocations
 * failing, and those runs are not counted as observed injections.
 */
#define EXIT_RUNS	40

static const struct path paths[] = {
	{ "open", false, NULL, p_open, false, { EMFILE } },
	{ "SERVICE_CREATE", false, NULL, p_service, false, { 0 } },
	{ "CONNECT", false, NULL, p_connect, false, { 0 } },
	{ "MAP_INFO", true, NULL, p_map_info, false, { 0 } },
	{ "mmap", true, NULL, p_mmap, false, { EAGAIN } },
	{ "GROW", true, NULL, p_grow, false, { 0 } },
	{ "fault", true, p_mmap, p_fault, true, { 0 } },
	{ "WAIT", true, NULL, p_wait, false, { ETIMEDOUT } },
	{ "WAKE", true, NULL, p_wake, false, { 0 } },
	{ "ARM", true, NULL, p_arm, false, { 0 } },
	{ "PEER_CREDS", true, NULL, p_creds, false, { 0 } },
	{ "USAGE", false, NULL, p_usage, false, { 0 } },
	{ "read", true, NULL, p_read, false, { EAGAIN } },
	{ "poll", true, NULL, p_poll, false, { 0 } },
	{ "CLOSE", true, NULL, p_close_handle, false, { 0 } },
	{ "close of a port with live channels", true, p_mmap, p_close_port,
	  false, { 0 } },
	{ "exit with live channels and mappings", true, p_mmap, NULL, true,
	  { 0 } },
};

static bool allowed(const struct path *p, int rc)
{
	if (rc == 0 || rc == -ENOMEM)
		return true;
	for (int i = 0; i < 4 && p->allowed[i]; i++)
		if (rc == -p->allowed[i])
			return true;
	return false;
}

/*
 * Run @p once with its @nth allocation failing. 1: a failure was
 * injected, 2: one may have been (the exit path), 0: the path ran with
 * none, -1: a broken rule (logged).
 */
static int run_nth(struct __test_metadata *_metadata, const struct path *p,
		   int nth)
{
	struct ctx c;
	char buf[16];
	int nthfd, rc = 0, injected;
	ssize_t n;

	if (p->in_child) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			/* Everything is the child's own, ports and mappings
			 * (they are not inherited), so its exit closes them
			 * for good. */
			if (ctx_setup(&c, p->connect) ||
			    (p->prep && p->prep(&c)))
				_exit(4);
			nthfd = open("/proc/thread-self/fail-nth", O_RDWR);
			snprintf(buf, sizeof(buf), "%d", nth);
			if (nthfd < 0 || write(nthfd, buf, strlen(buf)) < 0)
				_exit(3);
			if (p->run)
				p->run(&c);
			n = read(nthfd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = 0;
			/* 0: injected; then exit closes more, not counted */
			_exit(n > 0 && atoi(buf) == 0 ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    ctx_setup(&c, false))
			return -1;
		/* a fault that could not get memory may kill the child:
		 * a clean end, as long as the port still works below */
		injected = WIFEXITED(status) ? WEXITSTATUS(status) == 1 : 1;
		if (WIFEXITED(status) && WEXITSTATUS(status) > 1) {
			TH_LOG("%s, failing allocation %d: child status %d",
			       p->name, nth, WEXITSTATUS(status));
			ctx_teardown(&c);
			return -1;
		}
		/* the last thing the child ran was exit: count each nth
		 * until the exit path, too, ran clean */
		if (!p->run)
			injected = nth < EXIT_RUNS ? 2 : 0;
	} else {
		if (ctx_setup(&c, p->connect) || (p->prep && p->prep(&c))) {
			TH_LOG("%s: set-up failed", p->name);
			ctx_teardown(&c);
			return -1;
		}
		nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
		if (nthfd < 0) {
			ctx_teardown(&c);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%d", nth);
		if (write(nthfd, buf, strlen(buf)) < 0) {
			close(nthfd);
			ctx_teardown(&c);
			return -1;
		}
		rc = p->run(&c);
		n = read(nthfd, buf, sizeof(buf) - 1);
		/* disarm, whatever happened */
		if (write(nthfd, "0", 1) < 0)
			rc = rc ? rc : -EIO;
		close(nthfd);
		buf[n > 0 ? n : 0] = 0;
		injected = n > 0 && atoi(buf) == 0;
		if (!allowed(p, rc)) {
			TH_LOG("%s, failing allocation %d: %d (%s)", p->name,
			       nth, rc, strerror(-rc));
			ctx_teardown(&c);
			return -1;
		}
		if (!injected && rc == -ENOMEM) {
			TH_LOG("%s: ENOMEM with no failure injected", p->name);
			ctx_teardown(&c);
			return -1;
		}
	}
	/* The server's port works afterwards: a service comes and goes. */
	{
		uint32_t h;

		rc = st_service(c.sfd, "failnth.after", 1, 0600, &h);
		if (!rc)
			rc = st_close(c.sfd, h);
		if (rc) {
			TH_LOG("%s, failing allocation %d: the port is broken "
			       "afterwards (%d)", p->name, nth, rc);
			ctx_teardown(&c);
			return -1;
		}
	}
	ctx_teardown(&c);
	return injected;
}

FIXTURE(fn) {
	int unused;
};

FIXTURE_SETUP(fn)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(fn)
{
}

TEST_F_TIMEOUT(fn, every_path_every_allocation, 600)
{
	unsigned int npaths = 0, faults = 0;
	struct ipcsvc_usage u;
	int fd;

	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access(FAILSLAB "verbose", W_OK))
		SKIP(return, "no fault injection in this kernel");
	ASSERT_EQ(0, injection_setup());
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path *p = &paths[i];
		int nth, r = 1;

		for (nth = 1; nth <= MAX_NTH && r >= 1; nth++) {
			r = run_nth(_metadata, p, nth);
			faults += r == 1;
		}
		EXPECT_NE(-1, r) TH_LOG("path %s", p->name);
		EXPECT_GT(MAX_NTH, nth) TH_LOG("%s: never ran clean", p->name);
		npaths++;
		if (p->run)
			printf("# %-40s %3d allocations failed in turn\n",
			       p->name, nth - 2);
		else
			printf("# %-40s %3d runs (failures not observable)\n",
			       p->name, nth - 2);
	}
	printf("# fail-nth: %u paths, %u faults injected\n", npaths, faults);
	/* nothing stays charged: every failed path cleaned up */
	fd = st_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_usage(fd, &u));
	EXPECT_EQ(0, u.services);
	EXPECT_EQ(0, u.channels);
	EXPECT_EQ(0, u.bytes);
	close(fd);
}

/* ---- the module's unload -------------------------------------------------- */

#define MODULE_FILE	"/lib/modules/ipcsvc.ko"	/* where the guest has it */

static int mod_unload(int unused)
{
	(void)unused;
	return syscall(SYS_delete_module, "ipcsvc", O_NONBLOCK) ? -errno : 0;
}

static int mod_load(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
}

/* Run @fn(@arg) with its @nth allocation failing; *@injected says if it did. */
static int with_nth(int nth, int (*fn)(int), int arg, bool *injected)
{
	int nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	char buf[16];
	ssize_t n;
	int rc;

	if (nthfd < 0)
		return -EIO;
	snprintf(buf, sizeof(buf), "%d", nth);
	if (write(nthfd, buf, strlen(buf)) < 0) {
		close(nthfd);
		return -EIO;
	}
	rc = fn(arg);
	n = read(nthfd, buf, sizeof(buf) - 1);
	if (write(nthfd, "0", 1) < 0)	/* disarm, whatever happened */
		rc = rc ? rc : -EIO;
	close(nthfd);
	buf[n > 0 ? n : 0] = 0;
	*injected = n > 0 && atoi(buf) == 0;
	return rc;
}

static bool mod_present(void)
{
	return access("/sys/module/ipcsvc", F_OK) == 0;
}

/*
 * Unload with the @nth allocation failing, then load again. An unload
 * always completes, and the module must load and work afterwards. 1: a
 * failure was injected, 0: none was, -1: a broken rule (logged). The load
 * runs without injection: nearly all of its allocations are the kernel's
 * module loader's, not ours.
 */
static int module_nth(struct __test_metadata *_metadata, int modfd, int nth)
{
	bool injected;
	uint32_t h = 0;
	int rc, fd;

	rc = with_nth(nth, mod_unload, 0, &injected);
	if (rc || mod_present()) {
		TH_LOG("unload, failing allocation %d: %d (%s), %s", nth, rc,
		       strerror(-rc), mod_present() ? "still loaded" : "gone");
		return -1;
	}
	rc = mod_load(modfd);
	if (rc) {
		TH_LOG("load after unload %d: %s", nth, strerror(-rc));
		return -1;
	}
	/* the module works: a port, a service, its close */
	fd = st_open();
	rc = fd < 0 ? -errno : st_service(fd, "failnth.module", 1, 0600, &h);
	if (!rc)
		rc = st_close(fd, h);
	if (fd >= 0)
		close(fd);
	if (rc) {
		TH_LOG("after failing allocation %d: the module does not work "
		       "(%d)", nth, rc);
		return -1;
	}
	return injected;
}

TEST_F_TIMEOUT(fn, module_unload, 600)
{
	unsigned int faults = 0;
	int modfd, nth, r = 1;

	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access(FAILSLAB "verbose", W_OK))
		SKIP(return, "no fault injection in this kernel");
	if (!mod_present() || access(MODULE_FILE, R_OK))
		SKIP(return, "the module was not loaded from " MODULE_FILE);
	ASSERT_EQ(0, injection_setup());
	modfd = open(MODULE_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, modfd);
	for (nth = 1; nth <= MAX_NTH && r >= 1; nth++) {
		r = module_nth(_metadata, modfd, nth);
		faults += r == 1;
	}
	close(modfd);
	EXPECT_NE(-1, r);
	EXPECT_GT(MAX_NTH, nth) TH_LOG("never ran clean");
	printf("# module unload: %d allocations failed in turn, %u faults "
	       "injected\n", nth - 2, faults);
	ASSERT_TRUE(mod_present());
}

TEST_HARNESS_MAIN
