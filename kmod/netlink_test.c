// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for introspection: what ipcsvc_area_stat() makes of the
 * queue words processes write (every check that sets "invalid"), the
 * messages netlink.c builds (parsed back, and cancelled whole when they
 * do not fit), who may see a service or a channel, the ids and lists
 * dumps walk, and the close reasons.
 *
 * Each case makes a server and a client port over a private registry key
 * and a service "kunit.nl" with one channel, and closes them at the end.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "ipcsvc_kunit.h"
#include "netlink.h"

struct nl_fixture {
	struct ipc_namespace *ns;
	struct ipcsvc_port *server, *client;
	struct ipcsvc_service *svc;
	struct ipcsvc_channel *chan;
	u32 svc_h, cch;
};

static void nl_setup(struct kunit *test, struct nl_fixture *f)
{
	struct ipcsvc_service_params p = ipcsvc_kunit_params("kunit.nl");
	struct ipcsvc_connect_params c = {
		.name = (const u8 *)"kunit.nl",
		.name_len = 8,
		.version = p.version,
	};
	struct ipcsvc_hobj *obj;

	memset(f, 0, sizeof(*f));
	f->ns = ipcsvc_kunit_ns(test);
	f->server = ipcsvc_kunit_port(test, f->ns);
	f->client = ipcsvc_kunit_port(test, f->ns);
	p.mode = 0640;
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(f->server, &p, &f->svc,
						    &f->svc_h), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f->client, &c, &obj, &f->cch), 0);
	f->chan = ipcsvc_to_ep(obj)->chan;	/* the reference connect gave */
}

static void nl_teardown(struct nl_fixture *f)
{
	ipcsvc_channel_put(f->chan);
	ipcsvc_service_put(f->svc);
	ipcsvc_kunit_port_done(f->client);
	ipcsvc_kunit_port_done(f->server);
}

/* The producer and consumer words of an area, writable here. */
static struct ipcsvc_area_producer *nl_prod(struct ipcsvc_area *area)
{
	return area->hdr->kaddr + (1 + area->side) * PAGE_SIZE +
	       IPCSVC_CONTROL_PRODUCER;
}

static struct ipcsvc_area_consumer *nl_cons(struct ipcsvc_area *area)
{
	return area->hdr->kaddr + (2 - area->side) * PAGE_SIZE +
	       IPCSVC_CONTROL_CONSUMER;
}

/* A consistent fill is reported as it is; after a wrap, the end counts. */
static void ipcsvc_netlink_stat_fill(struct kunit *test)
{
	struct nl_fixture f;
	struct ipcsvc_area *area;
	struct ipcsvc_area_stat st;

	nl_setup(test, &f);
	area = f.chan->area[IPCSVC_SIDE_CLIENT];
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(area, 2 * PAGE_SIZE), 0);
	nl_prod(area)->tail = 200;
	nl_prod(area)->published = 7;
	nl_prod(area)->waiters = 3;
	nl_cons(area)->head = 40;
	nl_cons(area)->consumed = 5;
	nl_cons(area)->broken = 1;
	ipcsvc_area_stat(area, &st);
	KUNIT_EXPECT_FALSE(test, st.invalid);
	KUNIT_EXPECT_EQ(test, st.max_size, area->max_size);
	KUNIT_EXPECT_EQ(test, st.committed, (u64)2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, st.messages, 2ULL);
	KUNIT_EXPECT_EQ(test, st.bytes, 160ULL);
	KUNIT_EXPECT_EQ(test, st.waiters[0], 3U);
	KUNIT_EXPECT_EQ(test, st.waiters[1], 0U);
	KUNIT_EXPECT_FALSE(test, st.broken[0]);
	KUNIT_EXPECT_TRUE(test, st.broken[1]);
	KUNIT_EXPECT_TRUE(test, ipcsvc_area_broken(area));
	/* Wrapped: the tail is behind the head. */
	nl_prod(area)->tail = 16;
	nl_cons(area)->head = 2 * PAGE_SIZE - 64;
	ipcsvc_area_stat(area, &st);
	KUNIT_EXPECT_FALSE(test, st.invalid);
	KUNIT_EXPECT_EQ(test, st.bytes, 80ULL);
	nl_teardown(&f);
}

