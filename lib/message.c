// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The objects of a message: appending them to one being written, and
 * walking those of one received (or written so far), checking each
 * against the message's bounds again (the peer may have changed them
 * since receipt).
 */
#include <errno.h>
#include <string.h>

#include "queue.h"

/*
 * Append an object header for @length bytes to @msg, a message being
 * written, and point *@datap at its data: 0, or the caller's error.
 */
static inline int msg_reserve(struct ipcsvc_msg *msg, uint64_t object_id,
			      uint64_t length, void **datap)
{
	uint8_t *p;
	uint64_t room;
	int rc = tx_msg_check(msg);

	if (rc)
		return rc;
	if (msg->object_count >= msg->object_limit)
		return -E2BIG;
	room = msg->length - msg->fill;
	if (room < OBJ_BYTES || length > room - OBJ_BYTES ||
	    IPCSVC_OBJECT_SPACE(length) > room)
		return -EMSGSIZE;
	p = msg->ch->tx->d.data + msg->start + msg->fill;
	st64(p, object_id);
	st64(p + 8, length);
	/* Zero the padding so no stale bytes reach the peer. */
	if (length % 8)
		memset(p + OBJ_BYTES + length, 0, 8 - length % 8);
	msg->fill += IPCSVC_OBJECT_SPACE(length);
	msg->object_count++;
	*datap = p + OBJ_BYTES;
	return 0;
}

int ipcsvc_msg_reserve_object(struct ipcsvc_msg *msg, uint64_t object_id,
			      uint64_t length, void **datap)
{
	if (!datap)
		return -EINVAL;
	*datap = NULL;
	return msg_reserve(msg, object_id, length, datap);
}

int ipcsvc_msg_add_object(struct ipcsvc_msg *msg, uint64_t object_id,
			  const void *data, uint64_t length)
{
	void *dst;
	int rc;

	if (!data && length)
		return -EINVAL;
	rc = msg_reserve(msg, object_id, length, &dst);
	if (!rc && length)
		memcpy(dst, data, length);
	return rc;
}

static inline bool msg_live(const struct ipcsvc_msg *msg)
{
	const struct ipcsvc_channel *ch;

	if (!msg || !msg->ch)
		return false;
	ch = msg->ch;
	if (msg->tx ? !ch->tx || !slot_of(&ch->tx->slot, msg) :
		      !ch->rx || !slot_of(&ch->rx->slot, msg))
		return false;
	return atomic_load_explicit(&((struct ipcsvc_msg *)msg)->state,
				    memory_order_relaxed) ==
	       SLOT_WORD(msg->ticket, SLOT_RESERVED);
}

int ipcsvc_msg_info(const struct ipcsvc_msg *msg, struct ipcsvc_msg_info *info)
{
	if (!info || !msg_live(msg))
		return -EINVAL;
	info->id = msg->id;
	info->flags = msg->flags;
	info->length = msg->length;
	info->object_count = msg->object_count;
	return 0;
}

int ipcsvc_msg_next_object(const struct ipcsvc_msg *msg,
			   struct ipcsvc_object *obj)
{
	const uint8_t *data;
	uint64_t p, olen, end;

	if (!obj || !msg_live(msg))
		return -EINVAL;
	if (msg->tx) {
		/* Our own message, as written so far: its end is private. */
		data = msg->ch->tx->d.data;
		end = msg->start + msg->fill;
	} else {
		if (is_broken(&msg->ch->rx->d))
			return -EBADMSG;
		data = msg->ch->rx->d.data;
		end = msg_end(msg);
	}
	if (obj->index > msg->object_count)
		return -EINVAL;
	if (obj->index == msg->object_count)
		return 0;
	p = obj->index ? obj->cursor : msg->start + HDR_BYTES;
	/* The cursor is the caller's: it must be one we handed out. */
	if (p < msg->start + HDR_BYTES || p > end || p % 8)
		return -EINVAL;
	if (end - p < OBJ_BYTES)
		return msg->tx ? -EBADMSG : mark_broken(&msg->ch->rx->d, false);
	/*
	 * Read once and checked, even in a message being written: with a
	 * module-less channel the peer can write our ring too. Only a
	 * received message's direction is marked broken by it.
	 */
	olen = ld64(data + p + 8);
	/* end and p are multiples of 8, so the room is too: an object no
	 * longer than the room fits with its padding */
	if (olen > end - p - OBJ_BYTES)
		return msg->tx ? -EBADMSG : mark_broken(&msg->ch->rx->d, false);
	obj->id = ld64(data + p);
	obj->length = olen;
	obj->data = data + p + OBJ_BYTES;
	obj->cursor = p + OBJ_BYTES + align8(olen);
	obj->index++;
	return 1;
}
