/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest selftests: thin wrappers over the raw ioctls
 * of /dev/ipcsvc, each returning 0 or -errno, and a connected pair of ports.
 * Output structs are poisoned with 0xcc before every call, so a field the
 * kernel forgot to write shows up.
 */
#ifndef IPCSVC_ST_H
#define IPCSVC_ST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/ipcsvc.h>

#define ST_PAGE	((uint64_t)sysconf(_SC_PAGESIZE))

/*
 * A port. Non-blocking, so that read() with nothing pending fails with
 * EAGAIN instead of sleeping: most tests read to check that nothing is
 * pending. st_open_flags() gives the blocking kind.
 */
static inline int st_open_flags(int flags)
{
	return open("/dev/" IPCSVC_DEVICE_NAME, flags | O_CLOEXEC);
}

static inline int st_open(void)
{
	return st_open_flags(O_RDWR | O_NONBLOCK);
}

static inline int st_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline void st_set_name(uint8_t *dst, uint32_t *len, const char *name)
{
	*len = strlen(name);
	memset(dst, 0, IPCSVC_PROTOCOL_NAME_MAX);
	memcpy(dst, name, *len > IPCSVC_PROTOCOL_NAME_MAX ?
	       IPCSVC_PROTOCOL_NAME_MAX : *len);
}

/* All @n bytes at @p are @v: poison left in place, a tail left zero. */
static inline bool st_all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* A service's limits; zero fields take the module's defaults. */
struct st_limits {
	uint64_t max_to_server, max_to_client;
	uint32_t max_connections, max_pending;
};

static inline int st_service_ex(int fd, const char *name, uint64_t version,
				uint32_t mode, const struct st_limits *lim,
				uint32_t *handle)
{
	struct ipcsvc_service_create c;
	int ret;

	memset(&c, 0xcc, sizeof(c));
	c.size = sizeof(c);
	c.flags = 0;
	c.mode = mode;
	st_set_name(c.name, &c.name_len, name);
	c.version = version;
	c.max_to_server = lim ? lim->max_to_server : 0;
	c.max_to_client = lim ? lim->max_to_client : 0;
	c.max_connections = lim ? lim->max_connections : 0;
	c.max_pending = lim ? lim->max_pending : 0;
	c.__pad = 0;
	ret = st_ioctl(fd, IPCSVC_IOC_SERVICE_CREATE, &c);
	if (!ret && handle)
		*handle = c.handle;
	return ret;
}

static inline int st_service(int fd, const char *name, uint64_t version,
			     uint32_t mode, uint32_t *handle)
{
	return st_service_ex(fd, name, version, mode, NULL, handle);
}

/*
 * Connect asking *@to_server and *@to_client data bytes (0: the service's
 * maximum); on success they hold the sizes granted.
 */
static inline int st_connect_ex(int fd, const char *name, uint64_t version,
				uint64_t *to_server, uint64_t *to_client,
				uint32_t *handle)
{
	struct ipcsvc_connect c;
	int ret;

	memset(&c, 0xcc, sizeof(c));
	c.size = sizeof(c);
	c.flags = 0;
	c.version = version;
	st_set_name(c.name, &c.name_len, name);
	c.__pad = 0;
	c.max_to_server = *to_server;
	c.max_to_client = *to_client;
	c.__pad2 = 0;
	ret = st_ioctl(fd, IPCSVC_IOC_CONNECT, &c);
	if (ret)
		return ret;
	*to_server = c.max_to_server;
	*to_client = c.max_to_client;
	if (handle)
		*handle = c.handle;
	return 0;
}

static inline int st_connect_sized(int fd, const char *name, uint64_t version,
				   uint64_t to_server, uint64_t to_client,
				   uint32_t *handle)
{
	return st_connect_ex(fd, name, version, &to_server, &to_client, handle);
}

static inline int st_connect(int fd, const char *name, uint64_t version,
			     uint32_t *handle)
{
	return st_connect_sized(fd, name, version, 0, 0, handle);
}

static inline int st_close(int fd, uint32_t handle)
{
	struct ipcsvc_handle_arg a = { .size = sizeof(a), .handle = handle };

	return st_ioctl(fd, IPCSVC_IOC_CLOSE, &a);
}

static inline int st_map_info_flags(int fd, uint32_t handle, uint32_t dir,
				    uint32_t flags, struct ipcsvc_map_info *mi)
{
	memset(mi, 0xcc, sizeof(*mi));
	mi->size = sizeof(*mi);
	mi->handle = handle;
	mi->dir = dir;
	mi->flags = flags;
	return st_ioctl(fd, IPCSVC_IOC_MAP_INFO, mi);
}

static inline int st_map_info(int fd, uint32_t handle, uint32_t dir,
			      struct ipcsvc_map_info *mi)
{
	return st_map_info_flags(fd, handle, dir, 0, mi);
}

/* Map one area; NULL (errno set) on failure. */
static inline void *st_map(int fd, uint32_t handle, uint32_t dir, int prot)
{
	struct ipcsvc_map_info mi;
	void *p;
	int ret;

	ret = st_map_info(fd, handle, dir, &mi);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	p = mmap(NULL, mi.map_size, prot, MAP_SHARED, fd, mi.offset);
	return p == MAP_FAILED ? NULL : p;
}

/* The identity of a mapped area, where MAP_INFO says it is. */
static inline const struct ipcsvc_area_identity *
st_identity(const void *area, const struct ipcsvc_map_info *mi)
{
	return (const void *)((const uint8_t *)area + mi->identity_offset);
}

