// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mailboxes: a bounded lock-free queue of IPC_QUEUE_SIZE fixed-size
 * messages, for any number of senders and receivers.
 *
 * Each slot carries a sequence number that says whose turn it is. For the
 * position pos (counting from 0 for ever; slot pos % IPC_QUEUE_SIZE):
 *   seq == pos                      the slot is free for the sender of pos
 *   seq == pos + 1                  it holds the message sent at pos
 *   seq == pos + IPC_QUEUE_SIZE     the receiver of pos is done with it,
 *                                   so it is free for pos + IPC_QUEUE_SIZE
 * Senders claim a position by moving tail with compare-and-swap, receivers
 * by moving head. No lock: a thread that stops in the middle only holds up
 * its own slot. Values read from the queue are checked against these rules,
 * so a queue scribbled over by a peer gives IPC_STATUS_CORRUPT rather than
 * a loop without end.
 */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

#define QN		((uint64_t)IPC_QUEUE_SIZE)
/*
 * Looks at the queue before giving up on it. A state the rules do not allow
 * is looked at again (a value read early may be stale on a weakly ordered
 * machine) and declared corrupt only if it persists; lost compare-and-swaps
 * count too, but each of those means another thread made progress.
 */
#define RETRY_LIMIT	(1U << 16)
#define MAILBOX_SPINS	64U

static ipc_status_t mbox_init(struct ipc_queue *q, bool shared)
{
	if (!q)
		return IPC_STATUS_INVALID;
	STORE_RELAXED(&q->magic, 0);
	memset((char *)q + sizeof(q->magic), 0, sizeof(*q) - sizeof(q->magic));
	for (uint64_t i = 0; i < QN; i++)
		q->slot[i].seq = i;
	q->shared = shared;
	/* pairs with the acquire of magic in mbox_usable() */
	STORE_RELEASE(&q->magic, IPC_QUEUE_MAGIC);
	return IPC_STATUS_SUCCESS;
}

ipc_status_t ipc_queue_init(struct ipc_queue *q)
{
	return mbox_init(q, false);
}

ipc_status_t ipc_queue_init_shared(struct ipc_queue *q)
{
	return mbox_init(q, true);
}

/* Can @q and @m be used at all? */
static bool mbox_usable(struct ipc_queue *q, const void *m)
{
	/* pairs with the release of magic in mbox_init() */
	return q && m && LOAD_ACQUIRE(&q->magic) == IPC_QUEUE_MAGIC;
}

static bool mbox_shared(struct ipc_queue *q)
{
	return LOAD_RELAXED(&q->shared) != 0;
}

static void mbox_signal(struct ipc_queue *q, uint32_t *word, uint32_t *waiters)
{
	/* seq_cst: pairs with the seq_cst load of the word and increment of
	 * the waiters count in mbox_wait(): either the waiter sees the word
	 * change, or we see the waiter */
	atomic_fetch_add(ATOMIC_PTR(word), 1);
	if (LOAD_SEQCST(waiters))
		ipcsvc__futex_wake(word, mbox_shared(q));
}

static ipc_status_t try_send(struct ipc_queue *q, const struct ipc_message *m)
{
	uint64_t pos = LOAD_RELAXED(&q->tail);

	for (unsigned int i = 0; i < RETRY_LIMIT; i++) {
		struct ipc_queue_slot *s = &q->slot[pos % QN];
		/* pairs with the release of seq in try_recv(): the previous
		 * receiver of this slot is done reading it */
		uint64_t seq = LOAD_ACQUIRE(&s->seq);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (!atomic_compare_exchange_weak_explicit(
					ATOMIC_PTR(&q->tail), &pos, pos + 1,
					memory_order_relaxed,
					memory_order_relaxed))
				continue;
			STORE_RELAXED(&s->msg.type, m->type);
			STORE_RELAXED(&s->msg.a, m->a);
			STORE_RELAXED(&s->msg.b, m->b);
			STORE_RELAXED(&s->msg.c, m->c);
			/* pairs with the acquire of seq in try_recv() */
			STORE_RELEASE(&s->seq, pos + 1);
			mbox_signal(q, &q->msgs_word, &q->recv_waiters);
			return IPC_STATUS_SUCCESS;
		}
		/* Taken a lap ago: not yet received (seq == pos - QN + 1)
		 * or still being written (seq == pos - QN). */
		if (dif == -(int64_t)QN || dif == -(int64_t)QN + 1)
			return IPC_STATUS_FULL;
		/* Otherwise another sender took pos and tail has moved on;
		 * anything else is a state the rules do not allow. */
		pos = LOAD_RELAXED(&q->tail);
	}
	return IPC_STATUS_CORRUPT;
}

