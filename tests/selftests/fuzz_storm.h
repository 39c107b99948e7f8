/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hostile-caller storm of fuzz_test.c: from a seed, malformed and
 * well-formed ioctls, mmaps and page touches, event reads, port closes and
 * generic netlink requests to the introspection family (with a monitor
 * subscribed throughout), at several ports at once. Each result is judged
 * against the errnos documented for that call (Documentation/abi.md,
 * Documentation/netlink.md), and what succeeded is counted, so that a test
 * can tell the storm got past validation.
 */
#ifndef IPCSVC_FUZZ_STORM_H
#define IPCSVC_FUZZ_STORM_H

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <sys/time.h>

#include "ipcsvc_st.h"
#include "ipcsvc_nl.h"

#define NPORTS		3
#define NHANDLES	16

/* xorshift64*: a seeded sequence, so a failure can be replayed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/*
 * The errnos the ABI documents, per call (Documentation/abi.md, 2.1): the
 * struct convention's for every ioctl, then each ioctl's own.
 */
#define CONVENTION	EFAULT, EINVAL, E2BIG
#define HANDLE_ERRS	EBADSLT, EPROTOTYPE

static const int ioctl_errnos[][16] = {
	[0x00] = { CONVENTION },
	[0x01] = { CONVENTION, EMSGSIZE, EADDRINUSE, EDQUOT, ENOSPC, ENOMEM },
	[0x02] = { CONVENTION, ENOENT, EACCES, EPROTONOSUPPORT, EMSGSIZE,
		   EUSERS, EAGAIN, EDQUOT, ENOSPC, ECONNREFUSED, ENOMEM },
	[0x03] = { CONVENTION, EBADSLT },	/* CLOSE takes either kind */
	[0x04] = { CONVENTION, HANDLE_ERRS },
	[0x05] = { CONVENTION, HANDLE_ERRS, EFBIG, EPIPE, EDQUOT, ENOMEM },
	[0x06] = { CONVENTION, HANDLE_ERRS, ETIMEDOUT, EINTR, EPIPE },
	[0x07] = { CONVENTION, HANDLE_ERRS, EPIPE },
	[0x08] = { CONVENTION, HANDLE_ERRS, EPIPE },
	[0x09] = { CONVENTION, HANDLE_ERRS },
	[0x0a] = { CONVENTION, ENOMEM },
	[0x0b] = { CONVENTION },
};

#define NR_IOCTLS	(sizeof(ioctl_errnos) / sizeof(ioctl_errnos[0]))

/* Each ioctl's struct size, by number. */
static const size_t ioctl_sizes[NR_IOCTLS] = {
	sizeof(struct ipcsvc_version), sizeof(struct ipcsvc_service_create),
	sizeof(struct ipcsvc_connect), sizeof(struct ipcsvc_handle_arg),
	sizeof(struct ipcsvc_map_info), sizeof(struct ipcsvc_grow),
	sizeof(struct ipcsvc_wait), sizeof(struct ipcsvc_wake),
	sizeof(struct ipcsvc_arm), sizeof(struct ipcsvc_peer_creds),
	sizeof(struct ipcsvc_usage), sizeof(struct ipcsvc_port_limits),
};

static bool ioctl_errno_ok(unsigned long cmd, int err)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != IPCSVC_IOC_MAGIC || nr >= NR_IOCTLS)
		return err == ENOTTY;
	for (int i = 0; i < 16 && ioctl_errnos[nr][i]; i++)
		if (ioctl_errnos[nr][i] == err)
			return true;
	return false;
}

static bool mmap_errno_ok(int err)
{
	/* EACCES: the VFS, for PROT_WRITE on a port made O_RDONLY. */
	return err == EINVAL || err == EBADSLT || err == EPROTOTYPE ||
	       err == EPERM || err == ENOMEM || err == EACCES;
}

static bool read_errno_ok(int err)
{
	return err == EINVAL || err == EAGAIN || err == EINTR ||
	       err == EFAULT;
}

