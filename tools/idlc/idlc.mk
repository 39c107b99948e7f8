# ipcsvc-idlc, the protocol compiler (tools/idlc/, Documentation/idl.md).
# Included by the top-level Makefile after its variables and default goal.
#
#   make idlc          build/bin/ipcsvc-idlc (also part of `make tools`)
#   make idlc-asan     the same under ASan+UBSan, for tests/run-idl-tests
#   make install       also installs the binary, ipcsvc-idlc(1) and the
#                      make rules users include (tools/idlc/idl.mk), which
#                      the pkg-config variables idlc and idl_rules name
#
# The fuzz target tests/fuzz/fuzz_idl.c links the compiler's phases, not
# the library: its explicit rules below take precedence over the pattern
# rules that build the other fuzz targets.

IDLC          := $(B)/bin/ipcsvc-idlc
IDLC_ASAN     := $(B)/idlc-asan/ipcsvc-idlc
IDLC_SRCS     := $(sort $(wildcard tools/idlc/*.c))
IDLC_CORE     := $(filter-out tools/idlc/main.c,$(IDLC_SRCS))
IDLC_HDRS     := $(wildcard tools/idlc/*.h) include/ipcsvc/channel.h \
		 include/ipcsvc/call.h
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share

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
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		   $(DESTDIR)$(DATADIR)/ipcsvc
	install -m 755 $(IDLC) $(DESTDIR)$(BINDIR)/
	install -m 644 Documentation/man/ipcsvc-idlc.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 tools/idlc/idl.mk $(DESTDIR)$(DATADIR)/ipcsvc/

uninstall: uninstall-idlc
uninstall-idlc:
	rm -f $(DESTDIR)$(BINDIR)/ipcsvc-idlc \
	      $(DESTDIR)$(DATADIR)/ipcsvc/idl.mk
	-rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(DATADIR)/ipcsvc 2>/dev/null

# The generated C of the protocols the tests speak (tests/idl/runtime/):
# $(IDL_GEN)/<name>.h and .c, named as the protocol names them. The host
# tests of generated code include it (tests/host/idl_*_test.c), so they
# depend on it and find it on their include path.
IDL_GEN       := $(B)/idl-gen
IDL_RUNTIME   := $(patsubst tests/idl/runtime/%.idl,$(IDL_GEN)/%.c,\
		   $(wildcard tests/idl/runtime/*.idl))
IDL_HOST_TESTS := $(foreach v,$(HOST_VARIANTS),\
		   $(patsubst tests/host/%.c,$(B)/host-$(v)/tests/%,\
		     $(wildcard tests/host/idl_*_test.c)))

$(IDL_GEN)/%.c $(IDL_GEN)/%.h: tests/idl/runtime/%.idl $(IDLC)
	@mkdir -p $(@D)
	$(IDLC) -o $(@D) $<

$(IDL_HOST_TESTS): $(IDL_RUNTIME) $(IDL_RUNTIME:.c=.h)
$(IDL_HOST_TESTS): TEST_CFLAGS += -I$(IDL_GEN)

# The same code over the module, in the guests: a selftest that reuses the
# host tests' echoing server (tests/host/idl_kinds.h).
IDL_SELFTESTS := $(B)/tests/selftests/idl_kinds_test \
		 $(B)/tests/selftests-m32/idl_kinds_test-m32
$(IDL_SELFTESTS): $(IDL_RUNTIME) $(IDL_RUNTIME:.c=.h) \
		  $(wildcard tests/host/*.h)
$(IDL_SELFTESTS): TEST_CFLAGS += -I$(IDL_GEN)

# examples/counter/: a protocol, its server and its client, built over the
# C ipcsvc-idlc generates into build/examples/counter/, as a user's
# Makefile with tools/idlc/idl.mk would build them.
EXAMPLE_GEN   := $(B)/examples/counter
IDL_EXAMPLES  := $(B)/examples/counter_server $(B)/examples/counter_client
examples: $(IDL_EXAMPLES)

$(EXAMPLE_GEN)/counter.c $(EXAMPLE_GEN)/counter.h &: examples/counter/counter.idl $(IDLC)
	@mkdir -p $(@D)
	$(IDLC) -o $(@D) $<

$(IDL_EXAMPLES): $(B)/examples/%: examples/counter/%.c $(EXAMPLE_GEN)/counter.c \
		 $(EXAMPLE_GEN)/counter.h $(LIB_SO) $(LIB_HDRS)
	$(CC) $(ALL_CFLAGS) -I$(EXAMPLE_GEN) -o $@ $< $(EXAMPLE_GEN)/counter.c \
		-L$(B)/lib -lipcsvc -lpthread -Wl,-rpath,'$$ORIGIN/../lib'

# ipcsvc-demo speaks tools/demo/echo.idl through the C generated from it;
# static, like every program the guests run.
DEMO_GEN      := $(B)/demo-gen
$(DEMO_GEN)/echo.c $(DEMO_GEN)/echo.h &: tools/demo/echo.idl $(IDLC)
	@mkdir -p $(@D)
	$(IDLC) -o $(@D) $<

$(B)/bin/ipcsvc-demo: tools/demo/ipcsvc-demo.c $(DEMO_GEN)/echo.c \
		      $(DEMO_GEN)/echo.h $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(DEMO_GEN) -static -o $@ $< $(DEMO_GEN)/echo.c \
		$(LIB_A) -lpthread
