# lup: live userspace patching through CRIU. Top-level build; see DEVELOPERS.md.
#
#   make deps     install build/test dependencies and a CRIU >= 4.2 (idempotent)
#   make          build lib/, the programs in imgtool/ and the plugin
#   make check    build and run every test (unit, end-to-end, zdtm-style)
#   make demo     patch a running demo server live
#   make install  PREFIX=/usr/local DESTDIR= CRIU_PLUGIN_DIR=/usr/lib/criu
#
# CRIU=/path/to/criu selects the CRIU used by the tests and whose criu-plugin.h
# the plugin is built against (default: the private one from `make deps`, else $PATH).

TOP := $(CURDIR)
B := $(TOP)/build
CC ?= gcc
CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
DESTDIR ?=
CRIU_PLUGIN_DIR ?= /usr/lib/criu

CRIU ?= $(or $(wildcard $(TOP)/.deps/bin/criu),$(shell command -v criu 2>/dev/null),criu)
CRIT ?= $(or $(wildcard $(TOP)/.deps/bin/crit),$(shell command -v crit 2>/dev/null),crit)
CRIU_INCLUDE ?= $(shell $(TOP)/scripts/criu-include.sh $(CRIU) 2>/dev/null)
export CRIU CRIT
export LUP_BUILD := $(B)

PKGS := libprotobuf-c libelf
LUP_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-fPIC -D_GNU_SOURCE -I$(TOP)/lib -I$(B)/proto $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LUP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunwind-x86_64 -lunwind

PROTOS := $(wildcard lib/images/*.proto)
PROTO_C := $(patsubst lib/images/%.proto,$(B)/proto/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)
LIB_SRCS := $(wildcard lib/*.c lib/x86/*.c)
LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(LIB_SRCS)) $(PROTO_C:.c=.o)
LIBLUP := $(B)/liblup.a

TOOL_COMMON := $(patsubst %.c,$(B)/%.o,$(filter-out imgtool/lup.c imgtool/lup-%.c,$(wildcard imgtool/*.c)))
PROGRAMS := $(patsubst imgtool/%.c,$(B)/%,$(wildcard imgtool/lup.c imgtool/lup-*.c))

all: $(PROGRAMS)

$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: lib/images/%.proto
	@mkdir -p $(B)/proto
	protoc-c --proto_path=lib/images --c_out=$(B)/proto $<

$(B)/%.o: %.c $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LUP_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/proto/%.o: $(B)/proto/%.c
	$(CC) $(CFLAGS) $(LUP_CFLAGS) -c -o $@ $<

$(LIBLUP): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^


$(PROGRAMS): $(B)/%: $(B)/imgtool/%.o $(TOOL_COMMON) $(LIBLUP)
	$(CC) $(CFLAGS) -o $@ $^ $(LUP_LIBS)

-include $(LIB_OBJS:.o=.d) $(TOOL_COMMON:.o=.d) $(PROGRAMS:$(B)/%=$(B)/imgtool/%.d)

# Each part adds its own rules (plugin, tests, demo, bench) in a fragment of its own.
include $(sort $(wildcard */*.mk test/*/*.mk))

deps:
	$(TOP)/scripts/deps.sh

check: all $(CHECK_DEPS)
	$(TOP)/test/run-all.sh

install: all $(INSTALL_DEPS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(wildcard Documentation/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/include/lup
	install -m 644 lib/lup-patch.h $(DESTDIR)$(PREFIX)/include/lup/

clean:
	rm -rf $(B)

.PHONY: all deps check install clean
.DELETE_ON_ERROR:
.SECONDARY: $(PROTO_C) $(PROTO_H)