/* Each impossible value sets invalid and hides what derives from it. */
static void ipcsvc_netlink_stat_invalid(struct kunit *test)
{
	static const struct { u64 tail, head, published, consumed; } bad[] = {
		{ 12, 0, 1, 0 },		/* unaligned */
		{ PAGE_SIZE, 0, 1, 0 },		/* at the end of the ring */
		{ 0, PAGE_SIZE + 8, 0, 0 },	/* beyond it */
		{ 8, 0, PAGE_SIZE / 8 + 1, 0 },	/* more than fit */
		{ 8, 0, 0, 1 },			/* consumed more than sent */
	};
	struct nl_fixture f;
	struct ipcsvc_area *area;
	struct ipcsvc_area_stat st;
	unsigned int i;

	nl_setup(test, &f);
	area = f.chan->area[IPCSVC_SIDE_SERVER];
	/* Nothing committed: only position 0 is a position. */
	nl_prod(area)->tail = 8;
	ipcsvc_area_stat(area, &st);
	KUNIT_EXPECT_TRUE(test, st.invalid);
	KUNIT_ASSERT_EQ(test, ipcsvc_area_grow(area, PAGE_SIZE), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		nl_prod(area)->tail = bad[i].tail;
		nl_prod(area)->published = bad[i].published;
		nl_cons(area)->head = bad[i].head;
		nl_cons(area)->consumed = bad[i].consumed;
		ipcsvc_area_stat(area, &st);
		KUNIT_EXPECT_TRUE_MSG(test, st.invalid, "case %u", i);
		KUNIT_EXPECT_EQ(test, st.messages, 0ULL);
		KUNIT_EXPECT_EQ(test, st.bytes, 0ULL);
	}
	/* A sleeper count no thread count reaches. */
	nl_prod(area)->tail = 0;
	nl_prod(area)->published = 0;
	nl_cons(area)->head = 0;
	nl_cons(area)->consumed = 0;
	nl_cons(area)->waiters = 1ULL << 40;
	ipcsvc_area_stat(area, &st);
	KUNIT_EXPECT_TRUE(test, st.invalid);
	KUNIT_EXPECT_EQ(test, st.waiters[1], 0U);
	nl_teardown(&f);
}

static const struct nla_policy nl_service_policy[IPCSVC_A_SERVICE_MAX + 1] = {
	[IPCSVC_A_SERVICE_ID] = { .type = NLA_U64 },
	[IPCSVC_A_SERVICE_NAME] = { .type = NLA_NUL_STRING, .len = 64 },
	[IPCSVC_A_SERVICE_MODE] = { .type = NLA_U32 },
	[IPCSVC_A_SERVICE_PENDING] = { .type = NLA_U32 },
	[IPCSVC_A_SERVICE_MAX_TO_CLIENT] = { .type = NLA_U64 },
	[IPCSVC_A_SERVICE_REASON] = { .type = NLA_U32 },
};

/* A service message parses back into what the service is. */
static void ipcsvc_netlink_service_msg(struct kunit *test)
{
	struct nlattr *tb[IPCSVC_A_SERVICE_MAX + 1];
	struct ipcsvc_viewer v = {
		.pid_ns = task_active_pid_ns(current),
		.cred = current_cred(),
	};
	struct nl_fixture f;
	struct sk_buff *skb;

	nl_setup(test, &f);
	v.ipc_ns = f.ns;
	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, ipcsvc_nl_fill_service(skb, f.svc, &v, 0, 0, 0,
						     IPCSVC_CMD_SERVICE_DEL_NTF,
						     IPCSVC_REASON_CLOSED), 0);
	/* Liberal: the message has attributes this policy leaves out. */
	KUNIT_ASSERT_EQ(test,
			nlmsg_parse_deprecated(nlmsg_hdr(skb), GENL_HDRLEN, tb,
					       IPCSVC_A_SERVICE_MAX,
					       nl_service_policy, NULL), 0);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[IPCSVC_A_SERVICE_ID]), f.svc->id);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[IPCSVC_A_SERVICE_NAME]),
			   "kunit.nl");
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[IPCSVC_A_SERVICE_MODE]), 0640U);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[IPCSVC_A_SERVICE_PENDING]), 1U);
	KUNIT_EXPECT_EQ(test, nla_get_u64(tb[IPCSVC_A_SERVICE_MAX_TO_CLIENT]),
			(u64)8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[IPCSVC_A_SERVICE_REASON]),
			(u32)IPCSVC_REASON_CLOSED);
	kfree_skb(skb);
	nl_teardown(&f);
}

