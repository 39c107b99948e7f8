// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_events: the library's side of a port, with the module played by the
 * target. Event records (struct ipcsvc_event, or anything shorter or longer)
 * are written into one end of a SOCK_SEQPACKET socketpair whose other end
 * is the port's fd, so read() hands the library one record per call as the
 * module does, and EAGAIN when none is pending. The ioctl(), mmap() and
 * munmap() calls that lib/service.c, lib/port.c, lib/module_backend.c and
 * lib/module_map.c make on that fd reach the handlers in events_module.c
 * and events_maps.c (the link wraps those symbols:
 * -Wl,--wrap=ioctl,--wrap=mmap,--wrap=munmap), which answer as the module
 * would, or with the errors the man pages list for it: a fake module.
 *
 * Covered: ipcsvc_port_read_event() and ipcsvc_port_wait_event() (record to
 * struct ipcsvc_port_event, with the cookies of ipcsvc_service_set_cookie()
 * and ipcsvc_conn_set_cookie()), ipcsvc_service_create_attr(),
 * ipcsvc_service_accept() and ipcsvc_service_reject() (parsing of ServiceConnected, mapping the
 * areas from MAP_INFO, or the header pages and the areas on first use,
 * opening the channel over the module backend), ipcsvc_client_connect(),
 * the module backend's WAIT/WAKE/GROW and data mapping through a
 * connection's channel, ipcsvc_conn_arm(), ipcsvc_conn_peer_creds(),
 * ipcsvc_conn_peer_pidfd(), ipcsvc_port_version(), the closes, and the
 * port's reference count (its fd is closed with the last reference).
 *
 * The input is a script: one byte per operation (op % EV_COUNT) and its
 * arguments; the fake module's answers (MAP_INFO fields, identity patches,
 * errors of GROW, WAIT, CONNECT, ...) come from it too, and whether it
 * has the channel mapping (MAP_INFO's IPCSVC_MAP_CHANNEL) or answers the
 * flag -EINVAL as a module before it did, so that the library maps the
 * areas in one mapping or falls back to one each; and whether it has
 * header mappings (IPCSVC_MAP_HEADERS; bit 3 of the first byte, then a
 * knob), so that the library opens a channel on its header pages and
 * maps the areas at the first message, or, with a module before them,
 * maps the areas at once.
 *
 * Oracles: documented statuses only; a record of exactly 32 bytes comes
 * out with every field equal and the cookie last set on its handle (none
 * once that was closed); any other length, which the module never returns,
 * is -EPROTO; none is -EAGAIN (or -ETIMEDOUT after its deadline);
 * accept and reject return -EINVAL exactly when the event is not a
 * ServiceConnected of the service, and then ask the module nothing; a
 * failed accept or connect closes the announced handle once and unmaps
 * everything it mapped; with a module that answers as the real one, an
 * accept of an announced channel and a connect succeed (the library found
 * both areas, or the header pages, where they were mapped); an accept or
 * connect maps the header pages alone where the module has them, else
 * both areas; a connection on header pages maps both areas at its first
 * send or receive and never again, and a module that answers as the real
 * one, as it did for the header pages, gets no -EPROTO for them; only
 * until then may a receive fail as that mapping fails (-ENOMEM, -EPROTO,
 * -EBADSLT); MAP_INFO's flags are IPCSVC_MAP_CHANNEL or
 * IPCSVC_MAP_HEADERS, each with IPCSVC_DIR_TX only; the library maps
 * exactly what MAP_INFO said, the channel mapping where it was offered,
 * and unmaps each mapping whole; a connection's close closes its handle
 * and unmaps everything it mapped; ARM names producer.published (RX) or
 * consumer.consumed (TX); the port's fd stays open while anything holds
 * the port and is closed after the last; no mapping of the fake device
 * outlives the input.
 */
#include <fcntl.h>
#include <sys/socket.h>

#include "fuzz_format.h"
#include "fuzz_events.h"

uint64_t fe_page;
struct fe_app fe_app;

/* Is the port's fd open? */
static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void op_close_svc(void)
{
	int rc;

	if (!fe_app.svc)
		return;
	fe_mod.closing_svc = true;
	if (fe_app.svc_cookie)
		fe_model_set_cookie((uint32_t)ipcsvc_service_handle(fe_app.svc),
				    NULL);
	rc = FZ_CALL("ipcsvc_service_close", ipcsvc_service_close(fe_app.svc));
	fe_mod.closing_svc = false;
	FZ_ALLOWED("ipcsvc_service_close", rc, 0, -EBADSLT);
	fe_app.svc = NULL;
	fe_app.svc_cookie = NULL;
}

static void op_close_port(void)
{
	if (!fe_app.port)
		return;
	ipcsvc_port_close(fe_app.port);
	fe_app.port = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct ipcsvc_service_attr sa;
	int sv[2], rc, port_fd;
	unsigned int nops = 0;
	uint8_t b0;
	char name[80];
	uint8_t nl;

	if (!fe_page) {
		fe_page = fz_page();
		fz_timer_init();
	}
	fe_release();
	memset(&fe_mod, 0, sizeof(fe_mod));
	memset(&fe_app, 0, sizeof(fe_app));
	fe_mod.port_fd = -1;
	fe_mod.max_pages = 1;
	fe_mod.version_size = 56;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, sv))
		abort();
	fe_app.port = calloc(1, sizeof(*fe_app.port));
	if (!fe_app.port)
		abort();
	atomic_init(&fe_app.port->ref, 1);
	fe_app.port->fd = port_fd = fe_mod.port_fd = sv[0];
	fe_mod.ev_fd = sv[1];

	/* a service to accept for */
	b0 = fz_u8(&in);
	nl = fz_u8(&in) % 70;
	memset(name, 's', sizeof(name));
	name[nl] = '\0';
	fe_mod.svc = 1 + b0 % 8;
	/* a module with header mappings, or one from before them (a knob
	 * changes it later) */
	fe_mod.headers = b0 & 8;
	memset(&sa, 0, sizeof(sa));
	sa.max_to_server = (b0 & 0x80) ? (1ULL << 32) : 0;
	fe_mod.create_err = (b0 & 0x40) ? EADDRINUSE : 0;
	rc = FZ_CALL("ipcsvc_service_create_attr",
		     ipcsvc_service_create_attr(fe_app.port, name, 1,
				(b0 & 0x20) ? 01000 : 0666, &sa, &fe_app.svc));
	FZ_ALLOWED("ipcsvc_service_create_attr", rc, 0, -EINVAL, -EMSGSIZE,
		   -EADDRINUSE);
	if (nl == 0 || nl > 64 || (b0 & 0x20))
		FZ_CHECK(rc == -EINVAL, "service_create with a bad argument: %d",
			 rc);
	else if (b0 & 0x80)
		FZ_CHECK(rc == -EMSGSIZE, "service_create beyond 2 GiB: %d", rc);
	else
		FZ_CHECK(rc == -fe_mod.create_err, "service_create: %d", rc);
	fe_mod.create_err = 0;
	if (rc)
		fe_mod.svc = 0;
	else
		FZ_CHECK(ipcsvc_service_handle(fe_app.svc) == (int)fe_mod.svc &&
			 ipcsvc_service_fd(fe_app.svc) == port_fd,
			 "service handle/fd");

	while (fz_more(&in) && nops++ < 300) {
		switch (fz_u8(&in) % EV_COUNT) {
		case EV_PUSH: fe_push_record(&in); break;
		case EV_READ: fe_op_read(&in); break;
		case EV_ACCEPT: fe_op_accept(&in, false); break;
		case EV_REJECT: fe_op_accept(&in, true); break;
		case EV_CONNECT: fe_op_connect(&in); break;
		case EV_CONN: fe_op_conn(&in); break;
		case EV_KNOB: fe_op_knob(&in); break;
		case EV_CLOSE_SVC: op_close_svc(); break;
		case EV_CLOSE_PORT: op_close_port(); break;
		}
		FZ_CHECK(fd_open(port_fd) ==
			 (fe_app.port || fe_app.svc || fe_app.nconn),
			 "the port's fd is %s, port %p, service %p, %u "
			 "connections", fd_open(port_fd) ? "open" : "closed",
			 (void *)fe_app.port, (void *)fe_app.svc, fe_app.nconn);
	}
	/* everything goes; the fd with the last reference */
	op_close_svc();
	while (fe_app.nconn) {
		/* operation 9 of fe_op_conn(): close the first connection */
		struct fz_in none = { (const uint8_t *)"\x09\x00", 2 };

		fe_op_conn(&none);
	}
	FZ_CHECK(fe_mod.nmap == 0, "%u mappings of the device left",
		 fe_mod.nmap);
	FZ_CHECK(!fe_app.port || fd_open(port_fd), "port fd closed early");
	op_close_port();
	FZ_CHECK(!fd_open(port_fd), "the port's fd outlived its last reference");
	close(sv[1]);
	fe_release();
	return 0;
}
