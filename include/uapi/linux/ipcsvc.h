/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipcsvc: kernel-mediated service discovery with shared-memory channels.
 *
 * This is the ABI between the module (/dev/ipcsvc) and userspace. Every
 * structure uses fixed-width types and explicit padding so that 32- and
 * 64-bit callers agree. Structures passed to ioctls begin with their own
 * size, so they can grow: the kernel accepts a caller's size from the
 * first version of the struct up to a page, zero-fills what an older caller
 * did not pass, and rejects non-zero bytes it does not understand.
 */
#ifndef _UAPI_LINUX_IPCSVC_H
#define _UAPI_LINUX_IPCSVC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IPCSVC_DEVICE_NAME	"ipcsvc"

/*
 * The ABI revision. It changes only when an existing field changes meaning;
 * additions are detected through struct sizes.
 */
#define IPCSVC_ABI_VERSION	1

/**
 * struct ipcsvc_version - what IPCSVC_IOC_VERSION reports
 * @size:	in: sizeof(struct ipcsvc_version) as the caller knows it
 * @abi:	out: IPCSVC_ABI_VERSION of the running module
 * @major:	out: module release, from the project's VERSION file
 * @minor:	out: module release
 * @patch:	out: module release
 * @__pad:	must be zero
 * @release:	out: the release as a NUL-terminated string, "major.minor.patch"
 */
struct ipcsvc_version {
	__u32 size;
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 __pad;
	char release[32];
};

#define IPCSVC_VERSION_SIZE_VER0	56	/* first published size */

/*
 * Buffer areas
 * ============
 *
 * A channel has two buffer areas, one per direction. Each is one virtually
 * contiguous mapping in both processes. The sender of a direction is its
 * producer, the receiver its consumer. The layout is page-granular so that
 * every page has exactly one writing side and the other side can map it
 * read-only:
 *
 *   area + 0                 +--------------------------------+
 *                            | identity page                  |  written by
 *                            |   struct ipcsvc_area_identity  |  the kernel;
 *                            |   (layout, size, closed)       |  RO to both
 *   area + producer_offset   +--------------------------------+
 *                            | producer page                  |  RW producer
 *                            |   struct ipcsvc_area_producer  |  RO consumer
 *   area + consumer_offset   +--------------------------------+
 *                            | consumer page                  |  RW consumer
 *                            |   struct ipcsvc_area_consumer  |  RO producer
 *   area + data_offset       +--------------------------------+
 *                            | data: the message ring         |  RW producer
 *                            |   committed: [0, size)         |  RO consumer
 *                            |- - - - - - - - - - - - - - - - |
 *                            |   reserved: [size, max_size)   |  faults until
 *                            |                                |  committed
 *   area + data_offset       +--------------------------------+
 *        + max_size          | guard page, never mapped       |
 *                            +--------------------------------+
 *
 * Offsets are byte offsets from the start of the area, multiples of the
 * page size, and are fixed for the area's life. Userspace must take them
 * from the identity page rather than assume a page size.
 *
 * With the module, an area is mapped with mmap() on the port fd (see
 * struct ipcsvc_map_info). The guard page is part of that mapping, so that
 * nothing else can be mapped there, but no page is ever put behind it:
 * touching it, or the reserved part of the data region, raises SIGBUS.
 * Writing a page that the other side owns (see the right-hand column)
 * raises SIGBUS as well.
 */

/* ipcsvc_area_identity.magic once the kernel has initialised the area. */
#define IPCSVC_AREA_MAGIC	0x1337133713371337ULL

#define IPCSVC_PROTOCOL_NAME_MAX	64

