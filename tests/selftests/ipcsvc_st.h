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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/ipcsvc.h>

#define ST_PAGE	((uint64_t)sysconf(_SC_PAGESIZE))

static inline int st_open(void)
{
	return open("/dev/" IPCSVC_DEVICE_NAME, O_RDWR | O_CLOEXEC);
}

static inline int st_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int st_service(int fd, const char *name, uint64_t version,
			     uint32_t mode, uint32_t *handle)
{
	struct ipcsvc_service_create c;
	int ret;

	memset(&c, 0xcc, sizeof(c));
	c.size = sizeof(c);
	c.flags = 0;
	c.mode = mode;
	c.name_len = strlen(name);
	c.version = version;
	memset(c.name, 0, sizeof(c.name));
	memcpy(c.name, name, c.name_len > sizeof(c.name) ? sizeof(c.name) :
	       c.name_len);
	c.__pad = 0;
	ret = st_ioctl(fd, IPCSVC_IOC_SERVICE_CREATE, &c);
	if (!ret && handle)
		*handle = c.handle;
	return ret;
}

static inline int st_connect_sized(int fd, const char *name, uint64_t version,
				   uint64_t max_send, uint64_t max_recv,
				   uint32_t *handle)
{
	struct ipcsvc_connect c;
	int ret;

	memset(&c, 0xcc, sizeof(c));
	c.size = sizeof(c);
	c.flags = 0;
	c.version = version;
	c.name_len = strlen(name);
	c.__pad = 0;
	memset(c.name, 0, sizeof(c.name));
	memcpy(c.name, name, c.name_len > sizeof(c.name) ? sizeof(c.name) :
	       c.name_len);
	c.max_send = max_send;
	c.max_recv = max_recv;
	c.__pad2 = 0;
	ret = st_ioctl(fd, IPCSVC_IOC_CONNECT, &c);
	if (!ret && handle)
		*handle = c.handle;
	return ret;
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

static inline int st_map_info(int fd, uint32_t handle, uint32_t dir,
			      struct ipcsvc_map_info *mi)
{
	memset(mi, 0xcc, sizeof(*mi));
	mi->size = sizeof(*mi);
	mi->handle = handle;
	mi->dir = dir;
	mi->flags = 0;
	return st_ioctl(fd, IPCSVC_IOC_MAP_INFO, mi);
}

/* Map one area; NULL (errno set) on failure. */
static inline void *st_map(int fd, uint32_t handle, uint32_t dir, int prot)
{
	struct ipcsvc_map_info mi;
	void *p;

	if (st_map_info(fd, handle, dir, &mi)) {
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, mi.map_size, prot, MAP_SHARED, fd, mi.offset);
	return p == MAP_FAILED ? NULL : p;
}

static inline int st_grow(int fd, uint32_t handle, uint64_t new_size,
			  uint64_t *committed)
{
	struct ipcsvc_grow g;
	int ret;

	memset(&g, 0xcc, sizeof(g));
	g.size = sizeof(g);
	g.handle = handle;
	g.new_size = new_size;
	ret = st_ioctl(fd, IPCSVC_IOC_GROW, &g);
	if (!ret && committed)
		*committed = g.committed;
	return ret;
}

static inline int st_wait(int fd, uint32_t handle, uint32_t dir,
			  uint64_t offset, uint64_t value, int64_t timeout_ns)
{
	struct ipcsvc_wait w = {
		.size = sizeof(w), .handle = handle, .dir = dir,
		.offset = offset, .value = value, .timeout_ns = timeout_ns,
	};

	return st_ioctl(fd, IPCSVC_IOC_WAIT, &w);
}

static inline int st_arm(int fd, uint32_t handle, uint32_t dir,
			 uint64_t offset, uint64_t value)
{
	struct ipcsvc_wait w = {
		.size = sizeof(w), .handle = handle, .dir = dir,
		.offset = offset, .value = value,
	};

	return st_ioctl(fd, IPCSVC_IOC_ARM, &w);
}

static inline int st_wake(int fd, uint32_t handle, uint32_t dir)
{
	struct ipcsvc_wake w = { .size = sizeof(w), .handle = handle,
				 .dir = dir };

	return st_ioctl(fd, IPCSVC_IOC_WAKE, &w);
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

/* Offsets of words inside the producer and consumer pages. */
static inline uint64_t st_prod_word(unsigned int i)
{
	return ST_PAGE + 8 * i;
}

static inline uint64_t st_cons_word(unsigned int i)
{
	return 2 * ST_PAGE + 8 * i;
}

/*
 * A server port with a service and a client port connected to it. @sch is
 * the server's channel handle, taken from the ServiceConnected event.
 */
struct st_pair {
	int sfd, cfd;
	uint32_t svc, cch, sch;
};

static inline int st_pair_open(struct st_pair *p, const char *name,
			       uint64_t max_send, uint64_t max_recv)
{
	struct ipcsvc_event ev;
	int ret;

	p->sfd = st_open();
	p->cfd = st_open();
	if (p->sfd < 0 || p->cfd < 0)
		return -ENODEV;
	ret = st_service(p->sfd, name, 1, 0666, &p->svc);
	if (ret)
		return ret;
	ret = st_connect_sized(p->cfd, name, 1, max_send, max_recv, &p->cch);
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
