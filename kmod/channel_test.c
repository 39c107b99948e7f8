// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for channel.c and the lifetime rules: connect and each of
 * its errors, the events it raises, what it charges, wait/wake/arm with
 * real sleeping threads, peer credentials, and teardown from either side.
 *
 * Every case has a server port and a client port of its own over a
 * private registry key (ipcsvc_kunit_ns()), and a service "kunit.chan"
 * with 4-page client-to-server and 8-page server-to-client areas.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "ipcsvc_kunit.h"

#define PROD_WORDS	(IPCSVC_AREA_PRODUCER_PAGE * PAGE_SIZE + \
			 IPCSVC_CONTROL_PRODUCER)
#define CONS_WORDS	(IPCSVC_AREA_CONSUMER_PAGE * PAGE_SIZE + \
			 IPCSVC_CONTROL_CONSUMER)
#define PUBLISHED	(PROD_WORDS + offsetof(struct ipcsvc_area_producer, \
					       published))
#define HEAD		(CONS_WORDS + offsetof(struct ipcsvc_area_consumer, head))
#define HDR_BYTES	(IPCSVC_AREA_HEADER_PAGES * PAGE_SIZE)
#define SVC_NAME	"kunit.chan"

struct chan_fixture {
	struct ipc_namespace *ns;
	struct ipcsvc_port *server, *client;
	struct ipcsvc_service *svc;		/* the creator's reference */
	u32 svc_h, cch, sch;
	struct ipcsvc_endpoint *cep, *sep;	/* with references */
};

static int chan_connect(struct ipcsvc_port *port, const char *name, u64 version,
			u64 to_server, u64 to_client, u32 *handle,
			struct ipcsvc_hobj **objp)
{
	struct ipcsvc_connect_params p = {
		.name = (const u8 *)name,
		.name_len = strlen(name),
		.version = version,
		.max_size = { to_server, to_client },
	};

	return ipcsvc_connect(port, &p, objp, handle);
}

/* Connect and drop the object reference connect returns. */
static int chan_connect_h(struct ipcsvc_port *port, const char *name,
			  u32 *handle)
{
	struct ipcsvc_hobj *obj;
	int ret;

	ret = chan_connect(port, name, 3, 0, 0, handle, &obj);
	if (!ret)
		ipcsvc_hobj_put(obj);
	return ret;
}

/* The service alone, with @p or the default parameters. */
static void chan_service(struct kunit *test, struct chan_fixture *f,
			 const struct ipcsvc_service_params *p)
{
	struct ipcsvc_service_params def = ipcsvc_kunit_params(SVC_NAME);

	memset(f, 0, sizeof(*f));
	f->ns = ipcsvc_kunit_ns(test);
	f->server = ipcsvc_kunit_port(test, f->ns);
	f->client = ipcsvc_kunit_port(test, f->ns);
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(f->server, p ?: &def,
						    &f->svc, &f->svc_h), 0);
}

/* Read the ServiceConnected at the head of the server's queue. */
static u32 chan_accept(struct kunit *test, struct chan_fixture *f)
{
	struct ipcsvc_event ev;

	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f->server, &ev, 1), (size_t)1);
	KUNIT_ASSERT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev.a & U32_MAX, (u64)f->svc_h);
	return ev.b;
}

static struct ipcsvc_endpoint *chan_ep(struct kunit *test,
				       struct ipcsvc_port *port, u32 handle)
{
	struct ipcsvc_hobj *h = ipcsvc_port_lookup(port, handle,
						   IPCSVC_H_CHANNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(h));
	return ipcsvc_to_ep(h);
}

/* The service, one channel, accepted; both ends looked up. */
static void chan_setup(struct kunit *test, struct chan_fixture *f)
{
	struct ipcsvc_hobj *obj;

	chan_service(test, f, NULL);
	KUNIT_ASSERT_EQ(test, chan_connect(f->client, SVC_NAME, 3, 0, 0,
					   &f->cch, &obj), 0);
	f->cep = ipcsvc_to_ep(obj);
	f->sch = chan_accept(test, f);
	f->sep = chan_ep(test, f->server, f->sch);
}

static void chan_teardown(struct chan_fixture *f)
{
	if (f->cep)
		ipcsvc_hobj_put(&f->cep->h);
	if (f->sep)
		ipcsvc_hobj_put(&f->sep->h);
	if (f->client)
		ipcsvc_kunit_port_done(f->client);
	if (f->server)
		ipcsvc_kunit_port_done(f->server);
	if (f->svc)
		ipcsvc_service_put(f->svc);
}

/* The word @offset of @ep's @dir area, through the kernel's view. */
static u64 *chan_word(struct ipcsvc_endpoint *ep, u32 dir, u64 offset)
{
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	unsigned int owner = offset >> PAGE_SHIFT == IPCSVC_AREA_PRODUCER_PAGE ?
			     area->side : !area->side;

	return area->hdr->kaddr + (1 + owner) * PAGE_SIZE +
	       offset_in_page(offset);
}

/* ---- threads ---- */

/*
 * A kernel thread running one function of this file. Its struct is
 * allocated, not on the stack, so that a thread that never finishes (a
 * failing test) can be left behind with everything it uses.
 */
struct chan_thread {
	struct task_struct *task;
	struct completion done;
	bool joined;
	int (*fn)(struct chan_thread *t);
	int ret;
	/* for the function */
	struct ipcsvc_endpoint *ep;
	u32 dir;
	u64 offset, value;
	s64 timeout;
	bool abstime;
	int allow_sig;
	struct ipcsvc_port *port;
	u32 handle;
};

static struct chan_thread *chan_thread_new(struct kunit *test)
{
	struct chan_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	init_completion(&t->done);
	return t;
}

