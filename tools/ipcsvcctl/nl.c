// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl: the generic netlink conversation, over libmnl. One socket,
 * the family's id resolved by name through the controller, requests sent
 * with an acknowledgement asked for, and errors read with their extended
 * ack text, which says which attribute the kernel refused and why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ipcsvcctl.h"

/* What the kernel's dumps fill a message to, at most (32 KiB). */
#define NL_BUFSIZE	32768

/* One request's replies: the caller's callback and the outcome. */
struct talk {
	struct nl *nl;
	nl_msg_cb cb;
	void *data;
	int err;
};

static int extack_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		t->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;	/* the acknowledgement */
	t->err = err->error < 0 ? err->error : -EPROTO;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* The request is echoed before the TLVs unless capped. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_cb, t->nl);
	}
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int ret;

	if (!t->cb)
		return MNL_CB_OK;
	ret = t->cb(nlh, t->data);
	if (ret) {
		t->err = ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* mnl_cb_run2() takes the array without const. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = noop_cb,
};

/* Receive until the request @seq is answered (or @seq 0: for ever). */
static int nl_receive(struct nl *nl, uint32_t seq, nl_msg_cb cb, void *data)
{
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, nl->bufsize);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = mnl_cb_run2(nl->buf, len, seq, nl->portid, data_cb, &t,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return t.err ? t.err : -errno;
		if (ret == MNL_CB_STOP)
			return t.err;
	}
}

/* A request for @cmd of the family, in the socket's buffer. */
struct nlmsghdr *nl_request(struct nl *nl, uint8_t cmd, bool dump)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = IPCSVC_GENL_VERSION;
	return nlh;
}

/*
 * Send @nlh and feed each reply message to @cb until the request is done.
 * 0, or -errno: the kernel's (nl->errmsg may explain it), or the socket's.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data)
{
	nl->errmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return nl_receive(nl, nlh->nlmsg_seq, cb, data);
}

/*
 * Events, for a subscribed socket: feed them to @cb until it fails. An
 * overrun (ENOBUFS) is not the end: the module counts what it could not
 * deliver and sends the count before the next event that fits.
 */
int nl_listen(struct nl *nl, nl_msg_cb cb, void *data)
{
	int ret;

	do
		ret = nl_receive(nl, 0, cb, data);
	while (ret == -ENOBUFS);
	return ret;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		nl->family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return 0;
}

/*
 * Open a socket and resolve the "ipcsvc" family. -ENOENT: the kernel has
 * no such family; -EPROTONOSUPPORT or -EAFNOSUPPORT: no generic netlink.
 */
int nl_open(struct nl *nl)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->bufsize = NL_BUFSIZE;
	nl->buf = malloc(nl->bufsize);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		ret = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	/* Error messages from the kernel, without the request echoed. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, IPCSVC_GENL_NAME);
	ret = nl_talk(nl, nlh, family_cb, nl);
	if (!ret && !nl->family)
		ret = -ENOENT;
	if (ret)
		goto fail;
	return 0;
fail:
	nl_close(nl);
	return ret;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->buf);
	nl->buf = NULL;
}
