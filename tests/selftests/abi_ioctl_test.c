// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl convention of ABI v2, for every ioctl: dispatch on type and
 * number only; extensible structs (a bigger struct with a zero tail works,
 * a non-zero tail is E2BIG, the size is bounded by a page and by the first
 * published size); unknown flags and non-zero padding are EINVAL; the order
 * in which the checks run, so that one call with two faults always gets the
 * same errno; and what is written back (min(size, sizeof) bytes, nothing
 * past it), a create or connect that cannot be written back being undone.
 */
#include <stddef.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

/* ---- the ioctls, described for table-driven tests ------------------ */

#define NO_FIELD	((size_t)-1)

struct ioc_desc {
	unsigned long cmd;
	size_t size;		/* the struct as this header knows it */
	size_t ver0;		/* its first published size */
	size_t flags_off;
	uint32_t known_flags;
	size_t pad_off[2];	/* NO_FIELD: none */
	size_t handle_off;	/* NO_FIELD: takes no handle */
	size_t dir_off;		/* NO_FIELD: takes no direction */
	size_t out_off, out_end;	/* output-only fields (numeric) */
	bool writes;		/* the kernel writes the struct back */
};

#define FIELD(s, f)	offsetof(struct s, f)
#define FIELD_END(s, f)	(offsetof(struct s, f) + sizeof(((struct s *)0)->f))

static const struct ioc_desc d_version = {
	IPCSVC_IOC_VERSION, sizeof(struct ipcsvc_version),
	IPCSVC_VERSION_SIZE_VER0, FIELD(ipcsvc_version, flags), 0,
	{ NO_FIELD, NO_FIELD }, NO_FIELD, NO_FIELD,
	FIELD(ipcsvc_version, abi), FIELD_END(ipcsvc_version, patch), true,
};

static const struct ioc_desc d_service_create = {
	IPCSVC_IOC_SERVICE_CREATE, sizeof(struct ipcsvc_service_create),
	IPCSVC_SERVICE_CREATE_SIZE_VER0, FIELD(ipcsvc_service_create, flags),
	0, { FIELD(ipcsvc_service_create, __pad), NO_FIELD }, NO_FIELD,
	NO_FIELD, FIELD(ipcsvc_service_create, handle),
	FIELD_END(ipcsvc_service_create, handle), true,
};

static const struct ioc_desc d_connect = {
	IPCSVC_IOC_CONNECT, sizeof(struct ipcsvc_connect),
	IPCSVC_CONNECT_SIZE_VER0, FIELD(ipcsvc_connect, flags), 0,
	{ FIELD(ipcsvc_connect, __pad), FIELD(ipcsvc_connect, __pad2) },
	NO_FIELD, NO_FIELD, FIELD(ipcsvc_connect, handle),
	FIELD_END(ipcsvc_connect, handle), true,
};

static const struct ioc_desc d_close = {
	IPCSVC_IOC_CLOSE, sizeof(struct ipcsvc_handle_arg),
	IPCSVC_HANDLE_ARG_SIZE_VER0, FIELD(ipcsvc_handle_arg, flags), 0,
	{ FIELD(ipcsvc_handle_arg, __pad), NO_FIELD },
	FIELD(ipcsvc_handle_arg, handle), NO_FIELD, 0, 0, false,
};

static const struct ioc_desc d_map_info = {
	IPCSVC_IOC_MAP_INFO, sizeof(struct ipcsvc_map_info),
	IPCSVC_MAP_INFO_SIZE_VER0, FIELD(ipcsvc_map_info, flags),
	IPCSVC_MAP_CHANNEL | IPCSVC_MAP_HEADERS,
	{ NO_FIELD, NO_FIELD }, FIELD(ipcsvc_map_info, handle),
	FIELD(ipcsvc_map_info, dir), FIELD(ipcsvc_map_info, offset),
	FIELD_END(ipcsvc_map_info, data_offset), true,
};

static const struct ioc_desc d_grow = {
	IPCSVC_IOC_GROW, sizeof(struct ipcsvc_grow), IPCSVC_GROW_SIZE_VER0,
	FIELD(ipcsvc_grow, flags), 0, { FIELD(ipcsvc_grow, __pad), NO_FIELD },
	FIELD(ipcsvc_grow, handle), NO_FIELD, FIELD(ipcsvc_grow, committed),
	FIELD_END(ipcsvc_grow, committed), true,
};