/* Free @t unless its thread may still run. */
static void chan_thread_free(struct chan_thread *t)
{
	if (t->joined || !t->task)
		kfree(t);
}

static int chan_thread_main(void *data)
{
	struct chan_thread *t = data;

	t->ret = t->fn(t);
	complete(&t->done);
	return 0;
}

static void chan_thread_start(struct kunit *test, struct chan_thread *t,
			      int (*fn)(struct chan_thread *t))
{
	struct task_struct *task;

	t->fn = fn;
	task = kthread_run(chan_thread_main, t, "ipcsvc-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	t->task = task;
}

/*
 * Wait up to 10 s for @t to finish, and reap it. False if it is still
 * running: then it is left alone, and whatever it uses must not be freed.
 */
static bool chan_thread_join(struct chan_thread *t)
{
	if (t->joined)
		return true;
	if (!wait_for_completion_timeout(&t->done, 10 * HZ))
		return false;
	/* Returns once the thread has left this module's code. */
	kthread_stop(t->task);
	put_task_struct(t->task);
	t->joined = true;
	return true;
}

/*
 * Wait up to 10 s until @t sleeps interruptibly on @wq, as a waiter in
 * ipcsvc_channel_wait() does: queued there, and not running.
 */
static bool chan_thread_sleeps_on(struct chan_thread *t,
				  struct wait_queue_head *wq)
{
	unsigned long end = jiffies + 10 * HZ;

	while (time_before(jiffies, end)) {
		if (completion_done(&t->done))
			return false;
		/*
		 * Only an observation, racing with the thread by design:
		 * the thread has queued itself and is not running.
		 */
		if (waitqueue_active(wq) &&
		    READ_ONCE(t->task->__state) == TASK_INTERRUPTIBLE)
			return true;
		usleep_range(500, 1000);
	}
	return false;
}

static int chan_waiter(struct chan_thread *t)
{
	if (t->allow_sig)
		allow_signal(t->allow_sig);
	return ipcsvc_channel_wait(t->ep, t->dir, t->offset, t->value,
				   t->timeout, t->abstime);
}

static int chan_closer(struct chan_thread *t)
{
	ipcsvc_endpoint_close(t->ep, IPCSVC_REASON_CLOSED);
	return 0;
}

static int chan_service_maker(struct chan_thread *t)
{
	struct ipcsvc_service_params p = ipcsvc_kunit_params(SVC_NAME);
	struct ipcsvc_service *svc;
	int ret;

	ret = ipcsvc_service_create(t->port, &p, &svc, &t->handle);
	if (!ret)
		ipcsvc_service_put(svc);
	return ret;
}

/*
 * Start a waiter on @ep's @dir area and wait until it sleeps; false (and
 * a test failure) if it never does.
 */
static bool chan_start_waiter(struct kunit *test, struct chan_thread *t,
			      struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
			      s64 timeout, bool abstime)
{
	t->ep = ep;
	t->dir = dir;
	t->offset = offset;
	t->value = READ_ONCE(*chan_word(ep, dir, offset));
	t->timeout = timeout;
	t->abstime = abstime;
	chan_thread_start(test, t, chan_waiter);
	if (chan_thread_sleeps_on(t, &ipcsvc_endpoint_area(ep, dir)->wq))
		return true;
	KUNIT_FAIL(test, "the waiter did not go to sleep (done: %d, ret %d)",
		   completion_done(&t->done), t->ret);
	chan_thread_join(t);
	return false;
}

/*
 * The result of a waiter that something should have woken. If nothing
 * did, wake it the way the peer would, so that it does not outlive the
 * test, and fail.
 */
static int chan_waiter_result(struct kunit *test, struct chan_thread *t,
			      struct ipcsvc_endpoint *peer)
{
	if (chan_thread_join(t))
		return t->ret;
	KUNIT_FAIL(test, "the waiter was not woken");
	ipcsvc_channel_wake(peer, t->dir == IPCSVC_DIR_RX ? IPCSVC_DIR_TX :
							  IPCSVC_DIR_RX);
	if (chan_thread_join(t))
		return t->ret;
	KUNIT_FAIL(test, "the waiter is stuck; leaking it");
	return -EDEADLK;
}

/* ---- connect ---- */

/*
 * A connect installs both ends, raises ServiceConnected on the server's
 * port with the service's handle, the client's pid, uid and gid, and
 * grants the service's sizes when asked for 0.
 */
static void ipcsvc_channel_connect_event(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90301);
	struct ipcsvc_connect_params p = {
		.name = SVC_NAME,
		.name_len = strlen(SVC_NAME),
		.version = 3,
	};
	struct chan_fixture f;
	struct ipcsvc_endpoint *cep, *sep;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	struct ipcsvc_event ev;
	int ret;

	chan_service(test, &f, NULL);
	f.svc->mode = 0606;	/* let the client's uid in */
	old = override_creds(cred);
	ret = ipcsvc_connect(f.client, &p, &obj, &f.cch);
	revert_creds(old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	f.cep = ipcsvc_to_ep(obj);
	KUNIT_EXPECT_EQ(test, f.cch, 1u);
	KUNIT_EXPECT_EQ(test, p.max_size[0], (u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.max_size[1], (u64)8 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	memset(&ev, 0xcc, sizeof(ev));
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev.a, (u64)f.svc_h |
			(u64)task_tgid_nr(current) << 32);
	KUNIT_EXPECT_EQ(test, ev.c, 90301ull | 90301ull << 32);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	f.sch = ev.b;
	/* The service has handle 1; the channel's server end is next. */
	KUNIT_EXPECT_EQ(test, f.sch, 2u);
	f.sep = chan_ep(test, f.server, f.sch);

	cep = f.cep;
	sep = f.sep;
	KUNIT_EXPECT_PTR_EQ(test, cep->chan, sep->chan);
	KUNIT_EXPECT_EQ(test, cep->side, (unsigned int)IPCSVC_SIDE_CLIENT);
	KUNIT_EXPECT_EQ(test, sep->side, (unsigned int)IPCSVC_SIDE_SERVER);
	KUNIT_EXPECT_PTR_EQ(test, cep->port, f.client);
	KUNIT_EXPECT_PTR_EQ(test, sep->port, f.server);
	KUNIT_EXPECT_PTR_EQ(test, cep->chan->svc, f.svc);
	KUNIT_EXPECT_EQ(test, cep->chan->version, 3ull);
	/* The client's TX area is the server's RX area, and the reverse. */
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX),
			    ipcsvc_endpoint_area(sep, IPCSVC_DIR_RX));
	KUNIT_EXPECT_PTR_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_RX),
			    ipcsvc_endpoint_area(sep, IPCSVC_DIR_TX));
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(cep, IPCSVC_DIR_TX)->max_size,
			(u64)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_endpoint_area(sep, IPCSVC_DIR_TX)->max_size,
			(u64)8 * PAGE_SIZE);
	/* Two table references, ours twice, and none other. */
	KUNIT_EXPECT_EQ(test, kref_read(&cep->chan->ref), 4u);
	chan_teardown(&f);
	put_cred(cred);
}

