/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libipcsvc channels: message queues over shared buffer areas.
 *
 * A channel is full duplex: it sends through one buffer area (its tx area,
 * where it is the producer) and receives through another (its rx area, where
 * it is the consumer). Either may be absent. The layout of an area is
 * described in <linux/ipcsvc.h>; the message format below is what the data
 * region holds. See Documentation/library.md for the algorithm.
 *
 * Include <ipcsvc/ipcsvc.h> rather than this file.
 */
#ifndef IPCSVC_CHANNEL_H
#define IPCSVC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ipcsvc.h>

#include <ipcsvc/api.h>
#include <ipcsvc/timeout.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Message format (data region)
 * ============================
 *
 * A message is contiguous in the ring, 8-byte aligned, and starts with
 * struct ipcsvc_msg_header; its objects follow one after another, each a
 * struct ipcsvc_obj_header, @length bytes of data and padding to the next
 * multiple of 8. A message never wraps: where the next message does not fit
 * before the end of the committed region, the producer writes the 8-byte
 * IPCSVC_WRAP_MAGIC and continues at offset 0.
 */
#define IPCSVC_MSG_MAGIC	0xc0cac01a1115b357ULL
#define IPCSVC_WRAP_MAGIC	0x77a9c0de77a9c0deULL

/* MessageFlags. */
#define IPCSVC_MSG_ALLOCATED	(1ULL << 0)	/* space reserved by the sender */
#define IPCSVC_MSG_WRITTEN	(1ULL << 1)	/* complete; set before publishing */
#define IPCSVC_MSG_CONSUMED	(1ULL << 2)	/* never set in the ring: see docs */
#define IPCSVC_MSG_NOQUEUE	(1ULL << 3)	/* sent only into an empty queue */

/* Flags a caller may pass to ipcsvc_channel_allocate_for_send(). */
#define IPCSVC_SEND_FLAGS	IPCSVC_MSG_NOQUEUE

/**
 * struct ipcsvc_msg_header - the start of every message in the ring
 * @magic:		IPCSVC_MSG_MAGIC
 * @id:			MessageId, chosen by the application
 * @flags:		MessageFlags, IPCSVC_MSG_*
 * @length:		MessageLength: bytes from @magic to the end of the
 *			message's space, header included; a multiple of 8
 * @object_count:	ObjectCount: objects that follow the header
 */
struct ipcsvc_msg_header {
	uint64_t magic;
	uint64_t id;
	uint64_t flags;
	uint64_t length;
	uint64_t object_count;
};

/**
 * struct ipcsvc_obj_header - the start of every object in a message
 * @id:		ObjectId, chosen by the application
 * @length:	ObjectLength: bytes of data that follow, padding excluded
 */
struct ipcsvc_obj_header {
	uint64_t id;
	uint64_t length;
};

/* Bytes one object of @len data bytes takes in a message. */
#define IPCSVC_OBJECT_SPACE(len) \
	(sizeof(struct ipcsvc_obj_header) + (((uint64_t)(len) + 7) & ~7ULL))

/*
 * Bytes a message of up to @count objects with @size data bytes between
 * them takes in the ring, header included: what
 * ipcsvc_channel_allocate_for_send(size, count) reserves. It is the most
 * any such objects can take: each object's header, and its data padded to
 * 8 bytes, which is most when every object starts an 8-byte block of its
 * own (one byte each) and the rest fill whole blocks. For one object of
 * @size bytes it is exactly that object's space; with no objects it is
 * @size bytes, rounded up to 8, that the message holds unused.
 */
static inline uint64_t ipcsvc_msg_space(uint64_t size, uint64_t count)
{
	uint64_t started = count < size ? count : size;

	if (!count)	/* no objects: @size bytes of nothing, a filler */
		return sizeof(struct ipcsvc_msg_header) + ((size + 7) & ~7ULL);
	return sizeof(struct ipcsvc_msg_header) +
	       count * sizeof(struct ipcsvc_obj_header) +
	       8 * (started + (size - started) / 8);
}

/* Smallest and largest max_size an area may have (bytes). */
#define IPCSVC_AREA_MAX_SIZE_LIMIT	(1ULL << 31)

/**
 * struct ipcsvc_area_params - what ipcsvc_area_format() writes
 * @size:		committed data bytes to start with; a page multiple, or
 *			0 for none (as the module starts an area: the
 *			producer's first allocation grows it)
 * @max_size:		data bytes the area may grow to; a page multiple
 * @protocol_version:	the protocol's version
 * @protocol_name:	NUL-terminated UTF-8 name, 1..64 bytes
 */
struct ipcsvc_area_params {
	uint64_t size;
	uint64_t max_size;
	uint64_t protocol_version;
	const char *protocol_name;
};

/*
 * Bytes of memory an area with @max_size data bytes needs (guard page not
 * included), or a negative errno.
 */
IPCSVC_API
int64_t ipcsvc_area_bytes(uint64_t max_size);