static const struct ioc_desc d_wait = {
	IPCSVC_IOC_WAIT, sizeof(struct ipcsvc_wait), IPCSVC_WAIT_SIZE_VER0,
	FIELD(ipcsvc_wait, flags), IPCSVC_WAIT_ABSTIME, { NO_FIELD, NO_FIELD },
	FIELD(ipcsvc_wait, handle), FIELD(ipcsvc_wait, dir), 0, 0, false,
};

static const struct ioc_desc d_wake = {
	IPCSVC_IOC_WAKE, sizeof(struct ipcsvc_wake), IPCSVC_WAKE_SIZE_VER0,
	FIELD(ipcsvc_wake, flags), 0, { NO_FIELD, NO_FIELD },
	FIELD(ipcsvc_wake, handle), FIELD(ipcsvc_wake, dir), 0, 0, false,
};

static const struct ioc_desc d_arm = {
	IPCSVC_IOC_ARM, sizeof(struct ipcsvc_arm), IPCSVC_ARM_SIZE_VER0,
	FIELD(ipcsvc_arm, flags), 0, { NO_FIELD, NO_FIELD },
	FIELD(ipcsvc_arm, handle), FIELD(ipcsvc_arm, dir), 0, 0, false,
};

static const struct ioc_desc d_peer_creds = {
	IPCSVC_IOC_PEER_CREDS, sizeof(struct ipcsvc_peer_creds),
	IPCSVC_PEER_CREDS_SIZE_VER0, FIELD(ipcsvc_peer_creds, flags), 0,
	{ NO_FIELD, NO_FIELD }, FIELD(ipcsvc_peer_creds, handle), NO_FIELD,
	FIELD(ipcsvc_peer_creds, pid), FIELD_END(ipcsvc_peer_creds, version),
	true,
};

static const struct ioc_desc d_usage = {
	IPCSVC_IOC_USAGE, sizeof(struct ipcsvc_usage), IPCSVC_USAGE_SIZE_VER0,
	FIELD(ipcsvc_usage, flags), 0, { NO_FIELD, NO_FIELD }, NO_FIELD,
	NO_FIELD, FIELD(ipcsvc_usage, services),
	FIELD_END(ipcsvc_usage, max_bytes), true,
};

static const struct ioc_desc d_port_limits = {
	IPCSVC_IOC_PORT_LIMITS, sizeof(struct ipcsvc_port_limits),
	IPCSVC_PORT_LIMITS_SIZE_VER0, FIELD(ipcsvc_port_limits, flags),
	IPCSVC_PORT_LIMITS_SET, { FIELD(ipcsvc_port_limits, __pad), NO_FIELD },
	NO_FIELD, NO_FIELD, FIELD(ipcsvc_port_limits, max_handles_cap),
	FIELD_END(ipcsvc_port_limits, nr_handles), true,
};

