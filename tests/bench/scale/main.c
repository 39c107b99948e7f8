// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Servers with many clients, through the module: what an event-loop server
 * and its clients cost, each figure next to its reference in the same
 * boot. It reports; it asserts nothing about speed.
 *
 *	scale_bench [-q] [-j FILE] [-s SECTION]
 *
 *  - delivery: request/reply through one server's event loop with N
 *    channels connected (N = 10 .. 10,000), against N = 1;
 *  - event loop: a client streaming 64 B messages to an event-loop server
 *    (arm, receive until empty, re-arm) against the same stream to a
 *    server blocked in receive; WAKE calls per message (the module's
 *    counter) and the server's read()s per message (/proc/thread-self/io);
 *  - connect: connect to accepted, against AF_UNIX connect + accept; then
 *    each system call of a connect on its own, through the raw ABI, and
 *    what the first touch of a freshly zeroed page costs;
 *  - memory: MemAvailable spent per idle channel over 1,000 channels,
 *    against a Unix socket pair;
 *  - fan-in: calls/s of 8 clients of one event-loop server against one
 *    client, pinned to the CPUs and unpinned.
 *
 * Needs /dev/ipcsvc and root (it raises the module's per-user limits for
 * the 10,000-channel figure, and puts them back).
 */
#include "scale.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} sections[] = {
		/* memory first, before the large runs leave frees in flight */
		{ "memory", bench_memory },
		{ "delivery", bench_delivery },
		{ "event-loop", bench_event_loop },
		{ "connect", bench_connect },
		{ "fan-in", bench_fanin },
	};
	const char *json_path = NULL, *only = NULL;
	bool found = false;
	int opt;

	while ((opt = getopt(argc, argv, "qj:s:")) != -1) {
		switch (opt) {
		case 'q':
			quick = true;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 's':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: scale_bench [-q] [-j FILE] "
				"[-s memory|delivery|event-loop|connect|fan-in]\n");
			return 2;
		}
	}
	if (access("/dev/" IPCSVC_DEVICE_NAME, R_OK | W_OK)) {
		fprintf(stderr, "scale_bench: needs /dev/%s (the module)\n",
			IPCSVC_DEVICE_NAME);
		return 2;
	}
	if (json_path) {
		json = fopen(json_path, "we");
		if (!json)
			die(json_path, -errno);
		fprintf(json, "[");
	}
	unpin();
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (only && strcmp(only, sections[i].name))
			continue;
		sections[i].run();
		found = true;
	}
	if (!found) {
		fprintf(stderr, "scale_bench: no section %s\n", only);
		return 2;
	}
	if (json) {
		fprintf(json, "\n]\n");
		fclose(json);
	}
	return 0;
}
