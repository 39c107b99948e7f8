// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What every section of scale_bench uses: figures and their JSON, CPU
 * placement, the module's parameters and counters, /proc/meminfo,
 * messages of one u64, and an event-loop server in a process of its own.
 */
#include "scale.h"

bool quick;
FILE *json;
static const char *json_sep = "";

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void die(const char *what, int err)
{
	fprintf(stderr, "scale_bench: %s: %s\n", what, ipcsvc_strerror(err));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n samples; sorts them. */
double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}
/* One figure: printed, and added to the JSON report. */
void figure(const char *section, const char *name, double value,
		   const char *unit, const char *ref, double ref_value)
{
	/* small counts (system calls per message) need their decimals */
	printf(value < 10 ? "  %-44s %12.3f %-7s" : "  %-44s %12.1f %-7s",
	       name, value, unit);
	if (ref)
		printf("  %s %.1f (%.2fx)", ref, ref_value,
		       ref_value ? value / ref_value : 0.0);
	printf("\n");
	fflush(stdout);
	if (json) {
		fprintf(json, "%s\n  {\"section\": \"%s\", \"name\": \"%s\", "
			"\"value\": %.3f, \"unit\": \"%s\"", json_sep, section,
			name, value, unit);
		if (ref)
			fprintf(json, ", \"reference\": \"%s\", "
				"\"reference_value\": %.3f", ref, ref_value);
		fprintf(json, "}");
		json_sep = ",";
	}
}

void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void unpin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long i = 0; i < sysconf(_SC_NPROCESSORS_ONLN); i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- module parameters and counters ---- */

long param_get(const char *name)
{
	char path[128], buf[32];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return atol(buf);
}

