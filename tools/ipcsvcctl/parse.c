// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl: the family's messages into plain structs. Every attribute is
 * checked against the type this tool expects; one it does not know (a
 * newer module's) or of another shape is skipped, so that the tool keeps
 * working with modules newer than itself.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "ipcsvcctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct attr_set {
	const enum mnl_attr_data_type *types;	/* [type]; UNSPEC: unknown */
	uint16_t max;
	const struct nlattr **tb;
};

static int attr_set_cb(const struct nlattr *attr, void *data)
{
	struct attr_set *as = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, as->max) < 0 ||
	    as->types[type] == MNL_TYPE_UNSPEC ||
	    mnl_attr_validate(attr, as->types[type]) < 0)
		return MNL_CB_OK;
	as->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_top(const struct nlmsghdr *nlh, struct attr_set *as)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_set_cb,
			   as) < 0)
		return -EBADMSG;
	return 0;
}

static int parse_nest(const struct nlattr *nest, struct attr_set *as)
{
	if (mnl_attr_parse_nested(nest, attr_set_cb, as) < 0)
		return -EBADMSG;
	return 0;
}

uint8_t msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*genl)) ? genl->cmd : 0;
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static void get_str(const struct nlattr *a, char *dst, size_t size)
{
	snprintf(dst, size, "%s", a ? mnl_attr_get_str(a) : "");
}

static const enum mnl_attr_data_type service_types[] = {
	[IPCSVC_A_SERVICE_ID] = MNL_TYPE_U64,
	[IPCSVC_A_SERVICE_NAME] = MNL_TYPE_NUL_STRING,
	[IPCSVC_A_SERVICE_VERSION] = MNL_TYPE_U64,
	[IPCSVC_A_SERVICE_UID] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_GID] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_MODE] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_PID] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_CONNECTIONS] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_PENDING] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_MAX_CONNECTIONS] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_MAX_PENDING] = MNL_TYPE_U32,
	[IPCSVC_A_SERVICE_MAX_TO_SERVER] = MNL_TYPE_U64,
	[IPCSVC_A_SERVICE_MAX_TO_CLIENT] = MNL_TYPE_U64,
	[IPCSVC_A_SERVICE_CTIME] = MNL_TYPE_U64,
	[IPCSVC_A_SERVICE_REASON] = MNL_TYPE_U32,
};

int parse_service(const struct nlmsghdr *nlh, struct svc_info *s)
{
	const struct nlattr *tb[ARRAY_SIZE(service_types)] = { NULL };
	struct attr_set as = { service_types, ARRAY_SIZE(tb) - 1, tb };

	memset(s, 0, sizeof(*s));
	if (parse_top(nlh, &as))
		return -EBADMSG;
	if (!tb[IPCSVC_A_SERVICE_ID] || !tb[IPCSVC_A_SERVICE_NAME])
		return -EBADMSG;
	s->id = get_u64(tb[IPCSVC_A_SERVICE_ID]);
	get_str(tb[IPCSVC_A_SERVICE_NAME], s->name, sizeof(s->name));
	s->version = get_u64(tb[IPCSVC_A_SERVICE_VERSION]);
	s->uid = get_u32(tb[IPCSVC_A_SERVICE_UID]);
	s->gid = get_u32(tb[IPCSVC_A_SERVICE_GID]);
	s->mode = get_u32(tb[IPCSVC_A_SERVICE_MODE]);
	s->pid = get_u32(tb[IPCSVC_A_SERVICE_PID]);
	s->connections = get_u32(tb[IPCSVC_A_SERVICE_CONNECTIONS]);
	s->pending = get_u32(tb[IPCSVC_A_SERVICE_PENDING]);
	s->max_connections = get_u32(tb[IPCSVC_A_SERVICE_MAX_CONNECTIONS]);
	s->max_pending = get_u32(tb[IPCSVC_A_SERVICE_MAX_PENDING]);
	s->max_to_server = get_u64(tb[IPCSVC_A_SERVICE_MAX_TO_SERVER]);
	s->max_to_client = get_u64(tb[IPCSVC_A_SERVICE_MAX_TO_CLIENT]);
	s->ctime = get_u64(tb[IPCSVC_A_SERVICE_CTIME]);
	s->reason = get_u32(tb[IPCSVC_A_SERVICE_REASON]);
	return 0;
}

