// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl: output. Human output is aligned tables with binary units
 * (K, M, G) and ages, like ss and ip; with -j the same data as JSON, with
 * exact numbers: sizes in bytes, times in nanoseconds since the epoch.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipcsvcctl.h"

#define MAX_COLS	10
#define CELL		128	/* a table cell */
#define SMALL		24	/* a number with its unit */

struct opts opts;

/* ---- words ---- */

const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case IPCSVC_REASON_CLOSED:		return "closed";
	case IPCSVC_REASON_PROCESS_DIED:	return "process-died";
	case IPCSVC_REASON_SERVICE_GONE:	return "service-gone";
	case IPCSVC_REASON_BROKEN:		return "broken";
	default:				return "unknown";
	}
}

const char *side_name(uint32_t side)
{
	switch (side) {
	case IPCSVC_SIDE_CLIENT_END:	return "client";
	case IPCSVC_SIDE_SERVER_END:	return "server";
	default:			return "unknown";
	}
}

const char *refused_name(unsigned int i)
{
	static const char *const names[NR_REFUSED + 1] = {
		[IPCSVC_A_REFUSED_NOENT] = "noent",
		[IPCSVC_A_REFUSED_ACCESS] = "access",
		[IPCSVC_A_REFUSED_VERSION] = "version",
		[IPCSVC_A_REFUSED_SIZE] = "size",
		[IPCSVC_A_REFUSED_CONNECTIONS] = "connections",
		[IPCSVC_A_REFUSED_BACKLOG] = "backlog",
		[IPCSVC_A_REFUSED_QUOTA] = "quota",
		[IPCSVC_A_REFUSED_HANDLES] = "handles",
		[IPCSVC_A_REFUSED_GONE] = "gone",
		[IPCSVC_A_REFUSED_NOMEM] = "nomem",
	};

	return i <= NR_REFUSED && names[i] ? names[i] : "unknown";
}

/* 0, 512B, 4K, 1.5M: binary multiples, one decimal below 10. */
static const char *fmt_size(char *buf, uint64_t v)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, SMALL, "%lluB", (unsigned long long)v);
		return buf;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (d < 10 && (uint64_t)(d * 10) % 10)
		snprintf(buf, SMALL, "%.1f%c", d, units[u]);
	else
		snprintf(buf, SMALL, "%.0f%c", d, units[u]);
	return buf;
}

/* How long ago @ns (since the epoch) was: 42s, 3m07s, 2h05m, 4d03h. */
static const char *fmt_age(char *buf, uint64_t ns)
{
	struct timespec now;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &now);
	s = (uint64_t)now.tv_sec > ns / 1000000000 ?
	    (uint64_t)now.tv_sec - ns / 1000000000 : 0;
	if (s < 60)
		snprintf(buf, SMALL, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, SMALL, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, SMALL, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)s % 3600 / 60);
	else
		snprintf(buf, SMALL, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)s % 86400 / 3600);
	return buf;
}

static const char *fmt_pid(char *buf, uint32_t pid)
{
	if (pid)
		snprintf(buf, SMALL, "%u", pid);
	else
		snprintf(buf, SMALL, "-");
	return buf;
}

/* ---- tables ---- */

struct table {
	unsigned int cols;
	size_t rows, room;
	char (*cell)[MAX_COLS][CELL];
};

static struct table tab;

static void table_begin(unsigned int cols, const char *const *head)
{
	tab.cols = cols;
	if (!tab.cell) {
		tab.room = 64;
		tab.cell = calloc(tab.room, sizeof(*tab.cell));
		if (!tab.cell) {
			perror("ipcsvcctl");
			exit(EXIT_FAILED);
		}
	}
	memset(tab.cell[0], 0, sizeof(tab.cell[0]));
	for (unsigned int i = 0; i < cols; i++)
		snprintf(tab.cell[0][i], CELL, "%s", head[i]);
	tab.rows = 1;
}

static char (*table_row(void))[CELL]
{
	if (tab.rows == tab.room) {
		tab.room *= 2;
		tab.cell = realloc(tab.cell, tab.room * sizeof(*tab.cell));
		if (!tab.cell) {
			perror("ipcsvcctl");
			exit(EXIT_FAILED);
		}
	}
	memset(tab.cell[tab.rows], 0, sizeof(tab.cell[0]));
	return tab.cell[tab.rows++];
}

