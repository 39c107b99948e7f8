/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ipcsvc: kernel-mediated service discovery with shared-memory channels.
 *
 * This is the ABI between the module (/dev/ipcsvc) and userspace; the
 * reference text is Documentation/abi.md. Every structure uses fixed-width
 * types, and every __u64 sits at a multiple of 8 with explicit padding, so
 * that 32- and 64-bit callers share one layout.
 *
 * Extensible structs: every ioctl struct begins with its own size and has
 * a flags word. The module dispatches on the ioctl's type and number only,
 * never on the size encoded in the number; it takes the caller's size from
 * @size. A smaller (older) struct reads as zero-extended; a bigger (newer)
 * one is accepted when every byte the module does not know is zero, and
 * refused with E2BIG otherwise. Unknown flag bits are refused with EINVAL.
 */
#ifndef _UAPI_LINUX_IPCSVC_H
#define _UAPI_LINUX_IPCSVC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IPCSVC_DEVICE_NAME	"ipcsvc"

/*
 * The ABI revision. It changes only when an existing field changes meaning;
 * additions are detected through struct sizes and flags.
 */
#define IPCSVC_ABI_VERSION	2

/**
 * struct ipcsvc_version - IPCSVC_IOC_VERSION
 * @size:	in: sizeof(struct ipcsvc_version) as the caller knows it
 * @flags:	in: must be 0
 * @abi:	out: IPCSVC_ABI_VERSION of the running module
 * @major:	out: module release, from the project's VERSION file
 * @minor:	out: module release
 * @patch:	out: module release
 * @release:	out: the release as a NUL-terminated string, "major.minor.patch"
 */
struct ipcsvc_version {
	__u32 size;
	__u32 flags;
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	char release[32];
};

#define IPCSVC_VERSION_SIZE_VER0	56	/* first published size */

/*
 * Buffer areas
 * ============
 *
 * A channel has two buffer areas, one per direction. The sender of a
 * direction is its producer, the receiver its consumer. Each area is one
 * virtually contiguous mapping in both processes, page-granular so that
 * every page has exactly one writing side and the other side maps it
 * read-only:
 *
 *   area + 0                 +--------------------------------+
 *                            | identity page                  |  written by
 *                            |   struct ipcsvc_area_identity  |  the kernel;
 *                            |   at identity_offset           |  RO to both
 *   area + 1 page            +--------------------------------+
 *                            | producer's control page        |  RW producer
 *                            |   struct ipcsvc_area_producer  |  RO consumer
 *                            |   at producer_offset           |
 *   area + 2 pages           +--------------------------------+
 *                            | consumer's control page        |  RW consumer
 *                            |   struct ipcsvc_area_consumer  |  RO producer
 *                            |   at consumer_offset           |
 *   area + data_offset       +--------------------------------+
 *                            | data: the message ring         |  RW producer
 *                            |   committed: [0, size)         |  RO consumer
 *                            |- - - - - - - - - - - - - - - - |
 *                            |   reserved: [size, max_size)   |  faults until
 *                            |                                |  committed
 *   area + data_offset       +--------------------------------+
 *        + max_size          | guard page, never backed       |
 *                            +--------------------------------+
 *
 * With the module the first three pages are the channel's, shared by its
 * two areas, so that an idle channel costs three pages in all:
 *
 *  - one identity page holds both areas' identities, the client-to-server
 *    area's at offset 0 and the server-to-client area's at
 *    IPCSVC_IDENTITY_STRIDE;
 *  - each end has one control page that only it writes: its producer words
 *    (for the area it sends on) at IPCSVC_CONTROL_PRODUCER, its consumer
 *    words (for the area it receives on) at IPCSVC_CONTROL_CONSUMER.
 *    Mapped in an area, the producer's control page is the second page and
 *    the consumer's the third.
 *
 * The data region starts empty (size 0): the producer commits its first
 * page when it first sends (IPCSVC_IOC_GROW).
 *
 * Offsets are byte offsets from the start of the area mapping, fixed for
 * the area's life. Userspace takes them from IPCSVC_IOC_MAP_INFO and the
 * identity rather than assuming a page size. Without the module
 * (ipcsvc_area_format() in libipcsvc) an area has pages of its own, with
 * the same offsets within them.
 *
 * With the module, an area is mapped with mmap() on the port fd (see
 * struct ipcsvc_map_info). The guard page is part of that mapping, so that
 * nothing else can be mapped there, but no page is ever put behind it:
 * touching it, or the reserved part of the data region, raises SIGBUS.
 * Writing a page that the other side owns (see the right-hand column)
 * raises SIGBUS as well. The mapping cannot be split: a munmap(), mremap()
 * or mprotect() that would change only part of it fails with EINVAL, so
 * the guard page goes only with the whole area.
 *
 * Revocation: when the server closes its end of a channel (or its port,
 * or dies), the server-to-client area is revoked. Its data pages are
 * unmapped from every process and freed at once, so that no client can
 * pin a server's memory by keeping its mapping; a client that still maps
 * the area reads zeroes in its data region from then on. Replies the
 * client had not yet received are lost, as in-flight data is when a
 * server resets a connection. The client-to-server area is not revoked:
 * what a client sent before it closed stays readable by the server until
 * the server closes its end.
 */