static const enum mnl_attr_data_type dir_types[] = {
	[IPCSVC_A_DIR_MAX_SIZE] = MNL_TYPE_U64,
	[IPCSVC_A_DIR_COMMITTED] = MNL_TYPE_U64,
	[IPCSVC_A_DIR_MESSAGES] = MNL_TYPE_U64,
	[IPCSVC_A_DIR_BYTES] = MNL_TYPE_U64,
	[IPCSVC_A_DIR_PRODUCER_WAITERS] = MNL_TYPE_U32,
	[IPCSVC_A_DIR_CONSUMER_WAITERS] = MNL_TYPE_U32,
	[IPCSVC_A_DIR_PRODUCER_SLEEPERS] = MNL_TYPE_U32,
	[IPCSVC_A_DIR_CONSUMER_SLEEPERS] = MNL_TYPE_U32,
	[IPCSVC_A_DIR_PRODUCER_BROKEN] = MNL_TYPE_FLAG,
	[IPCSVC_A_DIR_CONSUMER_BROKEN] = MNL_TYPE_FLAG,
	[IPCSVC_A_DIR_INVALID] = MNL_TYPE_FLAG,
	[IPCSVC_A_DIR_REVOKED] = MNL_TYPE_FLAG,
};

static int parse_dir(const struct nlattr *nest, struct dir_info *d)
{
	const struct nlattr *tb[ARRAY_SIZE(dir_types)] = { NULL };
	struct attr_set as = { dir_types, ARRAY_SIZE(tb) - 1, tb };

	memset(d, 0, sizeof(*d));
	if (!nest)
		return 0;
	if (parse_nest(nest, &as))
		return -EBADMSG;
	d->max_size = get_u64(tb[IPCSVC_A_DIR_MAX_SIZE]);
	d->committed = get_u64(tb[IPCSVC_A_DIR_COMMITTED]);
	d->has_messages = tb[IPCSVC_A_DIR_MESSAGES];
	d->messages = get_u64(tb[IPCSVC_A_DIR_MESSAGES]);
	d->has_bytes = tb[IPCSVC_A_DIR_BYTES];
	d->bytes = get_u64(tb[IPCSVC_A_DIR_BYTES]);
	d->producer_waiters = get_u32(tb[IPCSVC_A_DIR_PRODUCER_WAITERS]);
	d->consumer_waiters = get_u32(tb[IPCSVC_A_DIR_CONSUMER_WAITERS]);
	d->producer_sleepers = get_u32(tb[IPCSVC_A_DIR_PRODUCER_SLEEPERS]);
	d->consumer_sleepers = get_u32(tb[IPCSVC_A_DIR_CONSUMER_SLEEPERS]);
	d->producer_broken = tb[IPCSVC_A_DIR_PRODUCER_BROKEN];
	d->consumer_broken = tb[IPCSVC_A_DIR_CONSUMER_BROKEN];
	d->invalid = tb[IPCSVC_A_DIR_INVALID];
	d->revoked = tb[IPCSVC_A_DIR_REVOKED];
	return 0;
}

