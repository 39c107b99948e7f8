/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A payload pattern derived from a seed (a message id, say): a test fills
 * a message with it and checks on arrival that every byte came through,
 * in order and in place.
 */
#ifndef IPCSVC_TESTS_PATTERN_H
#define IPCSVC_TESTS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Fill @buf with the pattern of @seed. */
static inline void pattern(uint8_t *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* 1 if @buf holds the pattern of @seed, 0 otherwise. */
static inline int pattern_ok(const uint8_t *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(seed * 131 + i * 7 + (i >> 8)))
			return 0;
	return 1;
}

#endif /* IPCSVC_TESTS_PATTERN_H */