/* Sizes asked for are rounded up to pages; more than the service's is EMSGSIZE. */
static void ipcsvc_channel_connect_sizes(struct kunit *test)
{
	struct ipcsvc_connect_params p = {
		.name = SVC_NAME,
		.name_len = strlen(SVC_NAME),
		.version = 3,
		.max_size = { 1, 2 * PAGE_SIZE + 1 },
	};
	struct chan_fixture f;
	struct ipcsvc_hobj *obj;
	u32 h;

	chan_service(test, &f, NULL);
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h), 0);
	KUNIT_EXPECT_EQ(test, p.max_size[0], (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, p.max_size[1], (u64)3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_to_ep(obj)->chan->area[0]->max_size,
			(u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_to_ep(obj)->chan->area[1]->max_size,
			(u64)3 * PAGE_SIZE);
	ipcsvc_hobj_put(obj);

	/* Exactly the maximum is fine, a byte more in either direction not. */
	p.max_size[0] = 4 * PAGE_SIZE;
	p.max_size[1] = 8 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h), 0);
	ipcsvc_hobj_put(obj);
	p.max_size[0] = 4 * PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h),
			-EMSGSIZE);
	p.max_size[0] = 0;
	p.max_size[1] = 8 * PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, ipcsvc_connect(f.client, &p, &obj, &h),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 2u);
	chan_teardown(&f);
}

/*
 * Refused connects, in the order connect checks: each leaves no handle,
 * no event and no charge behind.
 */
static void ipcsvc_channel_connect_refused(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90302);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);
	struct ipcsvc_port *elsewhere;
	struct chan_fixture f;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	u32 h;

	KUNIT_ASSERT_NOT_NULL(test, user);
	chan_service(test, &f, NULL);
	elsewhere = ipcsvc_kunit_port(test, ipcsvc_kunit_ns(test));
	old = override_creds(cred);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, "kunit.none", 3, 0, 0,
					   &h, &obj), -ENOENT);
	/* Another namespace's service is not found either. */
	KUNIT_EXPECT_EQ(test, chan_connect(elsewhere, SVC_NAME, 3, 0, 0, &h,
					   &obj), -ENOENT);
	/* Mode 0600 of another user, and no CAP_DAC_OVERRIDE. */
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), -EACCES);
	/* EACCES comes before a version or size mismatch. */
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, U64_MAX, 0,
					   &h, &obj), -EACCES);
	f.svc->mode = 0602;
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, 0, 0, &h,
					   &obj), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 4, U64_MAX, 0,
					   &h, &obj), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, chan_connect(f.client, SVC_NAME, 3, U64_MAX, 0,
					   &h, &obj), -EMSGSIZE);
	revert_creds(old);

	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	KUNIT_EXPECT_EQ(test, kref_read(&f.svc->ref), 2u);
	ipcsvc_kunit_port_done(elsewhere);
	chan_teardown(&f);
	ipcsvc_user_put(user);
	put_cred(cred);
}

/* CAP_DAC_OVERRIDE, in the service creator's user namespace, beats the mode. */
static void ipcsvc_channel_connect_dac_override(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90303);
	struct chan_fixture f;
	const struct cred *old;
	u32 h;
	int ret;

	chan_service(test, &f, NULL);
	f.svc->mode = 0;
	cap_raise(cred->cap_effective, CAP_DAC_OVERRIDE);
	old = override_creds(cred);
	ret = chan_connect_h(f.client, SVC_NAME, &h);
	revert_creds(old);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	chan_teardown(&f);
	put_cred(cred);
}

/*
 * max_connections counts channels whose server end is open, whoever
 * closed the client end; max_pending counts channels whose
 * ServiceConnected the server has not read.
 */
static void ipcsvc_channel_connect_limits(struct kunit *test)
{
	struct ipcsvc_service_params p = ipcsvc_kunit_params(SVC_NAME);
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c1, c2, c3, s1;

	p.max_connections = 2;
	p.max_pending = 1;
	chan_service(test, &f, &p);

	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c1), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -EAGAIN);
	/* The client leaving does not accept its channel for the server. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, c1), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	/* Reading ServiceConnected does (PeerClosed follows it). */
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 4), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	s1 = ev[0].b;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);

	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 4), (size_t)1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 2);
	/* Two server ends open: EUSERS, which is checked before EAGAIN. */
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c3), -EUSERS);
	/* The server closing its end of the dead channel makes room. */
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, s1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c3), 0);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	/* The server's port going away un-counts all. */
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	chan_teardown(&f);
}

