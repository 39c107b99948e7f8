// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Stream baselines: what a one-way stream of messages costs without
 * ipcsvc.
 *
 *   SPSC ring  the least a shared-memory queue does: fixed slots, a head
 *              and a tail index on cache lines of their own, the payload
 *              copied into a slot by the producer (side B) and read in
 *              place by the consumer (side A), which measures
 *   memcpy     one process copying each payload into the same amount of
 *              memory: the bandwidth of the one copy every stream makes
 */
#include <sched.h>
#include <unistd.h>

#include "bench.h"

struct spsc {
	_Alignas(64) _Atomic uint64_t head;	/* consumer: next slot to read */
	_Alignas(64) _Atomic uint64_t tail;	/* producer: next slot to fill */
	_Alignas(64) uint64_t nslots;		/* read-only after setup */
	uint64_t slot_bytes;
	_Alignas(64) uint8_t slot[];
};

static int spsc_setup(struct run *r)
{
	uint64_t slot_bytes = (r->size + 63) & ~63ULL;
	uint64_t ring = stream_ring_bytes(r->size);
	size_t page = page_size();
	struct spsc *s;

	for (int i = 0; i < 4; i++)
		r->fd[i] = -1;
	r->shm_len = (sizeof(*s) + ring + page - 1) & ~(page - 1);
	r->shm = s = bench_shm(r->shm_len);
	if (!s)
		return -ENOMEM;
	s->slot_bytes = slot_bytes;
	s->nslots = ring / slot_bytes;
	return 0;
}

static void spsc_teardown(struct run *r)
{
	bench_shm_free(r);
}

/* Wait, as spin_wait_u32() does, until @ok(@s, @i) holds. */
static void spsc_wait(struct spsc *s, uint64_t i,
		      int (*ok)(struct spsc *s, uint64_t i))
{
	unsigned int n = 0;

	while (!ok(s, i)) {
		spin_pause();
		if (!(++n & 63))
			sched_yield();
	}
}

static int has_room(struct spsc *s, uint64_t tail)
{
	return tail - atomic_load_explicit(&s->head, memory_order_acquire) <
	       s->nslots;
}

static int has_msg(struct spsc *s, uint64_t head)
{
	return atomic_load_explicit(&s->tail, memory_order_acquire) != head;
}

static void spsc_a(struct run *r)
{
	struct spsc *s = r->shm;
	uint64_t n = r->warmup + r->iters, t0 = 0, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		spsc_wait(s, i, has_msg);
		sum += payload_read(s->slot + (i % s->nslots) * s->slot_bytes,
				    r->size);
		atomic_store_explicit(&s->head, i + 1, memory_order_release);
	}
	r->ns = bench_now() - t0;
	bench_check(r, sum, n);
}

static void spsc_b(struct run *r)
{
	struct spsc *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters;

	for (uint64_t i = 0; i < n; i++) {
		spsc_wait(s, i, has_room);
		memcpy(s->slot + (i % s->nslots) * s->slot_bytes, src, r->size);
		atomic_store_explicit(&s->tail, i + 1, memory_order_release);
	}
}

static void memcpy_a(struct run *r)
{
	struct spsc *s = r->shm;
	uint8_t *src = payload_make(r, r->size);
	uint64_t n = r->warmup + r->iters, t0 = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (i == r->warmup)
			t0 = bench_now();
		memcpy(s->slot + (i % s->nslots) * s->slot_bytes, src, r->size);
		/* the copy is the work: keep every one of them */
		__asm__ __volatile__("" ::: "memory");
	}
	r->ns = bench_now() - t0;
}

const struct bench_case case_spsc = {
	.id = "spsc", .label = "minimal SPSC ring",
	.section = SEC_STREAM,
	.setup = spsc_setup, .side_a = spsc_a, .side_b = spsc_b,
	.teardown = spsc_teardown,
};

const struct bench_case case_memcpy = {
	.id = "memcpy", .label = "memcpy, one process",
	.section = SEC_STREAM,
	.setup = spsc_setup, .side_a = memcpy_a,
	.teardown = spsc_teardown,
};
