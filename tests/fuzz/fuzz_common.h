/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared pieces of the libFuzzer targets in tests/fuzz/:
 *
 *  - an input reader that never runs out (bytes past the end read as 0);
 *  - oracles: FZ_CHECK() prints what was violated and traps, which
 *    libFuzzer reports as a crash and saves the input for;
 *  - bounded victim calls: FZ_CALL() arms a CLOCK_MONOTONIC POSIX timer
 *    (not SIGALRM, which libFuzzer's own -timeout uses) around every call
 *    into the library and traps when it fires, then also checks the
 *    elapsed time once the call returns. A hang in a victim call is thus a
 *    crash with the call's name on stderr, not a libFuzzer timeout only.
 *    FUZZ_CALL_LIMIT_MS overrides the limit (default 1000 ms: calls take
 *    microseconds; the slack is for a loaded two-core machine under ASan).
 *
 * Header-only. The bounded calls' state is one per program: the file with
 * LLVMFuzzerTestOneInput() defines it; a target's other files define
 * FZ_STATE_ELSEWHERE before including this header, and share it.
 */
#ifndef IPCSVC_FUZZ_COMMON_H
#define IPCSVC_FUZZ_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FZ_HAVE_ASAN 1
#endif
#endif
#ifndef FZ_HAVE_ASAN
#define ASAN_POISON_MEMORY_REGION(a, n)		((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n)	((void)(a), (void)(n))
#endif

/* ---- input ------------------------------------------------------------- */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	return (uint32_t)fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	return (uint64_t)fz_u32(in) | (uint64_t)fz_u32(in) << 32;
}

/* Up to @max bytes; *@len gets how many were there. */
static inline const uint8_t *fz_bytes(struct fz_in *in, size_t max, size_t *len)
{
	const uint8_t *p = in->p;

	*len = max < in->n ? max : in->n;
	in->p += *len;
	in->n -= *len;
	return p;
}

/* ---- oracles ----------------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2)))
static inline void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("\n*** ipcsvc fuzz oracle violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	__builtin_trap();
}

#define FZ_CHECK(cond, ...) \
	do { \
		if (__builtin_expect(!(cond), 0)) \
			fz_fail(__VA_ARGS__); \
	} while (0)

static inline bool fz_in_set(int rc, const int *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rc == set[i])
			return true;
	return false;
}

/* FZ_ALLOWED("call", rc, 0, -EAGAIN, ...): rc must be one of the list. */
#define FZ_ALLOWED(what, rc, ...) \
	do { \
		static const int fz_set_[] = { __VA_ARGS__ }; \
		int fz_rc_ = (rc); \
		FZ_CHECK(fz_in_set(fz_rc_, fz_set_, \
				   sizeof(fz_set_) / sizeof(fz_set_[0])), \
			 "%s returned %d (%s), not a documented status: " \
			 "allowed %s", (what), fz_rc_, strerror(-fz_rc_), \
			 #__VA_ARGS__); \
	} while (0)

/* ---- bounded calls ----------------------------------------------------- */

extern timer_t fz_timer;
extern bool fz_timer_ready;
extern const char *volatile fz_call_name;
extern uint64_t fz_call_t0;
extern uint64_t fz_limit_ns;
extern uint64_t fz_last_took;
/* FUZZ_TRACE=1: print every victim call and its result (to debug seeds) */
extern int fz_trace;

#ifndef FZ_STATE_ELSEWHERE
timer_t fz_timer;
bool fz_timer_ready;
const char *volatile fz_call_name = "";
uint64_t fz_call_t0;
uint64_t fz_limit_ns = 1000000000ULL;
uint64_t fz_last_took;
int fz_trace = -1;
#endif

static inline uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fz_timer_fired(int sig)
{
	static const char msg[] = "\n*** ipcsvc fuzz oracle violated: "
				  "victim call did not return in time: ";
	const char *name = fz_call_name;
	ssize_t ignored;

	(void)sig;
	ignored = write(2, msg, sizeof(msg) - 1);
	ignored = write(2, name, strlen(name));
	ignored = write(2, "\n", 1);
	(void)ignored;
	__builtin_trap();
}

static inline void fz_timer_init(void)
{
	struct sigaction sa;
	struct sigevent sev;
	const char *env = getenv("FUZZ_CALL_LIMIT_MS");

	if (fz_timer_ready)
		return;
	if (env && atoi(env) > 0)
		fz_limit_ns = (uint64_t)atoi(env) * 1000000ULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fz_timer_fired;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN + 3, &sa, NULL))
		abort();
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 3;
	if (timer_create(CLOCK_MONOTONIC, &sev, &fz_timer))
		abort();
	fz_timer_ready = true;
}