static ipc_status_t try_recv(struct ipc_queue *q, struct ipc_message *m)
{
	uint64_t pos = LOAD_RELAXED(&q->head);

	for (unsigned int i = 0; i < RETRY_LIMIT; i++) {
		struct ipc_queue_slot *s = &q->slot[pos % QN];
		/* pairs with the release of seq in try_send(): the message is
		 * complete */
		uint64_t seq = LOAD_ACQUIRE(&s->seq);
		int64_t dif = (int64_t)(seq - (pos + 1));

		if (dif == 0) {
			struct ipc_message tmp;

			if (!atomic_compare_exchange_weak_explicit(
					ATOMIC_PTR(&q->head), &pos, pos + 1,
					memory_order_relaxed,
					memory_order_relaxed))
				continue;
			memset(&tmp, 0, sizeof(tmp));
			tmp.type = LOAD_RELAXED(&s->msg.type);
			tmp.a = LOAD_RELAXED(&s->msg.a);
			tmp.b = LOAD_RELAXED(&s->msg.b);
			tmp.c = LOAD_RELAXED(&s->msg.c);
			/* pairs with the acquire of seq in try_send(): we are
			 * done with the slot */
			STORE_RELEASE(&s->seq, pos + QN);
			*m = tmp;
			mbox_signal(q, &q->slots_word, &q->send_waiters);
			return IPC_STATUS_SUCCESS;
		}
		/* Nothing sent at pos yet (seq == pos), or the receiver of
		 * pos - QN is still copying its message out (seq == pos -
		 * QN + 1), so the sender of pos cannot even start. */
		if (dif == -1 || dif == -(int64_t)QN)
			return IPC_STATUS_EMPTY;
		/* Otherwise another receiver took pos; look again. */
		pos = LOAD_RELAXED(&q->head);
	}
	return IPC_STATUS_CORRUPT;
}

ipc_status_t ipc_queue_send(struct ipc_queue *q, const struct ipc_message *m)
{
	return mbox_usable(q, m) ? try_send(q, m) : IPC_STATUS_INVALID;
}

ipc_status_t ipc_queue_recv(struct ipc_queue *q, struct ipc_message *m)
{
	return mbox_usable(q, m) ? try_recv(q, m) : IPC_STATUS_INVALID;
}

/*
 * Wait until @op moves a message (it returns IPC_STATUS_FULL or _EMPTY,
 * both 0, while it cannot): poll a little, then sleep on @word, which the
 * other side bumps after each operation. The polls read no clock when
 * the timeout lets them come first (ipcsvc__timeout_spins_first()), as a
 * channel's receive does; otherwise the clock is read once before them.
 */
