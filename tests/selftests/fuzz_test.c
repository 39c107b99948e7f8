// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile-caller selftests: the seeded storm of fuzz_storm.h in one
 * process, then with processes killed in the middle of it, and (where the
 * kernel has fault injection) while the kernel's slab allocations fail at
 * random.
 *
 * Every call must either succeed or fail with an errno the ABI documents
 * for that call (Documentation/abi.md). The guest harness then fails the
 * run on any KASAN, lockdep, WARN or kmemleak report, and on a module that
 * will not unload, which is where most of this test's value is.
 */
#include <signal.h>
#include <sys/wait.h>

#include "fuzz_storm.h"
#include "kselftest_harness.h"

FIXTURE(fz) {
	int unused;
};

FIXTURE_SETUP(fz)
{
}

FIXTURE_TEARDOWN(fz)
{
}

/* Calls of a storm: @n, times STORM_SCALE (make stress) when it is set. */
static unsigned int storm_scaled(unsigned int n)
{
	const char *scale = getenv("STORM_SCALE");

	return scale && atoi(scale) > 0 ? n * (unsigned int)atoi(scale) : n;
}

/* One process, many rounds: every result is documented. */
TEST_F_TIMEOUT(fz, ioctl_mmap_storm, 300)
{
	struct storm s;

	ASSERT_EQ(0, storm_setup(&s));
	storm_run(&s, 0x1cc5c0ffee1ULL, storm_scaled(8000));
	storm_teardown(&s);
	EXPECT_EQ(0, s.bad) TH_LOG("seed 0x1cc5c0ffee1: %s", s.first_bad);
	printf("# succeeded: create %u connect %u close %u map_info %u grow %u wait %u wake %u arm %u creds %u usage %u limits %u mmap %u netlink %u; faults %d\n",
	       s.ok[1], s.ok[2], s.ok[3], s.ok[4], s.ok[5], s.ok[6], s.ok[7],
	       s.ok[8], s.ok[9], s.ok[10], s.ok[11], s.mapped, s.genl_ok,
	       (int)faults);
	/* A storm that never gets past validation tests little. */
	EXPECT_LT(0, s.ok[1]);
	EXPECT_LT(0, s.ok[2]);
	EXPECT_LT(0, s.ok[5]);
	EXPECT_LT(0, s.mapped);
	EXPECT_LT(0, s.genl_ok);
	EXPECT_LT(0, faults);
}

/* Processes killed at arbitrary points of the storm leave nothing behind
 * (the harness's unload and kmemleak checks judge that). */
TEST_F_TIMEOUT(fz, storm_with_killed_processes, 300)
{
	for (int i = 0; i < 6; i++) {
		char first_bad[160] = "";
		struct storm s;
		int status, pipefd[2];
		pid_t pid;

		ASSERT_EQ(0, pipe(pipefd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(pipefd[0]);
			report_fd = pipefd[1];
			if (storm_setup(&s))
				_exit(2);
			storm_run(&s, 0xdead0000ULL + i, 100000);
			_exit(s.bad ? 1 : 0);
		}
		close(pipefd[1]);
		usleep(20000 + 30000 * i);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		/* Killed mid-storm, or done early: never a wrong errno. */
		EXPECT_TRUE(WIFSIGNALED(status) ||
			    (WIFEXITED(status) && WEXITSTATUS(status) == 0));
		EXPECT_EQ(0, read(pipefd[0], first_bad, sizeof(first_bad) - 1))
			TH_LOG("seed %#llx: %s", 0xdead0000ULL + i, first_bad);
		close(pipefd[0]);
	}
}

#define FAILSLAB "/sys/kernel/debug/failslab/"

static int put_str(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/*
 * The same storm while one in five of the process's kernel slab
 * allocations fails: every error path of the module runs, and must neither
 * leak nor report. Only where the kernel has fault injection (the debug
 * guest).
 */
TEST_F_TIMEOUT(fz, storm_under_failslab, 300)
{
	struct storm s;
	pid_t pid;
	int status;

	if (access(FAILSLAB "probability", W_OK))
		SKIP(return, "no failslab in this kernel");
	/* Quiet (a stack dump per failure would fail the log check), only
	 * for tasks that ask, and for sleeping allocations too. */
	ASSERT_EQ(0, put_str(FAILSLAB "verbose", "0"));
	ASSERT_EQ(0, put_str(FAILSLAB "task-filter", "Y"));
	ASSERT_EQ(0, put_str(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, put_str(FAILSLAB "interval", "1"));
	ASSERT_EQ(0, put_str(FAILSLAB "times", "-1"));
	ASSERT_EQ(0, put_str(FAILSLAB "probability", "20"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int rc = storm_setup(&s);

		if (rc)
			_exit(2);
		if (put_str("/proc/self/make-it-fail", "1"))
			_exit(3);
		storm_run(&s, 0xfa11ab1eULL, storm_scaled(4000));
		put_str("/proc/self/make-it-fail", "0");
		storm_teardown(&s);
		if (s.bad)
			fprintf(stderr, "# %s\n", s.first_bad);
		printf("# %u calls failed with ENOMEM; %u connects succeeded\n",
		       s.enomem, s.ok[2]);
		/* No ENOMEM at all: the injection did not reach us. */
		_exit(s.bad ? 1 : !s.enomem ? 5 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	put_str(FAILSLAB "probability", "0");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
}

TEST_HARNESS_MAIN