/*
 * The per-user channel and byte limits (EDQUOT), the client's full handle
 * table (ENOSPC) and the server's (ECONNREFUSED): nothing is left behind.
 */
static void ipcsvc_channel_connect_quota_and_tables(struct kunit *test)
{
	unsigned int old_channels = ipcsvc_max_channels;
	struct ipcsvc_port_limits lim = { .flags = IPCSVC_PORT_LIMITS_SET };
	unsigned long old_bytes = ipcsvc_max_user_bytes;
	struct cred *cred = ipcsvc_kunit_creds(test, 90304);
	struct ipcsvc_user *user = ipcsvc_user_get(cred);
	struct chan_fixture f;
	const struct cred *old;
	u32 h, dummy;

	KUNIT_ASSERT_NOT_NULL(test, user);
	chan_service(test, &f, NULL);
	f.svc->mode = 0602;
	old = override_creds(cred);

	WRITE_ONCE(ipcsvc_max_channels, 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -EDQUOT);
	WRITE_ONCE(ipcsvc_max_channels, old_channels);
	/* The header's three pages do not fit two. */
	WRITE_ONCE(ipcsvc_max_user_bytes, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -EDQUOT);
	WRITE_ONCE(ipcsvc_max_user_bytes, HDR_BYTES);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, h), 0);
	WRITE_ONCE(ipcsvc_max_user_bytes, old_bytes);

	/* The client's table is full: ENOSPC. */
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(f.client, "kunit.dummy",
						   &dummy), 0);
	lim.max_handles = 1;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.client, &lim), 0);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, dummy), 0);
	/* The server's (the service and the dead channel's end): refused. */
	lim.max_handles = 2;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.server, &lim), 0);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h),
			-ECONNREFUSED);
	lim.max_handles = ipcsvc_max_handles;
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.client, &lim), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_port_limits(f.server, &lim), 0);
	revert_creds(old);

	/*
	 * Of all these, only the one channel that was made is left: its
	 * server end keeps it, and its charges, until the server closes it.
	 */
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), (long)HDR_BYTES);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 2u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	chan_teardown(&f);
	KUNIT_EXPECT_EQ(test, atomic_read(&user->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&user->bytes), 0l);
	ipcsvc_user_put(user);
	put_cred(cred);
}

/*
 * A connect whose result cannot be written back is undone: the client's
 * handle is closed and, while the server has not read ServiceConnected,
 * the server's end too, so that neither side ever hears of the channel.
 * Once the server has read it, its end stays and learns of the close.
 */
static void ipcsvc_channel_connect_undo(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_hobj *obj;
	struct ipcsvc_event ev[2];
	u32 h, sh;

	chan_service(test, &f, NULL);
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), 0);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_EXPECT_TRUE(test, ipcsvc_to_ep(obj)->closed);
	KUNIT_EXPECT_TRUE(test, ipcsvc_to_ep(obj)->chan->ep[1].closed);
	ipcsvc_hobj_put(obj);

	/* The server was quicker: its end stays, and gets PeerClosed. */
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0, &h,
					   &obj), 0);
	sh = chan_accept(test, &f);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 0u);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)sh);

	/* A handle number reused meanwhile is left alone. */
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &h), 0);
	KUNIT_EXPECT_EQ(test, h, 1u);
	ipcsvc_connect_undo(f.client, h, obj);
	KUNIT_EXPECT_EQ(test, f.client->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 1u);
	ipcsvc_hobj_put(obj);
	chan_teardown(&f);
}

/*
 * What a channel charges: one channel and the three header pages to the
 * connecting user, data pages to the user of the side that produces
 * them. A mapping's area reference keeps the area after both ports are
 * gone, but not the server's data: closing the server's end revokes the
 * area it produces, and its pages are uncharged at once, even while the
 * client maps them. What the client sent stays until the last reference.
 */