/**
 * struct ipcsvc_area_identity - the identity page, written only by the kernel
 * @reserved_lock:	always 0. The source design kept an AtomicSpinlockFlag
 *			here; the queue is lock-free, so no lock lives in
 *			shared memory where a dying peer could hold it.
 * @magic:		IPCSVC_AREA_MAGIC ("ChannelInitialized")
 * @size:		BufferSizeInBytes: bytes of the data region committed
 *			now, a page multiple. Only grows; the kernel publishes
 *			a new value with a release store after the pages are
 *			mapped in both processes.
 * @protocol_version:	the service's protocol version
 * @protocol_name_len:	bytes used in @protocol_name (1..64, no NUL)
 * @protocol_name:	UTF-8 protocol name, not NUL-terminated
 * @max_size:		bytes the data region may grow to (page multiple)
 * @producer_offset:	offset of the producer page from the area start
 * @consumer_offset:	offset of the consumer page from the area start
 * @data_offset:	offset of the data region from the area start
 * @area_bytes:		total bytes of the mapping, guard page excluded
 *			(data_offset + max_size)
 * @closed:		0 while both ends of the channel are open; set to 1,
 *			with a release store, when the channel is torn down
 *			(either end's handle closed, its port released, its
 *			process dead), and never cleared. Both areas of the
 *			channel get it. Everything the producer published
 *			before the close is visible to whoever reads @closed
 *			non-zero with an acquire load. Appended after
 *			@area_bytes; a module that predates it leaves it 0.
 */
struct ipcsvc_area_identity {
	__u64 reserved_lock;
	__u64 magic;
	__u64 size;
	__u64 protocol_version;
	__u64 protocol_name_len;
	__u8  protocol_name[IPCSVC_PROTOCOL_NAME_MAX];
	__u64 max_size;
	__u64 producer_offset;
	__u64 consumer_offset;
	__u64 data_offset;
	__u64 area_bytes;
	__u64 closed;
};

/*
 * The producer and consumer pages
 * -------------------------------
 *
 * The queue state is split by writer: the producer page holds what only the
 * sending side writes, the consumer page what only the receiving side
 * writes. Each side reads the other's page, never writes it, and validates
 * every value it reads there before use: a page is as trustworthy as the
 * process that writes it.
 *
 * Positions (@tail, @head) are byte offsets into the data region, multiples
 * of 8, below the committed size. @tail == @head means that every published
 * message has been released; the producer never lets the ring fill up so
 * completely that @tail would catch up with @head from behind.
 *
 * The source design's single MessageCount (messages currently in the
 * buffer) would need both sides to write it. It is kept as two counters
 * with one writer each: MessageCount = @published - @consumed (mod 2^64).
 */

/**
 * struct ipcsvc_area_producer - the producer page, written only by the sender
 * @tail:	WriteOffset. Offset just past the last published message, where
 *		the next message (or a wrap marker) will go. Stored with
 *		release after @published's messages are complete; informational
 *		for the consumer, which follows the messages themselves.
 * @published:	messages published since the area was formatted. Stored with
 *		release once a message is complete; the consumer's acquire load
 *		of it makes the message contents visible. The consumer sleeps on
 *		this word.
 * @waiters:	number of sender threads sleeping until the consumer frees
 *		space; the consumer makes a wake call only when it is non-zero.
 * @broken:	1 once the sender found the consumer page inconsistent; the
 *		sender then stops using the area. Informational.
 * @__reserved:	zero
 */
struct ipcsvc_area_producer {
	__u64 tail;
	__u64 published;
	__u64 waiters;
	__u64 broken;
	__u64 __reserved[4];
};

/**
 * struct ipcsvc_area_consumer - the consumer page, written only by the receiver
 * @head:	ReadOffset. Offset of the oldest message not yet released (or
 *		of the wrap marker in front of it). Everything from @tail up to
 *		@head, in ring order, is free for the producer. Stored with
 *		release after the released messages have been read. The
 *		producer sleeps on this word.
 * @consumed:	messages released since the area was formatted. Stored with
 *		release after @head.
 * @waiters:	number of receiver threads sleeping until a message is
 *		published; the producer makes a wake call only when it is
 *		non-zero.
 * @broken:	1 once the receiver found a corrupt message or producer page;
 *		the receiver then stops using the area. Informational.
 * @__reserved:	zero
 */