/*
 * Format @len bytes at @mem as a fresh buffer area, without the module:
 * the library plays the kernel's part and writes the identity, at @mem.
 * The producer words go at one page + IPCSVC_CONTROL_PRODUCER, the
 * consumer words at two pages + IPCSVC_CONTROL_CONSUMER, the data region
 * at three pages. @mem must be page-aligned and zero-filled or about to be
 * reused from scratch.
 */
IPCSVC_API
int ipcsvc_area_format(void *mem, size_t len,
		       const struct ipcsvc_area_params *params);

/*
 * Check an fd that is to hold a module-less area before mapping it (for
 * example one received from a peer): 0 if it is a memfd sealed against
 * shrinking (F_SEAL_SHRINK) and at least @len bytes long, so that no
 * process can ever make a mapping of @len bytes fault (SIGBUS). -EPERM:
 * not a memfd, or not sealed against shrinking; -ENOSPC: smaller than
 * @len; -EBADF: @fd is not open. The creator seals the memfd before
 * sharing it: memfd_create() with MFD_ALLOW_SEALING, ftruncate(), then
 * fcntl(F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL).
 */
IPCSVC_API
int ipcsvc_area_check_fd(int fd, uint64_t len);

/* Waiting policy of a channel's blocking calls. */
enum ipcsvc_wait_mode {
	IPCSVC_WAIT_ADAPTIVE = 0,	/* spin spin_count times, then sleep */
	IPCSVC_WAIT_BUSY_POLL = 1,	/* never sleep: poll until the timeout */
	IPCSVC_WAIT_SLEEP = 2,		/* sleep at once */
};

#define IPCSVC_SPIN_DEFAULT	200

/*
 * Flags of struct ipcsvc_channel_attr.
 *
 * IPCSVC_CHANNEL_NO_AUTOGROW: allocation never grows the tx area by
 * itself. If nothing is committed yet (size 0), opening the channel
 * commits one page (or max_size, if smaller), and fails if it cannot.
 * After that the committed size changes only through ipcsvc_channel_grow(),
 * a message larger than half the ring at its current size fails with
 * -EMSGSIZE, and a full ring is full at any size. Without it (the
 * default), allocation grows the area up to max_size whenever the ring is
 * what stands in the way.
 */
#define IPCSVC_CHANNEL_NO_AUTOGROW	(1U << 0)
#define IPCSVC_CHANNEL_FLAGS		IPCSVC_CHANNEL_NO_AUTOGROW

/**
 * struct ipcsvc_channel_attr - options of ipcsvc_channel_open()
 * @size:	sizeof(struct ipcsvc_channel_attr)
 * @wait_mode:	enum ipcsvc_wait_mode
 * @spin_count:	polls before sleeping in IPCSVC_WAIT_ADAPTIVE; 0 means
 *		IPCSVC_SPIN_DEFAULT
 * @flags:	IPCSVC_CHANNEL_* bits; others are refused with -EINVAL
 */
struct ipcsvc_channel_attr {
	uint32_t size;
	uint32_t wait_mode;
	uint32_t spin_count;
	uint32_t flags;
};

struct ipcsvc_channel;
struct ipcsvc_msg;

/*
 * Open a channel over areas already formatted and mapped (the module-less
 * mode: threads, or processes sharing memfd pages; sleeping uses futexes),
 * each with its identity at its start, as ipcsvc_area_format() writes it.
 * An area may have nothing committed yet (size 0). A memfd shared with a
 * peer must be sealed against shrinking first (ipcsvc_area_check_fd()).
 * @tx/@tx_len: the area this side sends through, or NULL/0;
 * @rx/@rx_len: the area this side receives from, or NULL/0.
 * @attr may be NULL for the defaults.
 */
IPCSVC_API
int ipcsvc_channel_open(void *tx, size_t tx_len, void *rx, size_t rx_len,
			const struct ipcsvc_channel_attr *attr,
			struct ipcsvc_channel **chp);

/* Free a channel. The areas stay mapped: they belong to the caller. */
IPCSVC_API
void ipcsvc_channel_close(struct ipcsvc_channel *ch);

/*
 * Reserve room for a message of up to @object_count objects holding up to
 * @size bytes of data between them. The library adds what the objects'
 * headers and padding take (ipcsvc_msg_space()), so "size of my payload"
 * is the right reading: any objects whose lengths add up to @size or less,
 * and no more than @object_count of them, fit. Never blocks. *@msgp is then
 * filled with ipcsvc_msg_add_object() and must be passed to
 * ipcsvc_channel_send(). Unless the channel was opened with
 * IPCSVC_CHANNEL_NO_AUTOGROW, the tx area is grown first (up to max_size)
 * when the message is too large for the ring at its current size or the
 * ring has no room for it; -EMSGSIZE then means too large for max_size,
 * and a failed growth returns the backend's error (-EDQUOT, -ENOMEM, ...).
 * -EAGAIN when there is no room; -EPIPE (IPC_STATUS_PEER_CLOSED) instead
 * once the channel is closed (identity.closed, set by the module), since
 * nobody will ever make room.
 */
