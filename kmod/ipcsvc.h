/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the ipcsvc module, shared by its units and their
 * KUnit suites.
 *
 * Objects and their lifetimes
 * ===========================
 *
 * port     One per open file description of /dev/ipcsvc (or one per KUnit
 *          test). Counted by ->ref: one reference for the file, one for
 *          every channel end and service attached to it (ep->port,
 *          svc->port) and a temporary one held by a connect in progress
 *          for the service's port (ipcsvc_connect()). The file's release
 *          closes every handle, which drops the attached references, so a
 *          port is freed once its file and every in-flight connect are gone.
 *
 * service  Counted by ->ref: one reference for the handle-table entry of its
 *          owner port, one for every channel created through it
 *          (chan->svc), temporary ones for lookups, and one held by the
 *          SERVICE_CREATE ioctl until its result is written back. It is in
 *          the registry from creation until its handle is closed.
 *
 * channel  Counted by ->ref: one reference for each of its two ends while
 *          that end's handle exists, temporary ones taken by a handle
 *          lookup for the duration of an ioctl, the creation reference of
 *          ipcsvc_connect(), and one held by the CONNECT ioctl until its
 *          result is written back (so that undoing it closes this object,
 *          never a reused handle number). It owns one reference on each of
 *          its two areas.
 *
 * area     Counted by ->ref: one reference from its channel, one from
 *          every VMA that maps it alone (taken by mmap() and ->open,
 *          dropped by ->close) and one from each channel-mapping record.
 *          Its data pages are freed only when the last reference goes, so
 *          a survivor's mappings stay valid after the peer and even the
 *          channel are gone. Each area holds a reference on the channel's
 *          header.
 *
 * channel mapping record (area_map.c): one VMA's view of both areas of
 *          an end. Counted by ->ref: one reference from every VMA that
 *          shows it (taken by mmap() and ->open, dropped by ->close); it
 *          holds a reference on each of the two areas.
 *
 * header   The identity and control pages both areas of a channel share,
 *          and the inode of its mappings. Counted by ->ref: one reference
 *          from each area and one from the channel's file, the pseudo file
 *          every VMA of the channel shares (and counts, which keeps the
 *          module loaded), made by the first mmap() and released with the
 *          last VMA; hdr->file points to it uncounted.
 *
 * user     Accounting record of one charged uid (user.c), counted by ->ref:
 *          one reference for every service, channel, header and area
 *          charged to it.
 *
 * Introspection (netlink.c) takes no reference of its own on a service or
 * a channel: dumps read them under the registry lock, which keeps every
 * registered service and every published channel alive (both leave the
 * registry's lists under that lock before they can be freed), and the
 * monitor is called by their owners, who hold a reference for the call.
 * A monitor subscription holds the subscriber's IPC namespace, network
 * namespace and credentials until its socket is released.
 *
 * Locking
 * =======
 *
 * In the order they may nest (outermost first):
 *
 *   ipcsvc_monitor_lock (mutex)   netlink.c: the monitor subscriptions
 *                                 and every object's mon_state
 *   ipcsvc_registry_lock (mutex)  the service table and list, svc->id,
 *                                 svc->registered, svc->port,
 *                                 svc->channels, the channel list,
 *                                 chan->id, chan->svc_node, chan->all_node,
 *                                 and raising svc->nr_open/nr_unaccepted
 *   port->lock (mutex)            port->handles, port->dead, evsrc->handle
 *   hdr->lock (mutex)             hdr->file; taken under mmap_lock by
 *                                 the mmap handler
 *   area->lock (mutex)            growth and death of one area
 *   chan->lock (spinlock)         ep->port, ep->closed, ep->armed,
 *                                 ep->counted_open
 *   port->ev_lock (spinlock)      port->ev_ready and the queue state of
 *                                 every evsrc of the port
 *   ipcsvc_users_lock (spinlock)  the per-user table
 *
 * A port lock nests inside the registry lock only in
 * ipcsvc_service_create(); no port lock is held while the registry lock is
 * taken, and no two port locks are held together. The monitor lock is
 * taken with no other ipcsvc lock held (observers are called without
 * locks); under it only chan->lock is taken, to read the ends' state. Connect publishes a
 * channel under the registry lock, taking chan->lock and ev_lock inside
 * it. No lock is held across a user copy, so none is ever taken inside a
 * page fault on our behalf; the fault handler itself takes none.
 */
#ifndef IPCSVC_INTERNAL_H
#define IPCSVC_INTERNAL_H

#include <linux/ipcsvc.h>
#include <linux/ipcsvc_netlink.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct cred;
struct file;
struct ipcsvc_channel;
struct ipc_namespace;
struct ipcsvc_service;
struct pid;
struct pid_namespace;
struct seq_file;

/* Module parameters (main.c); read with READ_ONCE(). */
extern unsigned int ipcsvc_max_handles;		/* per port, at first */
extern unsigned int ipcsvc_max_handles_cap;	/* per port, settable up to */
extern unsigned int ipcsvc_max_services;	/* per user */
extern unsigned int ipcsvc_max_channels;	/* per user */
extern unsigned long ipcsvc_max_user_bytes;	/* committed, per user */
extern unsigned long ipcsvc_max_buffer_size;	/* per area data region */

/* The largest data region any area may have, whatever the parameter says. */
#define IPCSVC_BUFFER_SIZE_LIMIT	SZ_1G

/* Fill @v with the module's version; @v->size is left to the caller. */
void ipcsvc_version_fill(struct ipcsvc_version *v);

/* ---- per-user accounting (user.c), below every other unit ---- */

struct ipcsvc_user {
	struct hlist_node node;		/* ipcsvc_users_lock */
	kuid_t uid;			/* constant */
	refcount_t ref;
	atomic_t services;
	atomic_t channels;
	atomic_long_t bytes;		/* committed area bytes */
};

struct ipcsvc_user *ipcsvc_user_get(const struct cred *cred);
void ipcsvc_user_hold(struct ipcsvc_user *user);
void ipcsvc_user_put(struct ipcsvc_user *user);
int ipcsvc_user_charge_service(struct ipcsvc_user *user);
void ipcsvc_user_uncharge_service(struct ipcsvc_user *user);
int ipcsvc_user_charge_channel(struct ipcsvc_user *user);
void ipcsvc_user_uncharge_channel(struct ipcsvc_user *user);
int ipcsvc_user_charge_bytes(struct ipcsvc_user *user, unsigned long bytes);
void ipcsvc_user_uncharge_bytes(struct ipcsvc_user *user, unsigned long bytes);
void ipcsvc_user_usage(struct ipcsvc_user *user, struct ipcsvc_usage *u);

/* One user's charges, as introspection reports them. */
struct ipcsvc_user_stat {
	kuid_t uid;
	u32 services;
	u32 channels;
	u64 bytes;
};

kuid_t ipcsvc_user_charged_uid(const struct cred *cred);
struct ipcsvc_user_stat *ipcsvc_users_snapshot(unsigned int *nr);
u64 ipcsvc_users_bytes(void);

/* ---- counters and lifecycle notifications (observe.c) ---- */

enum ipcsvc_refusal {
	IPCSVC_REFUSED_NOENT,
	IPCSVC_REFUSED_ACCESS,
	IPCSVC_REFUSED_VERSION,
	IPCSVC_REFUSED_SIZE,
	IPCSVC_REFUSED_CONNECTIONS,
	IPCSVC_REFUSED_BACKLOG,
	IPCSVC_REFUSED_QUOTA,
	IPCSVC_REFUSED_HANDLES,
	IPCSVC_REFUSED_GONE,
	IPCSVC_REFUSED_NOMEM,
	IPCSVC_NR_REFUSALS
};

/* Module-wide counts; per CPU, all u64 (ipcsvc_counters_read() sums). */
struct ipcsvc_counters {
	u64 events;			/* event records raised on ports */
	u64 waits;			/* WAIT calls */
	u64 wakes;			/* WAKE calls */
	u64 connects;			/* connects that succeeded */
	u64 refused[IPCSVC_NR_REFUSALS];
};

DECLARE_PER_CPU(struct ipcsvc_counters, ipcsvc_counters);

#define ipcsvc_count(field)	this_cpu_inc(ipcsvc_counters.field)

void ipcsvc_count_refused(int err);
void ipcsvc_counters_read(struct ipcsvc_counters *sum);

/*
 * Called, in process context and without ipcsvc locks, when a service is
 * registered (@up) or withdrawn, and when a channel is published (@up) or
 * closed (its first end closed; chan->close_reason says why). The caller
 * holds a reference on the object.
 */
struct ipcsvc_observer {
	void (*service)(struct ipcsvc_service *svc, bool up, u32 reason);
	void (*channel)(struct ipcsvc_channel *chan, bool up);
};

void ipcsvc_observer_set(const struct ipcsvc_observer *obs);
void ipcsvc_observe_service(struct ipcsvc_service *svc, bool up, u32 reason);
void ipcsvc_observe_channel(struct ipcsvc_channel *chan, bool up);

/* ---- events (event.c) ---- */

/* Event bits, in the order a handle's pending events are delivered. */
#define IPCSVC_EVB_CONNECTED	BIT(0)
#define IPCSVC_EVB_READABLE	BIT(1)
#define IPCSVC_EVB_WRITABLE	BIT(2)
#define IPCSVC_EVB_PEER_CLOSED	BIT(3)
#define IPCSVC_EVB_SERVICE_GONE	BIT(4)
#define IPCSVC_EVB_ALL		GENMASK(4, 0)

/* The event state of one handle. */
struct ipcsvc_evsrc {
	struct list_head node;	/* ev_lock; on port->ev_ready while @pending */
	u32 pending;		/* ev_lock; IPCSVC_EVB_* */
	u32 handle;		/* port->lock; set before the handle is found */
	bool dead;		/* ev_lock; handle closed: no more events */
	/*
	 * ev_lock. While CONNECTED is pending, the service's count of
	 * unaccepted channels, which delivering or discarding the event
	 * decrements; NULL otherwise.
	 */
	atomic_t *unaccepted;
	/* The CONNECTED payload: set before the event is posted, then read. */
	u64 connected_a;
	u64 connected_c;
	u64 connected_id;	/* the channel's, for the accept tracepoint */
};

/* ---- ports and handles (port.c) ---- */

enum ipcsvc_htype {
	IPCSVC_H_SERVICE = 1,
	IPCSVC_H_CHANNEL,
};

/* The common head of every object a handle can name. */
struct ipcsvc_hobj {
	enum ipcsvc_htype type;	/* constant */
	struct ipcsvc_evsrc ev;
};

struct ipcsvc_port {
	struct kref ref;
	struct mutex lock;		/* the handle table */
	struct xarray handles;		/* lock; u32 -> struct ipcsvc_hobj */
	unsigned int nr_handles;	/* lock */
	unsigned int max_handles;	/* lock */
	bool dead;			/* lock; set by release */

	/*
	 * The namespaces and credentials of the opener; constant. ipc_ns is
	 * the registry key: while the port's file lives, main.c holds it
	 * through ipc_ns_pin (compat.h), so that no other namespace can take
	 * its address while the port has services registered.
	 */
	struct ipc_namespace *ipc_ns;
	struct file *ipc_ns_pin;
	struct pid_namespace *pid_ns;
	const struct cred *cred;

	spinlock_t ev_lock;		/* the event queue */
	struct list_head ev_ready;	/* ev_lock; struct ipcsvc_evsrc */
	unsigned int ev_queued;		/* ev_lock; entries on ev_ready */
	unsigned int ev_records;	/* ev_lock; pending bits on ev_ready */
	wait_queue_head_t ev_wq;	/* poll() and blocking read() */
};

struct ipcsvc_port *ipcsvc_port_create(struct ipc_namespace *ipc_ns,
				       struct pid_namespace *pid_ns,
				       const struct cred *cred);
void ipcsvc_port_get(struct ipcsvc_port *port);
void ipcsvc_port_put(struct ipcsvc_port *port);
int ipcsvc_port_limits(struct ipcsvc_port *port,
		       struct ipcsvc_port_limits *lim);
unsigned int ipcsvc_port_count(void);
/*
 * Close every handle; the port accepts no new ones. For file release;
 * @reason (IPCSVC_REASON_*) is what introspection reports for each.
 */
void ipcsvc_port_shutdown(struct ipcsvc_port *port, u32 reason);
void ipcsvc_port_show(struct ipcsvc_port *port, struct seq_file *m);
int ipcsvc_port_install(struct ipcsvc_port *port, struct ipcsvc_hobj *h,
			u32 *handle);
struct ipcsvc_hobj *ipcsvc_port_lookup(struct ipcsvc_port *port, u32 handle,
				       enum ipcsvc_htype type);
int ipcsvc_port_close_handle(struct ipcsvc_port *port, u32 handle);
bool ipcsvc_port_close_object(struct ipcsvc_port *port, u32 handle,
			      struct ipcsvc_hobj *h, u32 reason);
void ipcsvc_hobj_get(struct ipcsvc_hobj *h);
void ipcsvc_hobj_put(struct ipcsvc_hobj *h);

/* event.c */
void ipcsvc_event_post(struct ipcsvc_port *port, struct ipcsvc_evsrc *src,
		       u32 bits);
bool ipcsvc_event_post_connected(struct ipcsvc_port *port,
				 struct ipcsvc_evsrc *src, u32 bits,
				 atomic_t *unaccepted);
bool ipcsvc_event_withdraw_connected(struct ipcsvc_port *port,
				     struct ipcsvc_evsrc *src);
void ipcsvc_event_kill(struct ipcsvc_port *port, struct ipcsvc_evsrc *src);
size_t ipcsvc_event_take(struct ipcsvc_port *port, struct ipcsvc_event *ev,
			 size_t max);
unsigned int ipcsvc_event_count(struct ipcsvc_port *port);

/* ---- services (registry.c) ---- */

struct ipcsvc_service {
	struct ipcsvc_hobj h;
	struct kref ref;
	struct hlist_node node;		/* registry lock */
	struct list_head all_node;	/* registry lock; by id, while registered */
	u64 id;				/* registry lock; then constant */
	bool registered;		/* registry lock */
	u32 close_reason;		/* registry lock; IPCSVC_REASON_* */
	u8 mon_state;			/* netlink.c's monitor lock */
	bool charged;			/* registry lock; in user->services */
	struct ipcsvc_port *port;	/* registry lock; counted */
	struct list_head channels;	/* registry lock; chan->svc_node */
	/*
	 * Channels whose server end is open, and of those the ones whose
	 * ServiceConnected the server has not read. Raised only under the
	 * registry lock (so a limit check and its increment are one step),
	 * lowered without it.
	 */
	atomic_t nr_open;
	atomic_t nr_unaccepted;

	/* Constant after creation. */
	struct ipc_namespace *ipc_ns;	/* the registry key, with the name */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u64 version;
	u64 max_size[2];		/* data bytes; [side that produces] */
	u32 max_connections;
	u32 max_pending;
	u32 name_len;
	u8 name[IPCSVC_PROTOCOL_NAME_MAX];
	u64 ctime;			/* ns since the epoch */
	struct pid *pid;		/* the creator, for peer credentials */
	kuid_t euid;
	kgid_t egid;
	const struct cred *cred;	/* the creator's; for CAP_DAC_OVERRIDE */
	struct ipcsvc_user *user;
};

struct ipcsvc_service_params {
	const u8 *name;
	u32 name_len;
	u64 version;
	umode_t mode;
	u64 max_size[2];
	u32 max_connections;
	u32 max_pending;
};

int ipcsvc_name_check(const u8 *name, u32 len);
int ipcsvc_buffer_size(u64 *size);
int ipcsvc_service_create(struct ipcsvc_port *port,
			  const struct ipcsvc_service_params *p,
			  struct ipcsvc_service **svcp, u32 *handle);
struct ipcsvc_service *ipcsvc_service_lookup(struct ipc_namespace *ns,
					     const u8 *name, u32 name_len);
bool ipcsvc_service_may_connect(const struct ipcsvc_service *svc,
				const struct cred *cred);
bool ipcsvc_service_visible(const struct ipcsvc_service *svc,
			    const struct cred *cred);
void ipcsvc_service_close(struct ipcsvc_service *svc, u32 reason);
void ipcsvc_service_put(struct ipcsvc_service *svc);
int ipcsvc_service_admit(struct ipcsvc_service *svc, bool recheck);
struct ipcsvc_port *ipcsvc_service_port(struct ipcsvc_service *svc);
void ipcsvc_service_detach(struct ipcsvc_channel *chan);
void ipcsvc_registry_enter(void);
void ipcsvc_registry_leave(void);
unsigned int ipcsvc_registry_count(void);
unsigned int ipcsvc_registry_channels(void);
void ipcsvc_registry_assert_held(void);
void ipcsvc_registry_link_channel(struct ipcsvc_channel *chan);
int ipcsvc_service_walk(u64 after,
			int (*fn)(struct ipcsvc_service *svc, void *arg),
			void *arg);
int ipcsvc_channel_walk(u64 after,
			int (*fn)(struct ipcsvc_channel *chan, void *arg),
			void *arg);

/* ---- buffer areas (area.c, area_map.c) ---- */

/*
 * The three pages every channel has, shared by its two areas: the identity
 * page and each side's control page, in one vmalloc()ed block that is also
 * the kernel's only view of the channel's shared memory.
 */
struct ipcsvc_header {
	struct kref ref;		/* one per area */
	void *kaddr;			/* constant; IPCSVC_AREA_HEADER_PAGES */
	struct ipcsvc_user *user;	/* charged for the pages */
	struct inode *inode;		/* constant; both areas' mappings' */
	struct mutex lock;		/* ->file */
	/*
	 * The file every mapping of the channel shares, not counted: its
	 * release clears this under ->lock before the file is freed.
	 */
	struct file *file;
	/*
	 * Pages of each side's area mapping, guard page included: set by
	 * ipcsvc_area_create() before anyone can map the channel, then
	 * constant. A channel mapping's second half starts after the first.
	 */
	unsigned long area_pages[2];
};

struct ipcsvc_area {
	struct kref ref;
	struct mutex lock;		/* serialises growth and death */
	struct ipcsvc_header *hdr;	/* constant; counted */
	unsigned int side;		/* constant; the producing side */
	struct xarray pages;		/* lock to store; data page i at i */
	/*
	 * Committed data pages. Written under ->lock with smp_store_release()
	 * once their pages are in ->pages.
	 */
	unsigned long nr_data;
	unsigned long nr_max;		/* constant; data pages at most */
	u64 max_size;			/* constant; data bytes */
	struct ipcsvc_user *user;	/* constant; charged for data pages */

	wait_queue_head_t wq;		/* WAIT sleepers of both sides */
	atomic_t sleepers[2];		/* in WAIT, by the waiter's IPCSVC_DIR_* */
	atomic_t rd_seq;		/* bumped by a TX wake of the producer */
	atomic_t wr_seq;		/* bumped by an RX wake of the consumer */
	bool dead;			/* lock; an end closed; READ_ONCE */
	bool revoked;			/* lock; data pages gone; READ_ONCE */
};

/*
 * The page offset of side 1's area in the channel's inode: past the header,
 * data and guard pages of the largest side 0 area.
 */
#define IPCSVC_AREA_PGOFF_STRIDE	(IPCSVC_AREA_HEADER_PAGES + \
					 (IPCSVC_BUFFER_SIZE_LIMIT >> \
					  PAGE_SHIFT) + 1)

