/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipcsvc tracepoints (TRACE_SYSTEM ipcsvc): services created and closed,
 * connects, accepts, channel ends closed with the reason, growth, waits,
 * wakes and events raised. Use them with ftrace (events/ipcsvc/ in
 * tracefs) or perf (-e 'ipcsvc:*'). Channels are named by their
 * introspection id (Documentation/netlink.md), sides as 0 client and
 * 1 server, directions as IPCSVC_DIR_* of the end that calls, reasons as
 * IPCSVC_REASON_*. observe.c defines them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ipcsvc

#if !defined(IPCSVC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define IPCSVC_TRACE_H

#include <linux/pid.h>
#include <linux/tracepoint.h>

#include "ipcsvc.h"

DECLARE_EVENT_CLASS(ipcsvc_service_class,
		    TP_PROTO(const struct ipcsvc_service *svc, u32 reason),
		    TP_ARGS(svc, reason),
		    TP_STRUCT__entry(__field(u64, id)
				     __array(char, name, IPCSVC_PROTOCOL_NAME_MAX + 1)
				     __field(u32, mode)
				     __field(u32, reason)),
		    TP_fast_assign(__entry->id = svc->id;
				   memcpy(__entry->name, svc->name, svc->name_len);
				   __entry->name[svc->name_len] = '\0';
				   __entry->mode = svc->mode;
				   __entry->reason = reason;),
		    TP_printk("service=%llu name=%s mode=%#o reason=%u",
			      __entry->id, __entry->name, __entry->mode,
			      __entry->reason)
);

DEFINE_EVENT(ipcsvc_service_class, ipcsvc_service_create,
	     TP_PROTO(const struct ipcsvc_service *svc, u32 reason),
	     TP_ARGS(svc, reason));

DEFINE_EVENT(ipcsvc_service_class, ipcsvc_service_close,
	     TP_PROTO(const struct ipcsvc_service *svc, u32 reason),
	     TP_ARGS(svc, reason));

TRACE_EVENT(ipcsvc_connect,
	    TP_PROTO(const struct ipcsvc_channel *chan),
	    TP_ARGS(chan),
	    TP_STRUCT__entry(__field(u64, chan)
			     __field(u64, service)
			     __field(pid_t, client)
			     __field(u64, to_server)
			     __field(u64, to_client)),
	    TP_fast_assign(__entry->chan = chan->id;
			   __entry->service = chan->svc->id;
			   __entry->client = pid_nr(chan->pid[IPCSVC_SIDE_CLIENT]);
			   __entry->to_server = chan->area[IPCSVC_SIDE_CLIENT]->max_size;
			   __entry->to_client = chan->area[IPCSVC_SIDE_SERVER]->max_size;),
	    TP_printk("chan=%llu service=%llu client=%d to_server=%llu to_client=%llu",
		      __entry->chan, __entry->service, __entry->client,
		      __entry->to_server, __entry->to_client)
);

/* The server read a new channel's ServiceConnected as @handle. */
TRACE_EVENT(ipcsvc_accept,
	    TP_PROTO(u64 chan, u32 handle),
	    TP_ARGS(chan, handle),
	    TP_STRUCT__entry(__field(u64, chan)
			     __field(u32, handle)),
	    TP_fast_assign(__entry->chan = chan;
			   __entry->handle = handle;),
	    TP_printk("chan=%llu handle=%u",
		      __entry->chan, __entry->handle)
);

/* An end closed; @reason is the channel's, as its first end recorded it. */
TRACE_EVENT(ipcsvc_channel_close,
	    TP_PROTO(u64 chan, unsigned int side, u32 reason, bool first),
	    TP_ARGS(chan, side, reason, first),
	    TP_STRUCT__entry(__field(u64, chan)
			     __field(unsigned int, side)
			     __field(u32, reason)
			     __field(bool, first)),
	    TP_fast_assign(__entry->chan = chan;
			   __entry->side = side;
			   __entry->reason = reason;
			   __entry->first = first;),
	    TP_printk("chan=%llu side=%u reason=%u first=%d",
		      __entry->chan, __entry->side, __entry->reason,
		      __entry->first)
);

TRACE_EVENT(ipcsvc_grow,
	    TP_PROTO(u64 chan, unsigned int side, u64 want, u64 committed, int ret),
	    TP_ARGS(chan, side, want, committed, ret),
	    TP_STRUCT__entry(__field(u64, chan)
			     __field(unsigned int, side)
			     __field(u64, want)
			     __field(u64, committed)
			     __field(int, ret)),
	    TP_fast_assign(__entry->chan = chan;
			   __entry->side = side;
			   __entry->want = want;
			   __entry->committed = committed;
			   __entry->ret = ret;),
	    TP_printk("chan=%llu side=%u want=%llu committed=%llu ret=%d",
		      __entry->chan, __entry->side, __entry->want,
		      __entry->committed, __entry->ret)
);

TRACE_EVENT(ipcsvc_wait_begin,
	    TP_PROTO(u64 chan, unsigned int side, u32 dir, u64 offset, u64 value, s64 timeout),
	    TP_ARGS(chan, side, dir, offset, value, timeout),
	    TP_STRUCT__entry(__field(u64, chan)
			     __field(unsigned int, side)
			     __field(u32, dir)
			     __field(u64, offset)
			     __field(u64, value)
			     __field(s64, timeout)),
	    TP_fast_assign(__entry->chan = chan;
			   __entry->side = side;
			   __entry->dir = dir;
			   __entry->offset = offset;
			   __entry->value = value;
			   __entry->timeout = timeout;),
	    TP_printk("chan=%llu side=%u dir=%u offset=%#llx value=%llu timeout=%lld",
		      __entry->chan, __entry->side, __entry->dir,
		      __entry->offset, __entry->value, __entry->timeout)
);

DECLARE_EVENT_CLASS(ipcsvc_dir_class,
		    TP_PROTO(u64 chan, unsigned int side, u32 dir, int ret),
		    TP_ARGS(chan, side, dir, ret),
		    TP_STRUCT__entry(__field(u64, chan)
				     __field(unsigned int, side)
				     __field(u32, dir)
				     __field(int, ret)),
		    TP_fast_assign(__entry->chan = chan;
				   __entry->side = side;
				   __entry->dir = dir;
				   __entry->ret = ret;),
		    TP_printk("chan=%llu side=%u dir=%u ret=%d",
			      __entry->chan, __entry->side, __entry->dir,
			      __entry->ret)
);

DEFINE_EVENT(ipcsvc_dir_class, ipcsvc_wait_end,
	     TP_PROTO(u64 chan, unsigned int side, u32 dir, int ret),
	     TP_ARGS(chan, side, dir, ret));

DEFINE_EVENT(ipcsvc_dir_class, ipcsvc_wake,
	     TP_PROTO(u64 chan, unsigned int side, u32 dir, int ret),
	     TP_ARGS(chan, side, dir, ret));

/* @bits (IPCSVC_EVB_*) newly pending on the port handle @handle. */
TRACE_EVENT(ipcsvc_event_post,
	    TP_PROTO(u32 handle, u32 bits),
	    TP_ARGS(handle, bits),
	    TP_STRUCT__entry(__field(u32, handle)
			     __field(u32, bits)),
	    TP_fast_assign(__entry->handle = handle;
			   __entry->bits = bits;),
	    TP_printk("handle=%u bits=%#x",
		      __entry->handle, __entry->bits)
);

#endif /* IPCSVC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
