// SPDX-License-Identifier: GPL-2.0
/*
 * Services: created from a protocol name and version, unique per IPC
 * namespace, released when the handle closes or the owner dies.
 */
#include <signal.h>
#include <sys/wait.h>

#include "ipcsvc_st.h"
#include "kselftest_harness.h"

FIXTURE(services) {
	int fd;
};

FIXTURE_SETUP(services)
{
	self->fd = st_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(services)
{
	close(self->fd);
}

TEST_F(services, taken_name_is_eaddrinuse)
{
	int other = st_open();
	uint32_t h = 0;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, st_service(self->fd, "svc.taken", 1, 0600, &h));
	EXPECT_EQ(-EADDRINUSE, st_service(self->fd, "svc.taken", 2, 0600, &h));
	EXPECT_EQ(-EADDRINUSE, st_service(other, "svc.taken", 1, 0600, &h));
	close(other);
}

TEST_F(services, name_released_on_handle_close)
{
	uint32_t h = 0;

	ASSERT_EQ(0, st_service(self->fd, "svc.release", 1, 0600, &h));
	ASSERT_EQ(0, st_close(self->fd, h));
	EXPECT_EQ(0, st_service(self->fd, "svc.release", 1, 0600, &h));
}

TEST_F(services, name_released_on_fd_close)
{
	int other = st_open();
	uint32_t h = 0;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, st_service(other, "svc.fdclose", 1, 0600, &h));
	close(other);
	EXPECT_EQ(0, st_service(self->fd, "svc.fdclose", 1, 0600, &h));
}

TEST_F(services, name_released_on_owner_death)
{
	int status, pipefd[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = st_open();
		uint32_t h = 0;

		if (fd < 0 || st_service(fd, "svc.death", 1, 0600, &h))
			_exit(1);
		write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(-EADDRINUSE, st_service(self->fd, "svc.death", 1, 0600, NULL));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, st_service(self->fd, "svc.death", 1, 0600, NULL));
	close(pipefd[0]);
}

TEST_F(services, bad_names_are_einval)
{
	struct ipcsvc_service_create c;
	char name65[66];

	EXPECT_EQ(-EINVAL, st_service(self->fd, "", 1, 0600, NULL));
	memset(name65, 'n', 65);
	name65[65] = 0;
	EXPECT_EQ(-EINVAL, st_service(self->fd, name65, 1, 0600, NULL));
	EXPECT_EQ(0, st_service(self->fd, name65 + 1, 1, 0600, NULL));
	/* Not UTF-8: a lone continuation byte, an overlong form. */
	EXPECT_EQ(-EINVAL, st_service(self->fd, "bad\x80", 1, 0600, NULL));
	EXPECT_EQ(-EINVAL, st_service(self->fd, "bad\xc0\xaf", 1, 0600, NULL));
	EXPECT_EQ(-EINVAL, st_service(self->fd, "bad\xe2\x82", 1, 0600, NULL));
	EXPECT_EQ(0, st_service(self->fd, "caf\xc3\xa9", 1, 0600, NULL));

	/* A NUL inside the name, and bytes after name_len. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.mode = 0600;
	memcpy(c.name, "ab\0cd", 5);
	c.name_len = 5;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	memcpy(c.name, "abXcd", 5);
	c.name_len = 3;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
}

TEST_F(services, flags_mode_and_padding_are_checked)
{
	struct ipcsvc_service_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.mode = 0600;
	c.name_len = 8;
	memcpy(c.name, "svc.flag", 8);
	c.flags = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	c.flags = 0;
	c.mode = 01777;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	c.mode = 0600;
	c.__pad = 1;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	c.__pad = 0;
	c.size = IPCSVC_SERVICE_CREATE_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	EXPECT_EQ(-EFAULT, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE,
				    (void *)8));
	c.size = sizeof(c);
	/* Poisoned output field: ignored on input, written on output. */
	c.handle = 0xcccccccc;
	EXPECT_EQ(0, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &c));
	EXPECT_NE(0xccccccccu, c.handle);
}

TEST_F(services, larger_struct_needs_zero_tail)
{
	struct {
		struct ipcsvc_service_create c;
		uint64_t future;
	} big;

	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.mode = 0600;
	big.c.name_len = 7;
	memcpy(big.c.name, "svc.big", 7);
	big.future = 1;
	EXPECT_EQ(-E2BIG, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &big));
	big.future = 0;
	EXPECT_EQ(0, st_ioctl(self->fd, IPCSVC_IOC_SERVICE_CREATE, &big));
}