/* Bytes of an area mapping before the data region. */
#define IPCSVC_AREA_HEADER_BYTES	(IPCSVC_AREA_HEADER_PAGES * PAGE_SIZE)

/* Pages of an area mapping before the data region; see the UAPI header. */
#define IPCSVC_AREA_IDENTITY_PAGE	0
#define IPCSVC_AREA_PRODUCER_PAGE	1
#define IPCSVC_AREA_CONSUMER_PAGE	2

struct ipcsvc_header *ipcsvc_header_create(u64 version, const u8 *name,
					   u32 name_len,
					   struct ipcsvc_user *user);
void ipcsvc_header_get(struct ipcsvc_header *hdr);
void ipcsvc_header_put(struct ipcsvc_header *hdr);
struct ipcsvc_area *ipcsvc_area_create(struct ipcsvc_header *hdr,
				       unsigned int side, u64 max_size,
				       struct ipcsvc_user *user);
void ipcsvc_area_get(struct ipcsvc_area *area);
void ipcsvc_area_put(struct ipcsvc_area *area);
int ipcsvc_area_grow(struct ipcsvc_area *area, u64 new_size);
u64 ipcsvc_area_committed(struct ipcsvc_area *area);
int ipcsvc_area_check_word(u64 offset);
u64 ipcsvc_area_read_word(struct ipcsvc_area *area, u64 offset);
void ipcsvc_area_arm(struct ipcsvc_area *area, bool readable);
void ipcsvc_area_fire(struct ipcsvc_area *area, bool readable);
struct ipcsvc_area_identity *ipcsvc_area_identity(struct ipcsvc_area *area);
u64 ipcsvc_area_identity_offset(const struct ipcsvc_area *area);
u64 ipcsvc_area_bytes(const struct ipcsvc_area *area);
u64 ipcsvc_area_map_bytes(const struct ipcsvc_area *area);
void ipcsvc_area_kill(struct ipcsvc_area *area);