static inline int st_grow(int fd, uint32_t handle, uint64_t new_size,
			  uint64_t *committed)
{
	struct ipcsvc_grow g;
	int ret;

	memset(&g, 0xcc, sizeof(g));
	g.size = sizeof(g);
	g.handle = handle;
	g.flags = 0;
	g.__pad = 0;
	g.new_size = new_size;
	ret = st_ioctl(fd, IPCSVC_IOC_GROW, &g);
	if (!ret && committed)
		*committed = g.committed;
	return ret;
}

static inline int st_wait_flags(int fd, uint32_t handle, uint32_t dir,
				uint64_t offset, uint64_t value,
				int64_t timeout, uint32_t flags)
{
	struct ipcsvc_wait w = {
		.size = sizeof(w), .handle = handle, .dir = dir,
		.flags = flags, .offset = offset, .value = value,
		.timeout = timeout,
	};

	return st_ioctl(fd, IPCSVC_IOC_WAIT, &w);
}

/* A relative timeout in ns: < 0 without limit, 0 does not sleep. */
static inline int st_wait(int fd, uint32_t handle, uint32_t dir,
			  uint64_t offset, uint64_t value, int64_t timeout_ns)
{
	return st_wait_flags(fd, handle, dir, offset, value, timeout_ns, 0);
}

static inline int st_arm(int fd, uint32_t handle, uint32_t dir,
			 uint64_t offset, uint64_t value)
{
	struct ipcsvc_arm a = {
		.size = sizeof(a), .handle = handle, .dir = dir,
		.offset = offset, .value = value,
	};

	return st_ioctl(fd, IPCSVC_IOC_ARM, &a);
}

static inline int st_wake(int fd, uint32_t handle, uint32_t dir)
{
	struct ipcsvc_wake w = { .size = sizeof(w), .handle = handle,
				 .dir = dir };

	return st_ioctl(fd, IPCSVC_IOC_WAKE, &w);
}

static inline int st_peer_creds(int fd, uint32_t handle,
				struct ipcsvc_peer_creds *pc)
{
	memset(pc, 0xcc, sizeof(*pc));
	pc->size = sizeof(*pc);
	pc->handle = handle;
	pc->flags = 0;
	return st_ioctl(fd, IPCSVC_IOC_PEER_CREDS, pc);
}

static inline int st_usage(int fd, struct ipcsvc_usage *u)
{
	memset(u, 0xcc, sizeof(*u));
	u->size = sizeof(*u);
	u->flags = 0;
	return st_ioctl(fd, IPCSVC_IOC_USAGE, u);
}

/* IPCSVC_IOC_PORT_LIMITS: read the port's limits, or set @max first. */
static inline int st_port_limits(int fd, uint32_t flags, uint32_t max,
				 struct ipcsvc_port_limits *lim)
{
	memset(lim, 0xcc, sizeof(*lim));
	lim->size = sizeof(*lim);
	lim->flags = flags;
	lim->max_handles = max;
	lim->__pad = 0;
	return st_ioctl(fd, IPCSVC_IOC_PORT_LIMITS, lim);
}

/* Read up to @n events; returns how many, or -errno. */
static inline int st_events(int fd, struct ipcsvc_event *ev, int n)
{
	ssize_t r;

	memset(ev, 0xcc, n * sizeof(*ev));
	r = read(fd, ev, n * sizeof(*ev));
	if (r < 0)
		return -errno;
	return r / sizeof(*ev);
}

/*
 * Offsets of the words WAIT and ARM accept: producer words at the start of
 * an area's second page, consumer words 256 bytes into its third.
 */
static inline uint64_t st_prod_word(unsigned int i)
{
	return ST_PAGE + IPCSVC_CONTROL_PRODUCER + 8 * i;
}

static inline uint64_t st_cons_word(unsigned int i)
{
	return 2 * ST_PAGE + IPCSVC_CONTROL_CONSUMER + 8 * i;
}

/*
 * A server port with a service and a client port connected to it. @sch is
 * the server's channel handle, taken from the ServiceConnected event. The
 * service's maxima are @to_server and @to_client (0: defaults), and the
 * client asks for exactly those.
 */
struct st_pair {
	int sfd, cfd;
	uint32_t svc, cch, sch;
};

static inline int st_pair_open(struct st_pair *p, const char *name,
			       uint64_t to_server, uint64_t to_client)
{
	struct st_limits lim = { .max_to_server = to_server,
				 .max_to_client = to_client };
	struct ipcsvc_event ev;
	int ret;

	p->sfd = st_open();
	p->cfd = st_open();
	if (p->sfd < 0 || p->cfd < 0)
		return -ENODEV;
	ret = st_service_ex(p->sfd, name, 1, 0666, &lim, &p->svc);
	if (ret)
		return ret;
	ret = st_connect_sized(p->cfd, name, 1, to_server, to_client, &p->cch);
	if (ret)
		return ret;
	if (st_events(p->sfd, &ev, 1) != 1 ||
	    ev.type != IPCSVC_EVENT_SERVICE_CONNECTED)
		return -EPROTO;
	p->sch = ev.b;
	return 0;
}

static inline void st_pair_close(struct st_pair *p)
{
	if (p->sfd >= 0)
		close(p->sfd);
	if (p->cfd >= 0)
		close(p->cfd);
	p->sfd = p->cfd = -1;
}

/*
 * A number from the fdinfo of port @fd: @key is "ipcsvc-handles" (handles
 * open) or "ipcsvc-events" (handles with events pending). -1 if absent.
 */
static inline long st_fdinfo(int fd, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* Module parameters, for the limit tests. */
static inline int st_param_get(const char *name, unsigned long *val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static inline int st_param_set(const char *name, unsigned long val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/ipcsvc/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%lu\n", val) > 0 ? 0 : -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

#endif /* IPCSVC_ST_H */