struct ipcsvc_area_consumer {
	__u64 head;
	__u64 consumed;
	__u64 waiters;
	__u64 broken;
	__u64 __reserved[4];
};

/*
 * Fixed area geometry. The identity, producer and consumer pages are the
 * first three pages of every area; the data region starts at the fourth.
 * The identity page still carries the offsets, which are authoritative.
 */
#define IPCSVC_AREA_HEADER_PAGES	3

/* Buffer sizes: 0 in a request means this default. */
#define IPCSVC_DEFAULT_BUFFER_SIZE	(1ULL << 20)

/*
 * Handles
 * =======
 *
 * A handle is a small positive integer naming a service or one end of a
 * channel. It is valid only in the port (the open file description of
 * /dev/ipcsvc) that received it. 0 is never a handle.
 */

/* Directions of a channel, as seen from the end that names them. */
#define IPCSVC_DIR_TX	0	/* the area this end produces (sends on) */
#define IPCSVC_DIR_RX	1	/* the area this end consumes (receives on) */

/**
 * struct ipcsvc_service_create - IPCSVC_IOC_SERVICE_CREATE
 * @size:	sizeof(struct ipcsvc_service_create)
 * @flags:	must be 0
 * @mode:	who may connect: permission bits like a Unix socket's, 0..0777;
 *		connecting needs the write bit of the caller's class
 * @name_len:	bytes in @name, 1..IPCSVC_PROTOCOL_NAME_MAX
 * @version:	the protocol version the service speaks
 * @name:	UTF-8 protocol name, no NUL among the first @name_len bytes;
 *		bytes after them must be zero
 * @handle:	out: the service handle
 * @__pad:	must be zero
 */
struct ipcsvc_service_create {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 name_len;
	__u64 version;
	__u8  name[IPCSVC_PROTOCOL_NAME_MAX];
	__u32 handle;
	__u32 __pad;
};

#define IPCSVC_SERVICE_CREATE_SIZE_VER0	96

/**
 * struct ipcsvc_connect - IPCSVC_IOC_CONNECT
 * @size:	sizeof(struct ipcsvc_connect)
 * @flags:	must be 0
 * @version:	the protocol version the client speaks; must equal the
 *		service's
 * @name_len:	bytes in @name, 1..IPCSVC_PROTOCOL_NAME_MAX
 * @__pad:	must be zero
 * @name:	the service's protocol name (as in ipcsvc_service_create)
 * @max_send:	maximum data bytes of the client-to-server area; 0 means
 *		IPCSVC_DEFAULT_BUFFER_SIZE; rounded up to a page multiple
 * @max_recv:	the same for the server-to-client area
 * @handle:	out: the client's channel handle
 * @__pad2:	must be zero
 */
struct ipcsvc_connect {
	__u32 size;
	__u32 flags;
	__u64 version;
	__u32 name_len;
	__u32 __pad;
	__u8  name[IPCSVC_PROTOCOL_NAME_MAX];
	__u64 max_send;
	__u64 max_recv;
	__u32 handle;
	__u32 __pad2;
};

#define IPCSVC_CONNECT_SIZE_VER0	112

/**
 * struct ipcsvc_handle_arg - IPCSVC_IOC_CLOSE
 * @size:	sizeof(struct ipcsvc_handle_arg)
 * @handle:	the handle to close
 * @flags:	must be 0
 * @__pad:	must be zero
 */
struct ipcsvc_handle_arg {
	__u32 size;
	__u32 handle;
	__u32 flags;
	__u32 __pad;
};

#define IPCSVC_HANDLE_ARG_SIZE_VER0	16