/* What introspection reports of an area; see ipcsvc_area_stat(). */
struct ipcsvc_area_stat {
	u64 max_size;
	u64 committed;
	u64 messages;			/* valid unless @invalid */
	u64 bytes;			/* valid unless @invalid */
	u32 waiters[2];			/* [0] producer's, [1] consumer's word */
	u32 sleepers[2];		/* [IPCSVC_DIR_*] of the waiters */
	bool broken[2];			/* [0] producer, [1] consumer */
	bool invalid;
	bool revoked;
};

void ipcsvc_area_stat(struct ipcsvc_area *area, struct ipcsvc_area_stat *st);
bool ipcsvc_area_broken(struct ipcsvc_area *area);
void ipcsvc_area_revoke(struct ipcsvc_area *area);

/* area_map.c: mapping areas into processes */
int ipcsvc_area_init(void);
void ipcsvc_area_exit(void);
struct inode *ipcsvc_area_inode_alloc(void);
void ipcsvc_area_unmap_data(struct ipcsvc_area *area);
struct page *ipcsvc_area_page(struct ipcsvc_area *area, unsigned long idx);
bool ipcsvc_area_may_write(unsigned long idx, bool producer);
int ipcsvc_area_mmap(struct ipcsvc_area *area, struct vm_area_struct *vma,
		     bool producer);