struct storm {
	int fd[NPORTS];
	/* handles seen, [0] services and [1] channels; 0: none */
	uint32_t handles[NPORTS][2][NHANDLES];
	uint8_t *guard;		/* a readable page followed by PROT_NONE */
	unsigned int bad;	/* undocumented results */
	char first_bad[160];
	unsigned int ok[16];	/* successful ioctls, by number */
	unsigned int mapped;	/* successful mmaps */
	unsigned int enomem;	/* ENOMEM results, of any call */
	struct st_nl nl;	/* requests to the family */
	struct st_nl mon;	/* a subscribed monitor, drained now and then */
	unsigned int genl_ok;	/* requests answered without an error */
};

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faults;

static void on_fault(int sig)
{
	(void)sig;
	faults++;
	siglongjmp(fault_jmp, 1);
}

static void on_alarm(int sig)
{
	(void)sig;	/* only to interrupt an unbounded WAIT */
}

/* Where a storm in a child process reports its first bad result. */
static int report_fd = -1;

static void note(struct storm *s, const char *what, long cmd, int err)
{
	if (s->bad++)
		return;
	snprintf(s->first_bad, sizeof(s->first_bad),
		 "%s (cmd %#lx) failed with undocumented errno %d (%s)",
		 what, cmd, err, strerror(err));
	if (report_fd >= 0 &&
	    write(report_fd, s->first_bad, strlen(s->first_bad)) < 0)
		_exit(4);
}

/*
 * Mostly a handle of the kind @chan asks for that the port really has;
 * sometimes one of the other kind, another port's, or any number.
 */
static uint32_t pick_handle(struct storm *s, int port, bool chan)
{
	uint32_t live[NHANDLES];
	unsigned int n = 0;

	switch (rnd_below(10)) {
	case 0:
		return (uint32_t)rnd_below(24);
	case 1:
		port = (int)rnd_below(NPORTS);
		break;
	case 2:
		chan = !chan;
		break;
	}
	for (int i = 0; i < NHANDLES; i++)
		if (s->handles[port][chan][i])
			live[n++] = s->handles[port][chan][i];
	return n ? live[rnd_below(n)] : (uint32_t)rnd_below(24);
}

static void remember(struct storm *s, int port, bool chan, uint32_t handle)
{
	s->handles[port][chan][rnd_below(NHANDLES)] = handle;
}

/* Mostly a word WAIT and ARM accept, sometimes any offset. */
static uint64_t pick_word(void)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd_below(4 * ST_PAGE) & ~7ULL;
	case 1:
		return st_cons_word((unsigned int)rnd_below(32));
	default:
		return st_prod_word((unsigned int)rnd_below(32));
	}
}

