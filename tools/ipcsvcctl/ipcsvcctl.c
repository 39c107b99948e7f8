// SPDX-License-Identifier: GPL-2.0
/*
 * ipcsvcctl: look at the ipcsvc module from outside any process: the
 * services registered, the channels connected and how full they are, the
 * module's counters, and events as they happen. It speaks the module's
 * generic netlink family "ipcsvc" (Documentation/netlink.md); its manual
 * is Documentation/man/ipcsvcctl.8.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#include "ipcsvcctl.h"

static const char *prog = "ipcsvcctl";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-j] [-p] OBJECT [COMMAND [ARGS]]\n"
		"\n"
		"  service [list]                  registered services\n"
		"  service show NAME               one service\n"
		"  channel [list] [service NAME]   channels, or one service's\n"
		"  channel show ID                 one channel\n"
		"  stats [users]                   module counters, and what\n"
		"                                  each user is charged\n"
		"  monitor                         events as they happen\n"
		"\n"
		"  -j, --json     JSON (monitor: one object per line)\n"
		"  -p, --pretty   indented JSON\n"
		"  -h, --help     this text\n"
		"  -V, --version  the tool's version\n"
		"\n"
		"Keywords may be abbreviated: `%s s l` lists services.\n",
		prog, prog);
}

/* Is @arg a (non-empty) prefix of @word? */
static bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && !strncmp(arg, word, n);
}

/* Report a failed request; returns the exit code. */
static int fail(const struct nl *nl, int err, const char *what)
{
	const char *detail = nl->errmsg[0] ? nl->errmsg : NULL;

	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "%s: %s: permission denied%s%s\n", prog, what,
			detail ? ": " : "", detail ? detail : "");
		return EXIT_DENIED;
	}
	if (err == -EOPNOTSUPP) {
		fprintf(stderr, "%s: %s: the loaded ipcsvc module does not know this request; it is older than %s\n",
			prog, what, prog);
		return EXIT_UNAVAILABLE;
	}
	if (detail)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, what,
			ipcsvc_strerror(err), detail);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what,
			ipcsvc_strerror(err));
	return EXIT_FAILED;
}

/* Connect to the family, saying clearly why that is impossible. */
static int open_family(struct nl *nl)
{
	int ret = nl_open(nl);

	if (!ret)
		return 0;
	if (ret == -ENOENT && access("/sys/module/ipcsvc", F_OK))
		fprintf(stderr, "%s: the ipcsvc module is not loaded (try: modprobe ipcsvc)\n",
			prog);
	else if (ret == -ENOENT)
		fprintf(stderr, "%s: the loaded ipcsvc module has no netlink family \"%s\"; it is older than %s\n",
			prog, IPCSVC_GENL_NAME, prog);
	else if (ret == -EPROTONOSUPPORT || ret == -EAFNOSUPPORT)
		fprintf(stderr, "%s: this kernel has no generic netlink\n",
			prog);
	else if (ret == -EPERM || ret == -EACCES)
		fprintf(stderr, "%s: permission denied opening a netlink socket\n",
			prog);
	else
		fprintf(stderr, "%s: cannot reach the ipcsvc family: %s\n",
			prog, strerror(-ret));
	return ret == -EPERM || ret == -EACCES ? EXIT_DENIED : EXIT_UNAVAILABLE;
}

static int service_cb(const struct nlmsghdr *nlh, void *data)
{
	struct svc_info s;

	(void)data;
	if (msg_cmd(nlh) != IPCSVC_CMD_SERVICE_GET || parse_service(nlh, &s))
		return 0;	/* not ours to show; skip it */
	show_service(&s);
	return 0;
}

static int detail_cb(const struct nlmsghdr *nlh, void *data)
{
	struct svc_info *s = data;

	return parse_service(nlh, s);
}

static int cmd_service(struct nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct svc_info s;
	int ret;

	if (argc == 0 || (argc == 1 && matches(argv[0], "list"))) {
		nlh = nl_request(nl, IPCSVC_CMD_SERVICE_GET, true);
		show_services_begin();
		ret = nl_talk(nl, nlh, service_cb, NULL);
		if (ret)
			return fail(nl, ret, "service list");
		show_services_end();
		return EXIT_OK;
	}
	if (argc == 2 && matches(argv[0], "show")) {
		if (strlen(argv[1]) > IPCSVC_PROTOCOL_NAME_MAX) {
			fprintf(stderr, "%s: a service name has at most %d bytes\n",
				prog, IPCSVC_PROTOCOL_NAME_MAX);
			return EXIT_USAGE;
		}
		nlh = nl_request(nl, IPCSVC_CMD_SERVICE_GET, false);
		mnl_attr_put_strz(nlh, IPCSVC_A_SERVICE_NAME, argv[1]);
		memset(&s, 0, sizeof(s));
		ret = nl_talk(nl, nlh, detail_cb, &s);
		if (ret == -ENOENT) {
			fprintf(stderr, "%s: no service \"%s\" that you may see\n",
				prog, argv[1]);
			return EXIT_FAILED;
		}
		if (ret)
			return fail(nl, ret, "service show");
		show_service_detail(&s);
		return EXIT_OK;
	}
	usage(stderr);
	return EXIT_USAGE;
}

static int channel_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chan_info c;

	(void)data;
	if (msg_cmd(nlh) != IPCSVC_CMD_CHANNEL_GET || parse_channel(nlh, &c))
		return 0;
	show_channel(&c);
	return 0;
}