static ipc_status_t mbox_wait(struct ipc_queue *q, uint32_t *word,
			      uint32_t *waiters,
			      ipc_status_t (*op)(struct ipc_queue *, void *),
			      void *m, ipcsvc_timeout_t timeout)
{
	const ipc_status_t busy = IPC_STATUS_EMPTY;	/* == IPC_STATUS_FULL */
	struct ipcsvc_deadline d = { .set = false };
	ipc_status_t rc;

	if (!ipcsvc__timeout_valid(timeout))
		return IPC_STATUS_INVALID;
	rc = op(q, m);
	if (rc != busy)
		return rc;
	if (!ipcsvc__timeout_spins_first(timeout)) {
		ipcsvc__deadline_init(&d, timeout);
		if (ipcsvc__deadline_passed(&d))
			return IPC_STATUS_TIMEOUT;
	}
	for (unsigned int spins = 0; spins < MAILBOX_SPINS; spins++) {
		cpu_relax();
		rc = op(q, m);
		if (rc != busy)
			return rc;
	}
	if (!d.set)
		ipcsvc__deadline_init(&d, timeout);
	for (;;) {
		uint32_t seen;
		int w;

		if (ipcsvc__deadline_passed(&d))
			return IPC_STATUS_TIMEOUT;
		/* seq_cst: pairs with the increment in mbox_signal() */
		seen = LOAD_SEQCST(word);
		/* seq_cst: pairs with the load of waiters in mbox_signal() */
		atomic_fetch_add(ATOMIC_PTR(waiters), 1);
		rc = op(q, m);
		if (rc != busy) {
			atomic_fetch_sub(ATOMIC_PTR(waiters), 1);
			return rc;
		}
		w = ipcsvc__futex_wait(word, seen, mbox_shared(q), &d);
		atomic_fetch_sub(ATOMIC_PTR(waiters), 1);
		if (w && w != -ETIMEDOUT && w != -EINTR)
			return (ipc_status_t)w;
		rc = op(q, m);
		if (rc != busy)
			return rc;
	}
}

static ipc_status_t send_op(struct ipc_queue *q, void *m)
{
	return try_send(q, m);
}

static ipc_status_t recv_op(struct ipc_queue *q, void *m)
{
	return try_recv(q, m);
}

ipc_status_t ipc_queue_send_timeout(struct ipc_queue *q,
				    const struct ipc_message *m,
				    ipcsvc_timeout_t timeout)
{
	if (!mbox_usable(q, m))
		return IPC_STATUS_INVALID;
	return mbox_wait(q, &q->slots_word, &q->send_waiters, send_op,
			 (void *)m, timeout);
}

ipc_status_t ipc_queue_recv_timeout(struct ipc_queue *q, struct ipc_message *m,
				    ipcsvc_timeout_t timeout)
{
	if (!mbox_usable(q, m))
		return IPC_STATUS_INVALID;
	return mbox_wait(q, &q->msgs_word, &q->recv_waiters, recv_op, m,
			 timeout);
}

ipc_status_t ipc_queue_send_blocking(struct ipc_queue *q,
				     const struct ipc_message *m)
{
	return ipc_queue_send_timeout(q, m, ipcsvc_timeout_never());
}

ipc_status_t ipc_queue_recv_blocking(struct ipc_queue *q, struct ipc_message *m)
{
	return ipc_queue_recv_timeout(q, m, ipcsvc_timeout_never());
}

ipc_status_t ipc_send(struct ipc_queue *q, const struct ipc_message *m)
{
	return ipc_queue_send_blocking(q, m);
}

ipc_status_t ipc_recv(struct ipc_queue *q, struct ipc_message *m)
{
	return ipc_queue_recv_blocking(q, m);
}

ipc_status_t ipc_recv_t(struct ipc_queue *q, struct ipc_message *m,
			unsigned int tries)
{
	ipc_status_t rc;

	if (!mbox_usable(q, m))
		return IPC_STATUS_INVALID;
	for (unsigned int i = 0;; i++) {
		rc = try_recv(q, m);
		if (rc != IPC_STATUS_EMPTY)
			return rc;
		if (i >= tries)
			return IPC_STATUS_TIMEOUT;
		sched_yield();
	}
}

const char *ipc_status_str(ipc_status_t st)
{
	switch (st) {
	case IPC_STATUS_SUCCESS:
		return "success";
	case IPC_STATUS_EMPTY:		/* == IPC_STATUS_FULL */
		return "nothing moved: the mailbox is empty (receive) or full (send)";
	default:
		return ipcsvc_strerror((int)st);
	}
}