static void table_end(void)
{
	size_t w[MAX_COLS] = { 0 };

	for (size_t r = 0; r < tab.rows; r++)
		for (unsigned int c = 0; c < tab.cols; c++)
			if (strlen(tab.cell[r][c]) > w[c])
				w[c] = strlen(tab.cell[r][c]);
	for (size_t r = 0; r < tab.rows; r++) {
		for (unsigned int c = 0; c < tab.cols; c++) {
			if (c + 1 == tab.cols)
				printf("%s\n", tab.cell[r][c]);
			else
				printf("%-*s  ", (int)w[c], tab.cell[r][c]);
		}
	}
}

/* ---- services ---- */

static void json_service(const char *key, const struct svc_info *s)
{
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", s->mode);
	json_begin_object(key);
	json_u64("id", s->id);
	json_str("name", s->name);
	json_u64("version", s->version);
	json_u64("uid", s->uid);
	json_u64("gid", s->gid);
	json_str("mode", mode);
	json_u64("pid", s->pid);
	json_u64("connections", s->connections);
	json_u64("pending", s->pending);
	json_u64("max_connections", s->max_connections);
	json_u64("max_pending", s->max_pending);
	json_u64("max_to_server", s->max_to_server);
	json_u64("max_to_client", s->max_to_client);
	json_u64("ctime", s->ctime);
	if (s->reason)
		json_str("reason", reason_name(s->reason));
	json_end_object();
}

void show_services_begin(void)
{
	static const char *const head[] = {
		"NAME", "VERSION", "OWNER", "MODE", "PID", "CONNS", "PENDING",
		"TO-SERVER", "TO-CLIENT", "AGE",
	};

	if (opts.json)
		json_begin_array(NULL);
	else
		table_begin(10, head);
}

void show_service(const struct svc_info *s)
{
	char (*row)[CELL];

	if (opts.json) {
		json_service(NULL, s);
		return;
	}
	row = table_row();
	snprintf(row[0], CELL, "%s", s->name);
	snprintf(row[1], CELL, "%llu", (unsigned long long)s->version);
	snprintf(row[2], CELL, "%u:%u", s->uid, s->gid);
	snprintf(row[3], CELL, "%04o", s->mode);
	fmt_pid(row[4], s->pid);
	snprintf(row[5], CELL, "%u/%u", s->connections, s->max_connections);
	snprintf(row[6], CELL, "%u/%u", s->pending, s->max_pending);
	fmt_size(row[7], s->max_to_server);
	fmt_size(row[8], s->max_to_client);
	fmt_age(row[9], s->ctime);
}

void show_services_end(void)
{
	if (opts.json) {
		json_end_array();
		json_flush();
	} else {
		table_end();
	}
}

void show_service_detail(const struct svc_info *s)
{
	char a[SMALL], b[SMALL], c[SMALL];

	if (opts.json) {
		json_service(NULL, s);
		json_flush();
		return;
	}
	printf("service %s\n", s->name);
	printf("\tid %llu  version %llu  owner %u:%u  mode %04o  pid %s\n",
	       (unsigned long long)s->id, (unsigned long long)s->version,
	       s->uid, s->gid, s->mode, fmt_pid(a, s->pid));
	printf("\tconnections %u/%u  pending %u/%u\n", s->connections,
	       s->max_connections, s->pending, s->max_pending);
	printf("\tbuffers to-server %s  to-client %s\n",
	       fmt_size(b, s->max_to_server), fmt_size(c, s->max_to_client));
	printf("\tcreated %s ago\n", fmt_age(a, s->ctime));
}

/* ---- channels ---- */

static void json_dir(const char *key, const struct dir_info *d)
{
	json_begin_object(key);
	json_u64("max_size", d->max_size);
	json_u64("committed", d->committed);
	if (d->has_messages)
		json_u64("messages", d->messages);
	else
		json_null("messages");
	if (d->has_bytes)
		json_u64("bytes", d->bytes);
	else
		json_null("bytes");
	json_u64("producer_waiters", d->producer_waiters);
	json_u64("consumer_waiters", d->consumer_waiters);
	json_u64("producer_sleepers", d->producer_sleepers);
	json_u64("consumer_sleepers", d->consumer_sleepers);
	json_bool("producer_broken", d->producer_broken);
	json_bool("consumer_broken", d->consumer_broken);
	json_bool("invalid", d->invalid);
	json_bool("revoked", d->revoked);
	json_end_object();
}

static void json_end(const char *key, const struct end_info *e)
{
	json_begin_object(key);
	json_u64("pid", e->pid);
	json_u64("uid", e->uid);
	json_u64("gid", e->gid);
	json_bool("closed", e->closed);
	json_end_object();
}

