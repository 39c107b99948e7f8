// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ports: one open of /dev/ipcsvc each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ipcsvc/ipcsvc.h"

struct ipcsvc_port {
	int fd;
};

const char *ipcsvc_library_version(void)
{
	return IPCSVC_LIB_RELEASE;
}

int ipcsvc_port_open(const char *path, struct ipcsvc_port **portp)
{
	struct ipcsvc_port *port;

	if (!portp)
		return -EINVAL;
	*portp = NULL;
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->fd = open(path ? path : "/dev/" IPCSVC_DEVICE_NAME,
			O_RDWR | O_CLOEXEC);
	if (port->fd < 0) {
		int err = -errno;

		free(port);
		return err;
	}
	*portp = port;
	return 0;
}

void ipcsvc_port_close(struct ipcsvc_port *port)
{
	if (!port)
		return;
	close(port->fd);
	free(port);
}

int ipcsvc_port_fd(const struct ipcsvc_port *port)
{
	return port ? port->fd : -EINVAL;
}

int ipcsvc_port_version(struct ipcsvc_port *port, struct ipcsvc_version *v)
{
	if (!port || !v)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(port->fd, IPCSVC_IOC_VERSION, v) < 0)
		return -errno;
	/* An older module fills less; it must still fill the first version. */
	if (v->size < IPCSVC_VERSION_SIZE_VER0 || v->size > sizeof(*v))
		return -EPROTO;
	v->release[sizeof(v->release) - 1] = '\0';
	return 0;
}