static int one_channel_cb(const struct nlmsghdr *nlh, void *data)
{
	return parse_channel(nlh, data);
}

static int cmd_channel_show(struct nl *nl, const char *arg)
{
	struct nlmsghdr *nlh;
	struct chan_info c;
	char *end;
	uint64_t id;
	int ret;

	errno = 0;
	id = strtoull(arg, &end, 0);
	if (errno || *end || !id) {
		fprintf(stderr, "%s: \"%s\" is not a channel id\n", prog, arg);
		return EXIT_USAGE;
	}
	nlh = nl_request(nl, IPCSVC_CMD_CHANNEL_GET, false);
	mnl_attr_put_u64(nlh, IPCSVC_A_CHANNEL_ID, id);
	memset(&c, 0, sizeof(c));
	ret = nl_talk(nl, nlh, one_channel_cb, &c);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: no channel %s that you may see\n", prog,
			arg);
		return EXIT_FAILED;
	}
	if (ret)
		return fail(nl, ret, "channel show");
	show_channel_detail(&c);
	return EXIT_OK;
}

static int cmd_channel(struct nl *nl, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	const char *svc = NULL;
	int ret;

	if (argc >= 1 && matches(argv[0], "show")) {
		if (argc != 2)
			goto bad;
		return cmd_channel_show(nl, argv[1]);
	} else {
		if (argc >= 1 && matches(argv[0], "list")) {
			argc--;
			argv++;
		}
		if (argc == 2 && matches(argv[0], "service"))
			svc = argv[1];
		else if (argc)
			goto bad;
		nlh = nl_request(nl, IPCSVC_CMD_CHANNEL_GET, true);
		if (svc)
			mnl_attr_put_strz(nlh, IPCSVC_A_CHANNEL_SERVICE_NAME,
					  svc);
	}
	show_channels_begin();
	ret = nl_talk(nl, nlh, channel_cb, NULL);
	if (ret)
		return fail(nl, ret, "channel");
	show_channels_end();
	return EXIT_OK;
bad:
	usage(stderr);
	return EXIT_USAGE;
}

struct users {
	struct user_info *v;
	size_t n, room;
};

static int user_cb(const struct nlmsghdr *nlh, void *data)
{
	struct users *u = data;
	struct user_info *v;

	if (msg_cmd(nlh) != IPCSVC_CMD_USER_GET)
		return 0;
	if (u->n == u->room) {
		u->room = u->room ? 2 * u->room : 16;
		v = realloc(u->v, u->room * sizeof(*v));
		if (!v)
			return -ENOMEM;
		u->v = v;
	}
	if (parse_user(nlh, &u->v[u->n]) == 0)
		u->n++;
	return 0;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	return parse_stats(nlh, data);
}

static int cmd_stats(struct nl *nl, int argc, char **argv)
{
	struct users users = { 0 };
	struct stats_info st;
	bool with_users = false;
	int ret;

	if (argc == 1 && matches(argv[0], "users")) {
		with_users = true;
	} else if (argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(&st, 0, sizeof(st));
	ret = nl_talk(nl, nl_request(nl, IPCSVC_CMD_STATS_GET, false),
		      stats_cb, &st);
	if (ret)
		return fail(nl, ret, "stats");
	if (with_users) {
		ret = nl_talk(nl, nl_request(nl, IPCSVC_CMD_USER_GET, true),
			      user_cb, &users);
		if (ret) {
			free(users.v);
			return fail(nl, ret, "stats users");
		}
	}
	show_stats(&st, users.v, users.n, with_users);
	free(users.v);
	return EXIT_OK;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	show_event(nlh);
	return 0;
}

static int cmd_monitor(struct nl *nl, int argc, char **argv)
{
	int rcvbuf = 1 << 20, ret;

	(void)argv;
	if (argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Room for bursts; what still does not fit is reported as lost. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
		   &rcvbuf, sizeof(rcvbuf));
	ret = nl_talk(nl, nl_request(nl, IPCSVC_CMD_MONITOR, false), NULL,
		      NULL);
	if (ret)
		return fail(nl, ret, "monitor");
	ret = nl_listen(nl, event_cb, NULL);
	return fail(nl, ret, "monitor");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct nl nl;
	const char *obj;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+jphV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.pretty = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", prog, IPCSVCCTL_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (opts.pretty)
		opts.json = true;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	obj = argv[0];
	if (!matches(obj, "service") && !matches(obj, "channel") &&
	    !matches(obj, "stats") && !matches(obj, "monitor")) {
		fprintf(stderr, "%s: unknown object \"%s\"\n", prog, obj);
		usage(stderr);
		return EXIT_USAGE;
	}
	json_init(stdout, opts.pretty);
	ret = open_family(&nl);
	if (ret)
		return ret;
	if (matches(obj, "service"))
		ret = cmd_service(&nl, argc - 1, argv + 1);
	else if (matches(obj, "channel"))
		ret = cmd_channel(&nl, argc - 1, argv + 1);
	else if (matches(obj, "stats"))
		ret = cmd_stats(&nl, argc - 1, argv + 1);
	else
		ret = cmd_monitor(&nl, argc - 1, argv + 1);
	nl_close(&nl);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", prog,
			strerror(errno));
		return EXIT_FAILED;
	}
	return ret;
}
