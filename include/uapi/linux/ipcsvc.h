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
 *                            |                                |  RO to both
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

#define IPCSVC_IOC_MAGIC	0xb7

#define IPCSVC_IOC_VERSION	_IOWR(IPCSVC_IOC_MAGIC, 0x00, struct ipcsvc_version)

#endif /* _UAPI_LINUX_IPCSVC_H */
