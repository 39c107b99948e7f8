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
 *          svc->port) and a temporary one for a connect in progress. The
 *          file's release closes every handle, which drops the attached
 *          references, so a port is freed once its file and every
 *          in-flight connect are gone.
 *
 * service  Counted by ->ref: one reference for the handle-table entry of its
 *          owner port, one for every channel created through it
 *          (chan->svc) and temporary ones for lookups. It is in the
 *          registry from creation until its handle is closed.
 *
 * channel  Counted by ->ref: one reference for each of its two ends while
 *          that end's handle exists, and temporary ones taken by a handle
 *          lookup for the duration of an ioctl. It owns one reference on
 *          each of its two areas.
 *
 * area     Counted by ->ref: one reference from its channel and one from
 *          every mapping (the anonymous file behind each VMA holds it). Its
 *          pages are freed only when the last reference goes, so a survivor's
 *          mappings stay valid after the peer and even the channel are gone.
 *
 * user     Per-uid accounting record, counted by ->ref: one reference for
 *          every service, channel and area charged to it.
 *
 * Locking
 * =======
 *
 * In the order they may nest (outermost first):
 *
 *   ipcsvc_registry_lock (mutex)  the service table, svc->registered,
 *                                 svc->port, svc->channels, chan->svc_node
 *   port->lock (mutex)            port->handles, port->dead
 *   area->lock (mutex)            growth of one area
 *   chan->lock (spinlock)         ep->port, ep->closed, ep->armed
 *   port->ev_lock (spinlock)      port->ev_ready and every evsrc of the port
 *   area->kview_lock (spinlock)   area->kaddr
 *   ipcsvc_users_lock (spinlock)  the per-user table
 *
 * A port lock nests inside the registry lock only in
 * ipcsvc_service_create(); no port lock is ever held while the registry
 * lock is taken, and no two port locks are held together. No lock is held
 * across a user copy, so none is ever taken inside a page fault on our
 * behalf; the fault handler itself takes none.
 */
#ifndef IPCSVC_INTERNAL_H
#define IPCSVC_INTERNAL_H

#include <linux/ipcsvc.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
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
struct pid;
struct pid_namespace;

/* Module parameters (main.c); read with READ_ONCE(). */
extern unsigned int ipcsvc_max_handles;		/* per port */
extern unsigned int ipcsvc_max_services;	/* per user */
extern unsigned int ipcsvc_max_channels;	/* per user */
extern unsigned long ipcsvc_max_user_bytes;	/* committed, per user */
extern unsigned long ipcsvc_max_buffer_size;	/* per area data region */

/* The largest data region any area may have, whatever the parameter says. */
#define IPCSVC_BUFFER_SIZE_LIMIT	SZ_1G

/* Fill @v with the module's version; @v->size is left to the caller. */
void ipcsvc_version_fill(struct ipcsvc_version *v);

/* ---- per-user accounting (registry.c) ---- */

struct ipcsvc_user {
	struct hlist_node node;		/* ipcsvc_users_lock */
	kuid_t uid;
	refcount_t ref;
	atomic_t services;
	atomic_t channels;
	atomic_long_t bytes;		/* committed area bytes */
};

struct ipcsvc_user *ipcsvc_user_get(kuid_t uid);
void ipcsvc_user_put(struct ipcsvc_user *user);
int ipcsvc_user_charge_service(struct ipcsvc_user *user);
void ipcsvc_user_uncharge_service(struct ipcsvc_user *user);
int ipcsvc_user_charge_channel(struct ipcsvc_user *user);
void ipcsvc_user_uncharge_channel(struct ipcsvc_user *user);
int ipcsvc_user_charge_bytes(struct ipcsvc_user *user, unsigned long bytes);
void ipcsvc_user_uncharge_bytes(struct ipcsvc_user *user, unsigned long bytes);

/* ---- events (event.c) ---- */

/* Event bits, in the order a handle's pending events are delivered. */
#define IPCSVC_EVB_CONNECTED	BIT(0)
#define IPCSVC_EVB_READABLE	BIT(1)
#define IPCSVC_EVB_WRITABLE	BIT(2)
#define IPCSVC_EVB_PEER_CLOSED	BIT(3)
#define IPCSVC_EVB_SERVICE_GONE	BIT(4)
#define IPCSVC_EVB_ALL		GENMASK(4, 0)