static void ipcsvc_channel_charges(struct kunit *test)
{
	struct cred *server_cred = ipcsvc_kunit_creds(test, 90401);
	struct cred *client_cred = ipcsvc_kunit_creds(test, 90402);
	struct ipcsvc_user *su = ipcsvc_user_get(server_cred);
	struct ipcsvc_user *cu = ipcsvc_user_get(client_cred);
	struct ipcsvc_service_params p = ipcsvc_kunit_params(SVC_NAME);
	struct ipcsvc_area *client_map, *server_map;
	struct chan_fixture f = { };
	struct ipcsvc_hobj *obj;
	const struct cred *old;
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, su);
	KUNIT_ASSERT_NOT_NULL(test, cu);
	p.mode = 0666;
	f.ns = ipcsvc_kunit_ns(test);
	f.server = ipcsvc_kunit_port(test, f.ns);
	f.client = ipcsvc_kunit_port(test, f.ns);
	old = override_creds(server_cred);
	KUNIT_ASSERT_EQ(test, ipcsvc_service_create(f.server, &p, &f.svc,
						    &f.svc_h), 0);
	revert_creds(old);
	old = override_creds(client_cred);
	KUNIT_ASSERT_EQ(test, chan_connect(f.client, SVC_NAME, 3, 0, 0,
					   &f.cch, &obj), 0);
	revert_creds(old);
	f.cep = ipcsvc_to_ep(obj);
	f.sch = chan_accept(test, &f);
	f.sep = chan_ep(test, f.server, f.sch);

	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&su->channels), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), (long)HDR_BYTES);

	/* Each producer grows its TX area, as GROW does. */
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.cep,
								    IPCSVC_DIR_TX),
					       2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.sep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), (long)PAGE_SIZE);

	/* Each side maps what it receives. */
	client_map = ipcsvc_endpoint_area(f.cep, IPCSVC_DIR_RX);
	server_map = ipcsvc_endpoint_area(f.sep, IPCSVC_DIR_RX);
	ipcsvc_area_get(client_map);
	ipcsvc_area_get(server_map);
	ipcsvc_hobj_put(&f.cep->h);
	ipcsvc_hobj_put(&f.sep->h);
	f.cep = NULL;
	f.sep = NULL;

	/* The client goes: nothing is revoked, the channel lives on. */
	ipcsvc_kunit_port_done(f.client);
	f.client = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), (long)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(server_map)->revoked, 0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->revoked, 0ull);

	/* The server goes: its data is taken back from the client's map. */
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->closed, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->revoked, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(client_map)->magic,
			IPCSVC_AREA_MAGIC);
	page = ipcsvc_area_page(client_map, IPCSVC_AREA_HEADER_PAGES);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(page), 0, PAGE_SIZE));
	/* The channel is gone; what the client sent is still mapped. */
	KUNIT_EXPECT_EQ(test, atomic_read(&cu->channels), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(server_map)->revoked, 0ull);
	KUNIT_EXPECT_NOT_NULL(test, ipcsvc_area_page(server_map,
						     IPCSVC_AREA_HEADER_PAGES + 1));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes),
			(long)(HDR_BYTES + 2 * PAGE_SIZE));

	ipcsvc_area_put(server_map);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), (long)HDR_BYTES);
	ipcsvc_area_put(client_map);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cu->bytes), 0l);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&su->bytes), 0l);
	/*
	 * The service's charge is for its name: the server port's shutdown
	 * withdrew it, although this test still holds the object.
	 */
	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 0);
	chan_teardown(&f);
	KUNIT_EXPECT_EQ(test, atomic_read(&su->services), 0);
	ipcsvc_user_put(su);
	ipcsvc_user_put(cu);
	put_cred(server_cred);
	put_cred(client_cred);
}

/* ---- wait, wake, arm ---- */

/*
 * WAIT compares the word and sleeps only while it is equal, for at most
 * the timeout: relative (0 does not sleep) or an absolute CLOCK_MONOTONIC
 * deadline. A wake that came before the wait does not end it.
 */
static void ipcsvc_channel_wait_timeouts(struct kunit *test)
{
	struct chan_fixture f;
	u64 t0;

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 0, false),
			-ETIMEDOUT);
	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 2000000, false),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_get_ns() - t0, 2000000ull);
	t0 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, t0 + 2000000,
						  true), -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_get_ns(), t0 + 2000000);
	/* A deadline already past, or 0. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, t0, true),
			-ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, 0, true),
			-ETIMEDOUT);

	/* A word that differs returns at once, however long the limit. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, 0, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, true), 0);
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 5);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 5, 0, false),
			-ETIMEDOUT);
	/* The consumer's word, seen from the producer's side. */
	WRITE_ONCE(*chan_word(f.sep, IPCSVC_DIR_RX, HEAD), 64);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.cep, IPCSVC_DIR_TX,
						  HEAD, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.cep, IPCSVC_DIR_TX,
						  HEAD, 64, 0, false),
			-ETIMEDOUT);
	chan_teardown(&f);
}

/*
 * A waiter asleep with a timeout, relative or a deadline, and nothing to
 * wake it: its own timer does, with -ETIMEDOUT, not before the time.
 */
static void ipcsvc_channel_timeout_wakes_sleeper(struct kunit *test)
{
	const s64 wait = NSEC_PER_SEC;
	struct chan_fixture f;
	unsigned int i;

	chan_setup(test, &f);
	for (i = 0; i < 2; i++) {
		struct chan_thread *t = chan_thread_new(test);
		bool abstime = i == 1;
		u64 t0 = ktime_get_ns();

		if (chan_start_waiter(test, t, f.sep, IPCSVC_DIR_RX, PUBLISHED,
				      abstime ? (s64)t0 + wait : wait,
				      abstime)) {
			KUNIT_EXPECT_EQ_MSG(test,
					    chan_waiter_result(test, t, f.cep),
					    -ETIMEDOUT, "abstime %d", abstime);
			KUNIT_EXPECT_GE(test, ktime_get_ns() - t0, (u64)wait);
		}
		if (!t->joined) {
			/* Leave the channel to the stuck thread. */
			chan_thread_free(t);
			return;
		}
		chan_thread_free(t);
	}
	chan_teardown(&f);
}

/*
 * A thread asleep in WAIT wakes when the peer wakes its direction: with
 * 0 after a publish, and with 0 too when the word did not change (the
 * caller looks again).
 */
static void ipcsvc_channel_wake_wakes_sleeper(struct kunit *test)
{
	struct chan_thread *rx = chan_thread_new(test);
	struct chan_thread *tx = chan_thread_new(test);
	struct chan_fixture f;

	chan_setup(test, &f);
	if (chan_start_waiter(test, rx, f.sep, IPCSVC_DIR_RX, PUBLISHED, -1,
			      false)) {
		/* A wake of the other direction is not for it. */
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_RX),
				0);
		msleep(20);
		KUNIT_EXPECT_FALSE(test, completion_done(&rx->done));
		WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 1);
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX),
				0);
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, rx, f.cep), 0);
	}
	if (chan_start_waiter(test, tx, f.cep, IPCSVC_DIR_TX, HEAD,
			      60 * NSEC_PER_SEC, false)) {
		KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX),
				0);
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, tx, f.sep), 0);
	}
	if (rx->joined && tx->joined)
		chan_teardown(&f);
	chan_thread_free(rx);
	chan_thread_free(tx);
}

