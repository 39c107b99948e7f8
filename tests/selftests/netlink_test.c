// SPDX-License-Identifier: GPL-2.0
/*
 * The introspection family: strict request checking, every field of
 * service-get and channel-get against a state built here, dumps that span
 * many messages while the registry changes, stats-get and user-get.
 *
 * Each test runs in a fresh IPC namespace of its own (the harness forks
 * one process per test), so the services it sees are exactly its own.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "ipcsvc_st.h"
#include "ipcsvc_nl.h"
#include "kselftest_harness.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The services (or channels) of a dump, indexed. */
struct idx {
	const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];
};

static int get_service(struct st_nl *nl, const char *name,
		       struct st_nl_reply *r, const struct nlattr **tb)
{
	int ret;

	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, name);
	ret = st_nl_talk(nl, r);
	if (!ret && r->msgs != 1)
		ret = -EPROTO;
	if (!ret)
		st_nl_attrs(st_nl_msg(r, 0), tb, IPCSVC_A_SERVICE_MAX);
	return ret;
}

FIXTURE(nl) {
	struct st_nl nl;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, unshare(CLONE_NEWIPC));
	ASSERT_EQ(0, st_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(nl)
{
	st_nl_close(&self->nl);
}

/* Each malformed request is refused with the errno and text it earns. */
TEST_F(nl, strict_requests)
{
	struct st_nl *nl = &self->nl;
	char long_name[80];
	uint32_t four = 1;
	int fd = st_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_service(fd, "nl.strict", 1, 0666, NULL));

	/* The name is required. */
	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	/* An attribute type beyond the operation's policy. */
	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, "nl.strict");
	st_nl_put_u64(nl, 99, 1);
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	EXPECT_STREQ("Unknown attribute type", nl->err);
	/* One the family knows but this operation does not take. */
	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_u64(nl, IPCSVC_A_SERVICE_ID, 1);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, "nl.strict");
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	EXPECT_STREQ("Unsupported attribute", nl->err);
	/* The wrong size for a u64, and a name too long for the policy. */
	st_nl_req(nl, IPCSVC_CMD_CHANNEL_GET, false);
	st_nl_put(nl, IPCSVC_A_CHANNEL_ID, &four, sizeof(four));
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	EXPECT_NE('\0', nl->err[0]);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, long_name);
	EXPECT_EQ(-ERANGE, st_nl_talk(nl, NULL));
	EXPECT_NE('\0', nl->err[0]);
	/* Not UTF-8: our own check, with our own words. */
	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, false);
	st_nl_put_str(nl, IPCSVC_A_SERVICE_NAME, "\xff");
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	EXPECT_EQ(0, strncmp(nl->err, "not a protocol name", 19));
	/* Filters of a dump are checked too. */
	st_nl_req(nl, IPCSVC_CMD_CHANNEL_GET, true);
	st_nl_put(nl, IPCSVC_A_CHANNEL_SERVICE_ID, &four, sizeof(four));
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	/* Operations without attributes take none. */
	st_nl_req(nl, IPCSVC_CMD_STATS_GET, false);
	st_nl_put_u64(nl, IPCSVC_A_STATS_PORTS, 1);
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	st_nl_req(nl, IPCSVC_CMD_MONITOR, false);
	st_nl_put_u64(nl, IPCSVC_A_MONITOR_LOST, 1);
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	/* Unknown commands, and a dump of a do-only one. */
	st_nl_req(nl, 200, false);
	EXPECT_EQ(-EOPNOTSUPP, st_nl_talk(nl, NULL));
	st_nl_req(nl, IPCSVC_CMD_SERVICE_ADD_NTF, false);
	EXPECT_EQ(-EOPNOTSUPP, st_nl_talk(nl, NULL));
	st_nl_req(nl, IPCSVC_CMD_STATS_GET, true);
	EXPECT_EQ(-EOPNOTSUPP, st_nl_talk(nl, NULL));
	/* The generic header's reserved field must be zero. */
	st_nl_req(nl, IPCSVC_CMD_STATS_GET, false);
	((struct genlmsghdr *)NLMSG_DATA(st_nl_hdr(nl)))->reserved = 1;
	EXPECT_EQ(-EINVAL, st_nl_talk(nl, NULL));
	/* After all that, a good request still works. */
	st_nl_req(nl, IPCSVC_CMD_STATS_GET, false);
	EXPECT_EQ(0, st_nl_talk(nl, NULL));
	close(fd);
}

