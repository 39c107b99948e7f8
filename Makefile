# ipcsvc top-level build. `make` builds the module, the library and the
# tools; `make check` runs every test; `make demo` shows the product running
# in a guest kernel. See README.md.

VERSION    := $(shell cat VERSION)
# Before 1.0 every minor release may break the ABI, so it names the
# soname too: libipcsvc.so.0.2, then libipcsvc.so.1 from 1.0 on.
VERSION_PARTS := $(subst ., ,$(VERSION))
SOVERSION  := $(if $(filter 0,$(word 1,$(VERSION_PARTS))),0.$(word 2,$(VERSION_PARTS)),$(word 1,$(VERSION_PARTS)))
B          := build
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
BINDIR     ?= $(PREFIX)/bin
DESTDIR    ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wpointer-arith -Wformat=2
CPPFLAGS_IPCSVC := -Iinclude -Iinclude/uapi -D_GNU_SOURCE \
		   -DIPCSVC_LIB_RELEASE='"$(VERSION)"'
ALL_CFLAGS := -std=gnu11 $(WARNINGS) $(CPPFLAGS_IPCSVC) $(CFLAGS)

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_HDRS := $(wildcard include/ipcsvc/*.h) include/uapi/linux/ipcsvc.h \
	    $(wildcard lib/*.h)
LIB_SO   := $(B)/lib/libipcsvc.so.$(VERSION)
LIB_A    := $(B)/lib/libipcsvc.a

TOOLS    := $(B)/bin/ipcsvc-demo

# Kernel sources for tests: the kselftest harness is used from Debian's
# kernel source, extracted into the cache (recursive: evaluated on use).
KSRC      = $(shell tools/vm/kernel-source)
KSFT_DIR  = $(KSRC)/tools/testing/selftests

# The kselftest harness defines fixture hooks without prototypes.
TEST_CFLAGS := -Wno-missing-prototypes

HOST_TEST_SRCS := $(sort $(wildcard tests/host/*.c))
SELFTEST_SRCS  := $(sort $(wildcard tests/selftests/*.c))
SELFTESTS      := $(patsubst tests/selftests/%.c,$(B)/tests/selftests/%,$(SELFTEST_SRCS))

# Host tests run under two sanitizer builds; each builds its own copy of
# the library so the instrumentation covers it.
SAN_asan := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
SAN_tsan := -fsanitize=thread
HOST_VARIANTS := asan tsan

.PHONY: all lib tools kmod examples check stress demo install uninstall clean host-tests selftests selftests-m32 \
	deps dkms-source bench bench-build fuzz fuzz-build fuzz-cov fuzz-seeds
all: lib tools kmod examples

lib: $(LIB_SO) $(LIB_A)

$(B)/lib/pic/%.o: lib/%.c $(LIB_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/lib/static/%.o: lib/%.c $(LIB_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_SO): $(patsubst lib/%.c,$(B)/lib/pic/%.o,$(LIB_SRCS)) lib/libipcsvc.map
	$(CC) -shared -Wl,-soname,libipcsvc.so.$(SOVERSION) \
	      -Wl,--version-script=lib/libipcsvc.map -Wl,-z,defs \
	      -o $@ $(filter %.o,$^) -lpthread
	ln -sf libipcsvc.so.$(VERSION) $(B)/lib/libipcsvc.so.$(SOVERSION)
	ln -sf libipcsvc.so.$(SOVERSION) $(B)/lib/libipcsvc.so

$(LIB_A): $(patsubst lib/%.c,$(B)/lib/static/%.o,$(LIB_SRCS))
	rm -f $@
	ar rcs $@ $^

# Tools run inside initramfs guests, which have no shared libraries.
tools: $(TOOLS)

$(B)/bin/%: tools/demo/%.c $(LIB_A) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -static -o $@ $< $(LIB_A) -lpthread

# The module, against the running kernel's headers (or KDIR=...).
kmod:
	tools/build-kmod $(if $(KDIR),--kdir $(KDIR))

# Host tests: tests/host/<name>.c + the library, per sanitizer variant.
define host_variant
$(B)/host-$(1)/lib/%.o: lib/%.c $(LIB_HDRS) VERSION
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(SAN_$(1)) -c -o $$@ $$<

$(B)/host-$(1)/tests/%: tests/host/%.c $(patsubst lib/%.c,$(B)/host-$(1)/lib/%.o,$(LIB_SRCS)) $(LIB_HDRS) $(wildcard tests/host/*.h tests/lib/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(TEST_CFLAGS) $$(SAN_$(1)) -isystem $$(KSFT_DIR) -Itests/host -DIPCSVC_VERSION_FILE='"$$(CURDIR)/VERSION"' \
	      -o $$@ $$< $$(patsubst lib/%.c,$(B)/host-$(1)/lib/%.o,$$(LIB_SRCS)) \
	      -lpthread
endef
$(foreach v,$(HOST_VARIANTS),$(eval $(call host_variant,$(v))))

HOST_TESTS := $(foreach v,$(HOST_VARIANTS),\
	$(patsubst tests/host/%.c,$(B)/host-$(v)/tests/%,$(HOST_TEST_SRCS)))
host-tests: $(HOST_TESTS)

# Selftests run in guests: static, kselftest harness.
selftests: $(SELFTESTS)

$(B)/tests/selftests/%: tests/selftests/%.c $(LIB_A) $(LIB_HDRS) $(wildcard tests/selftests/*.h tests/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -isystem $(KSFT_DIR) -Itests/selftests -static \
	      -DIPCSVC_EXPECTED_RELEASE='"$(VERSION)"' \
	      -o $@ $< $(LIB_A) -lpthread

# The same selftests as 32-bit binaries (gcc-multilib), run in a 64-bit
# guest through the compat entry points: the ABI must not differ between
# word sizes. They link a 32-bit build of the library.
LIB32_OBJS   := $(patsubst lib/%.c,$(B)/m32/lib/%.o,$(LIB_SRCS))
LIB32_A      := $(B)/m32/libipcsvc.a
SELFTESTS32  := $(patsubst tests/selftests/%.c,$(B)/tests/selftests-m32/%-m32,$(SELFTEST_SRCS))
selftests-m32: $(SELFTESTS32)

$(B)/m32/lib/%.o: lib/%.c $(LIB_HDRS) VERSION
	@mkdir -p $(@D)
	$(CC) -m32 $(ALL_CFLAGS) -Wno-psabi -c -o $@ $<

$(LIB32_A): $(LIB32_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/tests/selftests-m32/%-m32: tests/selftests/%.c $(LIB32_A) $(LIB_HDRS) $(wildcard tests/selftests/*.h)
	@mkdir -p $(@D)
	$(CC) -m32 $(ALL_CFLAGS) -Wno-psabi $(TEST_CFLAGS) -isystem $(KSFT_DIR) -Itests/selftests -static \
	      -DIPCSVC_EXPECTED_RELEASE='"$(VERSION)"' \
	      -o $@ $< $(LIB32_A) -lpthread

# examples/: complete programs, built against the shared library as a
# user's program is (an rpath finds build/lib, and tools/ipcsvc-vm takes
# the library along into a guest).
EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
EXAMPLES     := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRCS))
examples: $(EXAMPLES)

$(B)/examples/%: examples/%.c $(LIB_SO) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(B)/lib -lipcsvc -lpthread \
		-Wl,-rpath,'$$ORIGIN/../lib'

# examples/counter/by_hand/: the counter's server and client without the
# generated C, to compare with examples/counter/ (tools/idlc/idlc.mk).
BY_HAND := $(B)/examples/counter_server_by_hand \
	   $(B)/examples/counter_client_by_hand
examples: $(BY_HAND)

$(BY_HAND): $(B)/examples/%_by_hand: examples/counter/by_hand/%.c $(LIB_SO) \
	    $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -L$(B)/lib -lipcsvc -lpthread \
		-Wl,-rpath,'$$ORIGIN/../lib'

# Benchmarks report figures and assert nothing about speed; make check
# only builds them, and holds the hot path to an instruction budget
# (tests/bench/insn-count: callgrind counts, which do not depend on time).
# Each tests/bench/*.c is a program; ipcsvc-bench, the suite
# (Documentation/performance.md), is tests/bench/suite/*.c, static so
# that tools/ipcsvc-vm runs it in a guest as it is; scale_bench, the
# server-scale figures, is tests/bench/scale/*.c.
BENCH_SRCS  := $(sort $(wildcard tests/bench/*.c))
SUITE_SRCS  := $(sort $(wildcard tests/bench/suite/*.c))
SCALE_SRCS  := $(sort $(wildcard tests/bench/scale/*.c))
BENCH_SUITE := $(B)/bench/ipcsvc-bench
SCALE_BENCH := $(B)/bench/scale_bench
BENCHES     := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS)) $(BENCH_SUITE) \
	       $(SCALE_BENCH)
bench-build: $(BENCHES)

$(B)/bench/%: tests/bench/%.c $(LIB_A) $(LIB_HDRS) $(wildcard tests/host/*.h tests/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/host -o $@ $< $(LIB_A) -lpthread

$(BENCH_SUITE): $(SUITE_SRCS) $(wildcard tests/bench/suite/*.h) $(LIB_A) $(LIB_HDRS) $(wildcard tests/host/*.h tests/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/host -static -o $@ $(SUITE_SRCS) $(LIB_A) -lpthread -lm

$(SCALE_BENCH): $(SCALE_SRCS) tests/bench/scale/scale.h $(LIB_A) $(LIB_HDRS) $(wildcard tests/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(SCALE_SRCS) $(LIB_A) -lpthread

# make bench: the suite on this machine (ipcsvc over memfd channels where
# /dev/ipcsvc is absent), then the instruction count. make bench-guest:
# the suite in a 6.12 guest, through the module. BENCH_ARGS: the suite's
# options.
.PHONY: bench-guest bench-deps
bench: bench-deps $(BENCHES)
	$(BENCH_SUITE) -j $(B)/bench/host.json -p $(B)/bench/plots-host $(BENCH_ARGS)
	@tests/bench/insn-count

bench-guest: bench-deps $(BENCH_SUITE)
	tests/bench/run-guest $(BENCH_ARGS)

bench-deps:
	tools/check-deps --bench

# libFuzzer targets (tests/fuzz/, see tests/fuzz/README.md): clang with
# ASan and UBSan. The library is compiled again with the same flags and
# coverage instrumentation, so that the fuzzers' feedback reaches it.
# `make fuzz` builds them and runs each for FUZZ_TIME seconds over its
# corpus (tests/run-fuzz, which `make check` runs for 30 s each).
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(CPPFLAGS_IPCSVC) $(FUZZ_SAN)
FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS     := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
FUZZ_HDRS   := $(wildcard tests/fuzz/*.h tests/lib/*.h)
# A target in several files: tests/fuzz/<target>.c has its entry point,
# these its other parts (not named fuzz_*.c: each of those is a target).
FUZZ_PARTS_fuzz_ops    := $(sort $(wildcard tests/fuzz/ops_*.c))
FUZZ_PARTS_fuzz_events := $(sort $(wildcard tests/fuzz/events_*.c))
# fuzz_events stands in for the module: ioctl() and mmap() of its fake
# port fd go to the target's own handlers.
FUZZ_LDFLAGS_fuzz_events := -Wl,--wrap=ioctl -Wl,--wrap=mmap -Wl,--wrap=munmap

# $(1): build dir, $(2): extra compile flags, $(3): the fuzzer link flag
define fuzz_variant
$(B)/$(1)/lib/%.o: lib/%.c $$(LIB_HDRS) VERSION
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $(2) -fsanitize=fuzzer-no-link -c -o $$@ $$<

$(B)/$(1)/%: tests/fuzz/%.c $$(patsubst lib/%.c,$(B)/$(1)/lib/%.o,$$(LIB_SRCS)) $$(FUZZ_HDRS) $$(LIB_HDRS)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(WARNINGS) $(2) -fsanitize=fuzzer \
	      $$(FUZZ_LDFLAGS_$$*) -o $$@ $$< $$(FUZZ_PARTS_$$*) \
	      $$(patsubst lib/%.c,$(B)/$(1)/lib/%.o,$$(LIB_SRCS)) -lpthread

$(B)/$(1)/fuzz_ops: $$(FUZZ_PARTS_fuzz_ops)
$(B)/$(1)/fuzz_events: $$(FUZZ_PARTS_fuzz_events)
endef
$(eval $(call fuzz_variant,fuzz,,))
# Source-based coverage of the same targets, for tests/fuzz/coverage.
$(eval $(call fuzz_variant,fuzz-cov,-fprofile-instr-generate -fcoverage-mapping,))

fuzz-build: $(FUZZERS)

fuzz: fuzz-build
	FUZZ_TIME=$(FUZZ_TIME) tests/run-fuzz

# Line coverage of lib/ reached by the corpora (saved and generated).
fuzz-cov: $(patsubst tests/fuzz/%.c,$(B)/fuzz-cov/%,$(FUZZ_SRCS))
	tests/fuzz/coverage

# Regenerate the seed inputs in tests/fuzz/corpus/ (committed files).
fuzz-seeds: $(B)/fuzz/gen-seeds
	$(B)/fuzz/gen-seeds tests/fuzz/corpus

$(B)/fuzz/gen-seeds: tests/fuzz/gen_seeds.c $(LIB_A) $(LIB_HDRS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_A) -lpthread

# The protocol compiler, ipcsvc-idlc: its rules, its tools and install
# prerequisites, its fuzz target.
include tools/idlc/idlc.mk
# The introspection tool, ipcsvcctl: its rules, tools and install targets.
include tools/ipcsvcctl/ipcsvcctl.mk

# The concurrency stress and the storm for longer (tests/run-stress).
stress:
	tests/run-stress

deps:
	tools/check-deps

check:
	tests/run-check

demo:
	tools/vm/demo

# The UAPI header goes under the library's own include directory, not into
# $(INCLUDEDIR)/linux/, which belongs to the kernel headers package when
# PREFIX=/usr; libipcsvc.pc adds that directory to the search path.
MAN_PAGES := $(wildcard Documentation/man/*.[1-8])
install: lib tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/ipcsvc \
		   $(DESTDIR)$(INCLUDEDIR)/ipcsvc/uapi/linux $(DESTDIR)$(BINDIR)
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libipcsvc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libipcsvc.so.$(SOVERSION)
	ln -sf libipcsvc.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libipcsvc.so
	install -m 644 include/ipcsvc/*.h $(DESTDIR)$(INCLUDEDIR)/ipcsvc/
	install -m 644 include/uapi/linux/ipcsvc*.h \
		$(DESTDIR)$(INCLUDEDIR)/ipcsvc/uapi/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@BINDIR@|$(BINDIR)|' -e 's|@DATADIR@|$(DATADIR)|' \
	    -e 's|@BINDIR@|$(BINDIR)|' \
	    lib/libipcsvc.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libipcsvc.pc
	install -m 755 $(B)/bin/ipcsvc-demo $(DESTDIR)$(BINDIR)/
	for page in $(MAN_PAGES); do \
		sec=$${page##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$sec && \
		install -m 644 $$page $(DESTDIR)$(MANDIR)/man$$sec/ || exit 1; \
	done

# Removes what install installed, and the directories it made that are
# left empty.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libipcsvc.a $(DESTDIR)$(LIBDIR)/libipcsvc.so \
	      $(DESTDIR)$(LIBDIR)/libipcsvc.so.$(SOVERSION) \
	      $(DESTDIR)$(LIBDIR)/libipcsvc.so.$(VERSION) \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/libipcsvc.pc \
	      $(DESTDIR)$(BINDIR)/ipcsvc-demo
	rm -rf $(DESTDIR)$(INCLUDEDIR)/ipcsvc
	for page in $(MAN_PAGES); do \
		rm -f $(DESTDIR)$(MANDIR)/man$${page##*.}/$${page##*/}; \
		rmdir -p --ignore-fail-on-non-empty \
			$(DESTDIR)$(MANDIR)/man$${page##*.} 2>/dev/null; \
	done; true
	-rmdir -p --ignore-fail-on-non-empty $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) 2>/dev/null

# The module source as DKMS wants it: /usr/src/ipcsvc-<version>, then
# `dkms install ipcsvc/<version>`.
DKMS_DIR := $(DESTDIR)/usr/src/ipcsvc-$(VERSION)
dkms-source:
	install -d $(DKMS_DIR)/kmod $(DKMS_DIR)/include/uapi/linux
	install -m 644 kmod/Kbuild kmod/Makefile kmod/*.c kmod/*.h $(DKMS_DIR)/kmod/
	install -m 644 include/uapi/linux/ipcsvc*.h $(DKMS_DIR)/include/uapi/linux/
	install -m 644 VERSION $(DKMS_DIR)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf >$(DKMS_DIR)/dkms.conf

clean:
	rm -rf $(B)