static void put32(uint8_t *s, size_t off, uint32_t v)
{
	memcpy(s + off, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *s, size_t off)
{
	uint32_t v;

	memcpy(&v, s + off, sizeof(v));
	return v;
}

/* Every 32-bit word of the output fields was written (is not poison). */
static bool outputs_written(const struct ioc_desc *d, const uint8_t *s)
{
	for (size_t off = d->out_off; off < d->out_end; off += 4)
		if (get32(s, off) == 0xccccccccu)
			return false;
	return true;
}

FIXTURE(ext) {
	struct st_pair p;
	unsigned int seq;
	uint8_t *buf;	/* three pages */
};

FIXTURE_VARIANT(ext) {
	const struct ioc_desc *d;
};

FIXTURE_VARIANT_ADD(ext, version) { .d = &d_version };
FIXTURE_VARIANT_ADD(ext, service_create) { .d = &d_service_create };
FIXTURE_VARIANT_ADD(ext, connect) { .d = &d_connect };
FIXTURE_VARIANT_ADD(ext, close) { .d = &d_close };
FIXTURE_VARIANT_ADD(ext, map_info) { .d = &d_map_info };
FIXTURE_VARIANT_ADD(ext, grow) { .d = &d_grow };
FIXTURE_VARIANT_ADD(ext, wait) { .d = &d_wait };
FIXTURE_VARIANT_ADD(ext, wake) { .d = &d_wake };
FIXTURE_VARIANT_ADD(ext, arm) { .d = &d_arm };
FIXTURE_VARIANT_ADD(ext, peer_creds) { .d = &d_peer_creds };
FIXTURE_VARIANT_ADD(ext, usage) { .d = &d_usage };
FIXTURE_VARIANT_ADD(ext, port_limits) { .d = &d_port_limits };

FIXTURE_SETUP(ext)
{
	self->p.sfd = self->p.cfd = -1;
	ASSERT_EQ(0, st_pair_open(&self->p, "abi.svc", 0, 0));
	self->buf = mmap(NULL, 3 * ST_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(ext)
{
	st_pair_close(&self->p);
}

/*
 * Fill @s with a valid argument of @d's ioctl (the rest of @s untouched,
 * output-only fields poisoned) and return the port to call it on. Each
 * call of it is good for one successful ioctl.
 */
static int fill(FIXTURE_DATA(ext) *self, const struct ioc_desc *d,
		uint8_t *s)
{
	char name[32];
	int fd = self->p.cfd;

	memset(s, 0, d->size);
	memset(s + d->out_off, 0xcc, d->out_end - d->out_off);
	switch (_IOC_NR(d->cmd)) {
	case 0x00:	/* the release string is output too */
		memset(s + FIELD(ipcsvc_version, release), 0xcc, 32);
		break;
	case 0x01: {
		struct ipcsvc_service_create *c = (void *)s;

		snprintf(name, sizeof(name), "abi.s%u", self->seq++);
		c->mode = 0600;
		c->version = 1;
		st_set_name(c->name, &c->name_len, name);
		break;
	}
	case 0x02: {
		struct ipcsvc_connect *c = (void *)s;

		c->version = 1;
		st_set_name(c->name, &c->name_len, "abi.svc");
		break;
	}
	case 0x03: {
		uint32_t h = 0;

		snprintf(name, sizeof(name), "abi.c%u", self->seq++);
		if (st_service(fd, name, 1, 0600, &h))
			h = 0;
		put32(s, d->handle_off, h);
		break;
	}
	case 0x06: {	/* the word (0) differs from value: returns at once */
		struct ipcsvc_wait *w = (void *)s;

		fd = self->p.sfd;
		w->handle = self->p.sch;
		w->dir = IPCSVC_DIR_RX;
		w->offset = st_prod_word(1);
		w->value = 1;
		break;
	}
	case 0x08: {
		struct ipcsvc_arm *a = (void *)s;

		fd = self->p.sfd;
		a->handle = self->p.sch;
		a->dir = IPCSVC_DIR_RX;
		a->offset = st_prod_word(1);
		break;
	}
	default:
		if (d->handle_off != NO_FIELD)
			put32(s, d->handle_off, self->p.cch);
		break;
	}
	return fd;
}

/* Exactly sizeof: accepted, outputs written, nothing written past it. */
TEST_F(ext, exact_size_accepted)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd;

	memset(s, 0xcc, 2 * ST_PAGE);
	fd = fill(self, d, s);
	put32(s, 0, d->size);
	ASSERT_EQ(0, st_ioctl(fd, d->cmd, s));
	EXPECT_TRUE(outputs_written(d, s));
	EXPECT_TRUE(st_all_bytes(s + d->size, ST_PAGE, 0xcc));
	EXPECT_EQ(d->size, get32(s, 0));
}

/*
 * A newer caller's bigger struct with a zero tail: accepted; the tail
 * stays zero and the bytes past @size keep their poison.
 */
TEST_F(ext, bigger_zero_tail_accepted)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd;

	memset(s, 0xcc, 2 * ST_PAGE);
	fd = fill(self, d, s);
	memset(s + d->size, 0, 64);
	put32(s, 0, d->size + 64);
	ASSERT_EQ(0, st_ioctl(fd, d->cmd, s));
	EXPECT_TRUE(outputs_written(d, s));
	EXPECT_TRUE(st_all_bytes(s + d->size, 64, 0));
	EXPECT_TRUE(st_all_bytes(s + d->size + 64, ST_PAGE, 0xcc));
}

/* A page is the largest size; with a zero tail it works. */
TEST_F(ext, page_size_accepted)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd;

	memset(s, 0xcc, 2 * ST_PAGE);
	fd = fill(self, d, s);
	memset(s + d->size, 0, ST_PAGE - d->size);
	put32(s, 0, ST_PAGE);
	ASSERT_EQ(0, st_ioctl(fd, d->cmd, s));
	EXPECT_TRUE(outputs_written(d, s));
	EXPECT_TRUE(st_all_bytes(s + ST_PAGE, ST_PAGE, 0xcc));
}

