// SPDX-License-Identifier: GPL-2.0
/*
 * The module's tracepoints, through tracefs: a connect, three calls and
 * the closes, in a fresh IPC namespace, must leave exactly the expected
 * sequence of ipcsvc events for that service and channel. Skipped where
 * the kernel has no event tracing; all three guests have it.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

static char tracefs[64];

/* Where tracefs is, mounting it if need be; false if there is none. */
static bool find_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/ipcsvc", dirs[i]);
		if (access(path, F_OK) && i == 0)
			mount("nodev", dirs[i], "tracefs", 0, NULL);
		if (!access(path, F_OK)) {
			snprintf(tracefs, sizeof(tracefs), "%s", dirs[i]);
			return true;
		}
	}
	return false;
}

static int put(const char *file, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

/* The value of "key=" in @line, or -1. */
static long long field(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtoll(p + strlen(pat), NULL, 0) : -1;
}

/*
 * The ipcsvc events of the trace that concern service @svc_name and the
 * channel it got, as "event side dir" words, one per line, into @out.
 */
static void collect(const char *svc_name, char *out, size_t size)
{
	char path[128], line[512], name[80];
	long long svc = -1, chan = -1;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "r");
	out[0] = '\0';
	if (!f)
		return;
	snprintf(name, sizeof(name), " name=%s ", svc_name);
	while (fgets(line, sizeof(line), f)) {
		char *ev = strstr(line, " ipcsvc_"), *end;

		if (line[0] == '#' || !ev)
			continue;
		ev++;
		end = strchr(ev, ':');
		if (!end)
			continue;
		*end = '\0';
		end[1] = ' ';
		if (!strncmp(ev, "ipcsvc_service_", 15)) {
			if (!strstr(end + 1, name))
				continue;
			svc = field(end + 1, "service");
		} else if (!strcmp(ev, "ipcsvc_connect")) {
			if (field(end + 1, "service") != svc)
				continue;
			chan = field(end + 1, "chan");
		} else if (!strcmp(ev, "ipcsvc_event_post") ||
			   field(end + 1, "chan") != chan || chan < 0) {
			continue;
		}
		len += snprintf(out + len, size - len, "%s", ev + 7);
		if (field(end + 1, "side") >= 0)
			len += snprintf(out + len, size - len, " %lld",
					field(end + 1, "side"));
		if (field(end + 1, "dir") >= 0)
			len += snprintf(out + len, size - len, " %lld",
					field(end + 1, "dir"));
		if (field(end + 1, "reason") > 0)
			len += snprintf(out + len, size - len, " r%lld",
					field(end + 1, "reason"));
		len += snprintf(out + len, size - len, "\n");
		if (len >= size)
			break;
	}
	fclose(f);
}

/* Publish one more message on @fd's channel @h and wake the peer. */
static int send_one(int fd, uint32_t h, uint8_t *tx, uint64_t *count)
{
	((volatile uint64_t *)(tx + st_prod_word(0)))[1] = ++*count;
	return st_wake(fd, h, IPCSVC_DIR_TX);
}

TEST(session_sequence)
{
	static char got[8192];
	const char *want =
		"service_create\n"
		"connect\n"
		"accept\n"
		"grow 0\n"
		"grow 1\n"
		"wake 0 0\n" "wait_begin 1 1\n" "wait_end 1 1\n"
		"wake 1 0\n" "wait_begin 0 1\n" "wait_end 0 1\n"
		"wake 0 0\n" "wait_begin 1 1\n" "wait_end 1 1\n"
		"wake 1 0\n" "wait_begin 0 1\n" "wait_end 0 1\n"
		"wake 0 0\n" "wait_begin 1 1\n" "wait_end 1 1\n"
		"wake 1 0\n" "wait_begin 0 1\n" "wait_end 0 1\n"
		"channel_close 0 r1\n"
		"channel_close 1 r1\n"
		"service_close r1\n";
	uint64_t sent[2] = { 0, 0 };
	uint8_t *ctx, *stx;
	struct st_pair p;

	if (!find_tracefs())
		SKIP(return, "no ipcsvc events in tracefs (kernel without tracing)");
	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, put("tracing_on", "0"));
	ASSERT_EQ(0, put("trace", ""));
	ASSERT_EQ(0, put("events/ipcsvc/enable", "1"));
	ASSERT_EQ(0, put("tracing_on", "1"));

	ASSERT_EQ(0, st_pair_open(&p, "tr.session", 0, 0));
	ASSERT_EQ(0, st_grow(p.cfd, p.cch, ST_PAGE, NULL));
	ASSERT_EQ(0, st_grow(p.sfd, p.sch, ST_PAGE, NULL));
	ctx = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	stx = st_map(p.sfd, p.sch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, ctx);
	ASSERT_NE(NULL, stx);
	for (int i = 0; i < 3; i++) {
		/* The request, then the reply; each side waits on the word. */
		ASSERT_EQ(0, send_one(p.cfd, p.cch, ctx, &sent[0]));
		ASSERT_EQ(0, st_wait(p.sfd, p.sch, IPCSVC_DIR_RX,
				     st_prod_word(1), sent[0] - 1, 1000000000));
		ASSERT_EQ(0, send_one(p.sfd, p.sch, stx, &sent[1]));
		ASSERT_EQ(0, st_wait(p.cfd, p.cch, IPCSVC_DIR_RX,
				     st_prod_word(1), sent[1] - 1, 1000000000));
	}
	ASSERT_EQ(0, st_close(p.cfd, p.cch));
	ASSERT_EQ(0, st_close(p.sfd, p.sch));
	ASSERT_EQ(0, st_close(p.sfd, p.svc));
	put("tracing_on", "0");
	put("events/ipcsvc/enable", "0");

	collect("tr.session", got, sizeof(got));
	EXPECT_STREQ(want, got);
	st_pair_close(&p);
}

TEST_HARNESS_MAIN