static inline void fz_begin(const char *name)
{
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(fz_limit_ns / 1000000000ULL),
			.tv_nsec = (long)(fz_limit_ns % 1000000000ULL),
		},
	};

	fz_call_name = name;
	fz_call_t0 = fz_now_ns();
	timer_settime(fz_timer, 0, &its, NULL);
}

static inline uint64_t fz_end(void)
{
	static const struct itimerspec off;
	uint64_t took;

	timer_settime(fz_timer, 0, &off, NULL);
	took = fz_now_ns() - fz_call_t0;
	FZ_CHECK(took < fz_limit_ns, "victim call %s took %llu ns",
		 fz_call_name, (unsigned long long)took);
	return took;
}

static inline void fz_trace_call(const char *name, long long rc)
{
	if (fz_trace < 0)
		fz_trace = getenv("FUZZ_TRACE") != NULL;
	if (fz_trace)
		fprintf(stderr, "  %s -> %lld\n", name, rc);
}

/* Run one victim call under the timer; evaluates to its result. */
#define FZ_CALL(name, expr) \
	({ \
		fz_begin(name); \
		__typeof__(expr) fz_r_ = (expr); \
		fz_last_took = fz_end(); \
		fz_trace_call(name, (long long)fz_r_); \
		fz_r_; \
	})

/* A timed call may say -ETIMEDOUT only once its deadline has passed. */
static inline void fz_check_timeout(const char *what, int rc, int64_t timeout_ns)
{
	FZ_CHECK(rc != -ETIMEDOUT || fz_last_took + 1000 >= (uint64_t)timeout_ns,
		 "%s: -ETIMEDOUT after %llu ns of a %lld ns timeout", what,
		 (unsigned long long)fz_last_took, (long long)timeout_ns);
}

/* ---- memory ------------------------------------------------------------ */

static inline uint64_t fz_page(void)
{
	static uint64_t page;

	if (!page)
		page = (uint64_t)sysconf(_SC_PAGESIZE);
	return page;
}

/* A payload byte: what object @obj of message @id holds at @i. */
static inline uint8_t fz_pat(uint64_t id, uint64_t obj, uint64_t i)
{
	return (uint8_t)(id * 131 + obj * 29 + i * 7 + (i >> 8));
}

/*
 * Bytes a message allocated for @size payload bytes in up to @count objects
 * takes (Documentation/library.md, section 2): the header, a 16-byte
 * header per object, and the 8-byte blocks the data can need at most,
 * which is when each object starts a block with one byte and the rest fill
 * whole ones. With no objects, @size to 8. Written from the documentation,
 * not from the library's ipcsvc_msg_space(), so that the two check each
 * other.
 */
static inline uint64_t fz_msg_len(uint64_t size, uint64_t count)
{
	uint64_t blocks;

	if (count == 0)
		return 40 + ((size + 7) & ~7ULL);
	blocks = count <= size ? count + (size - count) / 8 : size;
	return 40 + 16 * count + 8 * blocks;
}

/*
 * The largest message (header included) that the library always fits in
 * an empty ring of @size bytes; Documentation/library.md: two wrap markers
 * off, then half, rounded down to 8.
 */
static inline uint64_t fz_max_message(uint64_t size)
{
	return size < 56 ? 0 : ((size - 16) / 2) & ~7ULL;
}

#endif /* IPCSVC_FUZZ_COMMON_H */