/* Any non-zero byte the module does not know: E2BIG. */
TEST_F(ext, nonzero_tail_is_e2big)
{
	const struct ioc_desc *d = variant->d;
	size_t where[] = { d->size, d->size + 63, ST_PAGE - 1 };
	uint8_t *s = self->buf;

	for (int i = 0; i < 3; i++) {
		size_t size = i < 2 ? d->size + 64 : ST_PAGE;
		int fd = fill(self, d, s);

		memset(s + d->size, 0, size - d->size);
		s[where[i]] = 0x01;
		put32(s, 0, size);
		EXPECT_EQ(-E2BIG, st_ioctl(fd, d->cmd, s))
			TH_LOG("non-zero byte at %zu of %zu", where[i], size);
	}
}

TEST_F(ext, size_above_page_is_e2big)
{
	const struct ioc_desc *d = variant->d;
	uint32_t sizes[] = { ST_PAGE + 1, ST_PAGE + 8, 2 * ST_PAGE, ~0u };
	uint8_t *s = self->buf;

	for (int i = 0; i < 4; i++) {
		int fd = fill(self, d, s);

		memset(s + d->size, 0, 2 * ST_PAGE - d->size);
		put32(s, 0, sizes[i]);
		EXPECT_EQ(-E2BIG, st_ioctl(fd, d->cmd, s))
			TH_LOG("size %u", sizes[i]);
	}
}

TEST_F(ext, size_below_ver0_is_einval)
{
	const struct ioc_desc *d = variant->d;
	uint32_t sizes[] = { 0, 4, d->ver0 - 8, d->ver0 - 1 };
	uint8_t *s = self->buf;

	for (int i = 0; i < 4; i++) {
		int fd = fill(self, d, s);

		put32(s, 0, sizes[i]);
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s))
			TH_LOG("size %u", sizes[i]);
	}
}

TEST_F(ext, unknown_flags_are_einval)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;

	for (int bit = 0; bit < 32; bit++) {
		int fd;

		if (d->known_flags & (1u << bit))
			continue;
		fd = fill(self, d, s);
		put32(s, 0, d->size);
		put32(s, d->flags_off, 1u << bit);
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s))
			TH_LOG("flag bit %d", bit);
	}
}

TEST_F(ext, nonzero_pad_is_einval)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;

	if (d->pad_off[0] == NO_FIELD)
		SKIP(return, "no padding in this struct");
	for (int i = 0; i < 2 && d->pad_off[i] != NO_FIELD; i++) {
		int fd = fill(self, d, s);

		put32(s, 0, d->size);
		put32(s, d->pad_off[i], 0x80000000u);
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s))
			TH_LOG("pad at %zu", d->pad_off[i]);
		s[d->pad_off[i] + 3] = 0;
		s[d->pad_off[i]] = 1;
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s))
			TH_LOG("pad at %zu", d->pad_off[i]);
	}
}

/* The size checks (steps 3-4) come before the flags (step 6). */
TEST_F(ext, size_checked_before_flags)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd;

	fd = fill(self, d, s);
	memset(s + d->size, 0, 2 * ST_PAGE - d->size);
	put32(s, d->flags_off, 0x80000000u);
	put32(s, 0, ST_PAGE + 8);
	EXPECT_EQ(-E2BIG, st_ioctl(fd, d->cmd, s));
	s[d->size + 8] = 1;
	put32(s, 0, d->size + 64);
	EXPECT_EQ(-E2BIG, st_ioctl(fd, d->cmd, s));
}

