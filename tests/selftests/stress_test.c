// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress: server processes and many client threads in client
 * processes connect, accept, reject, exchange messages, grow, arm, wait,
 * close connections, ports and services, fork, and are killed, all at
 * once, for STRESS_TIME seconds (default 6). Then the invariants:
 *  - every connection a server accepted ended exactly once: in one
 *    PeerClosed or in the server's own close, never both, never twice;
 *  - no event came for a handle the server had closed or never had;
 *  - every reply a client got carried exactly what it sent;
 *  - a port whose connections and services are all closed has no handle
 *    left and no event pending (its fdinfo), servers' and clients' both;
 *  - once everyone is gone, the user is charged nothing: no service, no
 *    channel, no byte (IPCSVC_IOC_USAGE), and the module can still unload
 *    (the guest harness checks that after every test).
 * The run is seeded; the seed is printed, and STRESS_SEED repeats a run.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

#include "kselftest_harness.h"
#include "ipcsvc_st.h"

#define NSERVERS	2
#define NCLIENTS	3
#define NTHREADS	3
#define MAX_CONNS	256

static uint64_t seed;
static int64_t end_ns;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* What a server saw, sent to the test through a pipe when it is done. */
struct server_stats {
	uint32_t accepted, rejected, peer_closed, closed_by_us;
	uint32_t echoed, services;
	char error[160];	/* the first broken invariant, or "" */
};

struct sconn {
	struct ipcsvc_conn *conn;	/* NULL: the slot is free */
};

/* Keep the first broken invariant a server finds. */
#define fail_once(st, ...)						\
	do {								\
		if (!(st)->error[0])					\
			snprintf((st)->error, sizeof((st)->error),	\
				 __VA_ARGS__);				\
	} while (0)

static void serve_readable(struct server_stats *st, struct ipcsvc_conn *conn)
{
	struct ipcsvc_channel *ch = ipcsvc_conn_channel(conn);
	struct ipcsvc_msg *m, *r;
	int rc;

	while (!(rc = ipcsvc_channel_receive(ch, &m))) {
		struct ipcsvc_object o = { 0 };
		struct ipcsvc_msg_info info;

		if (ipcsvc_msg_info(m, &info) ||
		    ipcsvc_msg_next_object(m, &o) != 1) {
			fail_once(st, "a request without its object (%d)", 0);
			ipcsvc_channel_release(ch, m);
			return;
		}
		/* The client may be gone, or its ring full: then no echo. */
		rc = ipcsvc_channel_allocate_for_send(ch, o.length, info.id, 1,
						      0, &r);
		if (!rc) {
			rc = ipcsvc_msg_add_object(r, o.id, o.data, o.length);
			if (!rc)
				rc = ipcsvc_channel_send(ch, r);
			if (rc)
				fail_once(st, "echo: %d", rc);
			st->echoed++;
		} else if (rc != -EPIPE && rc != -EAGAIN && rc != -EDQUOT) {
			fail_once(st, "echo allocation: %d", rc);
		}
		ipcsvc_channel_release(ch, m);
	}
	if (rc != -EAGAIN && rc != -EPIPE)
		fail_once(st, "server receive: %d", rc);
	rc = ipcsvc_conn_arm(conn, IPCSVC_DIR_RX);
	if (rc && rc != -EPIPE)
		fail_once(st, "re-arm: %d", rc);
}