/* service-get: every field, by name and in a dump. */
TEST_F(nl, service_fields)
{
	struct st_limits lim = {
		.max_to_server = 2 * ST_PAGE, .max_to_client = 3 * ST_PAGE,
		.max_connections = 5, .max_pending = 2,
	};
	const struct nlattr *tb[IPCSVC_A_SERVICE_MAX + 1];
	struct st_nl_reply r;
	uint64_t before, after;
	int sfd = st_open(), cfd = st_open();

	ASSERT_LE(0, sfd);
	ASSERT_LE(0, cfd);
	before = now_ns();
	ASSERT_EQ(0, st_service_ex(sfd, "nl.fields", 7, 0640, &lim, NULL));
	after = now_ns();
	/* One connection, not accepted yet. */
	ASSERT_EQ(0, st_connect(cfd, "nl.fields", 7, NULL));

	ASSERT_EQ(0, get_service(&self->nl, "nl.fields", &r, tb));
	EXPECT_EQ(IPCSVC_CMD_SERVICE_GET, st_nl_cmd(st_nl_msg(&r, 0)));
	EXPECT_LT(0, st_nl_u64(tb[IPCSVC_A_SERVICE_ID]));
	EXPECT_STREQ("nl.fields", st_nl_str(tb[IPCSVC_A_SERVICE_NAME]));
	EXPECT_EQ(7, st_nl_u64(tb[IPCSVC_A_SERVICE_VERSION]));
	EXPECT_EQ(getuid(), st_nl_u32(tb[IPCSVC_A_SERVICE_UID]));
	EXPECT_EQ(getgid(), st_nl_u32(tb[IPCSVC_A_SERVICE_GID]));
	EXPECT_EQ(0640, st_nl_u32(tb[IPCSVC_A_SERVICE_MODE]));
	EXPECT_EQ(getpid(), st_nl_u32(tb[IPCSVC_A_SERVICE_PID]));
	EXPECT_EQ(1, st_nl_u32(tb[IPCSVC_A_SERVICE_CONNECTIONS]));
	EXPECT_EQ(1, st_nl_u32(tb[IPCSVC_A_SERVICE_PENDING]));
	EXPECT_EQ(5, st_nl_u32(tb[IPCSVC_A_SERVICE_MAX_CONNECTIONS]));
	EXPECT_EQ(2, st_nl_u32(tb[IPCSVC_A_SERVICE_MAX_PENDING]));
	EXPECT_EQ(2 * ST_PAGE, st_nl_u64(tb[IPCSVC_A_SERVICE_MAX_TO_SERVER]));
	EXPECT_EQ(3 * ST_PAGE, st_nl_u64(tb[IPCSVC_A_SERVICE_MAX_TO_CLIENT]));
	EXPECT_LE(before, st_nl_u64(tb[IPCSVC_A_SERVICE_CTIME]));
	EXPECT_GE(after, st_nl_u64(tb[IPCSVC_A_SERVICE_CTIME]));
	EXPECT_EQ(NULL, tb[IPCSVC_A_SERVICE_REASON]);
	st_nl_reply_free(&r);

	/* The dump of this namespace holds it alone, with the same id. */
	st_nl_req(&self->nl, IPCSVC_CMD_SERVICE_GET, true);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	EXPECT_EQ(1, r.msgs);
	if (r.msgs == 1) {
		const struct nlattr *dtb[IPCSVC_A_SERVICE_MAX + 1];

		st_nl_attrs(st_nl_msg(&r, 0), dtb, IPCSVC_A_SERVICE_MAX);
		EXPECT_STREQ("nl.fields", st_nl_str(dtb[IPCSVC_A_SERVICE_NAME]));
		EXPECT_EQ(1, st_nl_u32(dtb[IPCSVC_A_SERVICE_PENDING]));
	}
	st_nl_reply_free(&r);

	/* Gone once closed: its name is free, and it is not listed. */
	close(sfd);
	EXPECT_EQ(-ENOENT, get_service(&self->nl, "nl.fields", &r, tb));
	EXPECT_STREQ("no such service", self->nl.err);
	close(cfd);
}