static const enum mnl_attr_data_type channel_types[] = {
	[IPCSVC_A_CHANNEL_ID] = MNL_TYPE_U64,
	[IPCSVC_A_CHANNEL_SERVICE_ID] = MNL_TYPE_U64,
	[IPCSVC_A_CHANNEL_SERVICE_NAME] = MNL_TYPE_NUL_STRING,
	[IPCSVC_A_CHANNEL_VERSION] = MNL_TYPE_U64,
	[IPCSVC_A_CHANNEL_CLIENT_PID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_CLIENT_UID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_CLIENT_GID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_SERVER_PID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_SERVER_UID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_SERVER_GID] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_CLIENT_CLOSED] = MNL_TYPE_FLAG,
	[IPCSVC_A_CHANNEL_SERVER_CLOSED] = MNL_TYPE_FLAG,
	[IPCSVC_A_CHANNEL_TO_SERVER] = MNL_TYPE_NESTED,
	[IPCSVC_A_CHANNEL_TO_CLIENT] = MNL_TYPE_NESTED,
	[IPCSVC_A_CHANNEL_REASON] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_CLOSED_BY] = MNL_TYPE_U32,
	[IPCSVC_A_CHANNEL_CTIME] = MNL_TYPE_U64,
};

int parse_channel(const struct nlmsghdr *nlh, struct chan_info *c)
{
	const struct nlattr *tb[ARRAY_SIZE(channel_types)] = { NULL };
	struct attr_set as = { channel_types, ARRAY_SIZE(tb) - 1, tb };

	memset(c, 0, sizeof(*c));
	if (parse_top(nlh, &as))
		return -EBADMSG;
	if (!tb[IPCSVC_A_CHANNEL_ID])
		return -EBADMSG;
	c->id = get_u64(tb[IPCSVC_A_CHANNEL_ID]);
	c->service_id = get_u64(tb[IPCSVC_A_CHANNEL_SERVICE_ID]);
	get_str(tb[IPCSVC_A_CHANNEL_SERVICE_NAME], c->service,
		sizeof(c->service));
	c->version = get_u64(tb[IPCSVC_A_CHANNEL_VERSION]);
	c->client.pid = get_u32(tb[IPCSVC_A_CHANNEL_CLIENT_PID]);
	c->client.uid = get_u32(tb[IPCSVC_A_CHANNEL_CLIENT_UID]);
	c->client.gid = get_u32(tb[IPCSVC_A_CHANNEL_CLIENT_GID]);
	c->client.closed = tb[IPCSVC_A_CHANNEL_CLIENT_CLOSED];
	c->server.pid = get_u32(tb[IPCSVC_A_CHANNEL_SERVER_PID]);
	c->server.uid = get_u32(tb[IPCSVC_A_CHANNEL_SERVER_UID]);
	c->server.gid = get_u32(tb[IPCSVC_A_CHANNEL_SERVER_GID]);
	c->server.closed = tb[IPCSVC_A_CHANNEL_SERVER_CLOSED];
	c->reason = get_u32(tb[IPCSVC_A_CHANNEL_REASON]);
	c->closed_by = get_u32(tb[IPCSVC_A_CHANNEL_CLOSED_BY]);
	c->ctime = get_u64(tb[IPCSVC_A_CHANNEL_CTIME]);
	if (parse_dir(tb[IPCSVC_A_CHANNEL_TO_SERVER], &c->to_server) ||
	    parse_dir(tb[IPCSVC_A_CHANNEL_TO_CLIENT], &c->to_client))
		return -EBADMSG;
	return 0;
}

