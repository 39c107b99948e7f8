// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module backend's mappings of one channel end.
 *
 * A channel opens on the end's header mapping alone (IPCSVC_MAP_HEADERS):
 * three pages that hold every word of both areas but their data, mapped
 * with one mmap(). Mappings of that size made one after another land next
 * to each other, so the header pages of many idle channels share a few
 * page-table pages, where a mapping of whole areas needs one of its own
 * for each channel as soon as its first pages are touched. The data
 * regions are mapped whole on first use (module_map_data(), through the
 * engine's map_data): a channel that never carries a message never maps
 * them. A module without header mappings gets the whole areas at once.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/*
 * What MAP_INFO says of area @dir of @mc's channel end, with @flags,
 * checked like anything else the module answers: an area holds at least
 * the pages before its data region; a mapping of it holds the area and
 * more, a header mapping exactly those pages.
 */
static int area_info(const struct ipcsvc_module_ctx *mc, uint32_t dir,
		     uint32_t flags, struct ipcsvc_map_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	mi->size = sizeof(*mi);
	mi->handle = mc->handle;
	mi->dir = dir;
	mi->flags = flags;
	if (ioctl(mc->fd, IPCSVC_IOC_MAP_INFO, mi))
		return -errno;
	if (mi->area_bytes > SIZE_MAX || mi->map_size > SIZE_MAX ||
	    !mi->data_offset || mi->area_bytes < mi->data_offset)
		return -EPROTO;
	if (flags & IPCSVC_MAP_HEADERS ? mi->map_size != mi->data_offset :
					 mi->map_size <= mi->area_bytes)
		return -EPROTO;
	return 0;
}

/* mmap() what @mi describes; *@p and *@len only once it is mapped. */
static int map_at(const struct ipcsvc_module_ctx *mc,
		  const struct ipcsvc_map_info *mi, uint8_t **p, size_t *len)
{
	void *m = mmap(NULL, (size_t)mi->map_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, mc->fd, (off_t)mi->offset);

	/* EINVAL: the module refused the mapping it described */
	if (m == MAP_FAILED)
		return errno == EINVAL ? -EPROTO : -errno;
	*p = m;
	*len = (size_t)mi->map_size;
	return 0;
}

/*
 * Map both areas of the channel end whole: in one mapping, the TX area's
 * then the RX area's, where the module offers it (IPCSVC_MAP_CHANNEL: one
 * mmap() and one VMA rather than two) and the address space has room for
 * both in one piece, else one each. The producer side writes its control
 * page (producer words) and the data, the consumer side its control page
 * (consumer words); the module enforces which page each may write,
 * whatever the protection asked for here. The engine checks what the
 * identities say.
 */
static int map_whole(struct ipcsvc_module_ctx *mc)
{
	struct ipcsvc_map_info tx, rx;
	uint64_t tx_len;
	bool one = true;
	int rc;

	rc = area_info(mc, IPCSVC_DIR_TX, IPCSVC_MAP_CHANNEL, &tx);
	if (rc == -EINVAL) {
		/* a module without the flag */
		one = false;
		rc = area_info(mc, IPCSVC_DIR_TX, 0, &tx);
	}
	if (!rc)
		rc = area_info(mc, IPCSVC_DIR_RX, 0, &rx);
	if (rc)
		return rc;
	/* the TX half is the TX area's own mapping: the area, then a guard
	 * page, which keeps the RX half page-aligned */
	tx_len = one ? tx.map_size - rx.map_size : tx.map_size;
	if (one && (tx.map_size <= rx.map_size ||
		    tx_len != tx.area_bytes + (uint64_t)sysconf(_SC_PAGESIZE)))
		return -EPROTO;
	rc = map_at(mc, &tx, &mc->tx, &mc->tx_len);
	if (rc == -ENOMEM && one) {
		/* No room for both in one piece (a 32-bit process, say):
		 * one mapping each, as from an older module, each as the
		 * module describes it. */
		one = false;
		rc = area_info(mc, IPCSVC_DIR_TX, 0, &tx);
		if (!rc)
			rc = map_at(mc, &tx, &mc->tx, &mc->tx_len);
	}
	if (rc)
		return rc;
	mc->tx_bytes = tx.area_bytes;
	mc->rx_bytes = rx.area_bytes;
	mc->tx_id_off = tx.identity_offset;
	mc->rx_id_off = rx.identity_offset;
	if (!one) {
		rc = map_at(mc, &rx, &mc->rx, &mc->rx_len);
		if (rc) {
			munmap(mc->tx, mc->tx_len);
			mc->tx = NULL;
		}
		return rc;
	}
	/* unmapped with the TX area: rx_len stays 0 */
	mc->rx = mc->tx + tx_len;
	return 0;
}

/* The whole-area views of what map_whole() mapped. */
static void whole_views(const struct ipcsvc_module_ctx *mc,
			struct ipcsvc__area_view *tx,
			struct ipcsvc__area_view *rx)
{
	if (tx)
		*tx = (struct ipcsvc__area_view){ .area = mc->tx,
			.len = (size_t)mc->tx_bytes, .id_off = mc->tx_id_off };
	if (rx)
		*rx = (struct ipcsvc__area_view){ .area = mc->rx,
			.len = (size_t)mc->rx_bytes, .id_off = mc->rx_id_off };
}

int ipcsvc__module_map(struct ipcsvc_module_ctx *mc,
		       struct ipcsvc__area_view *tx,
		       struct ipcsvc__area_view *rx)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct ipcsvc_map_info hi, ri;
	uint8_t *h;
	int rc;

	rc = area_info(mc, IPCSVC_DIR_TX, IPCSVC_MAP_HEADERS, &hi);
	if (rc == -EINVAL) {
		/* a module without header mappings */
		rc = map_whole(mc);
		if (!rc)
			whole_views(mc, tx, rx);
		return rc;
	}
	if (!rc)
		rc = area_info(mc, IPCSVC_DIR_RX, 0, &ri);
	if (rc)
		return rc;
	/* the module's layout, which the pages below assume: identity,
	 * then this end's control page, then the peer's; the two
	 * identities side by side in the first */
	if (hi.map_size != 3 * page || ri.data_offset != hi.data_offset ||
	    (hi.identity_offset < ri.identity_offset ?
	     ri.identity_offset - hi.identity_offset :
	     hi.identity_offset - ri.identity_offset) <
	    sizeof(struct ipcsvc_area_identity))
		return -EPROTO;
	rc = map_at(mc, &hi, &mc->hdr, &mc->hdr_len);
	if (rc)
		return rc;
	h = mc->hdr;
	/* Our control page holds the producer words of the area we send on
	 * and the consumer words of the one we receive on; the peer's page
	 * the others. */
	*tx = (struct ipcsvc__area_view){ .id_off = hi.identity_offset,
		.page = { h, h + page, h + 2 * page } };
	*rx = (struct ipcsvc__area_view){ .id_off = ri.identity_offset,
		.page = { h, h + 2 * page, h + page } };
	return 0;
}

/* The engine's map_data: the whole areas, mapped on first use. */
int ipcsvc__module_map_data(void *ctx, struct ipcsvc__area_view *tx,
			    struct ipcsvc__area_view *rx)
{
	struct ipcsvc_module_ctx *mc = ctx;
	int rc = mc->tx ? 0 : map_whole(mc);

	if (!rc)
		whole_views(mc, tx, rx);
	return rc;
}

void ipcsvc__module_unmap(struct ipcsvc_module_ctx *mc)
{
	if (mc->hdr)
		munmap(mc->hdr, mc->hdr_len);
	if (mc->tx)
		munmap(mc->tx, mc->tx_len);
	if (mc->rx_len)
		munmap(mc->rx, mc->rx_len);
	mc->hdr = mc->tx = mc->rx = NULL;
	mc->hdr_len = mc->tx_len = mc->rx_len = 0;
}