/*
 * Closing one end wakes every sleeper on the channel, on both areas, with
 * EPIPE: here the server sleeps for a message without limit and for space
 * with one, and another thread closes the client's end.
 */
static void ipcsvc_channel_close_wakes_sleepers(struct kunit *test)
{
	struct chan_thread *rx = chan_thread_new(test);
	struct chan_thread *tx = chan_thread_new(test);
	struct chan_thread *closer = chan_thread_new(test);
	struct ipcsvc_event ev[2];
	struct chan_fixture f;
	bool rx_sleeps, tx_sleeps;

	chan_setup(test, &f);
	rx_sleeps = chan_start_waiter(test, rx, f.sep, IPCSVC_DIR_RX,
				      PUBLISHED, -1, false);
	tx_sleeps = chan_start_waiter(test, tx, f.sep, IPCSVC_DIR_TX, HEAD,
				      60 * NSEC_PER_SEC, false);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, completion_done(&rx->done));
	KUNIT_EXPECT_FALSE(test, completion_done(&tx->done));

	closer->ep = f.cep;
	chan_thread_start(test, closer, chan_closer);
	KUNIT_EXPECT_TRUE(test, chan_thread_join(closer));
	if (rx_sleeps)
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, rx, f.cep),
				-EPIPE);
	if (tx_sleeps)
		KUNIT_EXPECT_EQ(test, chan_waiter_result(test, tx, f.cep),
				-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.sch);
	if (rx->joined && tx->joined && closer->joined)
		chan_teardown(&f);
	chan_thread_free(rx);
	chan_thread_free(tx);
	chan_thread_free(closer);
}

/*
 * A signal ends a sleep: a relative timeout fails with EINTR, since it
 * could not restart without stretching; a wait without limit or with a
 * deadline asks for a restart (ERESTARTSYS, which never reaches
 * userspace).
 */
static void ipcsvc_channel_wait_signal(struct kunit *test)
{
	static const struct {
		s64 timeout;
		bool abstime;
		int ret;
	} cases[] = {
		{ 60 * NSEC_PER_SEC, false, -EINTR },
		{ -1, false, -ERESTARTSYS },
		{ -1, true, -ERESTARTSYS },
		{ S64_MAX, true, -ERESTARTSYS },
	};
	struct chan_fixture f;
	unsigned int i;

	chan_setup(test, &f);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct chan_thread *t = chan_thread_new(test);
		bool sleeps;

		t->allow_sig = SIGUSR1;
		sleeps = chan_start_waiter(test, t, f.sep, IPCSVC_DIR_RX,
					   PUBLISHED, cases[i].timeout,
					   cases[i].abstime);
		if (sleeps) {
			send_sig(SIGUSR1, t->task, 1);
			KUNIT_EXPECT_EQ_MSG(test,
					    chan_waiter_result(test, t, f.cep),
					    cases[i].ret, "case %u", i);
		}
		if (!t->joined) {
			/* Leave the channel to the stuck thread. */
			chan_thread_free(t);
			return;
		}
		chan_thread_free(t);
	}
	chan_teardown(&f);
}

/*
 * After a close: WAIT fails with EPIPE while the word still equals the
 * value (0 if it differs: there is something to read), WAKE and ARM with
 * EPIPE, growth with EPIPE; both identities say closed.
 */
static void ipcsvc_channel_closed_channel(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev;
	unsigned int s;

	chan_setup(test, &f);
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 1);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, f.cch), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, &ev, 1), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev.type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev.a, (u64)f.sch);
	/* Both areas closed; neither revoked, since the client closed. */
	for (s = 0; s < 2; s++) {
		KUNIT_EXPECT_EQ(test,
				ipcsvc_area_identity(f.sep->chan->area[s])->closed,
				1ull);
		KUNIT_EXPECT_EQ(test,
				ipcsvc_area_identity(f.sep->chan->area[s])->revoked,
				0ull);
	}

	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, -1, false),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 1, 0, false),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_RX,
						  PUBLISHED, 0, -1, false), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wait(f.sep, IPCSVC_DIR_TX,
						  HEAD, 0, -1, false), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_TX), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 1), -EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_TX, HEAD, 0),
			-EPIPE);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.sep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), -EPIPE);
	/* The closed end's own calls fail the same way. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), -EPIPE);
	/* Nothing more is raised for the survivor. */
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	chan_teardown(&f);
}

/*
 * ARM raises one event on the peer's next matching wake, or at once if
 * the word already differs; ChannelReadable is armed on RX and fired by
 * the producer's TX wake, ChannelWritable the other way round.
 */
static void ipcsvc_channel_arm_one_shot(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];

	chan_setup(test, &f);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	/* The wrong direction's wake leaves it armed. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_RX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.sch);
	/* Disarmed by firing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	/* Armed on a word that already moved: raised at once. */
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 3);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 2), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_READABLE);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	/* Writable is armed by the sender and fired by the receiver. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_TX,
						 HEAD, 0), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)1);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_CHANNEL_WRITABLE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);

	/* An end that closes drops its arming: nothing fires later. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	ipcsvc_endpoint_close(f.cep, IPCSVC_REASON_CLOSED);
	KUNIT_EXPECT_EQ(test, f.cep->armed, 0u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.client), 0u);
	chan_teardown(&f);
}

/*
 * The armed and fired counts the peer's library reads in the identity:
 * one more arming each time an event goes from unarmed to armed, and the
 * fired count catching up when it fires, by a wake or at once.
 */