/* ipcsvc_area_identity.magic once the kernel has initialised the area. */
#define IPCSVC_AREA_MAGIC	0x1337133713371337ULL

#define IPCSVC_PROTOCOL_NAME_MAX	64

/* Where the two identities sit in the identity page. */
#define IPCSVC_IDENTITY_STRIDE		2048

/*
 * Where an end's producer and consumer words sit in its control page. The
 * two structures, and the hot and sleeper halves of each, are 128 bytes
 * apart, so that no two of them share a cache line or an adjacent-line
 * prefetch pair.
 */
#define IPCSVC_CONTROL_PRODUCER		0
#define IPCSVC_CONTROL_CONSUMER		256

/**
 * struct ipcsvc_area_identity - an area's identity, written only by the kernel
 * @reserved_lock:	always 0. No lock lives in shared memory, where a
 *			dying peer could hold it.
 * @magic:		IPCSVC_AREA_MAGIC once the area is initialised
 * @size:		bytes of the data region committed now, a page
 *			multiple, 0 until the producer first grows it. Only
 *			grows; the kernel publishes a new value with a release
 *			store after the pages can be faulted in.
 * @protocol_version:	the service's protocol version
 * @protocol_name_len:	bytes used in @protocol_name (1..64, no NUL)
 * @protocol_name:	UTF-8 protocol name, not NUL-terminated
 * @max_size:		bytes the data region may grow to (page multiple)
 * @producer_offset:	offset of struct ipcsvc_area_producer from the area
 *			start
 * @consumer_offset:	offset of struct ipcsvc_area_consumer from the area
 *			start
 * @data_offset:	offset of the data region from the area start
 * @area_bytes:		total bytes of the mapping, guard page excluded
 *			(data_offset + max_size)
 * @closed:		0 while both ends of the channel are open; set to 1,
 *			with a release store, when the channel is torn down
 *			(either end's handle closed, its port released, its
 *			process dead), and never cleared. Both areas of the
 *			channel get it. Everything the producer published
 *			before the close is visible to whoever reads @closed
 *			non-zero with an acquire load.
 * @revoked:		0, or 1 once the area's data pages have been taken
 *			back (see "Revocation" above); set with a release
 *			store after @closed and before the pages go. Unread
 *			messages are lost then: the data region reads as
 *			zeroes.
 * @readable_armed:	ChannelReadable armings of this area's consumer
 *			(IPCSVC_IOC_ARM, IPCSVC_DIR_RX), counted: one more
 *			each time the event goes from unarmed to armed,
 *			stored before the kernel compares the producer's
 *			word, with a full barrier between.
 * @readable_fired:	the @readable_armed count the kernel last fired;
 *			stored with release. While the two are equal no
 *			arming is pending, and the producer need not make a
 *			wake call for a consumer that does not sleep.
 * @writable_armed:	the same for ChannelWritable armings of this
 *			area's producer (IPCSVC_DIR_TX)
 * @writable_fired:	and the count of those last fired
 * @__reserved:		zero
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
	__u64 revoked;
	__u64 readable_armed;
	__u64 readable_fired;
	__u64 writable_armed;
	__u64 writable_fired;
	__u64 __reserved[3];
};

/*
 * The producer and consumer words
 * -------------------------------
 *
 * The queue state is split by writer: struct ipcsvc_area_producer holds
 * what only the sending side writes, struct ipcsvc_area_consumer what only
 * the receiving side writes. Each side reads the other's words, never
 * writes them, and validates every value it reads there before use: a page
 * is as trustworthy as the process that writes it.
 *
 * Each structure has a hot line, written on every message, and a sleeper
 * line, written only when a thread goes to sleep or a side gives up on the
 * area. The other side reads the sleeper line (and the identity's armed
 * counts) on every message to decide whether to make a wake call; keeping
 * it apart from the hot line keeps that read a cache hit.
 *
 * A wake call is needed when a thread sleeps (@waiters non-zero) or when
 * an event loop has armed an event the kernel has not fired yet (the
 * identity's readable_armed differs from readable_fired, or
 * writable_armed from writable_fired). An event loop that finds the ring
 * non-empty does not re-arm, so a sender whose receiver is awake makes no
 * system call.
 *
 * Positions (@tail, @head) are byte offsets into the data region, multiples
 * of 8, below the committed size. @tail == @head means that every published
 * message has been released; the producer never lets the ring fill up so
 * completely that @tail would catch up with @head from behind.
 *
 * The number of messages in the area is @published - @consumed (mod 2^64):
 * two counters with one writer each.
 */

