# Make rules for protocols described in the ipcsvc protocol language
# (ipcsvc-idlc(1)), installed with libipcsvc. In a Makefile:
#
#   include $(shell pkg-config --variable=idl_rules libipcsvc)
#
#   client: client.o counter.o
#   client.o: counter.h
#
# and counter.h and counter.c are made from counter.idl. ipcsvc-idlc names
# them after the protocol (org.example.Counter: counter.h, counter.c), so
# name the .idl file alike.

IPCSVC_IDLC ?= $(shell pkg-config --variable=idlc libipcsvc)

%.h %.c: %.idl
	$(IPCSVC_IDLC) -o $(@D) $<
