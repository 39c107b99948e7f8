// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scale_bench's connect figures: what a connection takes to make, against
 * an AF_UNIX connect and accept, and then where that time goes: the
 * system calls the library makes, one by one, and what one freshly zeroed
 * page costs in the same boot (a channel's header is three of them). The
 * cheapest connection that shares a page between two processes, made
 * with AF_UNIX and a memfd, is measured too: what any shared-memory
 * channel pays before it has a single page in common.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "scale.h"

/*
 * The cheapest connection that shares memory, as a reference for what any
 * shared-memory channel must pay in this boot: an AF_UNIX connect and
 * accept, then one page of a memfd that the client makes, maps and
 * writes, and passes to the server (SCM_RIGHTS), which maps and reads it.
 * Microseconds from the client's socket() to the server's read.
 */
static double unix_shared_page(int lfd, const struct sockaddr_un *sa)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	uint64_t t0 = now_ns();
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), s, mfd, rfd;
	volatile uint8_t *cp, *sp;
	double us;

	if (c < 0 || connect(c, (const struct sockaddr *)sa, sizeof(*sa)))
		die("unix connect", -errno);
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	mfd = memfd_create("scale_bench", MFD_CLOEXEC);
	if (s < 0 || mfd < 0 || ftruncate(mfd, 4096))
		die("unix accept, memfd", -errno);
	cp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (cp == MAP_FAILED)
		die("mmap", -errno);
	cp[0] = 1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &mfd, sizeof(int));
	if (sendmsg(c, &mh, 0) != 1)
		die("sendmsg", -errno);
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) != 1 || !CMSG_FIRSTHDR(&mh))
		die("recvmsg", -EIO);
	memcpy(&rfd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	sp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (sp == MAP_FAILED || sp[0] != 1)
		die("the shared page", -EIO);
	us = (double)(now_ns() - t0) / 1000.0;
	munmap((void *)cp, 4096);
	munmap((void *)sp, 4096);
	close(rfd);
	close(mfd);
	close(c);
	close(s);
	return us;
}

/* connect to accepted through the library, against AF_UNIX */
static void connect_total(int n)
{
	double *t = malloc(sizeof(*t) * (size_t)n), *u = malloc(sizeof(*u) * (size_t)n);
	double *cl = malloc(sizeof(*cl) * (size_t)n);
	double *sh = malloc(sizeof(*sh) * (size_t)n);
	double ipcsvc_us, unix_us;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ipcsvc_service *svc;
	struct ipcsvc_port_event ev;
	struct ipcsvc_port *sport, *cport;
	int lfd;

	if (!t || !u || !cl || !sh)
		die("connect", -ENOMEM);
	if (ipcsvc_port_open(NULL, &sport) || ipcsvc_port_open(NULL, &cport) ||
	    ipcsvc_service_create(sport, SVC ".c", 1, 0600, &svc))
		die("connect set-up", -ENODEV);
	for (int i = 0; i < n; i++) {
		struct ipcsvc_conn *c, *s;
		uint64_t t0 = now_ns(), t1;

		if (ipcsvc_client_connect(cport, SVC ".c", 1, 0, 0, NULL, &c))
			die("connect", -EIO);
		t1 = now_ns();
		if (ipcsvc_port_wait_event(sport, &ev, T) ||
		    ipcsvc_service_accept(svc, &ev, NULL, &s))
			die("accept", -EIO);
		t[i] = (double)(now_ns() - t0) / 1000.0;
		cl[i] = (double)(t1 - t0) / 1000.0;
		ipcsvc_conn_close(c);
		ipcsvc_conn_close(s);
		while (!ipcsvc_port_read_event(sport, &ev))
			;	/* the PeerClosed */
	}
	ipcsvc_service_close(svc);
	ipcsvc_port_close(sport);
	ipcsvc_port_close(cport);

	/* the reference, in the same boot: a Unix stream socket */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/scale_bench.%d",
		 (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 16))
		die("unix listen", -errno);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
			die("unix connect", -errno);
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0)
			die("unix accept", -errno);
		u[i] = (double)(now_ns() - t0) / 1000.0;
		close(c);
		close(s);
	}
	/* after the plain sockets, whose figure the descriptors passed
	 * here would slow down (the kernel's accounting of fds in flight) */
	for (int i = 0; i < n; i++)
		sh[i] = unix_shared_page(lfd, &sa);
	close(lfd);
	unlink(sa.sun_path);
	unix_us = median(u, (size_t)n);
	ipcsvc_us = median(t, (size_t)n);
	figure("connect", "AF_UNIX connect + accept", unix_us, "us", NULL, 0);
	figure("connect", "AF_UNIX + one memfd page shared", median(sh, (size_t)n),
	       "us", "AF_UNIX", unix_us);
	figure("connect", "connect + accept", ipcsvc_us, "us", "AF_UNIX",
	       unix_us);
	/* where it goes: the client's call, then the server's event and
	 * accept (medians of each, so they need not add up exactly) */
	figure("connect", "  of which the client's connect",
	       median(cl, (size_t)n), "us", NULL, 0);
	free(cl);
	free(sh);
	free(t);
	free(u);
}

