# ipcsvc-idlc, the protocol compiler (tools/idlc/, Documentation/idl.md).
# Included by the top-level Makefile after its variables and default goal.
#
#   make idlc          build/bin/ipcsvc-idlc (also part of `make tools`)
#   make idlc-asan     the same under ASan+UBSan, for tests/run-idl-tests
#   make install       also installs the binary and ipcsvc-idlc(1)
#
# The fuzz target tests/fuzz/fuzz_idl.c links the compiler's phases, not
# the library: its explicit rules below take precedence over the pattern
# rules that build the other fuzz targets.

IDLC          := $(B)/bin/ipcsvc-idlc
IDLC_ASAN     := $(B)/idlc-asan/ipcsvc-idlc
IDLC_SRCS     := $(sort $(wildcard tools/idlc/*.c))
IDLC_CORE     := $(filter-out tools/idlc/main.c,$(IDLC_SRCS))
IDLC_HDRS     := $(wildcard tools/idlc/*.h) include/ipcsvc/channel.h
BINDIR        ?= $(PREFIX)/bin

.PHONY: idlc idlc-asan install-idlc uninstall-idlc
idlc: $(IDLC)
idlc-asan: $(IDLC_ASAN)
tools: $(IDLC)

# A host tool: dynamically linked, unlike the guest tools.
$(IDLC): $(IDLC_SRCS) $(IDLC_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(IDLC_SRCS)

$(IDLC_ASAN): $(IDLC_SRCS) $(IDLC_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_asan) -o $@ $(IDLC_SRCS)

$(B)/fuzz/fuzz_idl: tests/fuzz/fuzz_idl.c $(IDLC_CORE) $(IDLC_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARNINGS) -Itools/idlc -fsanitize=fuzzer \
	      -o $@ $< $(IDLC_CORE)

$(B)/fuzz-cov/fuzz_idl: tests/fuzz/fuzz_idl.c $(IDLC_CORE) $(IDLC_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARNINGS) -Itools/idlc -fsanitize=fuzzer \
	      -fprofile-instr-generate -fcoverage-mapping \
	      -o $@ $< $(IDLC_CORE)

install: install-idlc
install-idlc: $(IDLC)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(IDLC) $(DESTDIR)$(BINDIR)/
	install -m 644 Documentation/man/ipcsvc-idlc.1 $(DESTDIR)$(MANDIR)/man1/

uninstall: uninstall-idlc
uninstall-idlc:
	rm -f $(DESTDIR)$(BINDIR)/ipcsvc-idlc
	-rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(BINDIR) 2>/dev/null