/* Flags and fields (step 6) before the handle (step 7). */
TEST_F(ext, flags_checked_before_handle)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd;

	if (d->handle_off == NO_FIELD)
		SKIP(return, "takes no handle");
	fd = fill(self, d, s);
	put32(s, 0, d->size);
	put32(s, d->handle_off, 4000);
	put32(s, d->flags_off, 0x80000000u);
	EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s));
	put32(s, d->flags_off, 0);
	EXPECT_EQ(-EBADSLT, st_ioctl(fd, d->cmd, s));
	if (d->dir_off != NO_FIELD) {
		put32(s, d->dir_off, 2);
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s));
	}
	if (d->pad_off[0] != NO_FIELD) {
		put32(s, d->pad_off[0], 1);
		EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s));
	}
}

/*
 * Handle errors: 0, a number never given, one closed: EBADSLT; a service
 * where a channel end is needed: EPROTOTYPE (CLOSE takes either).
 */
TEST_F(ext, handle_errors)
{
	const struct ioc_desc *d = variant->d;
	uint32_t bad[] = { 0, 4000, ~0u, 0 };
	uint8_t *s = self->buf;
	uint32_t svc = 0;
	int fd;

	if (d->handle_off == NO_FIELD)
		SKIP(return, "takes no handle");
	ASSERT_EQ(0, st_service(self->p.cfd, "abi.kind", 1, 0600, &svc));
	for (int i = 0; i < 4; i++) {
		fd = fill(self, d, s);
		if (i == 3) {	/* one just closed, in the port called */
			ASSERT_EQ(0, st_service(fd, "abi.gone", 1, 0600,
						&bad[3]));
			ASSERT_EQ(0, st_close(fd, bad[3]));
		}
		put32(s, 0, d->size);
		put32(s, d->handle_off, bad[i]);
		EXPECT_EQ(-EBADSLT, st_ioctl(fd, d->cmd, s))
			TH_LOG("handle %u", bad[i]);
	}
	fd = fill(self, d, s);
	put32(s, 0, d->size);
	put32(s, d->handle_off, fd == self->p.cfd ? svc : self->p.svc);
	EXPECT_EQ(_IOC_NR(d->cmd) == 0x03 ? 0 : -EPROTOTYPE,
		  st_ioctl(fd, d->cmd, s));
}

/*
 * Where the struct runs into an unreadable page right after @size: the
 * size checks still decide first (EINVAL, E2BIG), otherwise EFAULT.
 */
TEST_F(ext, unreadable_struct)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf + ST_PAGE - 4;
	int fd = fill(self, d, self->buf);

	ASSERT_EQ(0, mprotect(self->buf + ST_PAGE, ST_PAGE, PROT_NONE));
	put32(s, 0, d->size);
	EXPECT_EQ(-EFAULT, st_ioctl(fd, d->cmd, s));
	put32(s, 0, 4);
	EXPECT_EQ(-EINVAL, st_ioctl(fd, d->cmd, s));
	put32(s, 0, ST_PAGE + 1);
	EXPECT_EQ(-E2BIG, st_ioctl(fd, d->cmd, s));
	EXPECT_EQ(-EFAULT, st_ioctl(fd, d->cmd, NULL));
	EXPECT_EQ(-EFAULT, st_ioctl(fd, d->cmd, (void *)8));
}

/*
 * A struct in read-only memory: where the module writes results back,
 * EFAULT (step 9); where it only reads, the call works. A bad handle is
 * reported before any write-back (step 7).
 */
TEST_F(ext, read_only_struct)
{
	const struct ioc_desc *d = variant->d;
	uint8_t *s = self->buf;
	int fd = fill(self, d, s);

	put32(s, 0, d->size);
	ASSERT_EQ(0, mprotect(s, ST_PAGE, PROT_READ));
	EXPECT_EQ(d->writes ? -EFAULT : 0, st_ioctl(fd, d->cmd, s));
	if (d->handle_off == NO_FIELD)
		return;
	ASSERT_EQ(0, mprotect(s, ST_PAGE, PROT_READ | PROT_WRITE));
	fd = fill(self, d, s);
	put32(s, 0, d->size);
	put32(s, d->handle_off, 4000);
	ASSERT_EQ(0, mprotect(s, ST_PAGE, PROT_READ));
	EXPECT_EQ(-EBADSLT, st_ioctl(fd, d->cmd, s));
}

