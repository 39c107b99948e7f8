// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ipcsvc-demo: what `make demo` runs inside a guest with the module loaded.
 */
#include <stdio.h>
#include <string.h>

#include "ipcsvc/ipcsvc.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	struct ipcsvc_port *port;
	struct ipcsvc_version v;
	int ret;

	ret = ipcsvc_port_open(path, &port);
	if (ret) {
		fprintf(stderr, "ipcsvc-demo: cannot open %s: %s\n",
			path ? path : "/dev/" IPCSVC_DEVICE_NAME, strerror(-ret));
		return 1;
	}
	ret = ipcsvc_port_version(port, &v);
	if (ret) {
		fprintf(stderr, "ipcsvc-demo: version query failed: %s\n",
			strerror(-ret));
		ipcsvc_port_close(port);
		return 1;
	}
	printf("ipcsvc-demo: opened /dev/%s (fd %d)\n", IPCSVC_DEVICE_NAME,
	       ipcsvc_port_fd(port));
	printf("ipcsvc-demo: module %s (ABI %u), library %s\n", v.release,
	       v.abi, ipcsvc_library_version());
	ipcsvc_port_close(port);
	return 0;
}