static int server_main(int index, int out)
{
	struct server_stats st = { 0 };
	static struct sconn conns[MAX_CONNS];
	struct ipcsvc_service *svc = NULL;
	struct ipcsvc_port *port;
	char name[32];
	uint64_t s = seed ^ (0x5e57e5ULL * (index + 1));
	int rc, n = 0;

	snprintf(name, sizeof(name), "stress.%d", index);
	rc = ipcsvc_port_open(NULL, &port);
	if (rc)
		return 1;
	while (ipcsvc_clock_now() < end_ns) {
		struct ipcsvc_port_event ev;
		struct sconn *c;

		if (!svc) {
			struct ipcsvc_service_attr a = {
				.max_to_server = 64 * 1024,
				.max_to_client = 64 * 1024,
				.max_connections = MAX_CONNS / 2,
				.max_pending = 8,
			};

			rc = ipcsvc_service_create_attr(port, name, 1, 0666, &a,
							&svc);
			if (rc) {
				fail_once(&st, "service create: %d", rc);
				break;
			}
			ipcsvc_service_set_cookie(svc, &svc);
			st.services++;
		}
		/* now and then: close a connection, or the whole service */
		if (rnd(&s) % 64 == 0) {
			c = &conns[rnd(&s) % MAX_CONNS];
			if (c->conn) {
				ipcsvc_conn_close(c->conn);
				c->conn = NULL;
				st.closed_by_us++;
			}
		}
		if (rnd(&s) % 512 == 0) {
			ipcsvc_service_close(svc);
			svc = NULL;
			continue;
		}
		rc = ipcsvc_port_wait_event(port, &ev, ipcsvc_timeout_ms(20));
		if (rc == -ETIMEDOUT)
			continue;
		if (rc) {
			fail_once(&st, "server wait: %d", rc);
			break;
		}
		if (ev.type == IPC_MSG_SERVICE_CONNECTED) {
			if (ev.cookie != &svc) {
				fail_once(&st, "ServiceConnected of handle %d, not ours",
					  (int)ev.handle);
				continue;
			}
			if (rnd(&s) % 8 == 0) {
				rc = ipcsvc_service_reject(svc, &ev);
				st.rejected += !rc;
				continue;
			}
			for (c = conns; c < conns + MAX_CONNS && c->conn; c++)
				;
			if (c == conns + MAX_CONNS) {
				ipcsvc_service_reject(svc, &ev);
				continue;
			}
			rc = ipcsvc_service_accept(svc, &ev, NULL, &c->conn);
			if (rc) {
				/* the client may have gone already: its end
				 * is closed, the accept itself works */
				fail_once(&st, "accept: %d", rc);
				c->conn = NULL;
				continue;
			}
			st.accepted++;
			ipcsvc_conn_set_cookie(c->conn, c);
			rc = ipcsvc_conn_arm(c->conn, IPCSVC_DIR_RX);
			if (rc && rc != -EPIPE)
				fail_once(&st, "arm: %d", rc);
			continue;
		}
		c = ev.cookie;
		if (!c || !c->conn) {
			/* closing a handle discards its pending events */
			fail_once(&st, "event %d for a closed or unknown handle",
				  (int)ev.type);
			continue;
		}
		switch (ev.type) {
		case IPC_MSG_CHANNEL_READABLE:
			serve_readable(&st, c->conn);
			break;
		case IPC_MSG_PEER_CLOSED:
			ipcsvc_conn_close(c->conn);
			c->conn = NULL;
			st.peer_closed++;
			break;
		default:
			fail_once(&st, "unexpected event %d on a server", (int)ev.type);
		}
		n++;
	}
	for (int i = 0; i < MAX_CONNS; i++) {
		if (conns[i].conn) {
			ipcsvc_conn_close(conns[i].conn);
			st.closed_by_us++;
		}
	}
	ipcsvc_service_close(svc);
	if (st_fdinfo(ipcsvc_port_fd(port), "ipcsvc-handles") != 0 ||
	    st_fdinfo(ipcsvc_port_fd(port), "ipcsvc-events") != 0)
		fail_once(&st, "all closed, and the port still has %ld handles, "
			  "%ld events", st_fdinfo(ipcsvc_port_fd(port),
						  "ipcsvc-handles"),
			  st_fdinfo(ipcsvc_port_fd(port), "ipcsvc-events"));
	ipcsvc_port_close(port);
	return write(out, &st, sizeof(st)) == sizeof(st) ? 0 : 1;
}