/* Dispatch takes type and number; the size and direction bits are free. */
TEST_F(ext, dispatch_ignores_size_and_direction_bits)
{
	const struct ioc_desc *d = variant->d;
	unsigned int nr = _IOC_NR(d->cmd);
	unsigned long cmds[] = {
		_IOC(_IOC_NONE, IPCSVC_IOC_MAGIC, nr, 0),
		_IOC(_IOC_READ, IPCSVC_IOC_MAGIC, nr, 8),
		_IOC(_IOC_WRITE, IPCSVC_IOC_MAGIC, nr, d->size + 64),
		_IOC(_IOC_READ | _IOC_WRITE, IPCSVC_IOC_MAGIC, nr,
		     (1 << _IOC_SIZEBITS) - 1),
	};
	uint8_t *s = self->buf;

	for (int i = 0; i < 4; i++) {
		int fd = fill(self, d, s);

		put32(s, 0, d->size);
		EXPECT_EQ(0, st_ioctl(fd, cmds[i], s)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_TRUE(outputs_written(d, s));
	}
}

/* Another type byte with our number, size and direction: ENOTTY. */
TEST_F(ext, wrong_type_is_enotty)
{
	const struct ioc_desc *d = variant->d;
	unsigned int types[] = { IPCSVC_IOC_MAGIC - 1, IPCSVC_IOC_MAGIC + 1,
				 0 };
	uint8_t *s = self->buf;

	for (int i = 0; i < 3; i++) {
		unsigned long cmd = _IOC(_IOC_DIR(d->cmd), types[i],
					 _IOC_NR(d->cmd), _IOC_SIZE(d->cmd));
		int fd = fill(self, d, s);

		put32(s, 0, d->size);
		EXPECT_EQ(-ENOTTY, st_ioctl(fd, cmd, s)) TH_LOG("cmd %#lx", cmd);
	}
}

/* ---- one-off convention checks ------------------------------------- */

FIXTURE(abi) {
	struct st_pair p;
};

FIXTURE_SETUP(abi)
{
	self->p.sfd = self->p.cfd = -1;
	ASSERT_EQ(0, st_pair_open(&self->p, "abi.one", 0, 0));
}

FIXTURE_TEARDOWN(abi)
{
	st_pair_close(&self->p);
}

/* Unknown numbers of ours: ENOTTY, before the pointer is looked at. */
TEST_F(abi, unknown_number_is_enotty)
{
	unsigned int nrs[] = { 0x0c, 0x0d, 0x20, 0x7f, 0xff };
	uint8_t s[64] = { 0 };

	put32(s, 0, sizeof(s));
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(-ENOTTY, st_ioctl(self->p.cfd,
				_IOWR(IPCSVC_IOC_MAGIC, nrs[i], s), s));
		EXPECT_EQ(-ENOTTY, st_ioctl(self->p.cfd,
				_IOC(_IOC_NONE, IPCSVC_IOC_MAGIC, nrs[i], 0),
				NULL));
	}
	EXPECT_EQ(-ENOTTY, st_ioctl(self->p.cfd,
				    _IOWR(IPCSVC_IOC_MAGIC + 1, 0x00,
					  struct ipcsvc_version), NULL));
}

/* VERSION with size == sizeof: every field, the whole release string. */
TEST_F(abi, version_written_back_exactly)
{
	uint8_t buf[sizeof(struct ipcsvc_version) + 64];
	struct ipcsvc_version *v = (void *)buf;
	char want[32];

	memset(buf, 0xcc, sizeof(buf));
	v->size = sizeof(*v);
	v->flags = 0;
	ASSERT_EQ(0, st_ioctl(self->p.cfd, IPCSVC_IOC_VERSION, v));
	EXPECT_EQ(IPCSVC_ABI_VERSION, v->abi);
	ASSERT_NE(NULL, memchr(v->release, 0, sizeof(v->release)));
	snprintf(want, sizeof(want), "%u.%u.%u", v->major, v->minor, v->patch);
	EXPECT_STREQ(want, v->release);
	EXPECT_STREQ(IPCSVC_EXPECTED_RELEASE, v->release);
	EXPECT_TRUE(st_all_bytes(buf + sizeof(*v), 64, 0xcc));
}

