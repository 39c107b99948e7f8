// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl against a known state: every field of its JSON compared with
 * what this test built (ids and creation times taken from the family),
 * the pretty form equal to the compact one, the tables, the monitor's
 * one object per line, what another user sees, and the exit codes.
 *
 * The guest has the tool in /bin (tools/vm/run-guest --tool); each test
 * runs in a fresh IPC namespace, so the tool sees exactly its state.
 */
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "ipcsvc_nl.h"
#include "kselftest_harness.h"

struct run {
	int status;		/* the exit code, or -1 */
	char out[65536];
	char err[4096];
};

static void slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
}

/* Run ipcsvcctl with @argv (NULL-terminated) as @uid (-1: as we are). */
static void run_tool(struct run *r, int uid, const char *const *argv)
{
	int out[2], err[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe(out) || pipe(err))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (uid >= 0 && (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
				 setresuid(uid, uid, uid)))
			_exit(126);
		execvp("ipcsvcctl", (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	slurp(out[0], r->out, sizeof(r->out));
	slurp(err[0], r->err, sizeof(r->err));
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
}

/* Show @out in the log as TAP comment lines. */
static void show(const char *what, const char *out)
{
	const char *p = out, *e;

	printf("# %s:\n", what);
	while (*p) {
		e = strchrnul(p, '\n');
		printf("#   %.*s\n", (int)(e - p), p);
		p = *e ? e + 1 : e;
	}
}

#define TOOL(r, ...) run_tool(r, -1, (const char *const[]){ __VA_ARGS__, NULL })

/* @s without the whitespace outside strings. */
static void squeeze(char *s)
{
	char *d = s;
	bool in = false;

	for (; *s; s++) {
		if (*s == '"' && (s == d || s[-1] != '\\'))
			in = !in;
		if (in || (*s != ' ' && *s != '\n'))
			*d++ = *s;
	}
	*d = '\0';
}

/* A service's id and creation time, as the family reports them. */
static int service_ids(struct st_nl *nl, const char *name, uint64_t *id,
		       uint64_t *ctime)
{
	const struct nlattr *tb[IPCSVC_A_SERVICE_MAX + 1];
	struct st_nl_reply r;
	int ret;

	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, name);
	ret = st_nl_talk(nl, &r);
	if (ret)
		return ret;
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_SERVICE_MAX);
	*id = st_nl_u64(tb[IPCSVC_A_SERVICE_ID]);
	*ctime = st_nl_u64(tb[IPCSVC_A_SERVICE_CTIME]);
	st_nl_reply_free(&r);
	return 0;
}

FIXTURE(ctl) {
	struct st_nl nl;
	int sfd, cfd;
	uint32_t cch;
	uint64_t svc_id, svc_ctime, chan_id, chan_ctime;
	char svc_json[1024];
};

/*
 * The state: ctl.echo (version 3, mode 0644, 8 KiB to the server, 4 KiB
 * back, at most 10 connections and 4 unaccepted) with one unaccepted
 * channel whose client published two messages of 48 bytes in all; and
 * ctl.private, mode 0600.
 */
FIXTURE_SETUP(ctl)
{
	struct st_limits lim = {
		.max_to_server = 2 * ST_PAGE, .max_to_client = ST_PAGE,
		.max_connections = 10, .max_pending = 4,
	};
	const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];
	struct st_nl_reply r;
	uint64_t *prod;
	uint8_t *area;

	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, st_nl_open(&self->nl));
	self->sfd = st_open();
	self->cfd = st_open();
	ASSERT_LE(0, self->sfd);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, st_service_ex(self->sfd, "ctl.echo", 3, 0644, &lim,
				   NULL));
	ASSERT_EQ(0, st_service(self->sfd, "ctl.private", 1, 0600, NULL));
	ASSERT_EQ(0, st_connect(self->cfd, "ctl.echo", 3, &self->cch));
	ASSERT_EQ(0, st_grow(self->cfd, self->cch, ST_PAGE, NULL));
	area = st_map(self->cfd, self->cch, IPCSVC_DIR_TX,
		      PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, area);
	prod = (uint64_t *)(area + st_prod_word(0));
	prod[0] = 48;	/* tail */
	prod[1] = 2;	/* published */

	ASSERT_EQ(0, service_ids(&self->nl, "ctl.echo", &self->svc_id,
				 &self->svc_ctime));
	st_nl_req(&self->nl, IPCSVC_CMD_CHANNEL_GET, true);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	ASSERT_EQ(1, r.msgs);
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_CHANNEL_MAX);
	self->chan_id = st_nl_u64(tb[IPCSVC_A_CHANNEL_ID]);
	self->chan_ctime = st_nl_u64(tb[IPCSVC_A_CHANNEL_CTIME]);
	st_nl_reply_free(&r);

	snprintf(self->svc_json, sizeof(self->svc_json),
		 "{\"id\":%llu,\"name\":\"ctl.echo\",\"version\":3,"
		 "\"uid\":0,\"gid\":0,\"mode\":\"0644\",\"pid\":%d,"
		 "\"connections\":1,\"pending\":1,\"max_connections\":10,"
		 "\"max_pending\":4,\"max_to_server\":%llu,"
		 "\"max_to_client\":%llu,\"ctime\":%llu}",
		 (unsigned long long)self->svc_id, getpid(),
		 (unsigned long long)(2 * ST_PAGE),
		 (unsigned long long)ST_PAGE,
		 (unsigned long long)self->svc_ctime);
}

