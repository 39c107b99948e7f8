// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * insn_bench: the hot path's cost in instructions, which valgrind's
 * callgrind counts exactly, whatever else the machine is doing.
 *
 *	insn_bench N
 *
 * sends and receives N messages of 64 bytes in one object through a
 * module-less channel, in one thread: allocate, add the object, send,
 * receive, read the object, release. Run it under callgrind for two
 * values of N: the difference of the totals over the difference of N is
 * the cost of one message, with set-up and exit cancelled out
 * (tests/bench/insn-count does that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ipcsvc/ipcsvc.h"

#define PAGE	4096ULL
#define MAX	(64 * PAGE)

static void die(const char *what, int err)
{
	fprintf(stderr, "insn_bench: %s: %s\n", what, ipcsvc_strerror(err));
	exit(1);
}

int main(int argc, char **argv)
{
	struct ipcsvc_area_params ap = {
		.size = PAGE, .max_size = MAX, .protocol_version = 1,
		.protocol_name = "bench",
	};
	long n = argc > 1 ? atol(argv[1]) : 1000;
	struct ipcsvc_channel *tx, *rx;
	uint8_t payload[64];
	uint64_t sum = 0;
	int64_t bytes = ipcsvc_area_bytes(MAX);
	void *area;
	int rc;

	if (bytes < 0)
		die("area_bytes", (int)bytes);
	area = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap", -12);
	rc = ipcsvc_area_format(area, (size_t)bytes, &ap);
	if (!rc)
		rc = ipcsvc_channel_open(area, (size_t)bytes, NULL, 0, NULL, &tx);
	if (!rc)
		rc = ipcsvc_channel_open(NULL, 0, area, (size_t)bytes, NULL, &rx);
	if (rc)
		die("open", rc);
	memset(payload, 0x5a, sizeof(payload));
	for (long i = 0; i < n; i++) {
		struct ipcsvc_object obj = { 0 };
		struct ipcsvc_msg *m;

		rc = ipcsvc_channel_allocate_for_send(tx, sizeof(payload),
						      (uint64_t)i, 1, 0, &m);
		if (!rc)
			rc = ipcsvc_msg_add_object(m, 1, payload,
						   sizeof(payload));
		if (!rc)
			rc = ipcsvc_channel_send(tx, m);
		if (!rc)
			rc = ipcsvc_channel_receive(rx, &m);
		if (rc)
			die("send/receive", rc);
		if (ipcsvc_msg_next_object(m, &obj) != 1 || obj.length != 64)
			die("object", -74);
		/* read the payload, as a receiver does */
		for (unsigned int k = 0; k < obj.length; k += 8)
			sum += *(const uint64_t *)((const uint8_t *)obj.data + k);
		rc = ipcsvc_channel_release(rx, m);
		if (rc)
			die("release", rc);
	}
	ipcsvc_channel_close(tx);
	ipcsvc_channel_close(rx);
	printf("%ld messages (checksum %llx)\n", n, (unsigned long long)sum);
	return 0;
}
