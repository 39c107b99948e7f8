// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sync calls: send a request, wait for the reply with the same MessageId.
 *
 * Several calls may be outstanding on one channel, from several threads.
 * Each call registers its id in the channel's call state and sends its
 * request. Then one of the waiting calls at a time is the receiver: it
 * receives messages and hands each to the call whose id it carries, waking
 * the others through a condition variable. A call whose reply came in
 * returns it; when the receiver's own reply comes (or its deadline passes)
 * it gives up the role and another waiting call takes it. The engine
 * receives in order, so a reply for a call that is not the receiver waits,
 * received, in that call's record until the call picks it up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

struct call {
	struct call *next;
	uint64_t id;
	struct ipcsvc_msg *reply;	/* set with done, unless err */
	int err;
	bool done;
};

struct ipcsvc_calls {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct call *calls;		/* outstanding, oldest last */
	bool receiving;			/* a call is receiving */
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

static void call_unlink(struct ipcsvc_calls *calls, struct call *c)
{
	for (struct call **pp = &calls->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* Hand @m to the oldest waiting call with its id; false if there is none. */
static bool deliver(struct ipcsvc_calls *calls, struct ipcsvc_msg *m)
{
	struct ipcsvc_msg_info info;
	struct call *match = NULL;

	if (ipcsvc_msg_info(m, &info))
		return false;
	for (struct call *c = calls->calls; c; c = c->next)
		if (!c->done && c->id == info.id)
			match = c;	/* the list is newest first */
	if (!match)
		return false;
	match->reply = m;
	match->done = true;
	return true;
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
 * Give up receiving for a while, at most 1 ms and not past @d: woken
 * early by any change of the calls' state. Called with the lock held.
 */
static void backoff(struct ipcsvc_calls *calls, const struct ipcsvc_deadline *d)
{
	uint64_t at = ipcsvc__now_ns() + 1000000;
	struct timespec ts;

	if (!d->forever && d->at_ns < at)
		at = d->at_ns;
	ts.tv_sec = (time_t)(at / 1000000000ULL);
	ts.tv_nsec = (long)(at % 1000000000ULL);
	pthread_cond_timedwait(&calls->cond, &calls->lock, &ts);
}

/* The call's own deadline, for the receives it makes. */
static ipcsvc_timeout_t until(const struct ipcsvc_deadline *d)
{
	return d->forever ? ipcsvc_timeout_never() :
			    ipcsvc_timeout_at((int64_t)d->at_ns);
}

int ipcsvc_channel_call(struct ipcsvc_channel *ch, struct ipcsvc_msg *req,
			struct ipcsvc_msg **replyp, ipcsvc_timeout_t timeout)
{
	struct ipcsvc_calls *calls;
	struct ipcsvc_msg_info info;
	struct ipcsvc_deadline d;
	struct call me = { 0 };
	int rc;

	if (!replyp)
		return -EINVAL;
	*replyp = NULL;
	if (!ch || !req)
		return -EINVAL;
	rc = ipcsvc_msg_info(req, &info);
	if (!rc)
		rc = ipcsvc__deadline_init(&d, timeout);
	if (rc)
		return rc;
	calls = calls_get(ch);
	if (!calls)
		return -ENOMEM;
	me.id = info.id;

	/* Registered before the request leaves, so the reply finds us. */
	pthread_mutex_lock(&calls->lock);
	me.next = calls->calls;
	calls->calls = &me;
	pthread_mutex_unlock(&calls->lock);

	rc = ipcsvc_channel_send(ch, req);
	pthread_mutex_lock(&calls->lock);
	if (rc) {
		me.err = rc;
		me.done = true;
	}
	while (!me.done) {
		if (!calls->receiving) {
			struct ipcsvc_msg *m;

			calls->receiving = true;
			pthread_mutex_unlock(&calls->lock);
			rc = ipcsvc_channel_receive_timeout(ch, &m, until(&d));
			pthread_mutex_lock(&calls->lock);
			calls->receiving = false;
			if (!rc) {
				if (!deliver(calls, m)) {
					/* nobody waits for it: drop it */
					pthread_mutex_unlock(&calls->lock);
					ipcsvc_channel_release(ch, m);
					pthread_mutex_lock(&calls->lock);
				}
			} else if (rc == -EPIPE || rc == -EBADMSG) {
				fail_all(calls, rc);
			} else if (rc == -ENOBUFS && !me.done &&
				   !ipcsvc__deadline_passed(&d)) {
				/*
				 * This side holds 64 received messages: replies
				 * handed to calls, or to their callers, and not
				 * released yet. Like a sender's slots, they come
				 * back when their holders release them: let the
				 * others run, then try again, until our deadline
				 * (where the call fails with -ENOBUFS).
				 */
				pthread_cond_broadcast(&calls->cond);
				backoff(calls, &d);
				continue;
			} else if (!me.done) {
				/* -ETIMEDOUT (ours), -ENOBUFS, ... */
				me.err = rc;
				me.done = true;
			}
			/* Wake the call the message was for, and let another
			 * take over receiving if we are done. */
			pthread_cond_broadcast(&calls->cond);
			continue;
		}
		if (d.forever) {
			pthread_cond_wait(&calls->cond, &calls->lock);
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(d.at_ns / 1000000000ULL),
				.tv_nsec = (long)(d.at_ns % 1000000000ULL),
			};

			if (pthread_cond_timedwait(&calls->cond, &calls->lock,
						   &ts) == ETIMEDOUT &&
			    !me.done) {
				me.err = -ETIMEDOUT;
				me.done = true;
			}
		}
	}
	call_unlink(calls, &me);
	pthread_mutex_unlock(&calls->lock);
	if (me.err)
		return me.err;
	*replyp = me.reply;
	return 0;
}