/* Fill @arg as a plausible argument of ioctl @nr, then maybe damage it. */
static size_t make_arg(struct storm *s, int port, unsigned int nr,
		       uint8_t *arg)
{
	size_t size = nr < NR_IOCTLS ? ioctl_sizes[nr] : rnd_below(64);
	char name[8];

	memset(arg, 0, 512);
	snprintf(name, sizeof(name), "fz%u", (unsigned int)rnd_below(4));
	switch (nr) {
	case 0x01: {
		struct ipcsvc_service_create *c = (void *)arg;

		c->mode = rnd_below(4) ? 0666 : (uint32_t)rnd();
		c->name_len = strlen(name);
		memcpy(c->name, name, c->name_len);
		c->version = rnd_below(4) ? 1 : rnd_below(3);
		c->max_to_server = rnd_below(2) ? 0 : ST_PAGE * rnd_below(64);
		c->max_to_client = rnd_below(2) ? 0 :
				   rnd_below(8) ? ST_PAGE * rnd_below(64) : rnd();
		c->max_connections = (uint32_t)rnd_below(6);
		c->max_pending = (uint32_t)rnd_below(4);
		break;
	}
	case 0x02: {
		struct ipcsvc_connect *c = (void *)arg;

		c->version = rnd_below(4) ? 1 : rnd_below(3);
		c->name_len = strlen(name);
		memcpy(c->name, name, c->name_len);
		c->max_to_server = rnd_below(4) ? ST_PAGE * rnd_below(64) : rnd();
		c->max_to_client = rnd_below(4) ? ST_PAGE * rnd_below(64) : rnd();
		break;
	}
	case 0x03: {
		struct ipcsvc_handle_arg *a = (void *)arg;

		a->handle = pick_handle(s, port, rnd_below(2));
		break;
	}
	case 0x04: {
		struct ipcsvc_map_info *m = (void *)arg;

		m->handle = pick_handle(s, port, true);
		m->dir = (uint32_t)rnd_below(3);
		break;
	}
	case 0x05: {
		struct ipcsvc_grow *g = (void *)arg;

		g->handle = pick_handle(s, port, true);
		/* half within the smallest maxima, so that some succeed */
		g->new_size = ST_PAGE * rnd_below(rnd_below(2) ? 16 : 300);
		break;
	}
	case 0x06: {
		struct ipcsvc_wait *w = (void *)arg;

		w->handle = pick_handle(s, port, true);
		w->dir = (uint32_t)rnd_below(3);
		w->flags = rnd_below(4) ? 0 : IPCSVC_WAIT_ABSTIME;
		w->offset = pick_word();
		w->value = rnd_below(3);
		/* Bounded by the 20 ms interval timer, which has no
		 * SA_RESTART: an unlimited wait ends with EINTR. */
		w->timeout = rnd_below(8) ? (int64_t)rnd_below(200000) :
			     rnd_below(2) ? -1 : (int64_t)rnd();
		break;
	}
	case 0x07: {
		struct ipcsvc_wake *w = (void *)arg;

		w->handle = pick_handle(s, port, true);
		w->dir = (uint32_t)rnd_below(3);
		break;
	}
	case 0x08: {
		struct ipcsvc_arm *a = (void *)arg;

		a->handle = pick_handle(s, port, true);
		a->dir = (uint32_t)rnd_below(3);
		a->offset = pick_word();
		a->value = rnd_below(3);
		break;
	}
	case 0x09: {
		struct ipcsvc_peer_creds *c = (void *)arg;

		c->handle = pick_handle(s, port, true);
		break;
	}
	case 0x0b: {	/* mostly reads; a limit set stays roomy */
		struct ipcsvc_port_limits *l = (void *)arg;

		l->flags = rnd_below(4) ? 0 : IPCSVC_PORT_LIMITS_SET;
		l->max_handles = 64 + (uint32_t)rnd_below(4096);
		break;
	}
	}
	((uint32_t *)arg)[0] = (uint32_t)size;

	/* Damage: a few random bytes, or a size from the edges. */
	for (unsigned int n = rnd_below(3) ? 0 : 1 + rnd_below(4); n; n--)
		arg[rnd_below(size + 16)] = (uint8_t)rnd();
	switch (rnd_below(16)) {
	case 0:
		((uint32_t *)arg)[0] = (uint32_t)rnd_below(size + 1);
		break;
	case 1:
		((uint32_t *)arg)[0] = (uint32_t)(size + rnd_below(64));
		break;
	case 2:
		((uint32_t *)arg)[0] = (uint32_t)rnd();
		break;
	}
	return size;
}