/**
 * struct ipcsvc_area_producer - written only by the sender
 * @tail:	offset just past the last published message, where the next
 *		message (or a wrap marker) will go. Stored with release after
 *		@published's messages are complete; informational for the
 *		consumer, which follows the messages themselves.
 * @published:	messages published since the area was formatted. Stored with
 *		release once a message is complete; the consumer's acquire load
 *		of it makes the message contents visible. The consumer sleeps on
 *		this word.
 * @__hot_pad:	zero; keeps the sleeper line apart
 * @waiters:	number of sender threads sleeping until the consumer frees
 *		space; the consumer makes a wake call when it is non-zero.
 * @broken:	1 once the sender found the consumer words inconsistent; the
 *		sender then stops using the area. Informational.
 * @cpu:	the CPU the sender last ran on, plus one (0: not known); a
 *		hint for the consumer's spinning, stored when it changes
 * @__reserved:	zero; room for more sleeper state
 */
struct ipcsvc_area_producer {
	__u64 tail;
	__u64 published;
	__u64 __hot_pad[14];
	__u64 waiters;
	__u64 broken;
	__u64 cpu;
	__u64 __reserved[13];
};

/**
 * struct ipcsvc_area_consumer - written only by the receiver
 * @head:	offset of the oldest message not yet released (or of the wrap
 *		marker in front of it). Everything from @tail up to @head, in
 *		ring order, is free for the producer. Stored with release after
 *		the released messages have been read. The producer sleeps on
 *		this word.
 * @consumed:	messages released since the area was formatted. Stored with
 *		release after @head.
 * @__hot_pad:	zero; keeps the sleeper line apart
 * @waiters:	number of receiver threads sleeping until a message is
 *		published; the producer makes a wake call when it is non-zero.
 * @broken:	1 once the receiver found a corrupt message or producer
 *		words; the receiver then stops using the area. Informational.
 * @cpu:	the CPU the receiver last ran on, plus one (0: not known); a
 *		hint for the producer's spinning, stored when it changes
 * @__reserved:	zero; room for more sleeper state
 */