/**
 * struct ipcsvc_map_info - IPCSVC_IOC_MAP_INFO
 * @size:		sizeof(struct ipcsvc_map_info)
 * @handle:		a channel handle
 * @dir:		IPCSVC_DIR_TX or IPCSVC_DIR_RX
 * @flags:		must be 0
 * @offset:		out: the mmap() offset of this area on the port fd
 * @map_size:		out: the mmap() length: @area_bytes plus the guard page
 * @area_bytes:		out: bytes of the area, guard page excluded
 * @max_size:		out: bytes the data region may grow to
 * @committed:		out: bytes of the data region committed now
 * @producer_offset:	out: offset of the producer page
 * @consumer_offset:	out: offset of the consumer page
 * @data_offset:	out: offset of the data region
 */
struct ipcsvc_map_info {
	__u32 size;
	__u32 handle;
	__u32 dir;
	__u32 flags;
	__u64 offset;
	__u64 map_size;
	__u64 area_bytes;
	__u64 max_size;
	__u64 committed;
	__u64 producer_offset;
	__u64 consumer_offset;
	__u64 data_offset;
};

#define IPCSVC_MAP_INFO_SIZE_VER0	80

/**
 * struct ipcsvc_grow - IPCSVC_IOC_GROW: commit more of this end's TX area
 * @size:	sizeof(struct ipcsvc_grow)
 * @handle:	a channel handle
 * @new_size:	in: the data bytes wanted committed, rounded up to a page
 *		multiple; at most the area's max_size. Smaller than or equal
 *		to the committed size: nothing changes.
 * @committed:	out: the committed data bytes after the call
 */
struct ipcsvc_grow {
	__u32 size;
	__u32 handle;
	__u64 new_size;
	__u64 committed;
};

#define IPCSVC_GROW_SIZE_VER0	24

/**
 * struct ipcsvc_wait - IPCSVC_IOC_WAIT and IPCSVC_IOC_ARM
 * @size:	sizeof(struct ipcsvc_wait)
 * @handle:	a channel handle
 * @dir:	IPCSVC_DIR_RX: wait until the peer has published (wake with
 *		IPCSVC_DIR_TX on its end), IPCSVC_DIR_TX: wait until the peer
 *		has freed space (wake with IPCSVC_DIR_RX on its end)
 * @flags:	must be 0
 * @offset:	offset of an 8-byte aligned __u64 inside that area's producer
 *		or consumer page
 * @value:	the value the caller last read there; the call returns at once
 *		when the word differs
 * @timeout_ns:	WAIT only: < 0 waits without limit, 0 does not sleep, > 0 is
 *		a relative timeout. ARM: must be 0.
 */
struct ipcsvc_wait {
	__u32 size;
	__u32 handle;
	__u32 dir;
	__u32 flags;
	__u64 offset;
	__u64 value;
	__s64 timeout_ns;
};

#define IPCSVC_WAIT_SIZE_VER0	40

/**
 * struct ipcsvc_wake - IPCSVC_IOC_WAKE
 * @size:	sizeof(struct ipcsvc_wake)
 * @handle:	a channel handle
 * @dir:	IPCSVC_DIR_TX: "I published on my TX area": wakes the peer's
 *		IPCSVC_DIR_RX waiters and fires its armed ChannelReadable.
 *		IPCSVC_DIR_RX: "I freed space in my RX area": wakes the peer's
 *		IPCSVC_DIR_TX waiters and fires its armed ChannelWritable.
 * @flags:	must be 0
 */
struct ipcsvc_wake {
	__u32 size;
	__u32 handle;
	__u32 dir;
	__u32 flags;
};

#define IPCSVC_WAKE_SIZE_VER0	16