static void ipcsvc_channel_arm_counts(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];
	struct ipcsvc_area_identity *rd, *wr;

	chan_setup(test, &f);
	/* ChannelReadable of the server: the client-to-server area */
	rd = ipcsvc_area_identity(ipcsvc_endpoint_area(f.sep, IPCSVC_DIR_RX));
	/* ChannelWritable of the client: the same area */
	wr = ipcsvc_area_identity(ipcsvc_endpoint_area(f.cep, IPCSVC_DIR_TX));
	KUNIT_ASSERT_PTR_EQ(test, rd, wr);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 0ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 0ull);

	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 0ull);
	/* Armed again before it fired: still one arming pending. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 0), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 1ull);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);
	/* Nothing pending: a wake changes nothing. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 1ull);
	/* Fired by the arming itself: both counts move together. */
	WRITE_ONCE(*chan_word(f.cep, IPCSVC_DIR_TX, PUBLISHED), 5);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.sep, IPCSVC_DIR_RX,
						 PUBLISHED, 4), 0);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 2ull);
	KUNIT_EXPECT_EQ(test, rd->readable_fired, 2ull);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.server, ev, 2), (size_t)1);

	/* ChannelWritable counts apart from ChannelReadable's. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_arm(f.cep, IPCSVC_DIR_TX,
						 HEAD, 0), 0);
	KUNIT_EXPECT_EQ(test, wr->writable_armed, 1ull);
	KUNIT_EXPECT_EQ(test, wr->writable_fired, 0ull);
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.sep, IPCSVC_DIR_RX), 0);
	KUNIT_EXPECT_EQ(test, wr->writable_fired, 1ull);
	KUNIT_EXPECT_EQ(test, rd->readable_armed, 2ull);
	chan_teardown(&f);
}

/* ---- teardown ---- */

/*
 * Closing the service: the accepted channel stays up and its client gets
 * ServiceGone; the channel the server has not accepted is closed, and the
 * server never hears of it.
 */
static void ipcsvc_channel_service_close(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c2;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 1);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 3u);

	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, f.svc_h), 0);
	KUNIT_EXPECT_FALSE(test, f.svc->registered);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 1);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 1u);
	KUNIT_EXPECT_EQ(test, ipcsvc_event_count(f.server), 0u);

	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 4), (size_t)3);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[1].a, (u64)c2);
	KUNIT_EXPECT_EQ(test, ev[2].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_EXPECT_EQ(test, ev[2].a, (u64)c2);

	/* The accepted channel outlives its service. */
	KUNIT_EXPECT_EQ(test, ipcsvc_channel_wake(f.cep, IPCSVC_DIR_TX), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_area_grow(ipcsvc_endpoint_area(f.cep,
								    IPCSVC_DIR_TX),
					       PAGE_SIZE), 0);
	/* The name is free at once. */
	KUNIT_EXPECT_NULL(test, ipcsvc_service_lookup(f.ns, SVC_NAME,
						      strlen(SVC_NAME)));
	KUNIT_EXPECT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), -ENOENT);
	chan_teardown(&f);
}

/*
 * The same when the client of the unaccepted channel has already gone:
 * the server must still not hear of a channel of a closed service, whose
 * handle number a new service could be given.
 */
static void ipcsvc_channel_service_close_after_client(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[4];
	u32 c2, svc2;
	size_t n, i;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.client, c2), 0);
	KUNIT_EXPECT_EQ(test, ipcsvc_port_close_handle(f.server, f.svc_h), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_kunit_service(f.server, "kunit.chan2",
						   &svc2), 0);
	KUNIT_EXPECT_EQ(test, svc2, f.svc_h);
	n = ipcsvc_event_take(f.server, ev, ARRAY_SIZE(ev));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_NE_MSG(test, ev[i].type,
				    (u32)IPCSVC_EVENT_SERVICE_CONNECTED,
				    "ServiceConnected for handle %llu of a closed service",
				    ev[i].a & U32_MAX);
	KUNIT_EXPECT_EQ(test, n, (size_t)0);
	KUNIT_EXPECT_EQ(test, f.server->nr_handles, 2u);
	chan_teardown(&f);
}

/* A port going away (file release) closes its ends: peers learn it. */
static void ipcsvc_channel_server_port_release(struct kunit *test)
{
	struct chan_fixture f;
	struct ipcsvc_event ev[2];
	u32 c2;

	chan_setup(test, &f);
	KUNIT_ASSERT_EQ(test, chan_connect_h(f.client, SVC_NAME, &c2), 0);
	ipcsvc_kunit_port_done(f.server);
	f.server = NULL;
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_open), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f.svc->nr_unaccepted), 0);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)f.cch);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f.client, ev, 2), (size_t)2);
	KUNIT_EXPECT_EQ(test, ev[0].type, (u32)IPCSVC_EVENT_PEER_CLOSED);
	KUNIT_EXPECT_EQ(test, ev[0].a, (u64)c2);
	KUNIT_EXPECT_EQ(test, ev[1].type, (u32)IPCSVC_EVENT_SERVICE_GONE);
	/* The survivor's end holds no reference on the dead port. */
	KUNIT_EXPECT_NULL(test, f.sep->port);
	/* The server's replies are revoked, the client's requests are not. */
	KUNIT_EXPECT_TRUE(test, f.cep->chan->area[IPCSVC_SIDE_SERVER]->revoked);
	KUNIT_EXPECT_FALSE(test, f.cep->chan->area[IPCSVC_SIDE_CLIENT]->revoked);
	chan_teardown(&f);
}