/* The nested direction attributes of a channel message. */
static void dir_attrs(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, (IPCSVC_A_DIR_MAX + 1) * sizeof(*tb));
	if (nest)
		st_nl_nested(nest, tb, IPCSVC_A_DIR_MAX);
}

static int get_channels(struct st_nl *nl, const char *service,
			struct st_nl_reply *r)
{
	st_nl_req(nl, IPCSVC_CMD_CHANNEL_GET, true);
	if (service)
		st_nl_put_str(nl, IPCSVC_A_CHANNEL_SERVICE_NAME, service);
	return st_nl_talk(nl, r);
}

struct sleeper {
	int fd;
	uint32_t handle;
	uint64_t value;
	int ret;
};

static void *sleep_rx(void *arg)
{
	struct sleeper *s = arg;

	s->ret = st_wait(s->fd, s->handle, IPCSVC_DIR_RX, st_prod_word(1),
			 s->value, 5000000000LL);
	return NULL;
}

/*
 * channel-get: ids, both ends, and per direction the kernel's figures and
 * the queue words of both processes, as a known fill sets them.
 */
TEST_F(nl, channel_fields)
{
	const struct nlattr *tb[IPCSVC_A_CHANNEL_MAX + 1];
	const struct nlattr *ts[IPCSVC_A_DIR_MAX + 1], *tc[IPCSVC_A_DIR_MAX + 1];
	struct st_pair p, q;
	struct st_nl_reply r;
	struct sleeper sl;
	pthread_t thread;
	uint8_t *ctx, *srx, *crx;
	volatile uint64_t *w;
	uint64_t svc_id, chan_id;

	ASSERT_EQ(0, st_pair_open(&p, "nl.chan", 4 * ST_PAGE, 2 * ST_PAGE));
	ASSERT_EQ(0, st_pair_open(&q, "nl.other", 0, 0));
	ctx = st_map(p.cfd, p.cch, IPCSVC_DIR_TX, PROT_READ | PROT_WRITE);
	srx = st_map(p.sfd, p.sch, IPCSVC_DIR_RX, PROT_READ | PROT_WRITE);
	crx = st_map(p.cfd, p.cch, IPCSVC_DIR_RX, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, ctx);
	ASSERT_NE(NULL, srx);
	ASSERT_NE(NULL, crx);
	ASSERT_EQ(0, st_grow(p.cfd, p.cch, ST_PAGE, NULL));
	/* The client published 3 messages, 96 bytes; the server took 1. */
	w = (uint64_t *)(ctx + st_prod_word(0));
	w[0] = 96;		/* tail */
	w[1] = 3;		/* published */
	w[16] = 2;		/* waiters */
	w = (uint64_t *)(srx + st_cons_word(0));
	w[0] = 32;		/* head */
	w[1] = 1;		/* consumed */
	w[16] = 1;		/* waiters */
	/* The client gave up on the server's replies. */
	((uint64_t *)(crx + st_cons_word(0)))[17] = 1;
	/* And a server thread sleeps for the next request. */
	sl = (struct sleeper){ .fd = p.sfd, .handle = p.sch, .value = 3 };
	ASSERT_EQ(0, pthread_create(&thread, NULL, sleep_rx, &sl));
	usleep(200000);

	ASSERT_EQ(0, get_channels(&self->nl, "nl.chan", &r));
	ASSERT_EQ(1, r.msgs);
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_CHANNEL_MAX);
	chan_id = st_nl_u64(tb[IPCSVC_A_CHANNEL_ID]);
	svc_id = st_nl_u64(tb[IPCSVC_A_CHANNEL_SERVICE_ID]);
	EXPECT_LT(0, chan_id);
	EXPECT_LT(0, svc_id);
	EXPECT_STREQ("nl.chan", st_nl_str(tb[IPCSVC_A_CHANNEL_SERVICE_NAME]));
	EXPECT_EQ(1, st_nl_u64(tb[IPCSVC_A_CHANNEL_VERSION]));
	EXPECT_EQ(getpid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_CLIENT_PID]));
	EXPECT_EQ(geteuid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_CLIENT_UID]));
	EXPECT_EQ(getegid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_CLIENT_GID]));
	EXPECT_EQ(getpid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_SERVER_PID]));
	EXPECT_EQ(geteuid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_SERVER_UID]));
	EXPECT_EQ(getegid(), st_nl_u32(tb[IPCSVC_A_CHANNEL_SERVER_GID]));
	EXPECT_EQ(NULL, tb[IPCSVC_A_CHANNEL_CLIENT_CLOSED]);
	EXPECT_EQ(NULL, tb[IPCSVC_A_CHANNEL_SERVER_CLOSED]);
	EXPECT_EQ(NULL, tb[IPCSVC_A_CHANNEL_REASON]);
	EXPECT_NE(NULL, tb[IPCSVC_A_CHANNEL_CTIME]);
	dir_attrs(tb[IPCSVC_A_CHANNEL_TO_SERVER], ts);
	dir_attrs(tb[IPCSVC_A_CHANNEL_TO_CLIENT], tc);
	EXPECT_EQ(4 * ST_PAGE, st_nl_u64(ts[IPCSVC_A_DIR_MAX_SIZE]));
	EXPECT_EQ(ST_PAGE, st_nl_u64(ts[IPCSVC_A_DIR_COMMITTED]));
	EXPECT_EQ(2, st_nl_u64(ts[IPCSVC_A_DIR_MESSAGES]));
	EXPECT_EQ(64, st_nl_u64(ts[IPCSVC_A_DIR_BYTES]));
	EXPECT_EQ(2, st_nl_u32(ts[IPCSVC_A_DIR_PRODUCER_WAITERS]));
	EXPECT_EQ(1, st_nl_u32(ts[IPCSVC_A_DIR_CONSUMER_WAITERS]));
	EXPECT_EQ(0, st_nl_u32(ts[IPCSVC_A_DIR_PRODUCER_SLEEPERS]));
	EXPECT_EQ(1, st_nl_u32(ts[IPCSVC_A_DIR_CONSUMER_SLEEPERS]));
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_PRODUCER_BROKEN]);
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_CONSUMER_BROKEN]);
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_INVALID]);
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_REVOKED]);
	EXPECT_EQ(2 * ST_PAGE, st_nl_u64(tc[IPCSVC_A_DIR_MAX_SIZE]));
	EXPECT_EQ(0, st_nl_u64(tc[IPCSVC_A_DIR_COMMITTED]));
	EXPECT_EQ(0, st_nl_u64(tc[IPCSVC_A_DIR_MESSAGES]));
	EXPECT_EQ(0, st_nl_u64(tc[IPCSVC_A_DIR_BYTES]));
	EXPECT_EQ(0, st_nl_u32(tc[IPCSVC_A_DIR_CONSUMER_SLEEPERS]));
	EXPECT_EQ(NULL, tc[IPCSVC_A_DIR_PRODUCER_BROKEN]);
	EXPECT_NE(NULL, tc[IPCSVC_A_DIR_CONSUMER_BROKEN]);
	st_nl_reply_free(&r);

	/* A position the ring cannot have makes the words invalid. */
	((uint64_t *)(ctx + st_prod_word(0)))[0] = ST_PAGE + 8;
	st_nl_req(&self->nl, IPCSVC_CMD_CHANNEL_GET, false);
	st_nl_put_u64(&self->nl, IPCSVC_A_CHANNEL_ID, chan_id);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	ASSERT_EQ(1, r.msgs);
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_CHANNEL_MAX);
	dir_attrs(tb[IPCSVC_A_CHANNEL_TO_SERVER], ts);
	EXPECT_NE(NULL, ts[IPCSVC_A_DIR_INVALID]);
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_MESSAGES]);
	EXPECT_EQ(NULL, ts[IPCSVC_A_DIR_BYTES]);
	EXPECT_EQ(ST_PAGE, st_nl_u64(ts[IPCSVC_A_DIR_COMMITTED]));
	st_nl_reply_free(&r);

	/* Wake the sleeper; then no one sleeps. */
	((uint64_t *)(ctx + st_prod_word(0)))[1] = 4;
	EXPECT_EQ(0, st_wake(p.cfd, p.cch, IPCSVC_DIR_TX));
	pthread_join(thread, NULL);
	EXPECT_EQ(0, sl.ret);

	/* Both channels unfiltered; by service id, only the first. */
	ASSERT_EQ(0, get_channels(&self->nl, NULL, &r));
	EXPECT_EQ(2, r.msgs);
	st_nl_reply_free(&r);
	st_nl_req(&self->nl, IPCSVC_CMD_CHANNEL_GET, true);
	st_nl_put_u64(&self->nl, IPCSVC_A_CHANNEL_SERVICE_ID, svc_id);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	EXPECT_EQ(1, r.msgs);
	st_nl_reply_free(&r);

	/* The client closes: why, and by whom, while the server is open. */
	ASSERT_EQ(0, st_close(p.cfd, p.cch));
	ASSERT_EQ(0, get_channels(&self->nl, "nl.chan", &r));
	ASSERT_EQ(1, r.msgs);
	st_nl_attrs(st_nl_msg(&r, 0), tb, IPCSVC_A_CHANNEL_MAX);
	EXPECT_NE(NULL, tb[IPCSVC_A_CHANNEL_CLIENT_CLOSED]);
	EXPECT_EQ(NULL, tb[IPCSVC_A_CHANNEL_SERVER_CLOSED]);
	EXPECT_EQ(IPCSVC_REASON_BROKEN, st_nl_u32(tb[IPCSVC_A_CHANNEL_REASON]));
	EXPECT_EQ(IPCSVC_SIDE_CLIENT_END,
		  st_nl_u32(tb[IPCSVC_A_CHANNEL_CLOSED_BY]));
	st_nl_reply_free(&r);

	/* An id that names nothing. */
	st_nl_req(&self->nl, IPCSVC_CMD_CHANNEL_GET, false);
	st_nl_put_u64(&self->nl, IPCSVC_A_CHANNEL_ID, chan_id + 1000000);
	EXPECT_EQ(-ENOENT, st_nl_talk(&self->nl, NULL));
	EXPECT_STREQ("no such channel", self->nl.err);
	st_pair_close(&p);
	st_pair_close(&q);
}