FIXTURE_TEARDOWN(ctl)
{
	close(self->cfd);
	close(self->sfd);
	st_nl_close(&self->nl);
}

TEST_F_TIMEOUT(ctl, service_json, 180)
{
	static struct run r, p;
	char want[2048];

	TOOL(&r, "ipcsvcctl", "-j", "service", "list");
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	/* ctl.private is root's and mode 0600: root sees it too. */
	snprintf(want, sizeof(want), "[%s,", self->svc_json);
	EXPECT_EQ(0, strncmp(want, r.out, strlen(want)))
		TH_LOG("got %s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\"name\":\"ctl.private\""));

	TOOL(&r, "ipcsvcctl", "-j", "service", "show", "ctl.echo");
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), "%s\n", self->svc_json);
	EXPECT_STREQ(want, r.out);

	/* Pretty is the same JSON, indented. */
	TOOL(&p, "ipcsvcctl", "-p", "service", "show", "ctl.echo");
	ASSERT_EQ(0, p.status);
	EXPECT_NE(NULL, strstr(p.out, "\n    \"name\": \"ctl.echo\""));
	squeeze(p.out);
	snprintf(want, sizeof(want), "%s", self->svc_json);
	EXPECT_STREQ(want, p.out);

	/* Another user sees the 0644 service, not the 0600 one. */
	run_tool(&r, 1000, (const char *const[]){ "ipcsvcctl", "-j", "s",
						 "l", NULL });
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), "[%s]\n", self->svc_json);
	EXPECT_STREQ(want, r.out);
}

TEST_F_TIMEOUT(ctl, channel_json, 180)
{
	static struct run r;
	char want[4096];
	int pid = getpid();

	snprintf(want, sizeof(want),
		 "[{\"id\":%llu,\"service_id\":%llu,\"service\":\"ctl.echo\","
		 "\"version\":3,"
		 "\"client\":{\"pid\":%d,\"uid\":0,\"gid\":0,\"closed\":false},"
		 "\"server\":{\"pid\":%d,\"uid\":0,\"gid\":0,\"closed\":false},"
		 "\"to_server\":{\"max_size\":%llu,\"committed\":%llu,"
		 "\"messages\":2,\"bytes\":48,\"producer_waiters\":0,"
		 "\"consumer_waiters\":0,\"producer_sleepers\":0,"
		 "\"consumer_sleepers\":0,\"producer_broken\":false,"
		 "\"consumer_broken\":false,\"invalid\":false,"
		 "\"revoked\":false},"
		 "\"to_client\":{\"max_size\":%llu,\"committed\":0,"
		 "\"messages\":0,\"bytes\":0,\"producer_waiters\":0,"
		 "\"consumer_waiters\":0,\"producer_sleepers\":0,"
		 "\"consumer_sleepers\":0,\"producer_broken\":false,"
		 "\"consumer_broken\":false,\"invalid\":false,"
		 "\"revoked\":false},"
		 "\"ctime\":%llu}]\n",
		 (unsigned long long)self->chan_id,
		 (unsigned long long)self->svc_id, pid, pid,
		 (unsigned long long)(2 * ST_PAGE), (unsigned long long)ST_PAGE,
		 (unsigned long long)ST_PAGE,
		 (unsigned long long)self->chan_ctime);
	TOOL(&r, "ipcsvcctl", "-j", "channel", "list", "service", "ctl.echo");
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ(want, r.out);
	TOOL(&r, "ipcsvcctl", "-j", "channel");
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ(want, r.out);
	/* Another user is neither end nor the owner: it sees none. */
	run_tool(&r, 1000, (const char *const[]){ "ipcsvcctl", "-j",
						 "channel", NULL });
	ASSERT_EQ(0, r.status);
	EXPECT_STREQ("[]\n", r.out);
}