static const enum mnl_attr_data_type stats_types[] = {
	[IPCSVC_A_STATS_PORTS] = MNL_TYPE_U32,
	[IPCSVC_A_STATS_SERVICES] = MNL_TYPE_U32,
	[IPCSVC_A_STATS_CHANNELS] = MNL_TYPE_U32,
	[IPCSVC_A_STATS_COMMITTED] = MNL_TYPE_U64,
	[IPCSVC_A_STATS_EVENTS] = MNL_TYPE_U64,
	[IPCSVC_A_STATS_WAITS] = MNL_TYPE_U64,
	[IPCSVC_A_STATS_WAKES] = MNL_TYPE_U64,
	[IPCSVC_A_STATS_CONNECTS] = MNL_TYPE_U64,
	[IPCSVC_A_STATS_REFUSED] = MNL_TYPE_NESTED,
	[IPCSVC_A_STATS_MONITORS] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type refused_types[] = {
	[IPCSVC_A_REFUSED_NOENT ... IPCSVC_A_REFUSED_NOMEM] = MNL_TYPE_U64,
};

int parse_stats(const struct nlmsghdr *nlh, struct stats_info *st)
{
	const struct nlattr *tb[ARRAY_SIZE(stats_types)] = { NULL };
	const struct nlattr *rtb[ARRAY_SIZE(refused_types)] = { NULL };
	struct attr_set as = { stats_types, ARRAY_SIZE(tb) - 1, tb };
	struct attr_set ras = { refused_types, ARRAY_SIZE(rtb) - 1, rtb };

	memset(st, 0, sizeof(*st));
	if (parse_top(nlh, &as))
		return -EBADMSG;
	st->ports = get_u32(tb[IPCSVC_A_STATS_PORTS]);
	st->services = get_u32(tb[IPCSVC_A_STATS_SERVICES]);
	st->channels = get_u32(tb[IPCSVC_A_STATS_CHANNELS]);
	st->committed = get_u64(tb[IPCSVC_A_STATS_COMMITTED]);
	st->events = get_u64(tb[IPCSVC_A_STATS_EVENTS]);
	st->waits = get_u64(tb[IPCSVC_A_STATS_WAITS]);
	st->wakes = get_u64(tb[IPCSVC_A_STATS_WAKES]);
	st->connects = get_u64(tb[IPCSVC_A_STATS_CONNECTS]);
	st->monitors = get_u32(tb[IPCSVC_A_STATS_MONITORS]);
	if (tb[IPCSVC_A_STATS_REFUSED] &&
	    parse_nest(tb[IPCSVC_A_STATS_REFUSED], &ras))
		return -EBADMSG;
	for (unsigned int i = IPCSVC_A_REFUSED_NOENT; i <= NR_REFUSED; i++)
		st->refused[i] = get_u64(rtb[i]);
	return 0;
}

static const enum mnl_attr_data_type user_types[] = {
	[IPCSVC_A_USER_UID] = MNL_TYPE_U32,
	[IPCSVC_A_USER_SERVICES] = MNL_TYPE_U32,
	[IPCSVC_A_USER_CHANNELS] = MNL_TYPE_U32,
	[IPCSVC_A_USER_BYTES] = MNL_TYPE_U64,
};

int parse_user(const struct nlmsghdr *nlh, struct user_info *u)
{
	const struct nlattr *tb[ARRAY_SIZE(user_types)] = { NULL };
	struct attr_set as = { user_types, ARRAY_SIZE(tb) - 1, tb };

	memset(u, 0, sizeof(*u));
	if (parse_top(nlh, &as) || !tb[IPCSVC_A_USER_UID])
		return -EBADMSG;
	u->uid = get_u32(tb[IPCSVC_A_USER_UID]);
	u->services = get_u32(tb[IPCSVC_A_USER_SERVICES]);
	u->channels = get_u32(tb[IPCSVC_A_USER_CHANNELS]);
	u->bytes = get_u64(tb[IPCSVC_A_USER_BYTES]);
	return 0;
}

static const enum mnl_attr_data_type monitor_types[] = {
	[IPCSVC_A_MONITOR_LOST] = MNL_TYPE_U64,
};

int parse_lost(const struct nlmsghdr *nlh, uint64_t *lost)
{
	const struct nlattr *tb[ARRAY_SIZE(monitor_types)] = { NULL };
	struct attr_set as = { monitor_types, ARRAY_SIZE(tb) - 1, tb };

	if (parse_top(nlh, &as))
		return -EBADMSG;
	*lost = get_u64(tb[IPCSVC_A_MONITOR_LOST]);
	return 0;
}