#define MANY	3000

/*
 * A dump of thousands of services spans many messages and resumes where
 * it stopped, while services come and go between its reads: each service
 * that exists throughout is reported once, in id order.
 */
TEST_F_TIMEOUT(nl, dump_thousands, 180)
{
	static bool seen[MANY + 100];
	unsigned long old_max = 0;
	struct st_nl *nl = &self->nl;
	uint32_t handles[MANY];
	uint64_t last = 0;
	unsigned int reads = 0, msgs = 0, dups = 0, order = 0;
	char name[32];
	int fd = st_open(), ret = 0;
	bool done = false;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, st_param_get("max_services", &old_max));
	ASSERT_EQ(0, st_param_set("max_services", MANY + 200));
	for (int i = 0; i < MANY && !ret; i++) {
		snprintf(name, sizeof(name), "nl.many.%04d", i);
		ret = st_service(fd, name, 1, 0666, &handles[i]);
	}
	EXPECT_EQ(0, ret);

	st_nl_req(nl, IPCSVC_CMD_SERVICE_GET, true);
	ASSERT_EQ(0, st_nl_send(nl));
	while (!done) {
		/* Room for the largest message batch a dump sends. */
		static uint8_t buf[ST_NL_BUF] __attribute__((aligned(8)));
		int len = (int)recv(nl->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;

		ASSERT_LT(0, len);
		reads++;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct nlattr *tb[IPCSVC_A_SERVICE_MAX + 1];
			int i;

			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			ASSERT_NE(NLMSG_ERROR, nlh->nlmsg_type);
			st_nl_attrs(nlh, tb, IPCSVC_A_SERVICE_MAX);
			order += st_nl_u64(tb[IPCSVC_A_SERVICE_ID]) <= last;
			last = st_nl_u64(tb[IPCSVC_A_SERVICE_ID]);
			if (sscanf(st_nl_str(tb[IPCSVC_A_SERVICE_NAME]),
				   "nl.many.%d", &i) != 1 || i < 0 ||
			    i >= MANY + 100)
				continue;
			dups += seen[i];
			seen[i] = true;
			msgs++;
		}
		/* Between two reads: close one early and one late service,
		 * and add one, which comes after everything else. */
		if (reads == 2) {
			EXPECT_EQ(0, st_close(fd, handles[1]));
			EXPECT_EQ(0, st_close(fd, handles[MANY - 1]));
			EXPECT_EQ(0, st_service(fd, "nl.many.3050", 1, 0666,
						NULL));
		}
	}
	st_param_set("max_services", old_max);
	EXPECT_LT(3, reads);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(0, order);
	EXPECT_TRUE(seen[MANY + 50]);
	EXPECT_FALSE(seen[MANY - 1]);
	for (int i = 2; i < MANY - 1; i++)
		if (!seen[i]) {
			EXPECT_TRUE(seen[i]) TH_LOG("service %d missing", i);
			break;
		}
	TH_LOG("%u services in %u reads", msgs, reads);
	close(fd);
}

