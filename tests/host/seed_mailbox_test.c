// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mailbox example of the source design's IPC document, compiled and
 * run as it is written there: the queue creation of "Mailbox Creation" and
 * the polling loop of "Timeout Behavior", word for word (the bodies of
 * seed_create() and seed_send_heartbeat()). Only the function around each
 * and MAX_TRIES, which the document leaves to the application, are ours.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <ipcsvc/ipcsvc.h>

#include "kselftest_harness.h"

#define MAX_TRIES 1000

static void seed_create(void)
{
struct ipc_queue q;
ipc_queue_init(&q);
}

/* The polling loop sends through a mailbox it finds in scope as q. */
static struct ipc_queue q;

static bool seed_send_heartbeat(void)
{
struct ipc_message m = { .type = IPC_MSG_HEARTBEAT };
unsigned tries = 0;
while (!ipc_queue_send(&q, &m)) {
    if (++tries > MAX_TRIES)
        return false; /* timed out */
    spin_pause();
}
return true;
}

/* The creation snippet builds a mailbox of its own, on its stack. */
TEST(creation_compiles_and_runs)
{
	seed_create();
}

/* One heartbeat sent, exactly one received, in one try. */
TEST(heartbeat_is_sent_once)
{
	struct ipc_message out;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	ASSERT_TRUE(seed_send_heartbeat());
	memset(&out, 0xcc, sizeof(out));
	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv(&q, &out));
	EXPECT_EQ(IPC_MSG_HEARTBEAT, out.type);
	EXPECT_EQ(0, out.a);
	EXPECT_EQ(0, out.b);
	EXPECT_EQ(0, out.c);
	EXPECT_EQ(IPC_STATUS_EMPTY, ipc_queue_recv(&q, &out));
}

/* A full mailbox: the loop gives up after MAX_TRIES and says so, and
 * nothing was added. */
TEST(full_mailbox_times_out)
{
	struct ipc_message m = { .type = IPC_MSG_USER }, out;
	int n = 0;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	while (ipc_queue_send(&q, &m) == IPC_STATUS_SUCCESS)
		n++;
	ASSERT_EQ(IPC_QUEUE_SIZE, n);
	EXPECT_FALSE(seed_send_heartbeat());
	for (int i = 0; i < IPC_QUEUE_SIZE; i++) {
		ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_recv(&q, &out));
		EXPECT_EQ(IPC_MSG_USER, out.type);
	}
	EXPECT_EQ(IPC_STATUS_EMPTY, ipc_queue_recv(&q, &out));
}

/* Room made while the loop polls: it sends as soon as there is. */
static void *drain_one(void *arg)
{
	struct ipc_message out;

	(void)arg;
	while (ipc_queue_recv(&q, &out) != IPC_STATUS_SUCCESS)
		spin_pause();
	return NULL;
}

TEST(heartbeat_waits_for_room)
{
	struct ipc_message m = { .type = IPC_MSG_USER }, out;
	pthread_t th;
	int n = 0;

	ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_init(&q));
	for (int i = 0; i < IPC_QUEUE_SIZE; i++)
		ASSERT_EQ(IPC_STATUS_SUCCESS, ipc_queue_send(&q, &m));
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_one, NULL));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_TRUE(seed_send_heartbeat());
	while (ipc_queue_recv(&q, &out) == IPC_STATUS_SUCCESS)
		n += out.type == IPC_MSG_HEARTBEAT;
	EXPECT_EQ(1, n);
}

/* The event types sit in the same enum, with the module's values. */
TEST(event_types_are_message_types)
{
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_CONNECTED, IPC_MSG_SERVICE_CONNECTED);
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_READABLE, IPC_MSG_CHANNEL_READABLE);
	EXPECT_EQ(IPCSVC_EVENT_CHANNEL_WRITABLE, IPC_MSG_CHANNEL_WRITABLE);
	EXPECT_EQ(IPCSVC_EVENT_PEER_CLOSED, IPC_MSG_PEER_CLOSED);
	EXPECT_EQ(IPCSVC_EVENT_SERVICE_GONE, IPC_MSG_SERVICE_GONE);
	EXPECT_NE(IPC_MSG_HEARTBEAT, IPC_MSG_SERVICE_CONNECTED);
}

TEST_HARNESS_MAIN
