/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests of the module's mappings (channel_map_test.c,
 * header_map_test.c): a word read as the other side reads it, a byte
 * touched with the signal it raises caught, a VMA's smaps entry, and an
 * mmap()'s errno.
 */
#ifndef IPCSVC_ST_MAPS_H
#define IPCSVC_ST_MAPS_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "ipcsvc_st.h"

static inline uint64_t load(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint64_t word(const uint8_t *p)
{
	return *(const volatile uint64_t *)p;
}

static sigjmp_buf probe_env;

static inline void probe_signal(int sig)
{
	siglongjmp(probe_env, sig);
}

/*
 * Touch one byte in this process rather than in a child, since the
 * mapping is not inherited: 0 if it worked, else the signal it raised.
 */
static inline int probe(uint8_t *p, bool write, uint8_t v)
{
	struct sigaction sa = { .sa_handler = probe_signal }, obus, osegv;
	volatile int sig;

	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	sig = sigsetjmp(probe_env, 1);
	if (!sig) {
		if (write)
			*(volatile uint8_t *)p = v;
		else
			(void)*(volatile uint8_t *)p;
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return sig;
}

/* The smaps entry starting at @addr. */
struct vma_info {
	unsigned long long len, off, ino, rss;
	char flags[512];
};

static inline int vma_info(const void *addr, struct vma_info *v)
{
	unsigned long long lo, hi;
	char line[512];
	bool in = false;
	int ret = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %*s %llx %*s %llu", &lo, &hi,
			   &v->off, &v->ino) == 4) {
			in = lo == (uintptr_t)addr;
			v->len = hi - lo;
		} else if (in && sscanf(line, "Rss: %llu kB", &v->rss) == 1) {
			v->rss *= 1024;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(v->flags, sizeof(v->flags), "%s", line + 8);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* mmap() of @len at @off: 0, or its errno. */
static inline int map_errno(int fd, uint64_t off, uint64_t len, int prot, int flags)
{
	void *p = mmap(NULL, (size_t)len, prot, flags, fd, (off_t)off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, (size_t)len);
	return 0;
}

/*
 * One end of a channel: its areas' MAP_INFO answers, the TX answer with
 * @flags (IPCSVC_MAP_CHANNEL or IPCSVC_MAP_HEADERS) in @mi, and the
 * mapping that answer describes.
 */
struct st_end {
	int fd;
	uint32_t ch, flags;
	struct ipcsvc_map_info tx, rx, mi;
	uint8_t *map;
};

/* (Again) the three MAP_INFO answers: committed sizes change. */
static inline int st_end_info(struct st_end *e)
{
	int ret = st_map_info(e->fd, e->ch, IPCSVC_DIR_TX, &e->tx);

	if (!ret)
		ret = st_map_info(e->fd, e->ch, IPCSVC_DIR_RX, &e->rx);
	if (!ret)
		ret = st_map_info_flags(e->fd, e->ch, IPCSVC_DIR_TX, e->flags,
					&e->mi);
	return ret;
}

/* A mapping of what @e->mi describes; NULL (errno set) on failure. */
static inline uint8_t *st_end_map(const struct st_end *e, int prot)
{
	void *p = mmap(NULL, (size_t)e->mi.map_size, prot, MAP_SHARED,
		       e->fd, (off_t)e->mi.offset);

	return p == MAP_FAILED ? NULL : p;
}

static inline int st_end_open(struct st_end *e, int fd, uint32_t ch,
			      uint32_t flags)
{
	int ret;

	e->fd = fd;
	e->ch = ch;
	e->flags = flags;
	ret = st_end_info(e);
	if (ret)
		return ret;
	e->map = st_end_map(e, PROT_READ | PROT_WRITE);
	return e->map ? 0 : -errno;
}

/*
 * A channel of service @name between the two ports of @p (areas of
 * @to_server and @to_client bytes), with its client end in @c and its
 * server end in @s, each mapped as @flags says (st_end_open()). The
 * pair's fds are -1 until opened, so that st_pair_close() may follow a
 * failure at any step. 0 or a negative errno.
 */
static inline int st_ends_open(struct st_pair *p, const char *name,
			       uint64_t to_server, uint64_t to_client,
			       uint32_t flags, struct st_end *c,
			       struct st_end *s)
{
	int ret;

	p->sfd = p->cfd = -1;
	ret = st_pair_open(p, name, to_server, to_client);
	if (!ret)
		ret = st_end_open(c, p->cfd, p->cch, flags);
	if (!ret)
		ret = st_end_open(s, p->sfd, p->sch, flags);
	return ret;
}

/*
 * The refusals of MAP_INFO with @flag that every mapping kind shares, on
 * the channel end @ch of @fd: with dir RX or a bad dir; each of the @n
 * flags @bad with either dir; handle 0 before a bad dir is seen, and 0 or
 * an unknown handle after; the service handle @svc of @sfd; a refusal
 * writes nothing back; and, after @ch is closed here, the closed handle.
 * 0 if each held, else the number of the first that did not.
 */
static inline int st_map_info_refusals(int fd, uint32_t ch, int sfd,
				       uint32_t svc, uint32_t flag,
				       const uint32_t *bad, size_t n)
{
	struct ipcsvc_map_info mi;
	int step = 1;

	if (st_map_info_flags(fd, ch, IPCSVC_DIR_RX, flag, &mi) != -EINVAL)
		return step;
	if (st_map_info_flags(fd, ch, 2, flag, &mi) != -EINVAL)
		return step + 1;
	step += 2;
	for (size_t i = 0; i < n; i++, step += 2) {
		if (st_map_info_flags(fd, ch, IPCSVC_DIR_TX, bad[i], &mi) !=
		    -EINVAL)
			return step;
		if (st_map_info_flags(fd, ch, IPCSVC_DIR_RX, bad[i], &mi) !=
		    -EINVAL)
			return step + 1;
	}
	/* arguments before the handle... */
	if (st_map_info_flags(fd, 0, IPCSVC_DIR_RX, flag, &mi) != -EINVAL)
		return step;
	/* ...whose checks the flag does not skip */
	if (st_map_info_flags(fd, 0, IPCSVC_DIR_TX, flag, &mi) != -EBADSLT)
		return step + 1;
	if (st_map_info_flags(fd, ch + 100, IPCSVC_DIR_TX, flag, &mi) !=
	    -EBADSLT)
		return step + 2;
	if (st_map_info_flags(sfd, svc, IPCSVC_DIR_TX, flag, &mi) !=
	    -EPROTOTYPE)
		return step + 3;
	if (!st_all_bytes((uint8_t *)&mi.offset, sizeof(mi) -
			  offsetof(struct ipcsvc_map_info, offset), 0xcc))
		return step + 4;
	if (st_close(fd, ch))
		return step + 5;
	if (st_map_info_flags(fd, ch, IPCSVC_DIR_TX, flag, &mi) != -EBADSLT)
		return step + 6;
	return 0;
}

#endif /* IPCSVC_ST_MAPS_H */