static int get_stats(struct st_nl *nl, const struct nlattr **tb,
		     const struct nlattr **rtb, struct st_nl_reply *r)
{
	int ret;

	st_nl_req(nl, IPCSVC_CMD_STATS_GET, false);
	ret = st_nl_talk(nl, r);
	if (!ret && r->msgs != 1)
		ret = -EPROTO;
	if (ret)
		return ret;
	st_nl_attrs(st_nl_msg(r, 0), tb, IPCSVC_A_STATS_MAX);
	memset(rtb, 0, (IPCSVC_A_REFUSED_MAX + 1) * sizeof(*rtb));
	if (tb[IPCSVC_A_STATS_REFUSED])
		st_nl_nested(tb[IPCSVC_A_STATS_REFUSED], rtb,
			     IPCSVC_A_REFUSED_MAX);
	return 0;
}

/* stats-get counts what happens, whoever does it. */
TEST_F(nl, stats_count)
{
	const struct nlattr *a[IPCSVC_A_STATS_MAX + 1], *b[IPCSVC_A_STATS_MAX + 1];
	const struct nlattr *ra[IPCSVC_A_REFUSED_MAX + 1];
	const struct nlattr *rb[IPCSVC_A_REFUSED_MAX + 1];
	struct st_nl_reply r1, r2;
	struct st_pair p;

	ASSERT_EQ(0, get_stats(&self->nl, a, ra, &r1));
	ASSERT_EQ(0, st_pair_open(&p, "nl.stats", 0, 0));
	EXPECT_EQ(-ENOENT, st_connect(p.cfd, "nl.nothing", 1, NULL));
	EXPECT_EQ(-EPROTONOSUPPORT, st_connect(p.cfd, "nl.stats", 2, NULL));
	EXPECT_EQ(0, st_wake(p.cfd, p.cch, IPCSVC_DIR_TX));
	EXPECT_EQ(0, st_wait(p.sfd, p.sch, IPCSVC_DIR_RX, st_prod_word(1), 1,
			     0));
	ASSERT_EQ(0, get_stats(&self->nl, b, rb, &r2));

	/* Gauges: at least what this test holds. */
	EXPECT_LE(2, st_nl_u32(b[IPCSVC_A_STATS_PORTS]));
	EXPECT_LE(1, st_nl_u32(b[IPCSVC_A_STATS_SERVICES]));
	EXPECT_LE(1, st_nl_u32(b[IPCSVC_A_STATS_CHANNELS]));
	EXPECT_LE(3 * ST_PAGE, st_nl_u64(b[IPCSVC_A_STATS_COMMITTED]));
	/* Counters: at least what it did (other tests do not run now). */
	EXPECT_LE(st_nl_u64(a[IPCSVC_A_STATS_CONNECTS]) + 1,
		  st_nl_u64(b[IPCSVC_A_STATS_CONNECTS]));
	EXPECT_LE(st_nl_u64(a[IPCSVC_A_STATS_WAKES]) + 1,
		  st_nl_u64(b[IPCSVC_A_STATS_WAKES]));
	EXPECT_LE(st_nl_u64(a[IPCSVC_A_STATS_WAITS]) + 1,
		  st_nl_u64(b[IPCSVC_A_STATS_WAITS]));
	EXPECT_LE(st_nl_u64(a[IPCSVC_A_STATS_EVENTS]) + 1,
		  st_nl_u64(b[IPCSVC_A_STATS_EVENTS]));
	EXPECT_EQ(st_nl_u64(ra[IPCSVC_A_REFUSED_NOENT]) + 1,
		  st_nl_u64(rb[IPCSVC_A_REFUSED_NOENT]));
	EXPECT_EQ(st_nl_u64(ra[IPCSVC_A_REFUSED_VERSION]) + 1,
		  st_nl_u64(rb[IPCSVC_A_REFUSED_VERSION]));
	EXPECT_EQ(st_nl_u64(ra[IPCSVC_A_REFUSED_ACCESS]),
		  st_nl_u64(rb[IPCSVC_A_REFUSED_ACCESS]));
	EXPECT_NE(NULL, b[IPCSVC_A_STATS_MONITORS]);
	st_nl_reply_free(&r1);
	st_nl_reply_free(&r2);
	st_pair_close(&p);
}