/* One MAP_INFO of area @dir of @handle, with @flags; its time added to
 * @info_ns. */
static void map_info(int fd, uint32_t handle, uint32_t dir, uint32_t flags,
		     struct ipcsvc_map_info *mi, uint64_t *info_ns)
{
	uint64_t t0 = now_ns();

	*mi = (struct ipcsvc_map_info){ .size = sizeof(*mi), .handle = handle,
					.dir = dir, .flags = flags };
	if (ioctl(fd, IPCSVC_IOC_MAP_INFO, mi))
		die("MAP_INFO", -errno);
	*info_ns += now_ns() - t0;
}

/*
 * What the library does for one end of @handle: MAP_INFO of the TX area
 * with @flags (IPCSVC_MAP_HEADERS when a connection opens,
 * IPCSVC_MAP_CHANNEL when its first message maps the data) and of the RX
 * area, then one mmap() of what the first answer describes. Times added
 * to @info_ns and @map_ns.
 */
static void *map_end(int fd, uint32_t handle, uint32_t flags, size_t *len,
		     uint64_t *info_ns, uint64_t *map_ns)
{
	struct ipcsvc_map_info mi, rx;
	uint64_t t1;
	void *p;

	map_info(fd, handle, IPCSVC_DIR_TX, flags, &mi, info_ns);
	map_info(fd, handle, IPCSVC_DIR_RX, 0, &rx, info_ns);
	t1 = now_ns();
	p = mmap(NULL, (size_t)mi.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, (off_t)mi.offset);
	if (p == MAP_FAILED)
		die("mmap", -errno);
	*map_ns += now_ns() - t1;
	*len = (size_t)mi.map_size;
	return p;
}

static void close_handle(int fd, uint32_t handle)
{
	struct ipcsvc_handle_arg a = { .size = sizeof(a), .handle = handle };

	if (ioctl(fd, IPCSVC_IOC_CLOSE, &a))
		die("CLOSE", -errno);
}

enum {
	ST_CONNECT, ST_CINFO, ST_CMAP, ST_EVENT, ST_SINFO, ST_SMAP,
	ST_DINFO, ST_DMAP, ST_N
};

/*
 * The library's steps through the raw ABI, each timed on its own: the
 * client's CONNECT, its two MAP_INFOs and the mmap() of its header pages,
 * the server's read of the event, its two MAP_INFOs and mmap() (medians
 * of each). Then what an end's first message adds, which a connection no
 * longer pays: its two MAP_INFOs and the mmap() of its data (the
 * client's). Then the first touch of fresh anonymous pages, each of which
 * the kernel zeroes, as it zeroes a channel's three header pages at
 * CONNECT.
 */