IPCSVC_API
int ipcsvc_channel_allocate_for_send(struct ipcsvc_channel *ch, uint64_t size,
				     uint64_t message_id, uint64_t object_count,
				     uint64_t flags, struct ipcsvc_msg **msgp);

/* As above, waiting until @timeout for room; -ETIMEDOUT when it passed,
 * -EPIPE when the channel closes meanwhile. */
IPCSVC_API
int ipcsvc_channel_allocate_for_send_timeout(struct ipcsvc_channel *ch,
					     uint64_t size, uint64_t message_id,
					     uint64_t object_count,
					     uint64_t flags,
					     struct ipcsvc_msg **msgp,
					     ipcsvc_timeout_t timeout);

/* Append an object, copying @length bytes from @data. */
IPCSVC_API
int ipcsvc_msg_add_object(struct ipcsvc_msg *msg, uint64_t object_id,
			  const void *data, uint64_t length);

/* Append an object of @length bytes and return its data space in *@datap. */
IPCSVC_API
int ipcsvc_msg_reserve_object(struct ipcsvc_msg *msg, uint64_t object_id,
			      uint64_t length, void **datap);

/* Publish a message. Messages are published in allocation order. */
IPCSVC_API
int ipcsvc_channel_send(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg);

/*
 * Take the next message without waiting; -EAGAIN when there is none, or
 * -EPIPE (IPC_STATUS_PEER_CLOSED) when there is none and the channel is
 * closed. Messages published before the close are delivered first.
 */
IPCSVC_API
int ipcsvc_channel_receive(struct ipcsvc_channel *ch, struct ipcsvc_msg **msgp);

/* As above, waiting until @timeout; -ETIMEDOUT when it passed, -EPIPE
 * once the channel is closed and empty. */
IPCSVC_API
int ipcsvc_channel_receive_timeout(struct ipcsvc_channel *ch,
				   struct ipcsvc_msg **msgp,
				   ipcsvc_timeout_t timeout);

/* Give a received message's space back to the sender. */
IPCSVC_API
int ipcsvc_channel_release(struct ipcsvc_channel *ch, struct ipcsvc_msg *msg);

/**
 * struct ipcsvc_msg_info - a message's header, as validated on receipt
 * @id:			MessageId
 * @flags:		MessageFlags
 * @length:		MessageLength
 * @object_count:	ObjectCount
 */
struct ipcsvc_msg_info {
	uint64_t id;
	uint64_t flags;
	uint64_t length;
	uint64_t object_count;
};

IPCSVC_API
int ipcsvc_msg_info(const struct ipcsvc_msg *msg, struct ipcsvc_msg_info *info);

/**
 * struct ipcsvc_object - one object of a received message
 * @id:		ObjectId
 * @length:	ObjectLength
 * @data:	the object's bytes, inside the area (read-only)
 * @cursor:	iteration state; set the whole struct to zero to start
 * @index:	iteration state
 */
struct ipcsvc_object {
	uint64_t id;
	uint64_t length;
	const void *data;
	uint64_t cursor;
	uint64_t index;
};

/* Step to the next object: 1 when *@obj holds one, 0 past the last. */
IPCSVC_API
int ipcsvc_msg_next_object(const struct ipcsvc_msg *msg,
			   struct ipcsvc_object *obj);

/*
 * Grow the tx area's committed data size to @new_size (a page multiple,
 * up to max_size). Messages in flight stay valid. Allocation also grows
 * the area by itself, unless IPCSVC_CHANNEL_NO_AUTOGROW is set, but only
 * while the ring is not wrapped: commit ahead the room that a burst the
 * consumer does not read must find.
 */
IPCSVC_API
int ipcsvc_channel_grow(struct ipcsvc_channel *ch, uint64_t new_size);

/**
 * struct ipcsvc_channel_info - a snapshot of a channel
 * @tx_size:		committed data bytes of the tx area (0: none)
 * @tx_max_size:	max_size of the tx area
 * @tx_tail:		WriteOffset of the tx area: where the next message goes
 * @tx_queued:		messages sent and not yet released by the peer
 * @rx_size:		committed data bytes of the rx area (0: none)
 * @rx_max_size:	max_size of the rx area
 * @rx_queued:		messages published by the peer, not yet released here
 * @broken:		IPCSVC_BROKEN_TX / IPCSVC_BROKEN_RX bits
 */
struct ipcsvc_channel_info {
	uint64_t tx_size;
	uint64_t tx_max_size;
	uint64_t tx_tail;
	uint64_t tx_queued;
	uint64_t rx_size;
	uint64_t rx_max_size;
	uint64_t rx_queued;
	uint64_t broken;
};

#define IPCSVC_BROKEN_TX	(1ULL << 0)
#define IPCSVC_BROKEN_RX	(1ULL << 1)

IPCSVC_API
int ipcsvc_channel_info(struct ipcsvc_channel *ch,
			struct ipcsvc_channel_info *info);

#ifdef __cplusplus
}
#endif

#endif /* IPCSVC_CHANNEL_H */