struct ipcsvc_area_consumer {
	__u64 head;
	__u64 consumed;
	__u64 __hot_pad[14];
	__u64 waiters;
	__u64 broken;
	__u64 cpu;
	__u64 __reserved[13];
};

/*
 * Fixed area geometry: the identity page and the two control pages are the
 * first three pages of every area; the data region starts at the fourth.
 * MAP_INFO and the identity still carry the offsets, which are
 * authoritative.
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
 * @size:		sizeof(struct ipcsvc_service_create)
 * @flags:		must be 0
 * @mode:		who may connect: permission bits like a Unix socket's,
 *			0..0777; connecting needs the write bit of the
 *			caller's class
 * @name_len:		bytes in @name, 1..IPCSVC_PROTOCOL_NAME_MAX
 * @version:		the protocol version the service speaks
 * @name:		UTF-8 protocol name, no NUL among the first @name_len
 *			bytes; bytes after them must be zero
 * @max_to_server:	the largest data region of a client-to-server area;
 *			0 means IPCSVC_DEFAULT_BUFFER_SIZE, or the module's
 *			max_buffer_size parameter if that is smaller; rounded
 *			up to a page multiple; at most max_buffer_size
 * @max_to_client:	the same for server-to-client areas
 * @max_connections:	channels of this service whose server end is open,
 *			at most; 0 means IPCSVC_DEFAULT_MAX_CONNECTIONS
 * @max_pending:	of those, channels whose ServiceConnected the server
 *			has not read yet, at most; 0 means the smaller of
 *			IPCSVC_DEFAULT_MAX_PENDING and @max_connections;
 *			otherwise at most @max_connections
 * @handle:		out: the service handle
 * @__pad:		must be zero
 */
struct ipcsvc_service_create {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 name_len;
	__u64 version;
	__u8  name[IPCSVC_PROTOCOL_NAME_MAX];
	__u64 max_to_server;
	__u64 max_to_client;
	__u32 max_connections;
	__u32 max_pending;
	__u32 handle;
	__u32 __pad;
};

#define IPCSVC_SERVICE_CREATE_SIZE_VER0	120
#define IPCSVC_DEFAULT_MAX_CONNECTIONS	1024
#define IPCSVC_DEFAULT_MAX_PENDING	128

/**
 * struct ipcsvc_connect - IPCSVC_IOC_CONNECT
 * @size:		sizeof(struct ipcsvc_connect)
 * @flags:		must be 0
 * @version:		the protocol version the client speaks; must equal the
 *			service's
 * @name_len:		bytes in @name, 1..IPCSVC_PROTOCOL_NAME_MAX
 * @__pad:		must be zero
 * @name:		the service's protocol name (as in
 *			ipcsvc_service_create)
 * @max_to_server:	in: the data bytes the client wants for its
 *			client-to-server area; 0 means the service's maximum;
 *			rounded up to a page multiple; more than the service's
 *			maximum is refused (EMSGSIZE). out: the size granted.
 * @max_to_client:	the same for the server-to-client area
 * @handle:		out: the client's channel handle
 * @__pad2:		must be zero
 */