/* A service created but not reported (EFAULT) is undone: name, handle. */
TEST_F(abi, service_create_efault_is_undone)
{
	struct ipcsvc_service_create *c;
	struct ipcsvc_usage u0, u1;
	uint32_t h = 0, next = 0;

	c = mmap(NULL, ST_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->mode = 0600;
	c->version = 1;
	st_set_name(c->name, &c->name_len, "abi.undo");
	ASSERT_EQ(0, mprotect(c, ST_PAGE, PROT_READ));
	/* The handle the call would have had. */
	ASSERT_EQ(0, st_service(self->p.cfd, "abi.probe", 1, 0600, &next));
	ASSERT_EQ(0, st_close(self->p.cfd, next));
	ASSERT_EQ(0, st_usage(self->p.cfd, &u0));
	EXPECT_EQ(-EFAULT, st_ioctl(self->p.cfd, IPCSVC_IOC_SERVICE_CREATE, c));
	ASSERT_EQ(0, st_usage(self->p.cfd, &u1));
	EXPECT_EQ(u0.services, u1.services);
	EXPECT_EQ(0, st_service(self->p.cfd, "abi.undo", 1, 0600, &h));
	EXPECT_EQ(next, h);
}

/*
 * A connect not reported (EFAULT) is undone: the client's handle is
 * closed again (the number is free), so the channel is closed; the server
 * hears of it either not at all or as ServiceConnected then PeerClosed,
 * and once its end is closed too, nothing stays charged.
 */
TEST_F(abi, connect_efault_is_undone)
{
	struct ipcsvc_event ev[4];
	struct ipcsvc_usage u0, u1;
	struct ipcsvc_connect *c;
	uint32_t h = 0, next = 0;
	int n;

	c = mmap(NULL, ST_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->version = 1;
	st_set_name(c->name, &c->name_len, "abi.one");
	ASSERT_EQ(0, mprotect(c, ST_PAGE, PROT_READ));
	ASSERT_EQ(0, st_service(self->p.cfd, "abi.probe", 1, 0600, &next));
	ASSERT_EQ(0, st_close(self->p.cfd, next));
	ASSERT_EQ(0, st_usage(self->p.cfd, &u0));
	EXPECT_EQ(-EFAULT, st_ioctl(self->p.cfd, IPCSVC_IOC_CONNECT, c));

	/* The server had not read its ServiceConnected: for the server,
	 * too, the connect never happened. */
	n = st_events(self->p.sfd, ev, 4);
	EXPECT_EQ(-EAGAIN, n);
	ASSERT_EQ(0, st_usage(self->p.cfd, &u1));
	EXPECT_EQ(u0.channels, u1.channels);
	EXPECT_EQ(u0.bytes, u1.bytes);
	EXPECT_EQ(0, st_connect(self->p.cfd, "abi.one", 1, &h));
	EXPECT_EQ(next, h);
}

/* A channel handle closed: every ioctl on it is EBADSLT. */
TEST_F(abi, closed_channel_handle_is_ebadslt)
{
	struct ipcsvc_peer_creds pc;
	struct ipcsvc_map_info mi;

	ASSERT_EQ(0, st_close(self->p.cfd, self->p.cch));
	EXPECT_EQ(-EBADSLT, st_map_info(self->p.cfd, self->p.cch,
					IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(-EBADSLT, st_grow(self->p.cfd, self->p.cch, 1, NULL));
	EXPECT_EQ(-EBADSLT, st_wake(self->p.cfd, self->p.cch, IPCSVC_DIR_TX));
	EXPECT_EQ(-EBADSLT, st_wait(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
				    st_prod_word(1), 0, 0));
	EXPECT_EQ(-EBADSLT, st_arm(self->p.cfd, self->p.cch, IPCSVC_DIR_RX,
				   st_prod_word(1), 0));
	EXPECT_EQ(-EBADSLT, st_peer_creds(self->p.cfd, self->p.cch, &pc));
	EXPECT_EQ(-EBADSLT, st_close(self->p.cfd, self->p.cch));
	/* The server's end still works, and learns of the close. */
	EXPECT_EQ(0, st_map_info(self->p.sfd, self->p.sch, IPCSVC_DIR_TX, &mi));
	EXPECT_EQ(-EPIPE, st_wake(self->p.sfd, self->p.sch, IPCSVC_DIR_TX));
}

TEST_HARNESS_MAIN