/*
 * struct ipcsvc_evsrc - the event state of one handle. All fields but
 * @handle are protected by the owning port's ev_lock.
 */
struct ipcsvc_evsrc {
	struct list_head node;	/* on port->ev_ready while @pending */
	u32 pending;		/* IPCSVC_EVB_* */
	u32 handle;		/* set once before the handle is published */
	bool dead;		/* handle closed: no more events */
	u64 connected_a;	/* payload of the CONNECTED event */
	u64 connected_c;
};

/* ---- ports and handles (port.c) ---- */

enum ipcsvc_htype {
	IPCSVC_H_SERVICE = 1,
	IPCSVC_H_CHANNEL,
};

/* The common head of every object a handle can name. */
struct ipcsvc_hobj {
	enum ipcsvc_htype type;
	struct ipcsvc_evsrc ev;
};

struct ipcsvc_port {
	struct kref ref;
	struct mutex lock;		/* the handle table */
	struct xarray handles;		/* lock; u32 -> struct ipcsvc_hobj */
	unsigned int nr_handles;	/* lock */
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
	wait_queue_head_t ev_wq;	/* poll() */
};

struct ipcsvc_port *ipcsvc_port_create(struct ipc_namespace *ipc_ns,
				       struct pid_namespace *pid_ns,
				       const struct cred *cred);
void ipcsvc_port_get(struct ipcsvc_port *port);
void ipcsvc_port_put(struct ipcsvc_port *port);
/* Close every handle; the port accepts no new ones. For file release. */
void ipcsvc_port_shutdown(struct ipcsvc_port *port);
int ipcsvc_port_install(struct ipcsvc_port *port, struct ipcsvc_hobj *h,
			u32 *handle);
void ipcsvc_port_uninstall(struct ipcsvc_port *port, u32 handle);
struct ipcsvc_hobj *ipcsvc_port_lookup(struct ipcsvc_port *port, u32 handle,
				       enum ipcsvc_htype type);
int ipcsvc_port_close_handle(struct ipcsvc_port *port, u32 handle);
void ipcsvc_hobj_put(struct ipcsvc_hobj *h);

/* event.c */
void ipcsvc_event_post(struct ipcsvc_port *port, struct ipcsvc_evsrc *src,
		       u32 bits);
void ipcsvc_event_kill(struct ipcsvc_port *port, struct ipcsvc_evsrc *src);
size_t ipcsvc_event_take(struct ipcsvc_port *port, struct ipcsvc_event *ev,
			 size_t max);
bool ipcsvc_event_pending(struct ipcsvc_port *port);

/* ---- services (registry.c) ---- */

struct ipcsvc_service {
	struct ipcsvc_hobj h;
	struct kref ref;
	struct hlist_node node;		/* registry lock */
	bool registered;		/* registry lock */
	struct ipcsvc_port *port;	/* registry lock; counted */
	struct list_head channels;	/* registry lock; chan->svc_node */

	/* Constant after creation. */
	struct ipc_namespace *ipc_ns;	/* the registry key, with the name */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u64 version;
	u32 name_len;
	u8 name[IPCSVC_PROTOCOL_NAME_MAX];
	struct pid *pid;		/* the creator, for peer credentials */
	kuid_t euid;
	kgid_t egid;
	const struct cred *cred;	/* the creator's; for CAP_DAC_OVERRIDE */
	struct ipcsvc_user *user;
};

int ipcsvc_name_check(const u8 *name, u32 len);
int ipcsvc_service_create(struct ipcsvc_port *port, const u8 *name,
			  u32 name_len, u64 version, umode_t mode,
			  u32 *handle);
struct ipcsvc_service *ipcsvc_service_lookup(struct ipc_namespace *ns,
					     const u8 *name, u32 name_len);
bool ipcsvc_service_may_connect(const struct ipcsvc_service *svc,
				const struct cred *cred, bool dac_override);
void ipcsvc_service_close(struct ipcsvc_service *svc);
void ipcsvc_service_put(struct ipcsvc_service *svc);
struct ipcsvc_port *ipcsvc_service_attach(struct ipcsvc_service *svc,
					  struct ipcsvc_channel *chan);
void ipcsvc_service_detach(struct ipcsvc_channel *chan);
unsigned int ipcsvc_registry_count(void);
void ipcsvc_registry_assert_held(void);