/* identity.closed of both areas: 0 while open, set by closing either end. */
static void ipcsvc_channel_closed_flag(struct kunit *test)
{
	struct ipcsvc_area *area[2];
	struct chan_fixture f;
	int round, s;

	for (round = 0; round < 2; round++) {
		chan_setup(test, &f);
		for (s = 0; s < 2; s++) {
			area[s] = f.cep->chan->area[s];
			ipcsvc_area_get(area[s]);
			KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(area[s])->closed,
					0ull);
		}
		if (round == 0) {
			/* The client closes its handle. */
			KUNIT_EXPECT_EQ(test,
					ipcsvc_port_close_handle(f.client, f.cch),
					0);
		} else {
			/* The server's port goes away, as when it dies. */
			ipcsvc_kunit_port_done(f.server);
			f.server = NULL;
		}
		for (s = 0; s < 2; s++) {
			KUNIT_EXPECT_EQ(test, ipcsvc_area_identity(area[s])->closed,
					1ull);
			KUNIT_EXPECT_TRUE(test, READ_ONCE(area[s]->dead));
		}
		chan_teardown(&f);
		for (s = 0; s < 2; s++)
			ipcsvc_area_put(area[s]);
	}
}

/*
 * PEER_CREDS: each end sees the other's pid and effective ids as of the
 * connect, and pid 0 once the peer process is gone.
 */
static void ipcsvc_channel_peer_creds_as_connected(struct kunit *test)
{
	struct cred *cred = ipcsvc_kunit_creds(test, 90501);
	struct chan_thread *maker = chan_thread_new(test);
	struct ipcsvc_peer_creds pc;
	struct chan_fixture f = { };
	unsigned long end = jiffies + 10 * HZ;
	const struct cred *old;
	struct ipcsvc_hobj *obj;
	bool gone;
	int ret;

	/* The service is made by a thread that is gone by the connect. */
	f.ns = ipcsvc_kunit_ns(test);
	f.server = ipcsvc_kunit_port(test, f.ns);
	f.client = ipcsvc_kunit_port(test, f.ns);
	maker->port = f.server;
	chan_thread_start(test, maker, chan_service_maker);
	KUNIT_ASSERT_TRUE(test, chan_thread_join(maker));
	KUNIT_ASSERT_EQ(test, maker->ret, 0);
	f.svc_h = maker->handle;
	chan_thread_free(maker);
	f.svc = ipcsvc_service_lookup(f.ns, SVC_NAME, strlen(SVC_NAME));
	KUNIT_ASSERT_NOT_NULL(test, f.svc);
	f.svc->mode = 0606;
	/* Reaped, not just exited: its pid has no task. */
	for (;;) {
		rcu_read_lock();
		gone = !pid_has_task(f.svc->pid, PIDTYPE_TGID);
		rcu_read_unlock();
		if (gone || time_after(jiffies, end))
			break;
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_TRUE(test, gone);

	old = override_creds(cred);
	ret = chan_connect(f.client, SVC_NAME, 3, 0, 0, &f.cch, &obj);
	revert_creds(old);
	KUNIT_ASSERT_EQ(test, ret, 0);
	f.cep = ipcsvc_to_ep(obj);
	f.sch = chan_accept(test, &f);
	f.sep = chan_ep(test, f.server, f.sch);

	memset(&pc, 0xcc, sizeof(pc));
	ipcsvc_channel_peer_creds(f.sep, f.server, &pc);
	KUNIT_EXPECT_EQ(test, pc.pid, (u32)task_tgid_nr(current));
	KUNIT_EXPECT_EQ(test, pc.uid, 90501u);
	KUNIT_EXPECT_EQ(test, pc.gid, 90501u);
	KUNIT_EXPECT_EQ(test, pc.version, 3ull);

	memset(&pc, 0xcc, sizeof(pc));
	ipcsvc_channel_peer_creds(f.cep, f.client, &pc);
	KUNIT_EXPECT_EQ(test, pc.pid, 0u);
	KUNIT_EXPECT_EQ(test, pc.uid, 0u);
	KUNIT_EXPECT_EQ(test, pc.gid, 0u);
	KUNIT_EXPECT_EQ(test, pc.version, 3ull);
	chan_teardown(&f);
	put_cred(cred);
}

static struct kunit_case ipcsvc_channel_cases[] = {
	KUNIT_CASE(ipcsvc_channel_connect_event),
	KUNIT_CASE(ipcsvc_channel_connect_sizes),
	KUNIT_CASE(ipcsvc_channel_connect_refused),
	KUNIT_CASE(ipcsvc_channel_connect_dac_override),
	KUNIT_CASE(ipcsvc_channel_connect_limits),
	KUNIT_CASE(ipcsvc_channel_connect_quota_and_tables),
	KUNIT_CASE(ipcsvc_channel_connect_undo),
	KUNIT_CASE(ipcsvc_channel_charges),
	KUNIT_CASE(ipcsvc_channel_wait_timeouts),
	KUNIT_CASE(ipcsvc_channel_wake_wakes_sleeper),
	KUNIT_CASE(ipcsvc_channel_timeout_wakes_sleeper),
	KUNIT_CASE(ipcsvc_channel_close_wakes_sleepers),
	KUNIT_CASE(ipcsvc_channel_wait_signal),
	KUNIT_CASE(ipcsvc_channel_closed_channel),
	KUNIT_CASE(ipcsvc_channel_arm_one_shot),
	KUNIT_CASE(ipcsvc_channel_arm_counts),
	KUNIT_CASE(ipcsvc_channel_service_close),
	KUNIT_CASE(ipcsvc_channel_service_close_after_client),
	KUNIT_CASE(ipcsvc_channel_server_port_release),
	KUNIT_CASE(ipcsvc_channel_closed_flag),
	KUNIT_CASE(ipcsvc_channel_peer_creds_as_connected),
	{}
};

static struct kunit_suite ipcsvc_channel_suite = {
	.name = "ipcsvc_channel",
	.suite_init = ipcsvc_kunit_suite_init,
	.suite_exit = ipcsvc_kunit_suite_exit,
	.test_cases = ipcsvc_channel_cases,
};

kunit_test_suite(ipcsvc_channel_suite);