/* user-get: the caller's user, with what it is charged. */
TEST_F(nl, user_charges)
{
	struct ipcsvc_usage u;
	struct st_nl_reply r;
	struct st_pair p;
	bool found = false;

	ASSERT_EQ(0, st_pair_open(&p, "nl.user", 0, 0));
	ASSERT_EQ(0, st_usage(p.sfd, &u));
	st_nl_req(&self->nl, IPCSVC_CMD_USER_GET, true);
	ASSERT_EQ(0, st_nl_talk(&self->nl, &r));
	for (unsigned int i = 0; i < r.msgs; i++) {
		const struct nlattr *tb[IPCSVC_A_USER_MAX + 1];

		st_nl_attrs(st_nl_msg(&r, i), tb, IPCSVC_A_USER_MAX);
		if (st_nl_u32(tb[IPCSVC_A_USER_UID]) != geteuid())
			continue;
		found = true;
		EXPECT_EQ(u.services, st_nl_u32(tb[IPCSVC_A_USER_SERVICES]));
		EXPECT_EQ(u.channels, st_nl_u32(tb[IPCSVC_A_USER_CHANNELS]));
		EXPECT_EQ(u.bytes, st_nl_u64(tb[IPCSVC_A_USER_BYTES]));
	}
	EXPECT_TRUE(found);
	st_nl_reply_free(&r);
	st_pair_close(&p);
}