TEST_F_TIMEOUT(ctl, tables, 180)
{
	static struct run r;
	char id[32];

	TOOL(&r, "ipcsvcctl", "service", "list");
	ASSERT_EQ(0, r.status);
	show("ipcsvcctl service list", r.out);
	EXPECT_EQ(0, strncmp(r.out, "NAME ", 5));
	EXPECT_NE(NULL, strstr(r.out, "\nctl.echo "));
	EXPECT_NE(NULL, strstr(r.out, " 0644 "));
	EXPECT_NE(NULL, strstr(r.out, " 1/10 "));
	EXPECT_NE(NULL, strstr(r.out, " 1/4 "));
	EXPECT_NE(NULL, strstr(r.out, " 8K "));

	TOOL(&r, "ipcsvcctl", "channel", "list");
	ASSERT_EQ(0, r.status);
	show("ipcsvcctl channel list", r.out);
	EXPECT_EQ(0, strncmp(r.out, "ID ", 3));
	EXPECT_NE(NULL, strstr(r.out, " 2m 48B 4K/8K "));
	EXPECT_NE(NULL, strstr(r.out, " 0m 0B 0B/4K "));
	EXPECT_NE(NULL, strstr(r.out, " open "));

	snprintf(id, sizeof(id), "%llu", (unsigned long long)self->chan_id);
	TOOL(&r, "ipcsvcctl", "channel", "show", id);
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "ctl.echo"));

	TOOL(&r, "ipcsvcctl", "stats", "users");
	ASSERT_EQ(0, r.status);
	show("ipcsvcctl stats users", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\nservices "));
	EXPECT_NE(NULL, strstr(r.out, "\nUID "));
	TOOL(&r, "ipcsvcctl", "-j", "stats", "users");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\"refused\":{\"noent\":"));
	EXPECT_NE(NULL, strstr(r.out, "\"users\":[{\"uid\":0,"));
}

TEST_F_TIMEOUT(ctl, exit_codes, 180)
{
	static struct run r;

	TOOL(&r, "ipcsvcctl", "service", "show", "ctl.none");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ("ipcsvcctl: no service \"ctl.none\" that you may see\n",
		     r.err);
	run_tool(&r, 1000, (const char *const[]){ "ipcsvcctl", "service",
						 "show", "ctl.private", NULL });
	EXPECT_EQ(1, r.status);
	TOOL(&r, "ipcsvcctl", "channel", "show", "999999");
	EXPECT_EQ(1, r.status);
	TOOL(&r, "ipcsvcctl", "bogus");
	EXPECT_EQ(2, r.status);
	TOOL(&r, "ipcsvcctl", "channel", "show", "x1");
	EXPECT_EQ(2, r.status);
	TOOL(&r, "ipcsvcctl", "service", "show");
	EXPECT_EQ(2, r.status);
	TOOL(&r, "ipcsvcctl", "--version");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "ipcsvcctl ", 10));
}

/* monitor -j: one object per line, for exactly what happened. */
TEST_F_TIMEOUT(ctl, monitor_lines, 180)
{
	char buf[4096], want[4096], *nl2;
	struct st_nl_reply r;
	const struct nlattr *tb[IPCSVC_A_STATS_MAX + 1];
	uint64_t id, ctime;
	uint32_t h;
	int out[2], status, monitors = -1;
	size_t len = 0;
	pid_t pid;

	st_nl_req(&self->nl, IPCSVC_CMD_STATS_GET, false);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_STATS_MAX);
	monitors = st_nl_u32(tb[IPCSVC_A_STATS_MONITORS]);
	st_nl_reply_free(&r);

	ASSERT_EQ(0, pipe(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(out[1], 1);
		execlp("ipcsvcctl", "ipcsvcctl", "-j", "monitor", NULL);
		_exit(127);
	}
	close(out[1]);
	/* Wait for it to subscribe. */
	for (int i = 0; i < 200; i++) {
		const struct nlattr *t[IPCSVC_A_STATS_MAX + 1];
		int now;

		st_nl_req(&self->nl, IPCSVC_CMD_STATS_GET, false);
		ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
		st_nl_attrs(st_nl_msg(&r, 0), t, IPCSVC_A_STATS_MAX);
		now = st_nl_u32(t[IPCSVC_A_STATS_MONITORS]);
		st_nl_reply_free(&r);
		if (now > monitors)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, st_service(self->sfd, "ctl.mon", 5, 0666, &h));
	ASSERT_EQ(0, service_ids(&self->nl, "ctl.mon", &id, &ctime));
	ASSERT_EQ(0, st_close(self->sfd, h));

	while (len + 1 < sizeof(buf)) {
		ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
		nl2 = strchr(buf, '\n');
		if (nl2 && strchr(nl2 + 1, '\n'))
			break;
	}
	buf[len] = '\0';
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(out[0]);

#define MON_SVC "{\"id\":%llu,\"name\":\"ctl.mon\",\"version\":5,\"uid\":0," \
	"\"gid\":0,\"mode\":\"0666\",\"pid\":%d,\"connections\":0," \
	"\"pending\":0,\"max_connections\":1024,\"max_pending\":128," \
	"\"max_to_server\":1048576,\"max_to_client\":1048576,\"ctime\":%llu"
	snprintf(want, sizeof(want),
		 "{\"event\":\"service-add\",\"service\":" MON_SVC "}}\n"
		 "{\"event\":\"service-del\",\"service\":" MON_SVC
		 ",\"reason\":\"closed\"}}\n",
		 (unsigned long long)id, getpid(), (unsigned long long)ctime,
		 (unsigned long long)id, getpid(), (unsigned long long)ctime);
	EXPECT_STREQ(want, buf);
}

TEST_HARNESS_MAIN
