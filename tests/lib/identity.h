/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's identity of a buffer area, written in userspace for tests
 * and fuzzers that play the module's part over plain memory.
 */
#ifndef IPCSVC_TESTS_IDENTITY_H
#define IPCSVC_TESTS_IDENTITY_H

#include <stdint.h>
#include <string.h>
#include <linux/ipcsvc.h>

/*
 * Write an identity as the module does: @size committed and @max_size
 * data bytes, protocol @name (at most IPCSVC_PROTOCOL_NAME_MAX bytes)
 * version 1, offsets from the area's start (which is not where the
 * identity is when it sits at IPCSVC_IDENTITY_STRIDE) for pages of @page
 * bytes; the magic last, with release, as the module publishes it.
 */
static inline void test_identity_write(struct ipcsvc_area_identity *id,
				       uint64_t size, uint64_t max_size,
				       uint64_t page, const char *name)
{
	memset(id, 0, sizeof(*id));
	id->size = size;
	id->protocol_version = 1;
	id->protocol_name_len = strlen(name);
	memcpy(id->protocol_name, name, strlen(name));
	id->max_size = max_size;
	id->producer_offset = page + IPCSVC_CONTROL_PRODUCER;
	id->consumer_offset = 2 * page + IPCSVC_CONTROL_CONSUMER;
	id->data_offset = 3 * page;
	id->area_bytes = 3 * page + max_size;
	__atomic_store_n(&id->magic, IPCSVC_AREA_MAGIC, __ATOMIC_RELEASE);
}

#endif /* IPCSVC_TESTS_IDENTITY_H */
