# ipcsvcctl, the introspection tool (tools/ipcsvcctl/, ipcsvcctl(8)), over
# libmnl (Debian's libmnl-dev). Included by the top-level Makefile after
# its variables and default goal.
#
#   make tools         also builds build/bin/ipcsvcctl
#   make install       also installs it in $(SBINDIR); `make install`
#                      already installs ipcsvcctl(8) and the UAPI headers
#
# Debian ships libmnl only as a shared library, so ipcsvcctl is linked
# dynamically; the guests get it with the libraries it needs
# (tools/vm/run-guest --tool). libipcsvc, for ipcsvc_strerror(), is linked
# statically.

IPCSVCCTL      := $(B)/bin/ipcsvcctl
IPCSVCCTL_SRCS := $(sort $(wildcard tools/ipcsvcctl/*.c))
IPCSVCCTL_HDRS := $(wildcard tools/ipcsvcctl/*.h) \
		  include/uapi/linux/ipcsvc.h include/uapi/linux/ipcsvc_netlink.h
SBINDIR        ?= $(PREFIX)/sbin
MNL_CFLAGS     := $(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS       := $(or $(shell pkg-config --libs libmnl 2>/dev/null),-lmnl)

.PHONY: ipcsvcctl install-ipcsvcctl uninstall-ipcsvcctl
ipcsvcctl: $(IPCSVCCTL)
tools: $(IPCSVCCTL)

$(IPCSVCCTL): $(IPCSVCCTL_SRCS) $(IPCSVCCTL_HDRS) $(LIB_A) $(LIB_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MNL_CFLAGS) -DIPCSVCCTL_VERSION='"$(VERSION)"' \
	      -o $@ $(IPCSVCCTL_SRCS) $(LIB_A) $(MNL_LIBS) -lpthread

install: install-ipcsvcctl
install-ipcsvcctl: $(IPCSVCCTL)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 755 $(IPCSVCCTL) $(DESTDIR)$(SBINDIR)/

uninstall: uninstall-ipcsvcctl
uninstall-ipcsvcctl:
	rm -f $(DESTDIR)$(SBINDIR)/ipcsvcctl
	-rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(SBINDIR) 2>/dev/null