/* ---- buffer areas (area.c) ---- */

struct ipcsvc_area {
	struct kref ref;
	struct mutex lock;		/* serialises growth */
	struct page **pages;		/* [nr_max]; entries below nr_committed */
	unsigned long nr_max;		/* pages, header and data, no guard */
	/*
	 * Pages committed: header pages plus committed data pages. Written
	 * under ->lock with smp_store_release() once pages[] is filled.
	 */
	unsigned long nr_committed;
	u64 max_size;			/* data bytes */
	struct ipcsvc_user *user;	/* charged for the committed pages */

	spinlock_t kview_lock;		/* the kernel view */
	void *kaddr;			/* kview_lock; vmap() of committed pages */

	wait_queue_head_t wq;		/* WAIT sleepers of both sides */
	atomic_t rd_seq;		/* bumped by a TX wake of the producer */
	atomic_t wr_seq;		/* bumped by an RX wake of the consumer */
	bool dead;			/* an end closed; READ_ONCE/WRITE_ONCE */
};

/*
 * mmap() offsets name an area: page offset (handle * 2 + dir) <<
 * IPCSVC_MMAP_TOKEN_SHIFT, the low bits being the page within the area.
 */
#define IPCSVC_MMAP_TOKEN_SHIFT		20

#define IPCSVC_AREA_PRODUCER_PAGE	1
#define IPCSVC_AREA_CONSUMER_PAGE	2

struct ipcsvc_area *ipcsvc_area_create(u64 max_size, u64 version,
				       const u8 *name, u32 name_len,
				       struct ipcsvc_user *user);
void ipcsvc_area_get(struct ipcsvc_area *area);
void ipcsvc_area_put(struct ipcsvc_area *area);
int ipcsvc_area_grow(struct ipcsvc_area *area, u64 new_size);
u64 ipcsvc_area_committed(struct ipcsvc_area *area);
int ipcsvc_area_check_word(const struct ipcsvc_area *area, u64 offset);
u64 ipcsvc_area_read_word(struct ipcsvc_area *area, u64 offset);
u64 ipcsvc_area_read_identity(struct ipcsvc_area *area, size_t field);
void ipcsvc_area_kill(struct ipcsvc_area *area);
struct page *ipcsvc_area_page(struct ipcsvc_area *area, unsigned long idx);
bool ipcsvc_area_may_write(unsigned long idx, bool producer);
int ipcsvc_area_mmap(struct ipcsvc_area *area, struct vm_area_struct *vma,
		     bool producer);

/* ---- channels (channel.c) ---- */

#define IPCSVC_SIDE_CLIENT	0
#define IPCSVC_SIDE_SERVER	1

struct ipcsvc_endpoint {
	struct ipcsvc_hobj h;
	struct ipcsvc_channel *chan;
	unsigned int side;
	struct ipcsvc_port *port;	/* chan->lock; counted; NULL once closed */
	bool closed;			/* chan->lock */
	u32 armed;			/* chan->lock; EVB_READABLE/WRITABLE */
};

struct ipcsvc_channel {
	struct kref ref;
	spinlock_t lock;		/* the ends' state */
	struct ipcsvc_endpoint ep[2];
	/* area[s] is produced by side s; constant, counted. */
	struct ipcsvc_area *area[2];
	struct ipcsvc_service *svc;	/* counted */
	struct list_head svc_node;	/* registry lock */
	u64 version;
	/* Credentials of each side at connect time; constant. */
	struct pid *pid[2];
	kuid_t euid[2];
	kgid_t egid[2];
	struct ipcsvc_user *user;	/* charged for the channel */
};

int ipcsvc_connect(struct ipcsvc_port *port, const u8 *name, u32 name_len,
		   u64 version, u64 max_send, u64 max_recv, u32 *handle);
void ipcsvc_endpoint_close(struct ipcsvc_endpoint *ep);
void ipcsvc_channel_put(struct ipcsvc_channel *chan);
struct ipcsvc_area *ipcsvc_endpoint_area(struct ipcsvc_endpoint *ep, u32 dir);
int ipcsvc_channel_wait(struct ipcsvc_endpoint *ep, u32 dir, u64 offset,
			u64 value, s64 timeout_ns);
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