/* Write @val to the sysfs or procfs file @path; a failure is reported. */
static void write_text(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		fprintf(stderr, "scale_bench: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void param_set(const char *name, long v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	snprintf(buf, sizeof(buf), "%ld", v);
	write_text(path, buf);
}

/* The attribute @type of the one generic netlink message in @msg. */
static const struct nlattr *nl_find(const char *msg, ssize_t n, uint16_t type)
{
	for (size_t off = NLMSG_LENGTH(GENL_HDRLEN); n > 0 &&
	     off + NLA_HDRLEN <= (size_t)n;) {
		const struct nlattr *a = (const void *)(msg + off);

		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* The module's WAKE counter, from its generic netlink statistics. */
uint64_t module_wakes(void)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char buf[1024];
	} req = { 0 };
	static uint16_t family;
	char reply[8192];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	const struct nlattr *found;
	uint64_t wakes = 0;
	ssize_t n;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	if (!family) {	/* resolve "ipcsvc" once */
		struct nlattr *a = (void *)req.buf;
		size_t len = strlen(IPCSVC_GENL_NAME) + 1;

		req.n.nlmsg_type = GENL_ID_CTRL;
		req.n.nlmsg_flags = NLM_F_REQUEST;
		req.g.cmd = CTRL_CMD_GETFAMILY;
		req.g.version = 1;
		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = (uint16_t)(NLA_HDRLEN + len);
		memcpy((char *)a + NLA_HDRLEN, IPCSVC_GENL_NAME, len);
		req.n.nlmsg_len = (uint32_t)(NLMSG_LENGTH(GENL_HDRLEN) +
					     NLA_ALIGN(a->nla_len));
		if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
			goto out;
		n = recv(fd, reply, sizeof(reply), 0);
		found = nl_find(reply, n, CTRL_ATTR_FAMILY_ID);
		if (!found)
			goto out;
		memcpy(&family, (const char *)found + NLA_HDRLEN, 2);
	}
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_type = family;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req.g.cmd = IPCSVC_CMD_STATS_GET;
	req.g.version = 1;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		goto out;
	n = recv(fd, reply, sizeof(reply), 0);
	found = nl_find(reply, n, IPCSVC_A_STATS_WAKES);
	if (found)
		memcpy(&wakes, (const char *)found + NLA_HDRLEN, 8);
out:
	if (fd >= 0)
		close(fd);
	return wakes;
}

const char *const mi_name[MI_N] = {
	"MemAvailable", "VmallocUsed", "Slab", "PageTables", "AnonPages",
};

static void meminfo_once(long kb[MI_N])
{
	char line[128], key[32];
	long v, page_kb = sysconf(_SC_PAGESIZE) / 1024;
	FILE *f = fopen("/proc/meminfo", "re");

	for (int i = 0; i < MI_N; i++)
		kb[i] = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^:]: %ld kB", key, &v) == 2)
			for (int i = 0; i < MI_N; i++)
				if (!strcmp(key, mi_name[i]))
					kb[i] = v;
	if (f)
		fclose(f);
	/*
	 * Pages on the per-CPU free lists are free, but not in MemAvailable,
	 * and how many sit there moves by megabytes: count them back.
	 */
	f = fopen("/proc/zoneinfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			kb[MI_AVAILABLE] += v * page_kb;
	if (f)
		fclose(f);
}

/*
 * /proc/meminfo once the kernel has settled: frees deferred to RCU and to
 * workqueues done, the page cache dropped, the per-CPU counter deltas
 * folded in (stat_refresh), MemAvailable the same twice.
 */
void meminfo(long kb[MI_N])
{
	long prev;

	meminfo_once(kb);
	for (int i = 0; i < 20; i++) {
		sync();
		write_text("/proc/sys/vm/drop_caches", "3");
		usleep(200000);
		write_text("/proc/sys/vm/stat_refresh", "1");
		prev = kb[MI_AVAILABLE];
		meminfo_once(kb);
		if (labs(prev - kb[MI_AVAILABLE]) <= 16)
			break;
	}
}

/* ---- messages ---- */

void send_u64(struct ipcsvc_channel *ch, uint64_t v)
{
	struct ipcsvc_msg *m;
	int rc = ipcsvc_channel_allocate_for_send_timeout(ch, 56, 1, 1, 0, &m,
							   T);
	uint8_t payload[56] = { 0 };

	memcpy(payload, &v, sizeof(v));
	if (!rc)
		rc = ipcsvc_msg_add_object(m, 1, payload, sizeof(payload));
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	if (rc)
		die("send", rc);
}

/* One message's u64, or -EAGAIN. The payload is read, not skipped. */
int take_u64(struct ipcsvc_channel *ch, uint64_t *v, bool wait)
{
	struct ipcsvc_object o = { 0 };
	struct ipcsvc_msg *m;
	int rc = wait ? ipcsvc_channel_receive_timeout(ch, &m, T) :
			ipcsvc_channel_receive(ch, &m);

	if (rc)
		return rc;
	if (ipcsvc_msg_next_object(m, &o) != 1 || o.length < 8)
		die("message", -EBADMSG);
	memcpy(v, o.data, sizeof(*v));
	ipcsvc_channel_release(ch, m);
	return 0;
}

/*
 * An event-loop server in a child process: accept everything, arm each
 * channel, answer each request with its value (echo) until the ring is
 * empty, re-arm. @ready gets one byte once the service exists; the server
 * ends when it gets SIGTERM.
 */
static volatile sig_atomic_t stop_server;

static void on_term(int sig)
{
	(void)sig;
	stop_server = 1;
}

void serve_loop(int ready, uint32_t max_handles, bool echo)
{
	struct ipcsvc_service_attr a = { .max_connections = 16384 };
	struct ipcsvc_port_event evs[64];
	struct server_report rep = { 0 };
	struct ipcsvc_service *svc;
	struct ipcsvc_port *port;
	long reads0;
	int rc;

	signal(SIGTERM, on_term);
	if (ipcsvc_port_open(NULL, &port))
		_exit(1);
	if (max_handles)
		ipcsvc_port_set_max_handles(port, max_handles);
	rc = ipcsvc_service_create_attr(port, SVC, 1, 0600, &a, &svc);
	if (rc)
		die("service", rc);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	reads0 = thread_reads();
	while (!stop_server) {
		struct pollfd pfd = { .fd = ipcsvc_port_fd(port), .events = POLLIN };
		int n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		rep.wakeups++;
		do {
			n = ipcsvc_port_read_events(port, evs, 64);
			for (int i = 0; i < n; i++) {
				struct ipcsvc_conn *c = evs[i].cookie;
				struct ipcsvc_channel *ch;
				uint64_t v;

				switch (evs[i].type) {
				case IPC_MSG_SERVICE_CONNECTED:
					if (ipcsvc_service_accept(svc, &evs[i],
								  NULL, &c))
						break;
					ipcsvc_conn_set_cookie(c, c);
					ipcsvc_conn_arm(c, IPCSVC_DIR_RX);
					break;
				case IPC_MSG_CHANNEL_READABLE:
					if (!c)
						break;
					ch = ipcsvc_conn_channel(c);
					while (!take_u64(ch, &v, false)) {
						rep.msgs++;
						/* the end of a stream is
						 * always answered */
						if (echo || v == UINT64_MAX)
							send_u64(ch, v);
					}
					ipcsvc_conn_arm(c, IPCSVC_DIR_RX);
					break;
				case IPC_MSG_PEER_CLOSED:
					/* later events of this batch naming
					 * it are stale: none is acted on */
					if (c)
						ipcsvc_conn_close(c);
					for (int j = i + 1; j < n; j++)
						if (evs[j].handle == evs[i].handle)
							evs[j].type = 0;
					break;
				}
			}
		} while (n == 64);
	}
	/* less the first thread_reads()'s own read(), which the second
	 * counts */
	rep.reads = thread_reads() - reads0 - 1;
	ipcsvc_service_close(svc);
	ipcsvc_port_close(port);
	_exit(write(ready, &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
}

/* A server process running @serve; back once its service exists. */
struct server server_spawn(void (*serve)(int ready, uint32_t max,
						bool echo),
				  uint32_t max_handles, bool echo, int cpu)
{
	struct server srv;
	int p[2];
	char c;

	if (pipe(p))
		die("pipe", -errno);
	srv.pid = fork();
	if (srv.pid == 0) {
		close(p[0]);
		if (cpu >= 0)
			pin_to(cpu);
		serve(p[1], max_handles, echo);
	}
	close(p[1]);
	srv.fd = p[0];
	if (read(srv.fd, &c, 1) != 1)
		die("server start", -EIO);
	return srv;
}

struct server server_start(uint32_t max_handles, bool echo, int cpu)
{
	return server_spawn(serve_loop, max_handles, echo, cpu);
}

struct server_report server_stop(struct server srv)
{
	struct server_report rep = { 0 };

	kill(srv.pid, SIGTERM);
	if (read(srv.fd, &rep, sizeof(rep)) != sizeof(rep))
		memset(&rep, 0, sizeof(rep));
	close(srv.fd);
	waitpid(srv.pid, NULL, 0);
	return rep;
}

struct ipcsvc_conn *connect_one(struct ipcsvc_port *port)
{
	struct ipcsvc_conn *c;
	int rc;

	/* EAGAIN: the server has not read the backlog yet */
	while ((rc = ipcsvc_client_connect(port, SVC, 1, 0, 0, NULL, &c)) ==
	       -EAGAIN)
		usleep(100);
	if (rc)
		die("connect", rc);
	return c;
}

/* The median of ROUNDS interleaved rounds. */
double med(double *v)
{
	return median(v, ROUNDS);
}
