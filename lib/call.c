// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls: requests and replies matched by the correlation id of their call
 * header (include/ipcsvc/call.h, Documentation/abi.md section 9).
 *
 * Several calls may be outstanding on one channel, from several threads,
 * and threads may wait for events on it too. Each call registers its
 * correlation id in the channel's call state and sends its request. Then
 * one waiting thread at a time is the receiver: it receives messages and
 * hands each reply to the call whose id it carries, keeps each message
 * that is not a reply for the event receivers, and wakes the others
 * through a condition variable. A call whose reply came in returns it;
 * when the receiver's own wait ends it gives up the role and another
 * waiting thread takes it. The engine receives in order, so a reply for a
 * call that is not the receiver waits, received, in that call's record
 * until the call picks it up.
 *
 * The usual call finds the role free. It claims the role before sending,
 * so that no other thread can receive its reply, and needs neither the
 * lock nor a record: it sends, receives, and returns the reply it
 * expects. Only when something else arrives first does it register and
 * join the others under the lock.
 *
 * The layer uses the channel only through its public calls and the layer
 * slot (ipcsvc__channel_layer()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/* Messages one side may hold at once (the engine's NSLOTS): the kept
 * events are some of them, so they never number more. */
#define NKEPT	64U

/* A registered call, on its caller's stack; every field under the
 * calls' lock once it is on the list. */
struct call {
	struct call *next;
	uint64_t id;
	struct ipcsvc_msg *reply;	/* set with done, unless err */
	int64_t status;			/* the reply's */
	int err;
	bool done;
};

struct ipcsvc_calls {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC; with lock */
	struct call *calls;		/* lock: outstanding, oldest last */
	/* a thread has the receiver role: role_claim(), role_give() */
	atomic_bool receiving;
	/* threads in sleep_for_role(); modified with lock held */
	atomic_uint sleepers;
	_Atomic uint64_t next_id;	/* the next correlation id; no lock */
	/* lock: messages that are not replies, oldest first, for
	 * ipcsvc_call_receive_event() */
	struct ipcsvc_msg *kept[NKEPT];
	unsigned int kept_head, kept_count;	/* lock */
};

static void calls_free(void *state)
{
	struct ipcsvc_calls *calls = state;

	if (!calls)
		return;
	pthread_cond_destroy(&calls->cond);
	pthread_mutex_destroy(&calls->lock);
	free(calls);
}

static struct ipcsvc_calls *calls_get(struct ipcsvc_channel *ch)
{
	struct ipcsvc_calls *calls = ipcsvc__channel_layer(ch);
	pthread_condattr_t ca;

	if (calls)
		return calls;
	calls = calloc(1, sizeof(*calls));
	if (!calls)
		return NULL;
	atomic_init(&calls->next_id, 1);
	if (pthread_condattr_init(&ca)) {
		free(calls);
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&calls->cond, &ca)) {
		pthread_condattr_destroy(&ca);
		free(calls);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&calls->lock, NULL)) {
		pthread_cond_destroy(&calls->cond);
		free(calls);
		return NULL;
	}
	if (!ipcsvc__channel_set_layer(ch, calls, calls_free)) {
		/* Another thread installed its own first. */
		calls_free(calls);
		calls = ipcsvc__channel_layer(ch);
	}
	return calls;
}

/* Put @c on the list, with the lock held: the newest first. */
static void call_link(struct ipcsvc_calls *calls, struct call *c)
{
	c->next = calls->calls;
	calls->calls = c;
}

