/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the selftests, which are static programs and so
 * cannot use libmnl: a socket with the "ipcsvc" family resolved, requests
 * built attribute by attribute (malformed ones too), and replies read
 * into a buffer of whole messages. Every call returns 0 or -errno; the
 * kernel's extended ack text of the last error is in nl->err.
 */
#ifndef IPCSVC_NL_H
#define IPCSVC_NL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/ipcsvc_netlink.h>
#include <linux/netlink.h>

#define ST_NL_BUF	65536

struct st_nl {
	int fd;
	uint32_t portid;
	uint16_t family;
	uint32_t seq;
	char err[256];
	/* the request being built */
	uint8_t req[4096] __attribute__((aligned(8)));
};

struct st_nl_reply {
	uint8_t *buf;		/* every message of the reply, in order */
	size_t len;
	unsigned int msgs;	/* data messages */
	unsigned int reads;	/* recv() calls it took */
};

static inline struct nlmsghdr *st_nl_hdr(struct st_nl *nl)
{
	return (struct nlmsghdr *)nl->req;
}

/* Start a request of @type (a family id) and @cmd, with @flags. */
static inline void st_nl_begin(struct st_nl *nl, uint16_t type, uint8_t cmd,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = st_nl_hdr(nl);
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(nl->req, 0, sizeof(nl->req));
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g->cmd = cmd;
	g->version = IPCSVC_GENL_VERSION;
}

/* Append an attribute with @len bytes of @data (any type, any size). */
static inline void st_nl_put(struct st_nl *nl, uint16_t type,
			     const void *data, size_t len)
{
	struct nlmsghdr *nlh = st_nl_hdr(nl);
	struct nlattr *a = (void *)(nl->req + NLMSG_ALIGN(nlh->nlmsg_len));

	if (NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) >
	    sizeof(nl->req))
		abort();
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void st_nl_put_u64(struct st_nl *nl, uint16_t type, uint64_t v)
{
	st_nl_put(nl, type, &v, sizeof(v));
}

static inline void st_nl_put_str(struct st_nl *nl, uint16_t type,
				 const char *s)
{
	st_nl_put(nl, type, s, strlen(s) + 1);
}

static inline int st_nl_send(struct st_nl *nl)
{
	struct nlmsghdr *nlh = st_nl_hdr(nl);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	nl->err[0] = '\0';
	if (sendto(nl->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* The extended ack's message, if the error carries one. */
static inline void st_nl_extack(struct st_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_LENGTH(sizeof(*e));
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const void *)((const uint8_t *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(nl->err, sizeof(nl->err), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Read the answer to the last request: data messages into @r (may be
 * NULL), until the dump's DONE or the acknowledgement. Returns 0 or the
 * kernel's -errno.
 */
static inline int st_nl_recv(struct st_nl *nl, struct st_nl_reply *r)
{
	static uint8_t buf[ST_NL_BUF] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	if (r) {
		memset(r, 0, sizeof(*r));
		r->buf = NULL;
	}
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r)
			r->reads++;
		len = (int)n;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != nl->seq)
				continue;	/* a late answer to another */
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				st_nl_extack(nl, nlh);
				return e->error;
			}
			if (!r)
				continue;
			r->buf = realloc(r->buf, r->len + nlh->nlmsg_len);
			if (!r->buf)
				return -ENOMEM;
			memcpy(r->buf + r->len, nlh, nlh->nlmsg_len);
			r->len += NLMSG_ALIGN(nlh->nlmsg_len);
			r->msgs++;
		}
	}
}

static inline int st_nl_talk(struct st_nl *nl, struct st_nl_reply *r)
{
	int ret;

	if (r)
		memset(r, 0, sizeof(*r));
	ret = st_nl_send(nl);
	return ret ? ret : st_nl_recv(nl, r);
}

static inline void st_nl_reply_free(struct st_nl_reply *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* The @i-th message of @r, or NULL. */
static inline const struct nlmsghdr *st_nl_msg(const struct st_nl_reply *r,
					       unsigned int i)
{
	size_t off = 0;

	while (off < r->len) {
		const struct nlmsghdr *nlh = (const void *)(r->buf + off);

		if (!i--)
			return nlh;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return NULL;
}

static inline uint8_t st_nl_cmd(const struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
}

/* Index the attributes in [@p, @p + @len) by type, up to @max. */
static inline void st_nl_index(const uint8_t *p, size_t len,
			       const struct nlattr **tb, unsigned int max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		unsigned int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return;
		if (type <= max)
			tb[type] = a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			return;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
}

static inline void st_nl_attrs(const struct nlmsghdr *nlh,
			       const struct nlattr **tb, unsigned int max)
{
	const uint8_t *p = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;

	st_nl_index(p, nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb, max);
}

static inline void st_nl_nested(const struct nlattr *a,
				const struct nlattr **tb, unsigned int max)
{
	st_nl_index((const uint8_t *)a + NLA_HDRLEN, a->nla_len - NLA_HDRLEN,
		    tb, max);
}

/* Attribute values; 0 (or "") when absent, as a poisoned default. */
static inline uint64_t st_nl_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a && a->nla_len == NLA_HDRLEN + 8)
		memcpy(&v, (const uint8_t *)a + NLA_HDRLEN, 8);
	return a ? v : 0xccccccccccccccccULL;
}

static inline uint32_t st_nl_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && a->nla_len == NLA_HDRLEN + 4)
		memcpy(&v, (const uint8_t *)a + NLA_HDRLEN, 4);
	return a ? v : 0xccccccccU;
}

static inline const char *st_nl_str(const struct nlattr *a)
{
	return a ? (const char *)a + NLA_HDRLEN : "";
}

static inline int st_nl_open(struct st_nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct st_nl_reply r;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen)) {
		ret = -errno;
		close(nl->fd);
		return ret;
	}
	nl->portid = sa.nl_pid;
	st_nl_begin(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(st_nl_hdr(nl)))->version = 1;
	st_nl_put_str(nl, CTRL_ATTR_FAMILY_NAME, IPCSVC_GENL_NAME);
	ret = st_nl_talk(nl, &r);
	if (!ret && r.msgs == 1) {
		st_nl_attrs(st_nl_msg(&r, 0), tb, CTRL_ATTR_MAX);
		if (tb[CTRL_ATTR_FAMILY_ID])
			memcpy(&nl->family,
			       (const uint8_t *)tb[CTRL_ATTR_FAMILY_ID] +
			       NLA_HDRLEN, 2);
	}
	st_nl_reply_free(&r);
	if (!ret && !nl->family)
		ret = -ENOENT;
	if (ret)
		close(nl->fd);
	return ret;
}

static inline void st_nl_close(struct st_nl *nl)
{
	close(nl->fd);
}

/* A request of the family: a do, or with @dump a dump. */
static inline void st_nl_req(struct st_nl *nl, uint8_t cmd, bool dump)
{
	st_nl_begin(nl, nl->family, cmd, dump ? NLM_F_DUMP : 0);
}

#endif /* IPCSVC_NL_H */
