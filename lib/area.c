// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Buffer areas without the module: the library writes the identity the
 * kernel would otherwise write. The layout is the module's (see
 * <linux/ipcsvc.h>), but each area has three header pages of its own: the
 * identity at the start of the first, the producer words at
 * IPCSVC_CONTROL_PRODUCER of the second, the consumer words at
 * IPCSVC_CONTROL_CONSUMER of the third, then the data region.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"
#include "internal.h"

/* The words fit their control page, at its offset, on any page size. */
_Static_assert(sizeof(struct ipcsvc_area_identity) <= IPCSVC_IDENTITY_STRIDE,
	       "two identities share the identity page");
_Static_assert(IPCSVC_CONTROL_PRODUCER + sizeof(struct ipcsvc_area_producer) <=
	       IPCSVC_CONTROL_CONSUMER, "producer words overlap consumer words");
_Static_assert(IPCSVC_CONTROL_CONSUMER + sizeof(struct ipcsvc_area_consumer) <=
	       4096, "consumer words exceed the smallest page");

static uint64_t page_bytes(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

int64_t ipcsvc_area_bytes(uint64_t max_size)
{
	uint64_t page = page_bytes();

	if (!max_size || max_size % page || max_size > IPCSVC_AREA_MAX_SIZE_LIMIT)
		return -EINVAL;
	/* the identity page and two control pages, then the data region */
	return (int64_t)(3 * page + max_size);
}

int ipcsvc_area_format(void *mem, size_t len,
		       const struct ipcsvc_area_params *params)
{
	struct ipcsvc_area_identity *id = mem;
	uint64_t page = page_bytes();
	int64_t need;
	size_t name_len;

	if (!mem || !params || !params->protocol_name)
		return -EINVAL;
	if ((uintptr_t)mem % page)
		return -EINVAL;
	need = ipcsvc_area_bytes(params->max_size);
	if (need < 0)
		return (int)need;
	/* size 0: nothing committed; the producer's first send grows the
	 * area, as with the module */
	if (params->size % page || params->size > params->max_size)
		return -EINVAL;
	if (len < (uint64_t)need)
		return -ENOSPC;
	name_len = strnlen(params->protocol_name, IPCSVC_PROTOCOL_NAME_MAX + 1);
	if (!name_len || name_len > IPCSVC_PROTOCOL_NAME_MAX)
		return -EINVAL;

	/* Nobody may take the area for formatted while it is rewritten. */
	STORE_RELAXED(&id->magic, 0);
	memset((char *)mem + sizeof(id->reserved_lock) + sizeof(id->magic), 0,
	       3 * page - sizeof(id->reserved_lock) - sizeof(id->magic));
	id->reserved_lock = 0;
	id->size = params->size;
	id->protocol_version = params->protocol_version;
	id->protocol_name_len = name_len;
	memcpy(id->protocol_name, params->protocol_name, name_len);
	id->max_size = params->max_size;
	id->producer_offset = page + IPCSVC_CONTROL_PRODUCER;
	id->consumer_offset = 2 * page + IPCSVC_CONTROL_CONSUMER;
	id->data_offset = 3 * page;
	id->area_bytes = (uint64_t)need;
	/* pairs with the acquire of identity.magic in dir_open() in channel.c */
	STORE_RELEASE(&id->magic, IPCSVC_AREA_MAGIC);
	return 0;
}

/*
 * An area shared as a memfd is only as safe as its size: a peer that
 * shrinks the file makes every access past the new end SIGBUS in every
 * process that maps it. Seals are only ever added, never removed, so once
 * F_SEAL_SHRINK is there the size checked after it holds for good.
 */
int ipcsvc_area_check_fd(int fd, uint64_t len)
{
	struct stat st;
	int seals;

	if (fd < 0)
		return -EBADF;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		/* EINVAL: not a memfd (or other shmem file): no seals */
		return errno == EINVAL ? -EPERM : -errno;
	if (!(seals & F_SEAL_SHRINK))
		return -EPERM;
	/* after the seal check: from here on the size cannot drop */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	if ((uint64_t)st.st_size < len)
		return -ENOSPC;
	return 0;
}
