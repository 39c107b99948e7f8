/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of fuzz_events share: the fake module's state, the
 * application's, and the operations the script decodes to. fuzz_events.c
 * describes the input and the oracles.
 */
#ifndef IPCSVC_FUZZ_EVENTS_H
#define IPCSVC_FUZZ_EVENTS_H

#include "fuzz_common.h"
#include "../../lib/internal.h"

#define MAX_HANDLES	16
#define MAX_MAPS	16
#define MAX_CONNS	4
#define MAX_PATCH	8

extern uint64_t fe_page;

/* ---- the fake module (events_module.c, events_maps.c) -------------------- */

/* a bigger mmap() of the device is -ENOMEM */
#define FE_MAP_CAP	(4u << 20)

/* the answers a mapping is for, other than an area's own direction */
#define FE_CHANNEL	2		/* IPCSVC_MAP_CHANNEL */
#define FE_HEADERS	3		/* IPCSVC_MAP_HEADERS */

/*
 * One mapping from the fake device: an area, with the channel and
 * direction it is for and what the module would have put there, or an
 * end's header pages (@dir FE_HEADERS). An area has its own mapping, or
 * is one half of a channel mapping (IPCSVC_MAP_CHANNEL: the TX area, then
 * the RX area at the TX area's map_size), which the library unmaps as
 * one: @base and @base_len are that mmap(). A mapping of a channel that
 * has a header store (struct fchan) shows the store's pages (@shared).
 */
struct fmap {
	uint8_t *addr;
	size_t len;			/* the answer's map_size */
	uint8_t *base;
	size_t base_len;
	uint32_t handle, dir;
	uint64_t id_off, max, committed;
	bool shared;
};

/*
 * An answer of MAP_INFO, as the module keeps it to check the mmap() that
 * follows and to fill the mapping: where and how long, and the area's
 * identity offset and (for the fill) data size.
 */
struct fmi {
	bool valid;
	bool used;			/* mapped (channel: tried) since answered */
	uint64_t offset, map_size, id_off, max;
};

/*
 * A channel of a module with header mappings, as the module holds it:
 * one piece of shared memory, the three header pages (the identity page
 * with both identities, this end's control page, the peer's) and then
 * each area's data region, FE_MAP_CAP bytes apart. Every mapping of the
 * channel made after its first header mapping shows these pages, as the
 * real module's do, so that the library's writes through one mapping, the
 * fake peer's and the module's growth agree whichever mapping they go
 * through, and a peer can publish before the data regions are mapped.
 * Its identities are written once, when the first header mapping makes
 * it, as that mapping's answers say; the module's later answers for the
 * channel put them where they are, whatever else they say. The committed
 * sizes are the module's own record (GROW, and the fake peer's first
 * page).
 */
struct fchan {
	uint8_t *store;
	uint64_t id_off[2], max[2], committed[2];
};