/* A message that does not fit leaves nothing behind: dumps rely on it. */
static void ipcsvc_netlink_msg_no_room(struct kunit *test)
{
	struct ipcsvc_viewer v = {
		.pid_ns = task_active_pid_ns(current),
		.cred = current_cred(),
	};
	struct nl_fixture f;
	struct sk_buff *skb;
	unsigned int len;

	nl_setup(test, &f);
	skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	/* Earlier messages leave 100 bytes: less than either message. */
	skb_put_zero(skb, skb_tailroom(skb) - 100);
	len = skb->len;
	KUNIT_EXPECT_EQ(test, ipcsvc_nl_fill_channel(skb, f.chan, &v, 0, 0, 0,
						     IPCSVC_CMD_CHANNEL_GET),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_EXPECT_EQ(test, ipcsvc_nl_fill_service(skb, f.svc, &v, 0, 0, 0,
						     IPCSVC_CMD_SERVICE_GET, 0),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	kfree_skb(skb);
	nl_teardown(&f);
}

/* Owner always; others by the read bit of their class; admins all. */
static void ipcsvc_netlink_visibility(struct kunit *test)
{
	struct cred *owner = ipcsvc_kunit_creds(test, 0);
	struct cred *other = ipcsvc_kunit_creds(test, 5001);
	struct cred *member = ipcsvc_kunit_creds(test, 5002);
	struct ipcsvc_viewer v = { .pid_ns = task_active_pid_ns(current) };
	struct nl_fixture f;

	nl_setup(test, &f);
	v.ipc_ns = f.ns;
	owner->fsuid = f.svc->uid;
	member->fsgid = f.svc->gid;	/* mode 0640: the group may see */
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_visible(f.svc, owner));
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_visible(f.svc, other));
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_visible(f.svc, member));
	f.svc->mode = 0604;
	KUNIT_EXPECT_TRUE(test, ipcsvc_service_visible(f.svc, other));
	KUNIT_EXPECT_FALSE(test, ipcsvc_service_visible(f.svc, member));
	/* Channels: end users and the owner only. */
	KUNIT_EXPECT_FALSE(test, ipcsvc_channel_visible(f.chan, other));
	KUNIT_EXPECT_TRUE(test, ipcsvc_channel_visible(f.chan, owner));
	/* Admins see all of their namespace, nothing of another. */
	v.cred = other;
	v.admin = true;
	KUNIT_EXPECT_TRUE(test, ipcsvc_nl_channel_visible(f.chan, &v));
	v.ipc_ns = ipcsvc_kunit_ns(test);
	KUNIT_EXPECT_FALSE(test, ipcsvc_nl_channel_visible(f.chan, &v));
	KUNIT_EXPECT_FALSE(test, ipcsvc_nl_service_visible(f.svc, &v));
	put_cred(owner);
	put_cred(other);
	put_cred(member);
	nl_teardown(&f);
}

static int nl_count_channel(struct ipcsvc_channel *chan, void *arg)
{
	struct ipcsvc_channel **seen = arg;

	if (chan == seen[0])
		seen[1] = chan;
	return 0;
}

/* Ids only grow; a walk from an id starts after it. */
static void ipcsvc_netlink_walk_ids(struct kunit *test)
{
	struct ipcsvc_channel *seen[2];
	struct nl_fixture f;

	nl_setup(test, &f);
	KUNIT_EXPECT_LT(test, 0ULL, f.chan->id);
	KUNIT_EXPECT_LT(test, 0ULL, f.svc->id);
	seen[0] = f.chan;
	seen[1] = NULL;
	ipcsvc_channel_walk(f.chan->id - 1, nl_count_channel, seen);
	KUNIT_EXPECT_PTR_EQ(test, seen[1], f.chan);
	seen[1] = NULL;
	ipcsvc_channel_walk(f.chan->id, nl_count_channel, seen);
	KUNIT_EXPECT_NULL(test, seen[1]);
	nl_teardown(&f);
}

/* The first end to close records why; the second changes nothing. */
static void ipcsvc_netlink_close_reason(struct kunit *test)
{
	struct ipcsvc_channel_state st;
	struct nl_fixture f;

	nl_setup(test, &f);
	ipcsvc_channel_state(f.chan, &st);
	KUNIT_EXPECT_EQ(test, st.close_reason, 0U);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, f.cch), 0);
	ipcsvc_channel_state(f.chan, &st);
	KUNIT_EXPECT_TRUE(test, st.closed[IPCSVC_SIDE_CLIENT]);
	KUNIT_EXPECT_FALSE(test, st.closed[IPCSVC_SIDE_SERVER]);
	KUNIT_EXPECT_EQ(test, st.close_reason, (u32)IPCSVC_REASON_CLOSED);
	KUNIT_EXPECT_EQ(test, st.closed_by, (u32)IPCSVC_SIDE_CLIENT_END);
	/* The server's port goes as its process dies: too late to count. */
	ipcsvc_port_shutdown(f.server, IPCSVC_REASON_PROCESS_DIED);
	ipcsvc_channel_state(f.chan, &st);
	KUNIT_EXPECT_TRUE(test, st.closed[IPCSVC_SIDE_SERVER]);
	KUNIT_EXPECT_EQ(test, st.close_reason, (u32)IPCSVC_REASON_CLOSED);
	KUNIT_EXPECT_EQ(test, f.svc->close_reason,
			(u32)IPCSVC_REASON_PROCESS_DIED);
	nl_teardown(&f);
}

static struct kunit_case ipcsvc_netlink_cases[] = {
	KUNIT_CASE(ipcsvc_netlink_stat_fill),
	KUNIT_CASE(ipcsvc_netlink_stat_invalid),
	KUNIT_CASE(ipcsvc_netlink_service_msg),
	KUNIT_CASE(ipcsvc_netlink_msg_no_room),
	KUNIT_CASE(ipcsvc_netlink_visibility),
	KUNIT_CASE(ipcsvc_netlink_walk_ids),
	KUNIT_CASE(ipcsvc_netlink_close_reason),
	{}
};

static struct kunit_suite ipcsvc_netlink_suite = {
	.name = "ipcsvc_netlink",
	.suite_init = ipcsvc_kunit_suite_init,
	.suite_exit = ipcsvc_kunit_suite_exit,
	.test_cases = ipcsvc_netlink_cases,
};

kunit_test_suite(ipcsvc_netlink_suite);