static void storm_ioctl(struct storm *s, int port)
{
	static const unsigned long cmds[] = {
		IPCSVC_IOC_VERSION, IPCSVC_IOC_SERVICE_CREATE,
		IPCSVC_IOC_CONNECT, IPCSVC_IOC_CLOSE, IPCSVC_IOC_MAP_INFO,
		IPCSVC_IOC_GROW, IPCSVC_IOC_WAIT, IPCSVC_IOC_WAKE,
		IPCSVC_IOC_ARM, IPCSVC_IOC_PEER_CREDS, IPCSVC_IOC_USAGE,
		IPCSVC_IOC_PORT_LIMITS,
	};
	uint8_t buf[512] __attribute__((aligned(8)));
	unsigned long cmd = cmds[rnd_below(NR_IOCTLS)];
	void *ptr = buf;
	size_t size;
	int ret;

	switch (rnd_below(20)) {
	case 0:	/* an unknown number of ours */
		cmd = _IOC(rnd_below(4), IPCSVC_IOC_MAGIC,
			   NR_IOCTLS + rnd_below(200), rnd_below(256));
		break;
	case 1:	/* a known number, other size and direction bits */
		cmd = _IOC(rnd_below(4), IPCSVC_IOC_MAGIC, _IOC_NR(cmd),
			   rnd_below(1 << _IOC_SIZEBITS));
		break;
	case 2:	/* another type byte */
		cmd = _IOC(_IOC_DIR(cmd), (IPCSVC_IOC_MAGIC + 1 + rnd_below(254))
			   & 0xff, _IOC_NR(cmd), _IOC_SIZE(cmd));
		break;
	}
	size = make_arg(s, port, _IOC_NR(cmd), buf);
	switch (rnd_below(24)) {
	case 0:
		ptr = NULL;
		break;
	case 1:
		ptr = (void *)(uintptr_t)rnd();
		break;
	case 2:	/* the struct runs into an unmapped page */
		ptr = s->guard + ST_PAGE - rnd_below(size ? size : 8);
		memcpy(ptr, buf, s->guard + ST_PAGE - (uint8_t *)ptr);
		break;
	}
	ret = ioctl(s->fd[port], cmd, ptr);
	if (ret < 0) {
		s->enomem += errno == ENOMEM;
		if (!ioctl_errno_ok(cmd, errno))
			note(s, "ioctl", (long)cmd, errno);
		return;
	}
	if (_IOC_TYPE(cmd) != IPCSVC_IOC_MAGIC || _IOC_NR(cmd) >= NR_IOCTLS) {
		note(s, "ioctl (foreign or unknown number succeeded)",
		     (long)cmd, 0);
		return;
	}
	s->ok[_IOC_NR(cmd) & 15]++;
	if (ret == 0 && ptr == buf &&
	    (_IOC_NR(cmd) == 0x01 || _IOC_NR(cmd) == 0x02)) {
		bool conn = _IOC_NR(cmd) == 0x02;
		size_t off = conn ? offsetof(struct ipcsvc_connect, handle) :
				    offsetof(struct ipcsvc_service_create, handle);

		remember(s, port, conn, *(uint32_t *)(buf + off));
	}
}

/* The family's errnos (Documentation/netlink.md), and the core's EBUSY. */
static bool genl_errno_ok(int err)
{
	return err == EINVAL || err == ERANGE || err == EOPNOTSUPP ||
	       err == ENOENT || err == EDQUOT || err == ENOMEM ||
	       err == EMSGSIZE || err == ENOBUFS || err == EBUSY;
}

/* An attribute for a request: mostly plausible, often not. */
static void genl_attr(struct st_nl *nl)
{
	uint8_t junk[96];
	uint16_t type = rnd_below(4) ? 1 + rnd_below(IPCSVC_A_CHANNEL_MAX + 2) :
				       (uint16_t)rnd();
	char name[8];

	switch (rnd_below(6)) {
	case 0:
		snprintf(name, sizeof(name), "fz%u", (unsigned int)rnd_below(4));
		st_nl_put_str(nl, type, name);
		break;
	case 1:
		st_nl_put_u64(nl, type, rnd_below(4) ? rnd_below(64) : rnd());
		break;
	case 2:
		st_nl_put(nl, type, NULL, 0);
		break;
	default:
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		st_nl_put(nl, type, junk, rnd_below(sizeof(junk)));
		break;
	}
}

/*
 * Wait briefly for the answer to the last request. Every error must be
 * one the family documents; a message the core drops (a length that
 * lies) gets no answer at all, which is fine.
 */
static void genl_answer(struct storm *s)
{
	static uint8_t buf[ST_NL_BUF] __attribute__((aligned(8)));
	struct pollfd pfd = { .fd = s->nl.fd, .events = POLLIN };
	struct nlmsghdr *nlh;
	int len, tries = 0;

	for (;;) {
		if (poll(&pfd, 1, 20) <= 0) {
			if (errno == EINTR && ++tries < 5)
				continue;
			return;
		}
		len = (int)recv(s->nl.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ENOBUFS)
				note(s, "netlink recv", 0, errno);
			return;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != s->nl.seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;

				s->enomem += err == ENOMEM;
				if (!err)
					s->genl_ok++;
				else if (!genl_errno_ok(err))
					note(s, "netlink request", nlh->nlmsg_type, err);
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				s->genl_ok++;
				return;
			}
		}
	}
}

