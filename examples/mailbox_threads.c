// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mailbox between threads: one worker reports progress and a
 * heartbeat to a supervisor through a struct ipc_queue, and the
 * supervisor notices when the heartbeats stop.
 *
 *	mailbox_threads
 *
 * Exits 0 when every report arrived in order and the silence was noticed.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <ipcsvc/ipcsvc.h>

enum { MSG_PROGRESS = IPC_MSG_USER, MSG_DONE };	/* our own types */

static struct ipc_queue q;	/* in memory both threads see */

static void *worker(void *arg)
{
	(void)arg;
	for (uintptr_t step = 1; step <= 10; step++) {
		struct ipc_message beat = { .type = IPC_MSG_HEARTBEAT };
		struct ipc_message progress = { .type = MSG_PROGRESS,
						.a = step, .b = 10 };

		/* Non-blocking, as the source design's loop does it: a full
		 * mailbox (0) means try again in a moment. */
		while (!ipc_queue_send(&q, &beat))
			spin_pause();
		/* Blocking: sleeps while the mailbox is full. */
		if (ipc_send(&q, &progress) != IPC_STATUS_SUCCESS)
			return NULL;
		usleep(1000);
	}
	{
		struct ipc_message done = { .type = MSG_DONE };

		ipc_send(&q, &done);
	}
	return NULL;	/* and then silence */
}

int main(void)
{
	uintptr_t last = 0;
	unsigned int beats = 0;
	pthread_t th;
	int done = 0;

	if (ipc_queue_init(&q) != IPC_STATUS_SUCCESS)
		return 1;
	if (pthread_create(&th, NULL, worker, NULL))
		return 1;
	for (;;) {
		struct ipc_message m;
		/* A heartbeat is due every millisecond or so: half a second
		 * without any message means the worker is gone. */
		ipc_status_t st = ipc_queue_recv_timeout(&q, &m,
							 ipcsvc_timeout_ms(500));

		if (st == IPC_STATUS_TIMEOUT) {
			printf("supervisor: no heartbeat for 500 ms\n");
			break;
		}
		if (st != IPC_STATUS_SUCCESS) {
			fprintf(stderr, "supervisor: %s\n", ipc_status_str(st));
			return 1;
		}
		switch (m.type) {
		case IPC_MSG_HEARTBEAT:
			beats++;
			break;
		case MSG_PROGRESS:
			if (m.a != last + 1)
				return 1;	/* the mailbox keeps order */
			last = m.a;
			printf("supervisor: step %lu of %lu\n",
			       (unsigned long)m.a, (unsigned long)m.b);
			break;
		case MSG_DONE:
			done = 1;
			break;
		}
	}
	pthread_join(th, NULL);
	printf("supervisor: %u heartbeats, %s\n", beats,
	       done ? "worker finished" : "worker lost");
	return !(done && last == 10 && beats == 10);
}