/* The module's state, and the knobs the script sets. */
struct fe_module {
	int port_fd, ev_fd;
	uint32_t svc;			/* the service's handle, 0: none */
	uint32_t chan[MAX_HANDLES];	/* channel handles the module knows */
	bool chan_open[MAX_HANDLES];
	unsigned int nchan;
	unsigned long closes[MAX_HANDLES];	/* IOC_CLOSE per channel */
	unsigned long ioctls, map_infos;
	struct fmap map[MAX_MAPS];
	unsigned int nmap;
	/*
	 * MAP_INFO as answered, per channel (by fe_chan_index()) and
	 * direction, and with IPCSVC_MAP_CHANNEL: the library must mmap()
	 * exactly one of these. The handle last asked about comes first
	 * (with mi_raw every answer has the same offset).
	 */
	struct fmi mi[MAX_HANDLES][2];
	struct fmi mi_chan[MAX_HANDLES];
	struct fmi mi_hdr[MAX_HANDLES];	/* IPCSVC_MAP_HEADERS */
	uint32_t mi_last;
	struct fchan hs[MAX_HANDLES];	/* header stores, per channel */
	/* knobs set by the script */
	bool mi_raw;			/* MAP_INFO fields from the input */
	uint64_t raw[6];		/* map_size, area_bytes, max, committed, id_off, offset */
	uint64_t raw_chan;		/* mi_raw: IPCSVC_MAP_CHANNEL's map_size, 0: the sum */
	bool no_chan;			/* a module without IPCSVC_MAP_CHANNEL */
	bool headers;			/* a module with IPCSVC_MAP_HEADERS */
	uint64_t raw_hdr;		/* mi_raw: the header answer's map_size, 0: data_offset */
	bool raw_one_id;		/* mi_raw: both identities at raw[4] */
	uint64_t max_pages;		/* sane MAP_INFO: data pages */
	uint64_t rx_pages;		/* sane MAP_INFO: the RX area's more */
	uint64_t id_off;		/* sane MAP_INFO: identity offset */
	uint64_t patch_off[MAX_PATCH], patch_val[MAX_PATCH];
	unsigned int npatch;
	int grow_err, wait_err, wake_err, create_err, connect_err;
	int creds_err;
	uint32_t creds_pid[2];		/* pids answered in turn */
	unsigned int creds_calls;
	int version_size;
	bool closed;			/* the channel's identity says closed */
	bool closing_svc;		/* inside ipcsvc_service_close() */
	unsigned long waits;
};

extern struct fe_module fe_mod;

int fe_chan_index(uint32_t h);
struct fmap *fe_find_map(uint32_t handle, uint32_t dir);
bool fe_sane(void);
unsigned int fe_open_maps(void);
struct fchan *fe_store(uint32_t handle);
uint8_t *fe_store_data(const struct fchan *s, uint32_t dir);
bool fe_same_geometry(uint32_t handle);
bool fe_id_in_page(uint64_t id_off);
uint64_t fe_id_off_of(uint64_t off, uint32_t dir);
struct ipcsvc_area_identity *fe_store_id(const struct fchan *s, uint32_t dir);
void fe_commit(uint32_t handle, uint32_t dir, uint64_t size);
void fe_release(void);
void fe_op_knob(struct fz_in *in);

/* ---- the application ----------------------------------------------------- */

struct rec_q {
	uint8_t len;
	uint8_t b[48];
};

/*
 * The application's side, as the script drives it: the library's objects
 * it holds, the records queued for it to read, and what it must see.
 */
struct fe_app {
	struct ipcsvc_port *port;	/* NULL once the script closed it */
	struct ipcsvc_service *svc;
	struct ipcsvc_conn *conn[MAX_CONNS];
	uint32_t conn_handle[MAX_CONNS];
	unsigned int conn_maps[MAX_CONNS];	/* fake mappings each has made */
	bool conn_data[MAX_CONNS];	/* its data regions mapped for sure */
	unsigned int nconn;
	struct rec_q q[8];		/* records in the socket, in order */
	unsigned int qh, qn;
	struct ipcsvc_port_event last;	/* the last event read */
	void *conn_cookie[MAX_CONNS];	/* as set on each connection */
	void *svc_cookie;
	/* the port's table as it must be: handle -> cookie */
	uint32_t ck_handle[MAX_CONNS + 1];
	void *ck[MAX_CONNS + 1];
	unsigned int nck;
	bool have_last;
	uint64_t published;		/* per connection would be nicer; one */
};

extern struct fe_app fe_app;

/* the records in the socket, and the events read (events_records.c) */
void fe_model_set_cookie(uint32_t h, void *cookie);
void fe_push_record(struct fz_in *in);
void fe_op_read(struct fz_in *in);
/* accept, reject, connect, and the connections' calls (events_conn.c) */
void fe_op_accept(struct fz_in *in, bool reject);
void fe_op_connect(struct fz_in *in);
void fe_op_conn(struct fz_in *in);

#endif /* IPCSVC_FUZZ_EVENTS_H */
