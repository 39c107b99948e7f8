/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc mailboxes: a fixed ring of IPC_QUEUE_SIZE small messages.
 *
 * A mailbox (struct ipc_queue) is lock-free: any number of threads or
 * processes may send and receive at once. It works between the threads of
 * one process when initialised with ipc_queue_init(), and between processes
 * when it lives in memory they share (a MAP_SHARED mapping of a memfd, a
 * file or shmem) and is initialised with ipc_queue_init_shared(). The
 * blocking calls sleep on a futex; the shared kind uses process-shared
 * futexes (no FUTEX_PRIVATE_FLAG).
 *
 * Every call returns an ipc_status_t, whose sign says what happened, as
 * read() and write() do: IPC_STATUS_SUCCESS (1) when the message moved,
 * IPC_STATUS_EMPTY or IPC_STATUS_FULL (both 0) when a non-blocking call
 * found nothing to move, and a negative errno value on failure. So the
 * polling idiom of the source design works as written:
 *
 *	while (!ipc_queue_send(&q, &m))
 *		spin_pause();
 *
 * A message holds pointer-sized words, so processes sharing a mailbox
 * must have the same word size.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_MAILBOX_H
#define IPCSVC_MAILBOX_H

#include <errno.h>
#include <stdint.h>

#include <ipcsvc/api.h>
#include <ipcsvc/timeout.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPC_QUEUE_SIZE	32

/*
 * Message types. The module's events, as ipcsvc_port_read_event() delivers
 * them, have the values of IPCSVC_EVENT_*; the source design's mailbox
 * messages follow; an application numbers its own from IPC_MSG_USER.
 */
enum ipc_msg_type {
	IPC_MSG_NONE = 0,
	IPC_MSG_SERVICE_CONNECTED = 1,	/* IPCSVC_EVENT_SERVICE_CONNECTED */
	IPC_MSG_CHANNEL_READABLE = 2,	/* IPCSVC_EVENT_CHANNEL_READABLE */
	IPC_MSG_CHANNEL_WRITABLE = 3,	/* IPCSVC_EVENT_CHANNEL_WRITABLE */
	IPC_MSG_PEER_CLOSED = 4,	/* IPCSVC_EVENT_PEER_CLOSED */
	IPC_MSG_SERVICE_GONE = 5,	/* IPCSVC_EVENT_SERVICE_GONE */
	IPC_MSG_HEARTBEAT = 16,		/* "I am alive"; no arguments */
	IPC_MSG_USER = 256,		/* the first type free for applications */
};

/**
 * struct ipc_message - one mailbox message
 * @type:	enum ipc_msg_type, or an application's type from IPC_MSG_USER
 * @a:		argument, meaning set by @type
 * @b:		argument, meaning set by @type
 * @c:		argument, meaning set by @type
 */
struct ipc_message {
	uint32_t type;
	uintptr_t a;
	uintptr_t b;
	uintptr_t c;
};

typedef enum ipc_status {
	IPC_STATUS_SUCCESS = 1,			/* the message moved; done */
	IPC_STATUS_EMPTY = 0,			/* receive: no message */
	IPC_STATUS_FULL = 0,			/* send: all slots taken */
	IPC_STATUS_TIMEOUT = -ETIMEDOUT,	/* waited as long as allowed */
	IPC_STATUS_INVALID = -EINVAL,		/* NULL pointer, bad argument */
	IPC_STATUS_CORRUPT = -EBADMSG,		/* the shared state is inconsistent */
	IPC_STATUS_INTERRUPTED = -EINTR,	/* a signal ended the wait */
	IPC_STATUS_PEER_CLOSED = -EPIPE,	/* the other end of a channel is gone */
} ipc_status_t;

/* What a status means, in words; for negative values ipcsvc_strerror(). */
IPCSVC_API const char *ipc_status_str(ipc_status_t st);

/*
 * Let the CPU rest for a moment in a polling loop (the pause instruction
 * on x86, yield on arm64), as the source design's examples do between
 * tries. A program with its own spin_pause() defines IPC_NO_SPIN_PAUSE.
 */
#ifndef IPC_NO_SPIN_PAUSE
static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}
#endif /* IPC_NO_SPIN_PAUSE */

/* One slot. @seq says whose turn it is (see Documentation/library.md). */
struct ipc_queue_slot {
	uint64_t seq;
	struct ipc_message msg;
};

/**
 * struct ipc_queue - a mailbox; treat every field as private
 * @magic:	IPC_QUEUE_MAGIC once initialised
 * @shared:	1 when initialised for use between processes
 * @msgs_word:	futex word: bumped after every send; receivers sleep on it
 * @slots_word:	futex word: bumped after every receive; senders sleep on it
 * @recv_waiters: receivers sleeping or about to
 * @send_waiters: senders sleeping or about to
 * @__pad:	zero
 * @tail:	next position to send into
 * @head:	next position to receive from
 * @slot:	the ring
 */
struct ipc_queue {
	uint32_t magic;
	uint32_t shared;
	uint32_t msgs_word;
	uint32_t slots_word;
	uint32_t recv_waiters;
	uint32_t send_waiters;
	uint32_t __pad[2];
	uint64_t tail;
	uint64_t head;
	struct ipc_queue_slot slot[IPC_QUEUE_SIZE];
};

#define IPC_QUEUE_MAGIC	0x1bc0a11bU

/* Initialise an empty mailbox used by the threads of one process. */
IPCSVC_API ipc_status_t ipc_queue_init(struct ipc_queue *q);

/* Initialise an empty mailbox in memory shared between processes. */
IPCSVC_API ipc_status_t ipc_queue_init_shared(struct ipc_queue *q);

/* Non-blocking: IPC_STATUS_SUCCESS, or IPC_STATUS_FULL (0) when every
 * slot is taken. */
IPCSVC_API ipc_status_t ipc_queue_send(struct ipc_queue *q,
				       const struct ipc_message *m);

/* Non-blocking: IPC_STATUS_SUCCESS, or IPC_STATUS_EMPTY (0) when there
 * is no message. */
IPCSVC_API ipc_status_t ipc_queue_recv(struct ipc_queue *q,
				       struct ipc_message *m);

/* Sleep until there is room, then send. */
IPCSVC_API ipc_status_t ipc_queue_send_blocking(struct ipc_queue *q,
						const struct ipc_message *m);

/* Sleep until there is a message, then receive it. */
IPCSVC_API ipc_status_t ipc_queue_recv_blocking(struct ipc_queue *q,
						struct ipc_message *m);

/* As the blocking calls, giving up with IPC_STATUS_TIMEOUT once @timeout
 * has passed (ipcsvc_timeout_ns(0): try once). */
IPCSVC_API ipc_status_t ipc_queue_send_timeout(struct ipc_queue *q,
					       const struct ipc_message *m,
					       ipcsvc_timeout_t timeout);
IPCSVC_API ipc_status_t ipc_queue_recv_timeout(struct ipc_queue *q,
					       struct ipc_message *m,
					       ipcsvc_timeout_t timeout);

/* Wrappers: the blocking send and receive. */
IPCSVC_API ipc_status_t ipc_send(struct ipc_queue *q,
				 const struct ipc_message *m);
IPCSVC_API ipc_status_t ipc_recv(struct ipc_queue *q, struct ipc_message *m);

/* Poll up to @tries times (yielding the CPU between tries), then give up
 * with IPC_STATUS_TIMEOUT. */
IPCSVC_API ipc_status_t ipc_recv_t(struct ipc_queue *q, struct ipc_message *m,
				   unsigned int tries);

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_MAILBOX_H */