/*
 * A service's buffer maxima may not exceed the module's max_buffer_size
 * (after rounding up to a page): EMSGSIZE.
 */
TEST_F(services, maxima_above_module_cap_are_emsgsize)
{
	struct st_limits lim = { 0 };
	unsigned long cap;

	ASSERT_EQ(0, st_param_get("max_buffer_size", &cap));
	lim.max_to_server = cap + 1;
	EXPECT_EQ(-EMSGSIZE, st_service_ex(self->fd, "svc.cap1", 1, 0600, &lim,
					   NULL));
	lim.max_to_server = 0;
	lim.max_to_client = cap + 1;
	EXPECT_EQ(-EMSGSIZE, st_service_ex(self->fd, "svc.cap2", 1, 0600, &lim,
					   NULL));
	lim.max_to_client = ~0ULL;
	EXPECT_EQ(-EMSGSIZE, st_service_ex(self->fd, "svc.cap3", 1, 0600, &lim,
					   NULL));
	/* Exactly the cap is allowed, and the name was never taken. */
	lim.max_to_server = cap;
	lim.max_to_client = cap;
	EXPECT_EQ(0, st_service_ex(self->fd, "svc.cap1", 1, 0600, &lim, NULL));
}

/* max_pending may not exceed max_connections, after the defaults. */
TEST_F(services, max_pending_above_max_connections_is_einval)
{
	struct st_limits lim = { .max_connections = 2, .max_pending = 3 };

	EXPECT_EQ(-EINVAL, st_service_ex(self->fd, "svc.pend", 1, 0600, &lim,
					 NULL));
	lim.max_connections = 0;	/* 1024 */
	lim.max_pending = IPCSVC_DEFAULT_MAX_CONNECTIONS + 1;
	EXPECT_EQ(-EINVAL, st_service_ex(self->fd, "svc.pend", 1, 0600, &lim,
					 NULL));
	lim.max_pending = IPCSVC_DEFAULT_MAX_CONNECTIONS;
	EXPECT_EQ(0, st_service_ex(self->fd, "svc.pend", 1, 0600, &lim, NULL));
	lim.max_connections = 1;
	lim.max_pending = 1;
	EXPECT_EQ(0, st_service_ex(self->fd, "svc.pend1", 1, 0600, &lim, NULL));
}

/* Default maxima: 1 MiB, or the module's max_buffer_size if smaller. */
TEST_F(services, default_maxima_follow_small_module_cap)
{
	uint64_t ts = 0, tc = 0;
	unsigned long cap;
	int c = st_open(), r;

	ASSERT_LE(0, c);
	ASSERT_EQ(0, st_param_get("max_buffer_size", &cap));
	ASSERT_EQ(0, st_param_set("max_buffer_size", 16 * ST_PAGE));
	r = st_service(self->fd, "svc.small", 1, 0600, NULL);
	ASSERT_EQ(0, st_param_set("max_buffer_size", cap));
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, st_connect_ex(c, "svc.small", 1, &ts, &tc, NULL));
	EXPECT_EQ(16 * ST_PAGE, ts);
	EXPECT_EQ(16 * ST_PAGE, tc);
	ASSERT_EQ(0, st_service(self->fd, "svc.big", 1, 0600, NULL));
	ts = tc = 0;
	ASSERT_EQ(0, st_connect_ex(c, "svc.big", 1, &ts, &tc, NULL));
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, ts);
	EXPECT_EQ(IPCSVC_DEFAULT_BUFFER_SIZE, tc);
	close(c);
}

/* The per-user service limit (max_services parameter): EDQUOT. */
TEST_F(services, per_user_limit_is_edquot)
{
	unsigned long old;
	uint32_t h = 0;

	ASSERT_EQ(0, st_param_get("max_services", &old));
	ASSERT_EQ(0, st_param_set("max_services", 1));
	EXPECT_EQ(0, st_service(self->fd, "svc.q1", 1, 0600, &h));
	EXPECT_EQ(-EDQUOT, st_service(self->fd, "svc.q2", 1, 0600, NULL));
	ASSERT_EQ(0, st_close(self->fd, h));
	EXPECT_EQ(0, st_service(self->fd, "svc.q2", 1, 0600, NULL));
	ASSERT_EQ(0, st_param_set("max_services", old));
}

TEST_HARNESS_MAIN