struct ipcsvc_connect {
	__u32 size;
	__u32 flags;
	__u64 version;
	__u32 name_len;
	__u32 __pad;
	__u8  name[IPCSVC_PROTOCOL_NAME_MAX];
	__u64 max_to_server;
	__u64 max_to_client;
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

/*
 * The mmap() offset of an area: its token (handle * 2 + direction) in
 * pages. Handles are below 2^31, so every token fits the page offset of
 * mmap2(); with 4 KiB pages, the token of a handle below 2^18 also fits a
 * 32-bit off_t.
 */
#define IPCSVC_MMAP_TOKEN(handle, dir)	(((__u64)(handle) << 1) | (dir))

/**
 * struct ipcsvc_map_info - IPCSVC_IOC_MAP_INFO
 * @size:		sizeof(struct ipcsvc_map_info)
 * @handle:		a channel handle
 * @dir:		IPCSVC_DIR_TX or IPCSVC_DIR_RX
 * @flags:		0, or with @dir IPCSVC_DIR_TX one of IPCSVC_MAP_CHANNEL
 *			and IPCSVC_MAP_HEADERS
 * @offset:		out: the mmap() offset of this area on the port fd,
 *			IPCSVC_MMAP_TOKEN(@handle, @dir) times the page size
 * @map_size:		out: the mmap() length: @area_bytes plus the guard page;
 *			with IPCSVC_MAP_CHANNEL, that of both areas of the end
 *			in one mapping, the TX area's first; with
 *			IPCSVC_MAP_HEADERS, @data_offset (the header pages)
 * @area_bytes:		out: bytes of the area, guard page excluded
 * @max_size:		out: bytes the data region may grow to
 * @committed:		out: bytes of the data region committed now
 * @identity_offset:	out: offset of this area's struct ipcsvc_area_identity
 * @producer_offset:	out: offset of struct ipcsvc_area_producer
 * @consumer_offset:	out: offset of struct ipcsvc_area_consumer
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
	__u64 identity_offset;
	__u64 producer_offset;
	__u64 consumer_offset;
	__u64 data_offset;
};

#define IPCSVC_MAP_INFO_SIZE_VER0	88

/*
 * IPCSVC_IOC_MAP_INFO flag: report the mmap() length of the channel
 * mapping, both areas of the end in one mapping at the TX area's offset:
 * the TX area's mapping, guard page included, then the RX area's. Every
 * other field still describes the TX area.
 */
#define IPCSVC_MAP_CHANNEL	(1U << 0)

/*
 * IPCSVC_IOC_MAP_INFO flag: report the mmap() length of the end's header
 * mapping at the TX area's offset: the TX area's mapping cut short before
 * its data region, that is its identity page (both areas' identities), the
 * end's own control page (writable) and the peer's (read-only). It holds
 * every word of both areas but their data, so that a channel can be opened
 * and watched with a mapping of three pages, and its data regions mapped
 * when they are first used. Not with IPCSVC_MAP_CHANNEL. Every other field
 * still describes the TX area.
 */
#define IPCSVC_MAP_HEADERS	(1U << 1)

/**
 * struct ipcsvc_grow - IPCSVC_IOC_GROW: commit more of this end's TX area
 * @size:	sizeof(struct ipcsvc_grow)
 * @handle:	a channel handle
 * @flags:	must be 0
 * @__pad:	must be zero
 * @new_size:	in: the data bytes wanted committed, rounded up to a page
 *		multiple; at most the area's max_size. Smaller than or equal
 *		to the committed size: nothing changes.
 * @committed:	out: the committed data bytes after the call
 */
struct ipcsvc_grow {
	__u32 size;
	__u32 handle;
	__u32 flags;
	__u32 __pad;
	__u64 new_size;
	__u64 committed;
};

#define IPCSVC_GROW_SIZE_VER0	32

/* ipcsvc_wait.flags: @timeout is an absolute CLOCK_MONOTONIC time. */
#define IPCSVC_WAIT_ABSTIME	(1U << 0)

/**
 * struct ipcsvc_wait - IPCSVC_IOC_WAIT
 * @size:	sizeof(struct ipcsvc_wait)
 * @handle:	a channel handle
 * @dir:	IPCSVC_DIR_RX: wait until the peer has published (it wakes
 *		with IPCSVC_DIR_TX on its end); IPCSVC_DIR_TX: wait until the
 *		peer has freed space (it wakes with IPCSVC_DIR_RX)
 * @flags:	0 or IPCSVC_WAIT_ABSTIME
 * @offset:	offset of an 8-byte aligned __u64 inside that area's producer
 *		or consumer words (struct ipcsvc_area_producer or
 *		struct ipcsvc_area_consumer)
 * @value:	the value the caller last read there; the call returns at once
 *		when the word differs
 * @timeout:	nanoseconds. Relative: < 0 waits without limit, 0 does not
 *		sleep, > 0 is a timeout. With IPCSVC_WAIT_ABSTIME: < 0 waits
 *		without limit, otherwise a CLOCK_MONOTONIC deadline. A wait
 *		without limit or with a deadline restarts after a signal
 *		handler with SA_RESTART; a relative one fails with EINTR.
 */
struct ipcsvc_wait {
	__u32 size;
	__u32 handle;
	__u32 dir;
	__u32 flags;
	__u64 offset;
	__u64 value;
	__s64 timeout;
};

#define IPCSVC_WAIT_SIZE_VER0	40

/**
 * struct ipcsvc_arm - IPCSVC_IOC_ARM: a one-shot readiness event
 * @size:	sizeof(struct ipcsvc_arm)
 * @handle:	a channel handle
 * @dir:	IPCSVC_DIR_RX: ChannelReadable on the peer's next publish wake;
 *		IPCSVC_DIR_TX: ChannelWritable on its next release wake
 * @flags:	must be 0
 * @offset:	as in struct ipcsvc_wait
 * @value:	as in struct ipcsvc_wait: if the word already differs, the
 *		event is raised at once
 */
struct ipcsvc_arm {
	__u32 size;
	__u32 handle;
	__u32 dir;
	__u32 flags;
	__u64 offset;
	__u64 value;
};

#define IPCSVC_ARM_SIZE_VER0	32

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
 * @flags:	must be 0
 * @pid:	out: the peer's thread-group id, in the caller's port's pid
 *		namespace; 0 if it is not visible there or the process has
 *		exited
 * @uid:	out: the peer's effective uid, in the port's user namespace
 *		(the overflow uid if unmapped): a client's when it connected,
 *		a server's when it created the service
 * @gid:	out: the peer's effective gid, likewise
 * @version:	out: the channel's protocol version
 */
struct ipcsvc_peer_creds {
	__u32 size;
	__u32 handle;
	__u32 flags;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	__u64 version;
};

#define IPCSVC_PEER_CREDS_SIZE_VER0	32

/**
 * struct ipcsvc_usage - IPCSVC_IOC_USAGE: what the caller's user is charged
 * @size:		sizeof(struct ipcsvc_usage)
 * @flags:		must be 0
 * @services:		out: services charged now
 * @channels:		out: channels charged now (made by this user's
 *			connects and not yet freed)
 * @bytes:		out: committed area bytes charged now
 * @max_services:	out: the limits that apply, from the module's
 *			parameters
 * @max_channels:	out
 * @max_bytes:		out
 *
 * A user here is the one the module charges: the caller's euid, or for a
 * caller inside user namespaces, the owner of the outermost one below the
 * initial namespace, so that a uid range mapped into a container shares
 * its owner's limits.
 */
struct ipcsvc_usage {
	__u32 size;
	__u32 flags;
	__u32 services;
	__u32 channels;
	__u64 bytes;
	__u32 max_services;
	__u32 max_channels;
	__u64 max_bytes;
};

#define IPCSVC_USAGE_SIZE_VER0		40

/**
 * struct ipcsvc_port_limits - IPCSVC_IOC_PORT_LIMITS: the port's own limits
 * @size:		sizeof(struct ipcsvc_port_limits)
 * @flags:		0 to read the limits, or IPCSVC_PORT_LIMITS_SET to
 *			set @max_handles first
 * @max_handles:	in with IPCSVC_PORT_LIMITS_SET: how many handles the
 *			port may hold, 1 up to @max_handles_cap. Lowering it
 *			closes nothing: new handles fail with ENOSPC until
 *			the count is below it. Out: the limit in force
 * @max_handles_cap:	out: the most any port may set (the module parameter
 *			max_handles_cap)
 * @nr_handles:		out: handles the port holds now
 * @__pad:		must be zero
 *
 * A port starts with the module parameter max_handles as its limit; a
 * server with many clients raises its own, within the system-wide cap.
 * Every handle is backed by a service or channel charged to some user,
 * so the per-user limits still bound what a port can hold.
 */
struct ipcsvc_port_limits {
	__u32 size;
	__u32 flags;
	__u32 max_handles;
	__u32 max_handles_cap;
	__u32 nr_handles;
	__u32 __pad;
};

#define IPCSVC_PORT_LIMITS_SET		(1U << 0)
#define IPCSVC_PORT_LIMITS_SIZE_VER0	24

/*
 * Events
 * ======
 *
 * read() on the port fd returns whole struct ipcsvc_event records, as many
 * as are pending and fit the buffer; a buffer smaller than one record is
 * EINVAL. With no event pending it fails with EAGAIN if the port was
 * opened (or fcntl()ed) O_NONBLOCK, and otherwise sleeps until one is
 * raised. poll() reports EPOLLIN while one is.
 *
 * Pending events are kept per handle, as a set of event bits, and handles
 * with pending bits are queued in the order their first bit was raised. A
 * repeated event on a handle that still has it pending coalesces with it.
 * The queue therefore never holds more entries than the port has handles,
 * and nothing is ever dropped: no ServiceConnected, no PeerClosed, no
 * ServiceGone. Closing a handle discards its undelivered events.
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

/*
 * Ioctl numbers. The size encoded in each number is the struct's first
 * published size, and only documents it: the module matches the type
 * (IPCSVC_IOC_MAGIC, unassigned in the kernel's ioctl-number.rst) and the
 * number, and reads the size from the struct, so the numbers stay the
 * same when a struct grows.
 */
#define IPCSVC_IOC_MAGIC	0xbc

#define IPCSVC_IOC_RW(nr, ver0) \
	_IOC(_IOC_READ | _IOC_WRITE, IPCSVC_IOC_MAGIC, (nr), (ver0))
#define IPCSVC_IOC_W(nr, ver0) \
	_IOC(_IOC_WRITE, IPCSVC_IOC_MAGIC, (nr), (ver0))

#define IPCSVC_IOC_VERSION	IPCSVC_IOC_RW(0x00, IPCSVC_VERSION_SIZE_VER0)
#define IPCSVC_IOC_SERVICE_CREATE \
	IPCSVC_IOC_RW(0x01, IPCSVC_SERVICE_CREATE_SIZE_VER0)
#define IPCSVC_IOC_CONNECT	IPCSVC_IOC_RW(0x02, IPCSVC_CONNECT_SIZE_VER0)
#define IPCSVC_IOC_CLOSE	IPCSVC_IOC_W(0x03, IPCSVC_HANDLE_ARG_SIZE_VER0)
#define IPCSVC_IOC_MAP_INFO	IPCSVC_IOC_RW(0x04, IPCSVC_MAP_INFO_SIZE_VER0)
#define IPCSVC_IOC_GROW		IPCSVC_IOC_RW(0x05, IPCSVC_GROW_SIZE_VER0)
#define IPCSVC_IOC_WAIT		IPCSVC_IOC_W(0x06, IPCSVC_WAIT_SIZE_VER0)
#define IPCSVC_IOC_WAKE		IPCSVC_IOC_W(0x07, IPCSVC_WAKE_SIZE_VER0)
#define IPCSVC_IOC_ARM		IPCSVC_IOC_W(0x08, IPCSVC_ARM_SIZE_VER0)
#define IPCSVC_IOC_PEER_CREDS	IPCSVC_IOC_RW(0x09, IPCSVC_PEER_CREDS_SIZE_VER0)
#define IPCSVC_IOC_USAGE	IPCSVC_IOC_RW(0x0a, IPCSVC_USAGE_SIZE_VER0)
#define IPCSVC_IOC_PORT_LIMITS	\
	IPCSVC_IOC_RW(0x0b, IPCSVC_PORT_LIMITS_SIZE_VER0)

#endif /* _UAPI_LINUX_IPCSVC_H */