/* The fdinfo of a port: its handles, one line each, names escaped. */
TEST_F(nl, port_fdinfo)
{
	const struct nlattr *tb[IPCSVC_A_SERVICE_MAX + 1];
	char path[64], info[2048], want[256];
	struct st_nl_reply r;
	struct st_pair p;
	uint32_t odd;
	FILE *f;
	size_t n;

	ASSERT_EQ(0, st_pair_open(&p, "nl.fd", 0, 0));
	ASSERT_EQ(0, st_service(p.sfd, "nl\nfake: line", 1, 0600, &odd));
	ASSERT_EQ(0, st_close(p.cfd, p.cch));
	ASSERT_EQ(0, get_service(&self->nl, "nl.fd", &r, tb));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", p.sfd);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	n = fread(info, 1, sizeof(info) - 1, f);
	info[n] = '\0';
	fclose(f);
	EXPECT_NE(NULL, strstr(info, "\nipcsvc-handles:\t3\n"));
	EXPECT_NE(NULL, strstr(info, "\nipcsvc-events:\t1\n"));	/* PeerClosed */
	snprintf(want, sizeof(want), "\nhandle:\t%u service id:%llu name:nl.fd\n",
		 p.svc, (unsigned long long)st_nl_u64(tb[IPCSVC_A_SERVICE_ID]));
	EXPECT_NE(NULL, strstr(info, want));
	snprintf(want, sizeof(want), "\nhandle:\t%u channel id:", p.sch);
	EXPECT_NE(NULL, strstr(info, want));
	EXPECT_NE(NULL, strstr(info, " side:server peer:closed\n"));
	/* A newline in a name cannot forge a line. */
	EXPECT_NE(NULL, strstr(info, "name:nl\\nfake: line\n"));
	EXPECT_EQ(NULL, strstr(info, "\nfake: line"));
	st_nl_reply_free(&r);
	st_pair_close(&p);
}

TEST_HARNESS_MAIN