static void json_channel(const char *key, const struct chan_info *c)
{
	json_begin_object(key);
	json_u64("id", c->id);
	json_u64("service_id", c->service_id);
	json_str("service", c->service);
	json_u64("version", c->version);
	json_end("client", &c->client);
	json_end("server", &c->server);
	json_dir("to_server", &c->to_server);
	json_dir("to_client", &c->to_client);
	json_u64("ctime", c->ctime);
	if (c->reason) {
		json_str("reason", reason_name(c->reason));
		json_str("closed_by", side_name(c->closed_by));
	}
	json_end_object();
}

void show_channels_begin(void)
{
	static const char *const head[] = {
		"ID", "SERVICE", "CLIENT", "SERVER", "STATE", "TO-SERVER",
		"TO-CLIENT", "FLAGS",
	};

	if (opts.json)
		json_begin_array(NULL);
	else
		table_begin(8, head);
}

/* "2m 96B 4K/1M": messages, bytes in flight, committed of maximum. */
static void fmt_dir(char *buf, const struct dir_info *d)
{
	char m[SMALL] = "?", b[SMALL] = "?", c[SMALL], x[SMALL];

	if (d->has_messages)
		snprintf(m, SMALL, "%llu", (unsigned long long)d->messages);
	if (d->has_bytes)
		fmt_size(b, d->bytes);
	snprintf(buf, CELL, "%sm %s %s/%s", m, b, fmt_size(c, d->committed),
		 fmt_size(x, d->max_size));
}

static void add_flag(char *buf, const char *dir, const char *what, bool on)
{
	size_t len = strlen(buf);

	if (on)
		snprintf(buf + len, CELL - len, "%s%s-%s", len ? "," : "",
			 dir, what);
}

static void fmt_flags(char *buf, const struct chan_info *c)
{
	const struct dir_info *d[2] = { &c->to_server, &c->to_client };
	static const char *const name[2] = { "c>s", "s>c" };

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		add_flag(buf, name[i], "sleep",
			 d[i]->producer_sleepers || d[i]->consumer_sleepers);
		add_flag(buf, name[i], "broken",
			 d[i]->producer_broken || d[i]->consumer_broken);
		add_flag(buf, name[i], "invalid", d[i]->invalid);
		add_flag(buf, name[i], "revoked", d[i]->revoked);
	}
	if (!buf[0])
		snprintf(buf, CELL, "-");
}

void show_channel(const struct chan_info *c)
{
	char (*row)[CELL];
	char pid[SMALL];

	if (opts.json) {
		json_channel(NULL, c);
		return;
	}
	row = table_row();
	snprintf(row[0], CELL, "%llu", (unsigned long long)c->id);
	snprintf(row[1], CELL, "%s", c->service);
	snprintf(row[2], CELL, "%s/%u", fmt_pid(pid, c->client.pid),
		 c->client.uid);
	snprintf(row[3], CELL, "%s/%u", fmt_pid(pid, c->server.pid),
		 c->server.uid);
	snprintf(row[4], CELL, "%s",
		 c->client.closed && c->server.closed ? "closed" :
		 c->client.closed ? "client-closed" :
		 c->server.closed ? "server-closed" : "open");
	fmt_dir(row[5], &c->to_server);
	fmt_dir(row[6], &c->to_client);
	fmt_flags(row[7], c);
}

void show_channels_end(void)
{
	show_services_end();
}

void show_channel_detail(const struct chan_info *c)
{
	if (opts.json) {
		json_channel(NULL, c);
		json_flush();
		return;
	}
	show_channels_begin();
	show_channel(c);
	show_channels_end();
}

/* ---- stats ---- */

