// SPDX-License-Identifier: GPL-2.0
/*
 * The channel suites' helpers (channel_kunit.h): the fixture, and kernel
 * threads that run one function and can be left behind by a failing test.
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

#include "channel_kunit.h"

int chan_connect(struct ipcsvc_port *port, const char *name, u64 version,
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
int chan_connect_h(struct ipcsvc_port *port, const char *name,
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
void chan_service(struct kunit *test, struct chan_fixture *f,
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
u32 chan_accept(struct kunit *test, struct chan_fixture *f)
{
	struct ipcsvc_event ev;

	KUNIT_ASSERT_EQ(test, ipcsvc_event_take(f->server, &ev, 1), (size_t)1);
	KUNIT_ASSERT_EQ(test, ev.type, (u32)IPCSVC_EVENT_SERVICE_CONNECTED);
	KUNIT_EXPECT_EQ(test, ev.a & U32_MAX, (u64)f->svc_h);
	return ev.b;
}

struct ipcsvc_endpoint *chan_ep(struct kunit *test,
				struct ipcsvc_port *port, u32 handle)
{
	struct ipcsvc_hobj *h = ipcsvc_port_lookup(port, handle,
						   IPCSVC_H_CHANNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(h));
	return ipcsvc_to_ep(h);
}

/* The service, one channel, accepted; both ends looked up. */
void chan_setup(struct kunit *test, struct chan_fixture *f)
{
	struct ipcsvc_hobj *obj;

	chan_service(test, f, NULL);
	KUNIT_ASSERT_EQ(test, chan_connect(f->client, SVC_NAME, 3, 0, 0,
					   &f->cch, &obj), 0);
	f->cep = ipcsvc_to_ep(obj);
	f->sch = chan_accept(test, f);
	f->sep = chan_ep(test, f->server, f->sch);
}

void chan_teardown(struct chan_fixture *f)
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
u64 *chan_word(struct ipcsvc_endpoint *ep, u32 dir, u64 offset)
{
	struct ipcsvc_area *area = ipcsvc_endpoint_area(ep, dir);
	unsigned int owner = offset >> PAGE_SHIFT == IPCSVC_AREA_PRODUCER_PAGE ?
			     area->side : !area->side;

	return area->hdr->kaddr + (1 + owner) * PAGE_SIZE +
	       offset_in_page(offset);
}

struct chan_thread *chan_thread_new(struct kunit *test)
{
	struct chan_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	init_completion(&t->done);
	return t;
}

/* Free @t unless its thread may still run. */
void chan_thread_free(struct chan_thread *t)
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

void chan_thread_start(struct kunit *test, struct chan_thread *t,
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
bool chan_thread_join(struct chan_thread *t)
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
bool chan_thread_sleeps_on(struct chan_thread *t,
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

int chan_waiter(struct chan_thread *t)
{
	if (t->allow_sig)
		allow_signal(t->allow_sig);
	return ipcsvc_channel_wait(t->ep, t->dir, t->offset, t->value,
				   t->timeout, t->abstime);
}

int chan_closer(struct chan_thread *t)
{
	ipcsvc_endpoint_close(t->ep, IPCSVC_REASON_CLOSED);
	return 0;
}

int chan_service_maker(struct chan_thread *t)
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
bool chan_start_waiter(struct kunit *test, struct chan_thread *t,
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
int chan_waiter_result(struct kunit *test, struct chan_thread *t,
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