int ipcsvc_channel_mmap(struct ipcsvc_area *tx, struct ipcsvc_area *rx,
			struct vm_area_struct *vma);

/* ---- channels (channel.c) ---- */

#define IPCSVC_SIDE_CLIENT	0
#define IPCSVC_SIDE_SERVER	1

struct ipcsvc_endpoint {
	struct ipcsvc_hobj h;
	struct ipcsvc_channel *chan;	/* constant */
	unsigned int side;		/* constant */
	struct ipcsvc_port *port;	/* chan->lock; counted; NULL once closed */
	bool closed;			/* chan->lock */
	bool counted_open;		/* chan->lock; in the service's nr_open */
	u32 armed;			/* chan->lock; EVB_READABLE/WRITABLE */
};

struct ipcsvc_channel {
	struct kref ref;
	spinlock_t lock;		/* the ends' state */
	struct ipcsvc_endpoint ep[2];
	u64 id;				/* registry lock at publish; then constant */
	u64 ctime;			/* constant; ns since the epoch */
	/* Set by the first end to close: IPCSVC_REASON_*, IPCSVC_SIDE_*. */
	u32 close_reason;		/* chan->lock */
	unsigned int closed_by;		/* chan->lock */
	u8 mon_state;			/* netlink.c's monitor lock */
	/* area[s] is produced by side s; constant, counted. */
	struct ipcsvc_area *area[2];
	struct ipcsvc_service *svc;	/* constant; counted */
	struct list_head svc_node;	/* registry lock */
	struct list_head all_node;	/* registry lock; by id, once published */
	struct list_head backlog_node;	/* ipcsvc_service_close() only */
	u64 version;			/* constant */
	/* Credentials of each side at connect time; constant. */
	struct pid *pid[2];
	kuid_t euid[2];
	kgid_t egid[2];
	struct ipcsvc_user *user;	/* constant; charged for the channel */
};

