/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcsvcctl: what the parts of the tool share. nl.c talks to the kernel's
 * "ipcsvc" generic netlink family, parse.c turns its messages into the
 * structs below, show.c prints them as tables or JSON (json.c), and
 * ipcsvcctl.c reads the command line.
 */
#ifndef IPCSVCCTL_H
#define IPCSVCCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>
#include <linux/ipcsvc.h>
#include <linux/ipcsvc_netlink.h>

/* Exit codes; Documentation/man/ipcsvcctl.8 lists them. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the request failed, e.g. no such service */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_UNAVAILABLE = 3,	/* no module, no family, no generic netlink */
	EXIT_DENIED = 4,	/* permission denied */
};

/* ---- nl.c ---- */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint16_t family;
	uint32_t seq;
	char *buf;
	size_t bufsize;
	char errmsg[256];	/* the kernel's extended ack text, if any */
};

typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

int nl_open(struct nl *nl);
void nl_close(struct nl *nl);
struct nlmsghdr *nl_request(struct nl *nl, uint8_t cmd, bool dump);
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, nl_msg_cb cb, void *data);
int nl_listen(struct nl *nl, nl_msg_cb cb, void *data);

/* ---- parse.c ---- */

/* Fields a message did not carry stay 0 (and the has_ flags false). */
struct svc_info {
	uint64_t id;
	char name[IPCSVC_PROTOCOL_NAME_MAX + 1];
	uint64_t version;
	uint32_t uid, gid, mode, pid;
	uint32_t connections, pending, max_connections, max_pending;
	uint64_t max_to_server, max_to_client;
	uint64_t ctime;
	uint32_t reason;
};

struct dir_info {
	uint64_t max_size, committed, messages, bytes;
	bool has_messages, has_bytes;
	uint32_t producer_waiters, consumer_waiters;
	uint32_t producer_sleepers, consumer_sleepers;
	bool producer_broken, consumer_broken, invalid, revoked;
};

struct end_info {
	uint32_t pid, uid, gid;
	bool closed;
};

struct chan_info {
	uint64_t id, service_id, version, ctime;
	char service[IPCSVC_PROTOCOL_NAME_MAX + 1];
	struct end_info client, server;
	struct dir_info to_server, to_client;
	uint32_t reason, closed_by;
};

#define NR_REFUSED	IPCSVC_A_REFUSED_NOMEM

struct stats_info {
	uint32_t ports, services, channels, monitors;
	uint64_t committed, events, waits, wakes, connects;
	uint64_t refused[NR_REFUSED + 1];	/* by IPCSVC_A_REFUSED_* */
};

struct user_info {
	uint32_t uid, services, channels;
	uint64_t bytes;
};

int parse_service(const struct nlmsghdr *nlh, struct svc_info *s);
int parse_channel(const struct nlmsghdr *nlh, struct chan_info *c);
int parse_stats(const struct nlmsghdr *nlh, struct stats_info *st);
int parse_user(const struct nlmsghdr *nlh, struct user_info *u);
int parse_lost(const struct nlmsghdr *nlh, uint64_t *lost);
uint8_t msg_cmd(const struct nlmsghdr *nlh);

/* ---- json.c ---- */

void json_init(FILE *f, bool pretty);
void json_begin_object(const char *key);
void json_end_object(void);
void json_begin_array(const char *key);
void json_end_array(void);
void json_u64(const char *key, uint64_t v);
void json_str(const char *key, const char *v);
void json_bool(const char *key, bool v);
void json_null(const char *key);
/* Ends a top-level value with a newline. */
void json_flush(void);

/* ---- show.c ---- */

struct opts {
	bool json;
	bool pretty;
};

extern struct opts opts;

const char *reason_name(uint32_t reason);
const char *side_name(uint32_t side);
const char *refused_name(unsigned int i);

/* Tables collect rows and print them aligned at the end. */
void show_services_begin(void);
void show_service(const struct svc_info *s);
void show_services_end(void);
void show_service_detail(const struct svc_info *s);
void show_channels_begin(void);
void show_channel(const struct chan_info *c);
void show_channels_end(void);
void show_channel_detail(const struct chan_info *c);
void show_stats(const struct stats_info *st, const struct user_info *users,
		size_t nr_users, bool with_users);
void show_event(const struct nlmsghdr *nlh);

#endif /* IPCSVCCTL_H */
