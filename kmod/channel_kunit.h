/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the channel suites (channel_test.c: connect and what it
 * charges; channel_wait_test.c: wait/wake/arm with sleeping threads, and
 * teardown): a fixture of a service and one accepted channel over a
 * private registry key, and kernel threads that sleep in the wait path.
 */
#ifndef IPCSVC_CHANNEL_KUNIT_H
#define IPCSVC_CHANNEL_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>

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

int chan_connect(struct ipcsvc_port *port, const char *name, u64 version,
		 u64 to_server, u64 to_client, u32 *handle,
		 struct ipcsvc_hobj **objp);
int chan_connect_h(struct ipcsvc_port *port, const char *name,
		   u32 *handle);
void chan_service(struct kunit *test, struct chan_fixture *f,
		  const struct ipcsvc_service_params *p);
u32 chan_accept(struct kunit *test, struct chan_fixture *f);
struct ipcsvc_endpoint *chan_ep(struct kunit *test,
				struct ipcsvc_port *port, u32 handle);
void chan_setup(struct kunit *test, struct chan_fixture *f);
void chan_teardown(struct chan_fixture *f);
u64 *chan_word(struct ipcsvc_endpoint *ep, u32 dir, u64 offset);
struct chan_thread *chan_thread_new(struct kunit *test);
void chan_thread_free(struct chan_thread *t);
void chan_thread_start(struct kunit *test, struct chan_thread *t,
		       int (*fn)(struct chan_thread *t));
bool chan_thread_join(struct chan_thread *t);
bool chan_thread_sleeps_on(struct chan_thread *t,
			   struct wait_queue_head *wq);
int chan_waiter(struct chan_thread *t);
int chan_closer(struct chan_thread *t);
int chan_service_maker(struct chan_thread *t);
bool chan_start_waiter(struct kunit *test, struct chan_thread *t,
		       struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
		       s64 timeout, bool abstime);
int chan_waiter_result(struct kunit *test, struct chan_thread *t,
		       struct ipcsvc_endpoint *peer);

#endif /* IPCSVC_CHANNEL_KUNIT_H */