struct ipcsvc_connect_params {
	const u8 *name;
	u32 name_len;
	u64 version;
	u64 max_size[2];		/* in: asked, 0 = the service's; out */
};

int ipcsvc_connect(struct ipcsvc_port *port, struct ipcsvc_connect_params *p,
		   struct ipcsvc_hobj **objp, u32 *handle);
void ipcsvc_connect_undo(struct ipcsvc_port *port, u32 handle,
			 struct ipcsvc_hobj *h);
void ipcsvc_endpoint_close(struct ipcsvc_endpoint *ep, u32 reason);
bool ipcsvc_channel_visible(const struct ipcsvc_channel *chan,
			    const struct cred *cred);

/* The ends' state, read together under chan->lock. */
struct ipcsvc_channel_state {
	bool closed[2];			/* [IPCSVC_SIDE_*] */
	u32 close_reason;		/* 0 while both ends are open */
	u32 closed_by;
};

void ipcsvc_channel_state(struct ipcsvc_channel *chan,
			  struct ipcsvc_channel_state *st);
void ipcsvc_channel_put(struct ipcsvc_channel *chan);
struct ipcsvc_area *ipcsvc_endpoint_area(struct ipcsvc_endpoint *ep, u32 dir);
int ipcsvc_channel_wait(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
			u64 value, s64 timeout, bool abstime);
int ipcsvc_channel_wake(struct ipcsvc_endpoint *ep, u32 dir);
int ipcsvc_channel_arm(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
		       u64 value);
void ipcsvc_channel_peer_creds(struct ipcsvc_endpoint *ep,
			       struct ipcsvc_port *viewer,
			       struct ipcsvc_peer_creds *pc);
void ipcsvc_service_gone(struct ipcsvc_channel *chan);

static inline struct ipcsvc_endpoint *ipcsvc_to_ep(struct ipcsvc_hobj *h)
{
	return container_of(h, struct ipcsvc_endpoint, h);
}

static inline struct ipcsvc_service *ipcsvc_to_svc(struct ipcsvc_hobj *h)
{
	return container_of(h, struct ipcsvc_service, h);
}

#endif /* IPCSVC_INTERNAL_H */