static void connect_steps(int n)
{
	static const char *const name[ST_N] = {
		"  client: CONNECT", "  client: 2 MAP_INFO",
		"  client: mmap() of the header pages",
		"  server: event read()", "  server: 2 MAP_INFO",
		"  server: mmap() of the header pages",
		"  first message: 2 MAP_INFO",
		"  first message: mmap() of the data",
	};
	double *st[ST_N], *z = malloc(sizeof(*z) * (size_t)n);
	struct ipcsvc_port *sport, *cport;
	struct ipcsvc_service *svc;
	struct ipcsvc_port_event ev;
	int cfd, sfd;
	uint8_t *pages;

	for (int k = 0; k < ST_N; k++) {
		st[k] = malloc(sizeof(double) * (size_t)n);
		if (!st[k])
			die("connect steps", -ENOMEM);
	}
	if (!z)
		die("connect steps", -ENOMEM);
	if (ipcsvc_port_open(NULL, &sport) || ipcsvc_port_open(NULL, &cport) ||
	    ipcsvc_service_create(sport, SVC ".s", 1, 0600, &svc))
		die("connect set-up", -ENODEV);
	cfd = ipcsvc_port_fd(cport);
	sfd = ipcsvc_port_fd(sport);
	for (int i = 0; i < n; i++) {
		struct ipcsvc_connect c = {
			.size = sizeof(c), .version = 1,
			.name_len = sizeof(SVC ".s") - 1,
		};
		uint64_t ns[ST_N] = { 0 }, t0;
		void *cm, *sm, *dm;
		size_t cl, sl, dl;

		memcpy(c.name, SVC ".s", c.name_len);
		t0 = now_ns();
		if (ioctl(cfd, IPCSVC_IOC_CONNECT, &c))
			die("CONNECT", -errno);
		ns[ST_CONNECT] = now_ns() - t0;
		cm = map_end(cfd, c.handle, IPCSVC_MAP_HEADERS, &cl,
			     &ns[ST_CINFO], &ns[ST_CMAP]);
		t0 = now_ns();
		if (ipcsvc_port_wait_event(sport, &ev, T) ||
		    ev.type != IPC_MSG_SERVICE_CONNECTED)
			die("connect event", -EIO);
		ns[ST_EVENT] = now_ns() - t0;
		sm = map_end(sfd, ev.channel, IPCSVC_MAP_HEADERS, &sl,
			     &ns[ST_SINFO], &ns[ST_SMAP]);
		dm = map_end(cfd, c.handle, IPCSVC_MAP_CHANNEL, &dl,
			     &ns[ST_DINFO], &ns[ST_DMAP]);
		for (int k = 0; k < ST_N; k++)
			st[k][i] = (double)ns[k] / 1000.0;
		munmap(cm, cl);
		munmap(sm, sl);
		munmap(dm, dl);
		close_handle(cfd, c.handle);
		close_handle(sfd, ev.channel);
		while (!ipcsvc_port_read_event(sport, &ev))
			;	/* the PeerClosed */
	}
	ipcsvc_service_close(svc);
	ipcsvc_port_close(sport);
	ipcsvc_port_close(cport);
	for (int k = 0; k < ST_N; k++) {
		figure("connect", name[k], median(st[k], (size_t)n), "us",
		       NULL, 0);
		free(st[k]);
	}

	/* what the kernel takes to hand out one zeroed page, in this boot */
	pages = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		die("mmap", -errno);
	/* one page per fault: a huge page would zero 2 MiB at the first */
	madvise(pages, (size_t)n * 4096, MADV_NOHUGEPAGE);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		pages[(size_t)i * 4096] = 1;
		z[i] = (double)(now_ns() - t0) / 1000.0;
	}
	munmap(pages, (size_t)n * 4096);
	figure("connect", "a fresh page's first touch (zeroed)",
	       median(z, (size_t)n), "us", NULL, 0);
	free(z);
}

void bench_connect(void)
{
	int n = quick ? 100 : 1000;

	printf("connect: connect to accepted, median\n");
	connect_total(n);
	printf("connect: the same steps through the raw ABI, median of each\n");
	connect_steps(n);
}