void show_stats(const struct stats_info *st, const struct user_info *users,
		size_t nr_users, bool with_users)
{
	static const char *const head[] = {
		"UID", "SERVICES", "CHANNELS", "COMMITTED",
	};
	char b[SMALL];
	uint64_t total = 0;

	if (opts.json) {
		json_begin_object(NULL);
		json_u64("ports", st->ports);
		json_u64("services", st->services);
		json_u64("channels", st->channels);
		json_u64("committed", st->committed);
		json_u64("events", st->events);
		json_u64("waits", st->waits);
		json_u64("wakes", st->wakes);
		json_u64("connects", st->connects);
		json_begin_object("refused");
		for (unsigned int i = IPCSVC_A_REFUSED_NOENT; i <= NR_REFUSED;
		     i++)
			json_u64(refused_name(i), st->refused[i]);
		json_end_object();
		json_u64("monitors", st->monitors);
		if (with_users) {
			json_begin_array("users");
			for (size_t i = 0; i < nr_users; i++) {
				json_begin_object(NULL);
				json_u64("uid", users[i].uid);
				json_u64("services", users[i].services);
				json_u64("channels", users[i].channels);
				json_u64("bytes", users[i].bytes);
				json_end_object();
			}
			json_end_array();
		}
		json_end_object();
		json_flush();
		return;
	}
	printf("ports      %u\nservices   %u\nchannels   %u\ncommitted  %s\n",
	       st->ports, st->services, st->channels,
	       fmt_size(b, st->committed));
	printf("events     %llu\nwaits      %llu\nwakes      %llu\n",
	       (unsigned long long)st->events, (unsigned long long)st->waits,
	       (unsigned long long)st->wakes);
	printf("connects   %llu\nrefused    ", (unsigned long long)st->connects);
	/* Only the reasons that happened; 0 if none did. */
	for (unsigned int i = IPCSVC_A_REFUSED_NOENT, n = 0; i <= NR_REFUSED;
	     i++) {
		total += st->refused[i];
		if (st->refused[i])
			printf("%s%s %llu", n++ ? ", " : "", refused_name(i),
			       (unsigned long long)st->refused[i]);
	}
	printf("%s\nmonitors   %u\n", total ? "" : "0", st->monitors);
	if (!with_users)
		return;
	printf("\n");
	table_begin(4, head);
	for (size_t i = 0; i < nr_users; i++) {
		char (*row)[CELL] = table_row();

		snprintf(row[0], CELL, "%u", users[i].uid);
		snprintf(row[1], CELL, "%u", users[i].services);
		snprintf(row[2], CELL, "%u", users[i].channels);
		fmt_size(row[3], users[i].bytes);
	}
	table_end();
}

/* ---- monitor ---- */

void show_event(const struct nlmsghdr *nlh)
{
	uint8_t cmd = msg_cmd(nlh);
	struct svc_info s;
	struct chan_info c;
	uint64_t lost;
	char a[SMALL], b[SMALL];
	const char *ev;

	switch (cmd) {
	case IPCSVC_CMD_SERVICE_ADD_NTF:
	case IPCSVC_CMD_SERVICE_DEL_NTF:
		if (parse_service(nlh, &s))
			return;
		ev = cmd == IPCSVC_CMD_SERVICE_ADD_NTF ? "service-add" :
							 "service-del";
		if (opts.json) {
			json_begin_object(NULL);
			json_str("event", ev);
			json_service("service", &s);
			json_end_object();
			json_flush();
		} else if (cmd == IPCSVC_CMD_SERVICE_ADD_NTF) {
			printf("[%s] %s id %llu version %llu owner %u:%u mode %04o pid %s\n",
			       ev, s.name, (unsigned long long)s.id,
			       (unsigned long long)s.version, s.uid, s.gid,
			       s.mode, fmt_pid(a, s.pid));
		} else {
			printf("[%s] %s id %llu reason %s\n", ev, s.name,
			       (unsigned long long)s.id, reason_name(s.reason));
		}
		break;
	case IPCSVC_CMD_CHANNEL_ADD_NTF:
	case IPCSVC_CMD_CHANNEL_DEL_NTF:
		if (parse_channel(nlh, &c))
			return;
		ev = cmd == IPCSVC_CMD_CHANNEL_ADD_NTF ? "channel-add" :
							 "channel-del";
		if (opts.json) {
			json_begin_object(NULL);
			json_str("event", ev);
			json_channel("channel", &c);
			json_end_object();
			json_flush();
		} else if (cmd == IPCSVC_CMD_CHANNEL_ADD_NTF) {
			printf("[%s] id %llu service %s client %s/%u server %s/%u\n",
			       ev, (unsigned long long)c.id, c.service,
			       fmt_pid(a, c.client.pid), c.client.uid,
			       fmt_pid(b, c.server.pid), c.server.uid);
		} else {
			printf("[%s] id %llu service %s closed by %s reason %s\n",
			       ev, (unsigned long long)c.id, c.service,
			       side_name(c.closed_by), reason_name(c.reason));
		}
		break;
	case IPCSVC_CMD_MONITOR_LOST_NTF:
		if (parse_lost(nlh, &lost))
			return;
		if (opts.json) {
			json_begin_object(NULL);
			json_str("event", "lost");
			json_u64("lost", lost);
			json_end_object();
			json_flush();
		} else {
			printf("[lost] %llu events\n", (unsigned long long)lost);
		}
		break;
	default:
		return;		/* an event this tool does not know */
	}
	fflush(stdout);
}