/**
 * struct ipcsvc_peer_creds - IPCSVC_IOC_PEER_CREDS
 * @size:	sizeof(struct ipcsvc_peer_creds)
 * @handle:	a channel handle
 * @pid:	out: the peer's thread-group id, in the caller's port's pid
 *		namespace (0 if not visible there)
 * @uid:	out: the peer's effective uid, in the port's user namespace
 *		(the overflow uid if unmapped)
 * @gid:	out: the peer's effective gid, likewise
 * @__pad:	out: zero
 * @version:	out: the channel's protocol version
 */
struct ipcsvc_peer_creds {
	__u32 size;
	__u32 handle;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u32 __pad;
	__u64 version;
};

#define IPCSVC_PEER_CREDS_SIZE_VER0	32

/*
 * Events
 * ======
 *
 * read() on the port fd returns whole struct ipcsvc_event records, never
 * blocks, and fails with EAGAIN when none is pending. poll() reports
 * EPOLLIN while one is. The shape is the mailbox message {type, a, b, c}.
 *
 * Pending events are kept per handle, as a set of event bits, and handles
 * with pending bits are queued in the order their first bit was raised. A
 * repeated event on a handle that still has it pending coalesces with it.
 * The queue therefore never holds more entries than the port has handles,
 * and nothing is ever dropped: no ServiceConnected, no PeerClosed.
 * Closing a handle discards its undelivered events.
 */
#define IPCSVC_EVENT_SERVICE_CONNECTED	1
#define IPCSVC_EVENT_CHANNEL_READABLE	2
#define IPCSVC_EVENT_CHANNEL_WRITABLE	3
#define IPCSVC_EVENT_PEER_CLOSED	4
#define IPCSVC_EVENT_SERVICE_GONE	5

/**
 * struct ipcsvc_event - one record read from the port fd
 * @type:	IPCSVC_EVENT_*
 * @__pad:	zero
 * @a:		SERVICE_CONNECTED: the service handle (bits 0-31) and the
 *		client's pid as seen from the server's port (bits 32-63).
 *		Others: the channel handle.
 * @b:		SERVICE_CONNECTED: the new channel handle. Others: 0.
 * @c:		SERVICE_CONNECTED: the client's uid (bits 0-31) and gid (bits
 *		32-63) as seen from the server's port. Others: 0.
 */
struct ipcsvc_event {
	__u32 type;
	__u32 __pad;
	__u64 a;
	__u64 b;
	__u64 c;
};

#define IPCSVC_IOC_MAGIC	0xb7

#define IPCSVC_IOC_VERSION	_IOWR(IPCSVC_IOC_MAGIC, 0x00, struct ipcsvc_version)
#define IPCSVC_IOC_SERVICE_CREATE \
	_IOWR(IPCSVC_IOC_MAGIC, 0x01, struct ipcsvc_service_create)
#define IPCSVC_IOC_CONNECT	_IOWR(IPCSVC_IOC_MAGIC, 0x02, struct ipcsvc_connect)
#define IPCSVC_IOC_CLOSE	_IOW(IPCSVC_IOC_MAGIC, 0x03, struct ipcsvc_handle_arg)
#define IPCSVC_IOC_MAP_INFO	_IOWR(IPCSVC_IOC_MAGIC, 0x04, struct ipcsvc_map_info)
#define IPCSVC_IOC_GROW		_IOWR(IPCSVC_IOC_MAGIC, 0x05, struct ipcsvc_grow)
#define IPCSVC_IOC_WAIT		_IOW(IPCSVC_IOC_MAGIC, 0x06, struct ipcsvc_wait)
#define IPCSVC_IOC_WAKE		_IOW(IPCSVC_IOC_MAGIC, 0x07, struct ipcsvc_wake)
#define IPCSVC_IOC_ARM		_IOW(IPCSVC_IOC_MAGIC, 0x08, struct ipcsvc_wait)
#define IPCSVC_IOC_PEER_CREDS	_IOWR(IPCSVC_IOC_MAGIC, 0x09, struct ipcsvc_peer_creds)

#endif /* _UAPI_LINUX_IPCSVC_H */