static void call_unlink(struct ipcsvc_calls *calls, struct call *c)
{
	for (struct call **pp = &calls->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* The channel is unusable for every call: fail them all with @err. */
static void fail_all(struct ipcsvc_calls *calls, int err)
{
	for (struct call *c = calls->calls; c; c = c->next) {
		if (!c->done) {
			c->err = err;
			c->done = true;
		}
	}
}

/*
 * Hand @m, whose call header is @hdr, to the oldest waiting call with its
 * correlation id: false if there is none (a late reply).
 */
static bool deliver(struct ipcsvc_calls *calls, struct ipcsvc_msg *m,
		    const struct ipcsvc_call_header *hdr)
{
	struct call *match = NULL;

	for (struct call *c = calls->calls; c; c = c->next)
		if (!c->done && c->id == hdr->id)
			match = c;	/* the list is newest first */
	if (!match)
		return false;
	match->reply = m;
	match->status = hdr->status;
	match->done = true;
	return true;
}

static bool keep(struct ipcsvc_calls *calls, struct ipcsvc_msg *m)
{
	if (calls->kept_count == NKEPT)
		return false;	/* cannot happen: the engine holds at most 64 */
	calls->kept[(calls->kept_head + calls->kept_count++) % NKEPT] = m;
	return true;
}

static struct ipcsvc_msg *unkeep(struct ipcsvc_calls *calls)
{
	struct ipcsvc_msg *m = calls->kept[calls->kept_head];

	calls->kept_head = (calls->kept_head + 1) % NKEPT;
	calls->kept_count--;
	return m;
}

/* The caller's deadline, for the receives it makes. */
static ipcsvc_timeout_t until(const struct ipcsvc_deadline *d)
{
	return d->forever ? ipcsvc_timeout_never() :
			    ipcsvc_timeout_at((int64_t)d->at_ns);
}

/* Take the receiver role, with the lock held or not: false if taken. */
static bool role_claim(struct ipcsvc_calls *calls)
{
	bool idle = false;

	/* acquire: pairs with the stores of receiving in role_give() and
	 * hand_on(): the last receiver's receives come before ours */
	return atomic_compare_exchange_strong_explicit(&calls->receiving,
						       &idle, true,
						       memory_order_acquire,
						       memory_order_relaxed);
}

/* Give the receiver role up, without the lock: wake whoever waits for it. */
static void role_give(struct ipcsvc_calls *calls)
{
	/*
	 * seq_cst, both: a Dekker pair with sleep_for_role(), which counts
	 * itself in sleepers, then loads receiving. Either it sees the role
	 * free, or we see it counted, and take the lock (which it holds
	 * until it sleeps) to wake it.
	 */
	atomic_store(&calls->receiving, false);
	if (atomic_load(&calls->sleepers)) {
		pthread_mutex_lock(&calls->lock);
		pthread_cond_broadcast(&calls->cond);
		pthread_mutex_unlock(&calls->lock);
	}
}

/*
 * As the receiver, with the lock held, hand on @m, which the receive
 * that returned @rc took: a reply to its call, anything else to the kept
 * events, a late reply to nobody. Gives the role up and wakes every
 * waiter. Returns @rc, or -EBADMSG for a broken message; -EPIPE and
 * -EBADMSG have failed every call.
 */
static int hand_on(struct ipcsvc_calls *calls, struct ipcsvc_channel *ch,
		   struct ipcsvc_msg *m, int rc)
{
	struct ipcsvc_call_header hdr;
	int hrc = 0;

	if (!rc)
		hrc = ipcsvc_call_header(m, &hdr);
	/* release: pairs with the acquire in role_claim(); with the lock
	 * held, no sleeper needs the Dekker pair of role_give() */
	atomic_store_explicit(&calls->receiving, false, memory_order_release);
	if (!rc && (hrc == -EPROTO ? !keep(calls, m) :
		    hrc || !deliver(calls, m, &hdr))) {
		/* a late reply, or a broken one: nobody waits for it */
		pthread_mutex_unlock(&calls->lock);
		ipcsvc_channel_release(ch, m);
		pthread_mutex_lock(&calls->lock);
		if (hrc == -EBADMSG)
			rc = hrc;
	}
	if (rc == -EPIPE || rc == -EBADMSG)
		fail_all(calls, rc);
	/* Wake the thread the message was for, and let another take over
	 * receiving. */
	pthread_cond_broadcast(&calls->cond);
	return rc;
}

/*
 * As the receiver, with the lock held, take one message (waiting until
 * @d) and hand it on. Returns with the lock held and the role given up.
 */
static int receive_one(struct ipcsvc_calls *calls, struct ipcsvc_channel *ch,
		       const struct ipcsvc_deadline *d)
{
	struct ipcsvc_msg *m = NULL;
	int rc;

	pthread_mutex_unlock(&calls->lock);
	rc = ipcsvc_channel_receive_timeout(ch, &m, until(d));
	pthread_mutex_lock(&calls->lock);
	return hand_on(calls, ch, m, rc);
}

/*
 * Sleep until woken or @d passes: -ETIMEDOUT when it passed. With
 * @backoff, at most 1 ms. Called with the lock held.
 */
static int sleep_until(struct ipcsvc_calls *calls,
		       const struct ipcsvc_deadline *d, bool backoff)
{
	uint64_t at = d->at_ns;
	struct timespec ts;

	if (backoff) {
		at = ipcsvc__now_ns() + 1000000;
		if (!d->forever && d->at_ns < at)
			at = d->at_ns;
	} else if (d->forever) {
		pthread_cond_wait(&calls->cond, &calls->lock);
		return 0;
	}
	ts.tv_sec = (time_t)(at / 1000000000ULL);
	ts.tv_nsec = (long)(at % 1000000000ULL);
	if (pthread_cond_timedwait(&calls->cond, &calls->lock, &ts) ==
	    ETIMEDOUT && !backoff)
		return -ETIMEDOUT;
	return 0;
}

/*
 * With the lock held, wait until the receiver role is free, or
 * something was handed on, or @d passes (-ETIMEDOUT).
 */
static int sleep_for_role(struct ipcsvc_calls *calls,
			  const struct ipcsvc_deadline *d)
{
	int rc = 0;

	/* seq_cst, both: see role_give() */
	atomic_fetch_add(&calls->sleepers, 1);
	if (atomic_load(&calls->receiving))
		rc = sleep_until(calls, d, false);
	atomic_fetch_sub_explicit(&calls->sleepers, 1, memory_order_relaxed);
	return rc;
}

/*
 * -ENOBUFS: this side holds 64 received messages: replies handed to
 * calls or to their callers, or kept events, not released yet. Like a
 * sender's slots, they come back when their holders release them: let
 * the others run, then try again, until the deadline (where the wait
 * fails with -ENOBUFS).
 */
static bool retry_later(struct ipcsvc_calls *calls, int rc,
			const struct ipcsvc_deadline *d)
{
	if (rc != -ENOBUFS || ipcsvc__deadline_passed(d))
		return false;
	sleep_until(calls, d, true);
	return true;
}

int ipcsvc_call_header(const struct ipcsvc_msg *msg,
		       struct ipcsvc_call_header *hdr)
{
	struct ipcsvc_object o = { 0 };
	int rc;

	if (!hdr)
		return -EINVAL;
	rc = ipcsvc_msg_next_object(msg, &o);
	if (rc < 0)
		return rc;
	if (rc == 0 || o.id != IPCSVC_CALL_HEADER_ID ||
	    o.length != sizeof(*hdr))
		return -EPROTO;
	/* one copy: the peer may rewrite the original meanwhile */
	memcpy(hdr, o.data, sizeof(*hdr));
	return 0;
}

/* Allocate a message that starts with the call header @hdr. */
static int allocate(struct ipcsvc_channel *ch, uint64_t id, uint64_t size,
		    uint64_t object_count, const struct ipcsvc_call_header *hdr,
		    struct ipcsvc_msg **msgp, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_msg *m;
	int rc;

	/* the engine refuses such sizes too: keep the sums from wrapping */
	if (size > IPCSVC_AREA_MAX_SIZE_LIMIT ||
	    object_count > IPCSVC_AREA_MAX_SIZE_LIMIT)
		return -EMSGSIZE;
	rc = ipcsvc_channel_allocate_for_send_timeout(ch,
			size + IPCSVC_CALL_HEADER_SIZE, id, object_count + 1, 0,
			&m, timeout);
	if (rc)
		return rc;
	/* the first object always fits: the allocation counted it */
	ipcsvc_msg_add_object(m, IPCSVC_CALL_HEADER_ID, hdr, sizeof(*hdr));
	*msgp = m;
	return 0;
}

/*
 * The start every call of this layer shares: clear *@outp, check @ch (and
 * @msg when the call takes one, which must carry a call header: a message
 * of another channel, or a received one, does not) and @timeout, and find
 * the channel's call state. With @d, take @timeout as a deadline now.
 */
static int call_begin(struct ipcsvc_channel *ch, struct ipcsvc_msg **outp,
		      const struct ipcsvc_msg *msg, bool need_msg,
		      struct ipcsvc_call_header *hdr, ipcsvc_timeout_t timeout,
		      struct ipcsvc_deadline *d, struct ipcsvc_calls **callsp)
{
	int rc;

	if (!outp)
		return -EINVAL;
	*outp = NULL;
	if (!ch || (need_msg && (!msg || ipcsvc_call_header(msg, hdr))))
		return -EINVAL;
	if (!d)
		rc = ipcsvc__timeout_valid(timeout) ? 0 : -EINVAL;
	else
		rc = ipcsvc__deadline_init(d, timeout);
	if (rc)
		return rc;
	*callsp = calls_get(ch);
	return *callsp ? 0 : -ENOMEM;
}

int ipcsvc_call_allocate(struct ipcsvc_channel *ch, uint64_t method,
			 uint64_t size, uint64_t object_count,
			 struct ipcsvc_msg **reqp, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_call_header hdr = { 0 };
	struct ipcsvc_calls *calls;
	struct ipcsvc_deadline d;
	int rc;

	rc = call_begin(ch, reqp, NULL, false, NULL, timeout, &d, &calls);
	if (rc)
		return rc;
	/* relaxed: only uniqueness matters, and the counter gives it */
	hdr.id = atomic_fetch_add_explicit(&calls->next_id, 1,
					   memory_order_relaxed);
	hdr.deadline = d.forever ? IPCSVC_CALL_NO_DEADLINE : (int64_t)d.at_ns;
	return allocate(ch, method, size, object_count, &hdr, reqp, until(&d));
}

/* A call's outcome: the reply @reply, or its non-zero @status. */
static int call_result(struct ipcsvc_channel *ch, struct ipcsvc_msg *reply,
		       int64_t status, struct ipcsvc_msg **replyp)
{
	if (status) {
		ipcsvc_channel_release(ch, reply);
		/* a status no errno value has breaks the convention */
		return status < 0 && status >= IPCSVC_CALL_STATUS_MIN ?
		       (int)status : -EPROTO;
	}
	*replyp = reply;
	return 0;
}

int ipcsvc_channel_call(struct ipcsvc_channel *ch, struct ipcsvc_msg *req,
			struct ipcsvc_msg **replyp, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_call_header hdr;
	struct ipcsvc_calls *calls;
	struct ipcsvc_deadline d = { .set = false };
	struct call me = { 0 };
	int rc;

	rc = call_begin(ch, replyp, req, true, &hdr, timeout, NULL, &calls);
	if (rc)
		return rc;
	me.id = hdr.id;

	if (role_claim(calls)) {
		/* No other thread receives until we give the role up. */
		struct ipcsvc_call_header rh;
		struct ipcsvc_msg *m = NULL;

		rc = ipcsvc_channel_send(ch, req);
		if (rc) {
			role_give(calls);
			return rc;
		}
		/* The deadline starts once the request is on its way, and
		 * only if the reply is not back within the first polls:
		 * usually it is, and the call never reads the clock. */
		rc = ipcsvc__channel_receive_until(ch, &m, timeout, &d);
		if (!rc && !ipcsvc_call_header(m, &rh) && rh.id == me.id) {
			role_give(calls);
			return call_result(ch, m, rh.status, replyp);
		}
		if (!d.set)
			ipcsvc__deadline_init(&d, timeout);
		/* Something else came first: hand it on, and wait as the
		 * other calls do. */
		pthread_mutex_lock(&calls->lock);
		call_link(calls, &me);
		rc = hand_on(calls, ch, m, rc);
		if (rc && !me.done && !retry_later(calls, rc, &d)) {
			me.err = rc;
			me.done = true;
		}
	} else {
		/* Registered before the request leaves, so the reply finds
		 * us. The send does not wait, and takes no lock of this
		 * layer: it is made with the lock held, which saves taking
		 * it again. */
		pthread_mutex_lock(&calls->lock);
		call_link(calls, &me);
		rc = ipcsvc_channel_send(ch, req);
		if (rc) {
			me.err = rc;
			me.done = true;
		}
		/* Up to the send nothing waited, but for the lock, which no
		 * thread holds across a wait. */
		ipcsvc__deadline_init(&d, timeout);
	}
	while (!me.done) {
		if (!role_claim(calls)) {
			if (sleep_for_role(calls, &d) && !me.done) {
				me.err = -ETIMEDOUT;
				me.done = true;
			}
			continue;
		}
		rc = receive_one(calls, ch, &d);
		if (rc && !me.done && !retry_later(calls, rc, &d)) {
			/* -ETIMEDOUT (ours), -ENOBUFS at the deadline, ... */
			me.err = rc;
			me.done = true;
		}
	}
	call_unlink(calls, &me);
	pthread_mutex_unlock(&calls->lock);
	if (me.err)
		return me.err;
	return call_result(ch, me.reply, me.status, replyp);
}

int ipcsvc_call_receive_event(struct ipcsvc_channel *ch,
			      struct ipcsvc_msg **msgp,
			      ipcsvc_timeout_t timeout)
{
	struct ipcsvc_calls *calls;
	struct ipcsvc_deadline d;
	int rc;

	rc = call_begin(ch, msgp, NULL, false, NULL, timeout, &d, &calls);
	if (rc)
		return rc;
	pthread_mutex_lock(&calls->lock);
	for (;;) {
		if (calls->kept_count) {
			*msgp = unkeep(calls);
			rc = 0;
			break;
		}
		if (!role_claim(calls)) {
			rc = sleep_for_role(calls, &d);
			/* one more look: the receiver may have kept one */
			if (rc && !calls->kept_count)
				break;
			continue;
		}
		rc = receive_one(calls, ch, &d);
		if (rc && !calls->kept_count && !retry_later(calls, rc, &d))
			break;
	}
	pthread_mutex_unlock(&calls->lock);
	return rc;
}

/* The reply to @req, with the status @status in its call header. */
static int allocate_reply(struct ipcsvc_channel *ch,
			  const struct ipcsvc_msg *req, uint64_t size,
			  uint64_t object_count, int64_t status,
			  struct ipcsvc_msg **replyp, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_call_header hdr;
	struct ipcsvc_msg_info info;
	int rc;

	if (!ch)
		return -EINVAL;
	rc = ipcsvc_msg_info(req, &info);
	if (!rc)
		rc = ipcsvc_call_header(req, &hdr);
	if (rc)
		return rc;
	hdr.status = status;
	return allocate(ch, info.id, size, object_count, &hdr, replyp, timeout);
}

int ipcsvc_call_allocate_reply(struct ipcsvc_channel *ch,
			       const struct ipcsvc_msg *req, uint64_t size,
			       uint64_t object_count, struct ipcsvc_msg **replyp,
			       ipcsvc_timeout_t timeout)
{
	if (!replyp)
		return -EINVAL;
	*replyp = NULL;
	return allocate_reply(ch, req, size, object_count, 0, replyp, timeout);
}

int ipcsvc_call_fail(struct ipcsvc_channel *ch, const struct ipcsvc_msg *req,
		     int status, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_msg *m;
	int rc;

	if (status >= 0 || status < IPCSVC_CALL_STATUS_MIN)
		return -EINVAL;
	rc = allocate_reply(ch, req, 0, 0, status, &m, timeout);
	if (!rc)
		rc = ipcsvc_channel_send(ch, m);
	return rc;
}