/* A request to the family: any command, flags and attributes. */
static void storm_genl(struct storm *s)
{
	struct st_nl *nl = &s->nl;
	struct nlmsghdr *nlh = st_nl_hdr(nl);
	uint8_t cmd = rnd_below(4) ? 1 + rnd_below(IPCSVC_CMD_MAX + 1) :
				     (uint8_t)rnd();
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t len;

	static const struct { uint8_t cmd; bool dump; uint16_t attr; } good[] = {
		{ IPCSVC_CMD_SERVICE_GET, true, 0 },
		{ IPCSVC_CMD_SERVICE_GET, false, IPCSVC_A_SERVICE_NAME },
		{ IPCSVC_CMD_CHANNEL_GET, true, 0 },
		{ IPCSVC_CMD_CHANNEL_GET, false, IPCSVC_A_CHANNEL_ID },
		{ IPCSVC_CMD_STATS_GET, false, 0 },
		{ IPCSVC_CMD_USER_GET, true, 0 },
		{ IPCSVC_CMD_MONITOR, false, 0 },
	};

	if (nl->fd < 0)
		return;
	/* Half the time a well-formed request, to reach the replies. */
	if (rnd_below(2)) {
		unsigned int i = rnd_below(sizeof(good) / sizeof(good[0]));
		char name[8];

		st_nl_req(nl, good[i].cmd, good[i].dump);
		snprintf(name, sizeof(name), "fz%u", (unsigned int)rnd_below(4));
		if (good[i].attr == IPCSVC_A_SERVICE_NAME)
			st_nl_put_str(nl, good[i].attr, name);
		else if (good[i].attr)
			st_nl_put_u64(nl, good[i].attr, 1 + rnd_below(64));
		if (st_nl_send(nl) == 0)
			genl_answer(s);
		return;
	}
	st_nl_begin(nl, nl->family, cmd, rnd_below(3) ? 0 : NLM_F_DUMP);
	if (!rnd_below(16))
		nlh->nlmsg_flags |= (uint16_t)rnd();
	if (!rnd_below(16))
		((struct genlmsghdr *)NLMSG_DATA(nlh))->reserved = (uint16_t)rnd();
	for (unsigned int n = rnd_below(5); n; n--)
		genl_attr(nl);
	len = nlh->nlmsg_len;
	if (!rnd_below(16))	/* a length that lies */
		nlh->nlmsg_len = (uint32_t)rnd_below(len + 64);
	if (sendto(nl->fd, nlh, len, MSG_DONTWAIT, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		s->enomem += errno == ENOMEM || errno == ENOBUFS;
		if (errno != ENOMEM && errno != ENOBUFS && errno != EAGAIN &&
		    errno != EINTR && errno != EINVAL)
			note(s, "netlink send", 0, errno);
		return;
	}
	genl_answer(s);
	/* The monitor's queue: drain it sometimes, let it overflow too. */
	while (s->mon.fd >= 0 && !rnd_below(4) &&
	       (recv(s->mon.fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0 ||
		errno == ENOBUFS))
		;
}

/* Map something, maybe touch it, unmap it. */
static void storm_mmap(struct storm *s, int port)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	struct ipcsvc_map_info mi;
	uint64_t off, len;
	int prot = prots[rnd_below(5)];
	uint8_t *p;

	if (!st_map_info(s->fd[port], pick_handle(s, port, true),
			 (uint32_t)rnd_below(2), &mi) && rnd_below(4)) {
		off = mi.offset + (rnd_below(4) ? 0 : ST_PAGE * rnd_below(3));
		len = rnd_below(4) ? mi.map_size : ST_PAGE * (1 + rnd_below(8));
	} else if (rnd_below(2)) {
		/* a token of any handle, either kind, or none */
		off = IPCSVC_MMAP_TOKEN(pick_handle(s, port, rnd_below(2)),
					rnd_below(2)) * ST_PAGE;
		len = ST_PAGE * (1 + rnd_below(300));
	} else {
		off = rnd() & ~(ST_PAGE - 1);
		len = ST_PAGE * (1 + rnd_below(8));
	}
	p = mmap(NULL, len, prot, rnd_below(8) ? MAP_SHARED : MAP_PRIVATE,
		 s->fd[port], (off_t)off);
	if (p == MAP_FAILED) {
		s->enomem += errno == ENOMEM;
		if (!mmap_errno_ok(errno))
			note(s, "mmap", 0, errno);
		return;
	}
	s->mapped++;
	/* Touch a few pages: SIGBUS/SIGSEGV are the documented answers for
	 * guard, uncommitted and not-ours pages. */
	for (int i = 0; i < 3; i++) {
		volatile uint8_t *q = p + ST_PAGE * rnd_below(len / ST_PAGE);

		if (sigsetjmp(fault_jmp, 1) == 0) {
			if (rnd_below(2))
				(void)*q;
			else
				*q = 1;
		}
	}
	/* Splitting is refused; the whole mapping always goes. */
	if (len > ST_PAGE && rnd_below(4) == 0 &&
	    munmap(p + ST_PAGE * rnd_below(len / ST_PAGE), ST_PAGE) == 0)
		note(s, "partial munmap succeeded", 0, 0);
	munmap(p, len);
}

static void storm_misc(struct storm *s, int port)
{
	struct ipcsvc_event ev[4];
	ssize_t r;
	int fl;

	switch (rnd_below(10)) {
	case 0:	/* drop the whole port now and then */
		close(s->fd[port]);
		s->fd[port] = st_open();
		memset(s->handles[port], 0, sizeof(s->handles[port]));
		break;
	case 1:
		if (poll(&(struct pollfd){ .fd = s->fd[port], .events = POLLIN },
			 1, 0) < 0 && errno != EINTR)
			note(s, "poll", 0, errno);
		break;
	case 2:	/* blocking reads end with EINTR at the next timer tick */
		fl = fcntl(s->fd[port], F_GETFL);
		if (fl >= 0)
			fcntl(s->fd[port], F_SETFL, fl ^ O_NONBLOCK);
		break;
	default:	/* read events; servers learn their channel handles */
		r = read(s->fd[port], rnd_below(16) ? (void *)ev : (void *)8,
			 rnd_below(8) ? sizeof(ev) : rnd_below(sizeof(ev) + 8));
		if (r < 0 && !read_errno_ok(errno))
			note(s, "read", 0, errno);
		if (r > 0 && r % sizeof(ev[0]))
			note(s, "read (partial record)", 0, 0);
		for (ssize_t i = 0; i < r / (ssize_t)sizeof(ev[0]); i++)
			if (ev[i].type == IPCSVC_EVENT_SERVICE_CONNECTED)
				remember(s, port, true, (uint32_t)ev[i].b);
		break;
	}
}

static void storm_run(struct storm *s, uint64_t seed, unsigned int rounds)
{
	rng_state = seed;
	for (unsigned int i = 0; i < rounds; i++) {
		int port = (int)rnd_below(NPORTS);
		uint64_t what = rnd_below(100);

		if (s->fd[port] < 0) {
			s->fd[port] = st_open();
			if (s->fd[port] < 0) {
				/* open() only fails for memory (failslab) */
				if (errno != ENOMEM)
					note(s, "open", 0, errno);
				s->enomem++;
				continue;
			}
		}
		if (what < 75)
			storm_ioctl(s, port);
		else if (what < 87)
			storm_mmap(s, port);
		else if (what < 95)
			storm_genl(s);
		else
			storm_misc(s, port);
	}
}

static int storm_setup(struct storm *s)
{
	struct sigaction sa = { .sa_handler = on_fault };
	struct itimerval it = {
		.it_interval = { .tv_usec = 20000 },
		.it_value = { .tv_usec = 20000 },
	};

	memset(s, 0, sizeof(*s));
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_alarm;	/* no SA_RESTART: WAIT returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	s->guard = mmap(NULL, 2 * ST_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->guard == MAP_FAILED || mprotect(s->guard + ST_PAGE, ST_PAGE, PROT_NONE))
		return -errno;
	for (int i = 0; i < NPORTS; i++) {
		s->fd[i] = st_open();
		if (s->fd[i] < 0)
			return -errno;
	}
	if (st_nl_open(&s->nl) || st_nl_open(&s->mon))
		return -ENOENT;
	st_nl_req(&s->mon, IPCSVC_CMD_MONITOR, false);
	return st_nl_talk(&s->mon, NULL);
}

static void storm_teardown(struct storm *s)
{
	struct itimerval off = { 0 };

	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < NPORTS; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	st_nl_close(&s->nl);
	st_nl_close(&s->mon);
}

#endif /* IPCSVC_FUZZ_STORM_H */