/* A client thread: connect, talk, grow, wait, close, again. */
static void *client_thread(void *arg)
{
	uint64_t s = seed ^ (uint64_t)(uintptr_t)arg ^ ((uint64_t)getpid() << 20);
	static const char pat[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char *err = NULL;

	while (ipcsvc_clock_now() < end_ns && !err) {
		struct ipcsvc_port *port;
		struct ipcsvc_conn *conn;
		struct ipcsvc_channel *ch;
		char name[32];
		int rc, rounds = 1 + (int)(rnd(&s) % 8);

		if (ipcsvc_port_open(NULL, &port))
			break;
		snprintf(name, sizeof(name), "stress.%d", (int)(rnd(&s) % NSERVERS));
		rc = ipcsvc_client_connect(port, name, 1, rnd(&s) % 2 ? 0 : 8192,
					   0, NULL, &conn);
		if (rc) {
			/* service between incarnations, backlog full, too
			 * many connections, refused while closing */
			if (rc != -ENOENT && rc != -EAGAIN && rc != -EUSERS &&
			    rc != -ECONNREFUSED)
				asprintf(&err, "connect: %s", ipcsvc_strerror(rc));
			ipcsvc_port_close(port);
			usleep(1000);
			continue;
		}
		ch = ipcsvc_conn_channel(conn);
		/* sometimes the port goes first: the connection keeps it */
		if (rnd(&s) % 4 == 0) {
			ipcsvc_port_close(port);
			port = NULL;
		}
		for (int i = 0; i < rounds && !err; i++) {
			uint64_t len = 1 + rnd(&s) % 3000, id = rnd(&s);
			struct ipcsvc_object o = { 0 };
			struct ipcsvc_msg_info info;
			struct ipcsvc_msg *m;
			void *p;

			if (rnd(&s) % 16 == 0) {
				rc = ipcsvc_channel_grow(ch, 4096 * (1 + rnd(&s) % 4));
				if (rc && rc != -EINVAL && rc != -EFBIG &&
				    rc != -EPIPE && rc != -EDQUOT)
					asprintf(&err, "grow: %s", ipcsvc_strerror(rc));
			}
			rc = ipcsvc_channel_allocate_for_send_timeout(ch, len, id,
					1, 0, &m, ipcsvc_timeout_ms(2000));
			if (rc) {
				if (rc != -EPIPE && rc != -ETIMEDOUT &&
				    rc != -EDQUOT)
					asprintf(&err, "allocate: %s",
						 ipcsvc_strerror(rc));
				break;
			}
			rc = ipcsvc_msg_reserve_object(m, 1, len, &p);
			if (rc) {
				asprintf(&err, "reserve: %s", ipcsvc_strerror(rc));
				break;
			}
			for (uint64_t k = 0; k < len; k++)
				((char *)p)[k] = pat[(id + k) % (sizeof(pat) - 1)];
			rc = ipcsvc_channel_send(ch, m);
			if (rc) {
				asprintf(&err, "send: %s", ipcsvc_strerror(rc));
				break;
			}
			rc = ipcsvc_channel_receive_timeout(ch, &m,
					ipcsvc_timeout_ms(2000));
			if (rc) {
				/* the server closed us, or dropped the echo
				 * because our ring was full */
				if (rc != -EPIPE && rc != -ETIMEDOUT)
					asprintf(&err, "receive: %s",
						 ipcsvc_strerror(rc));
				break;
			}
			if (ipcsvc_msg_info(m, &info) || info.id != id ||
			    ipcsvc_msg_next_object(m, &o) != 1 ||
			    o.length != len)
				asprintf(&err, "echo of %llu bytes came back wrong",
					 (unsigned long long)len);
			for (uint64_t k = 0; !err && k < len; k++)
				if (((const char *)o.data)[k] !=
				    pat[(id + k) % (sizeof(pat) - 1)])
					asprintf(&err, "echo byte %llu differs",
						 (unsigned long long)k);
			ipcsvc_channel_release(ch, m);
			/*
			 * A server that closes its end revokes its area: a
			 * reply being read then reads as zeroes from the
			 * moment of the close (documented). That is the only
			 * excuse: the channel must then report the close.
			 */
			if (err && ipcsvc_channel_receive_timeout(ch, &m,
					ipcsvc_timeout_ms(2000)) == -EPIPE) {
				free(err);
				err = NULL;
				break;
			}
			if (rnd(&s) % 8 == 0) {
				struct ipcsvc_port_event ev;

				/* an armed wait with nothing to come */
				if (port && !ipcsvc_conn_arm(conn, IPCSVC_DIR_RX))
					ipcsvc_port_wait_event(port, &ev,
						ipcsvc_timeout_ms(5));
			}
		}
		if (rnd(&s) % 16 == 0) {
			pid_t pid = fork();	/* a child with our mappings */

			if (pid == 0)
				_exit(0);
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		ipcsvc_conn_close(conn);
		if (port && !err &&
		    st_fdinfo(ipcsvc_port_fd(port), "ipcsvc-handles") != 0)
			asprintf(&err, "connection closed, and the port still "
				 "has %ld handles", st_fdinfo(ipcsvc_port_fd(port),
							    "ipcsvc-handles"));
		ipcsvc_port_close(port);
	}
	return err;
}

static int client_main(void)
{
	pthread_t th[NTHREADS];
	int bad = 0;

	for (uintptr_t i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, client_thread, (void *)i))
			return 1;
	for (int i = 0; i < NTHREADS; i++) {
		char *err;

		pthread_join(th[i], (void **)&err);
		if (err) {
			fprintf(stderr, "client %d thread %d: %s\n", getpid(), i, err);
			bad = 1;
			free(err);
		}
	}
	return bad;
}

static pid_t spawn_client(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(client_main());
	return pid;
}

/* A fixture only for a time limit of its own: the harness's default of
 * 30 s would end a stress that make stress asks to run for minutes. */
FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, everything_at_once, 7200)
{
	const char *t = getenv("STRESS_TIME"), *sd = getenv("STRESS_SEED");
	struct server_stats st[NSERVERS];
	pid_t servers[NSERVERS], clients[NCLIENTS];
	int pipes[NSERVERS][2], killed = 0, client_failures = 0;
	struct ipcsvc_usage u;
	uint64_t s;
	int fd;

	/* set but empty, as the guest's /config passes them, is unset */
	if (t && !*t)
		t = NULL;
	if (sd && !*sd)
		sd = NULL;
	seed = sd ? strtoull(sd, NULL, 0) : (uint64_t)time(NULL) * 2654435761ULL;
	seed |= 1;
	TH_LOG("seed %#llx (STRESS_SEED repeats the run)", (unsigned long long)seed);
	end_ns = ipcsvc_clock_now() + (t ? atoll(t) : 6) * 1000000000LL;
	s = seed;

	for (int i = 0; i < NSERVERS; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		servers[i] = fork();
		ASSERT_LE(0, servers[i]);
		if (servers[i] == 0) {
			close(pipes[i][0]);
			_exit(server_main(i, pipes[i][1]));
		}
		close(pipes[i][1]);
	}
	for (int i = 0; i < NCLIENTS; i++)
		clients[i] = spawn_client();
	/* Kill a client now and then, mid-whatever, and start another. */
	while (ipcsvc_clock_now() < end_ns - 500000000LL) {
		int i = (int)(rnd(&s) % NCLIENTS);

		usleep(200000 + rnd(&s) % 300000);
		if (clients[i] > 0 && rnd(&s) % 2 == 0) {
			kill(clients[i], SIGKILL);
			waitpid(clients[i], NULL, 0);
			killed++;
			clients[i] = spawn_client();
		}
	}
	for (int i = 0; i < NCLIENTS; i++) {
		int status;

		ASSERT_EQ(clients[i], waitpid(clients[i], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			client_failures++;
	}
	for (int i = 0; i < NSERVERS; i++) {
		int status;

		memset(&st[i], 0, sizeof(st[i]));
		EXPECT_EQ((ssize_t)sizeof(st[i]), read(pipes[i][0], &st[i],
						       sizeof(st[i])));
		close(pipes[i][0]);
		ASSERT_EQ(servers[i], waitpid(servers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		TH_LOG("server %d: %u services, %u accepted, %u rejected, "
		       "%u PeerClosed, %u closed by it, %u echoes", i,
		       st[i].services, st[i].accepted, st[i].rejected,
		       st[i].peer_closed, st[i].closed_by_us, st[i].echoed);
		EXPECT_STREQ("", st[i].error);
		/* every accepted connection ended exactly once */
		EXPECT_EQ(st[i].accepted, st[i].peer_closed + st[i].closed_by_us);
		EXPECT_LT(0u, st[i].accepted);
	}
	TH_LOG("%d clients killed mid-run", killed);
	EXPECT_EQ(0, client_failures);

	/* Everyone is gone: nothing is charged any more. A killed process's
	 * channels are freed as its files close, all before waitpid()
	 * returned, so this need not wait. */
	fd = st_open();
	ASSERT_LE(0, fd);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	ASSERT_EQ(0, st_ioctl(fd, IPCSVC_IOC_USAGE, &u));
	EXPECT_EQ(0, u.services);
	EXPECT_EQ(0, u.channels);
	EXPECT_EQ(0, u.bytes);
	close(fd);
	if (!_metadata->passed)
		TH_LOG("failed with seed %#llx", (unsigned long long)seed);
}

TEST_HARNESS_MAIN
