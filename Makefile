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
# Where the design notes the man pages name go (they say /usr/local/share/doc/lup).
DOC_DIR ?= $(PREFIX)/share/doc/lup
DESTDIR ?=
CRIU_PLUGIN_DIR ?= /usr/lib/criu

CRIU ?= $(or $(wildcard $(TOP)/.deps/bin/criu),$(shell command -v criu 2>/dev/null),criu)
CRIT ?= $(or $(wildcard $(TOP)/.deps/bin/crit),$(shell command -v crit 2>/dev/null),crit)
CRIU_INCLUDE ?= $(shell $(TOP)/scripts/criu-include.sh $(CRIU) 2>/dev/null)
export CRIU CRIT
export LUP_BUILD := $(B)

PKGS := libprotobuf-c libelf libcrypto json-c libdw
LUP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunwind-x86_64 -lunwind

# lib/ is in folders by concern (Documentation/design.md). Each folder is compiled with
# only the folders it may use on its include path, as links under $(B)/inc/FOLDER/, so
# that an include of a folder it must not use fails to build: the core knows neither
# the images nor the live transport.
LIB_DIRS := util arch core mkpatch images live
USES_util := util
USES_arch := util arch
USES_core := util arch core
USES_mkpatch := util arch core mkpatch
USES_images := util arch core images
USES_live := util arch core images live
# Schemas: lup's own (the patch file, the record) are the core's; CRIU's are the images'.
PROTO_DIRS := core images
lib_dir_of = $(if $(filter lib/%,$1),$(word 2,$(subst /, ,$1)))
inc_of = $(if $1,-I$(B)/inc/$1 $(patsubst %,-I$(B)/proto/%,$(filter $(PROTO_DIRS),$(USES_$1))),\
	-I$(TOP)/lib $(patsubst %,-I$(B)/proto/%,$(PROTO_DIRS)))
# DIR_CFLAGS_FOLDER: what one folder adds (lib/live/: compel's headers, scripts/compel.mk).
LUP_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-fPIC -D_GNU_SOURCE $(call inc_of,$(call lib_dir_of,$<)) $(DIR_CFLAGS_$(call lib_dir_of,$<)) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
INC_STAMP := $(B)/inc/.stamp

PROTOS := $(foreach d,$(PROTO_DIRS),$(wildcard lib/$d/*.proto))
PROTO_C := $(foreach p,$(PROTOS),$(B)/proto/$(call lib_dir_of,$p)/$(basename $(notdir $p)).pb-c.c)
PROTO_H := $(PROTO_C:.c=.h)
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard lib/$d/*.c lib/$d/*/*.c))
# The patch runtime (lib/mkpatch/runtime/*.S) is linked into every patch: lup-mkpatch
# carries its text (as C strings, lup_rt_FILE) and writes it beside the patch's sources.
RT_SRCS := $(wildcard lib/mkpatch/runtime/*.S)
RT_C := $(B)/gen/mkpatch/runtime-src.c
LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(LIB_SRCS)) $(PROTO_C:.c=.o) $(RT_C:.c=.o)
LIBLUP := $(B)/liblup.a

TOOL_COMMON := $(patsubst %.c,$(B)/%.o,$(filter-out imgtool/lup.c imgtool/lup-%.c,$(wildcard imgtool/*.c)))
PROGRAMS := $(patsubst imgtool/%.c,$(B)/%,$(wildcard imgtool/lup.c imgtool/lup-*.c))

all: $(PROGRAMS)

define proto_rule
$(B)/proto/$1/%.pb-c.c $(B)/proto/$1/%.pb-c.h: lib/$1/%.proto
	@mkdir -p $(B)/proto/$1
	protoc-c --proto_path=lib/$1 --c_out=$(B)/proto/$1 $$<
endef
$(foreach d,$(PROTO_DIRS),$(eval $(call proto_rule,$d)))

# $(B)/inc/FOLDER/X -> lib/X for each folder X that FOLDER uses.
$(INC_STAMP): Makefile
	@rm -rf $(B)/inc
	@$(foreach d,$(LIB_DIRS),mkdir -p $(B)/inc/$d && \
		$(foreach u,$(USES_$d),ln -s $(TOP)/lib/$u $(B)/inc/$d/$u &&)) true
	@touch $@

# A relative include ("../images/x.h") would reach past the include path: refused.
$(B)/%.o: %.c $(PROTO_H) | $(INC_STAMP)
	@mkdir -p $(dir $@)
	@! grep -Hn '^#include "\.' $< $(wildcard $(dir $<)*.h) || \
		{ echo "$<: include FOLDER/FILE.h, not a relative path" >&2; false; }
	$(CC) $(CFLAGS) $(LUP_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/proto/%.o: $(B)/proto/%.c
	$(CC) $(CFLAGS) $(LUP_CFLAGS) -c -o $@ $<

$(RT_C): $(RT_SRCS) Makefile
	@mkdir -p $(dir $@)
	@{ for f in $(RT_SRCS); do \
		echo "const char lup_rt_$$(basename $$f .S | tr - _)[] ="; \
		sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $$f; echo ";"; \
	done; } >$@

$(RT_C:.c=.o): $(RT_C)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBLUP): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^


# The version the programs say: the commit the tree was built from.
LUP_VERSION := $(shell git -C $(TOP) describe --always --dirty 2>/dev/null || echo unknown)
$(B)/imgtool/tool-setup.o: LUP_CFLAGS += -DLUP_VERSION='"$(LUP_VERSION)"'

$(PROGRAMS): $(B)/%: $(B)/imgtool/%.o $(TOOL_COMMON) $(LIBLUP)
	$(CC) $(CFLAGS) -o $@ $^ $(LUP_LIBS)

-include $(LIB_OBJS:.o=.d) $(TOOL_COMMON:.o=.d) $(PROGRAMS:$(B)/%=$(B)/imgtool/%.d)

# Each part adds its own rules (plugin, tests, demo, bench) in a fragment of its own.
include $(sort $(wildcard */*.mk test/*/*.mk))

deps:
	$(TOP)/scripts/deps.sh

check: all $(CHECK_DEPS)
	$(TOP)/test/run-all.sh

# The private CRIU of `make deps` (when the system has no usable one) goes along, under
# PREFIX/lib/lup/criu, with a wrapper lup finds beside itself (PREFIX/lib/lup/bin/criu).
LUP_CRIU_PREFIX := $(TOP)/.deps/criu
install-criu:
	@if [ -d "$(LUP_CRIU_PREFIX)/usr/sbin" ]; then \
		install -d $(DESTDIR)$(PREFIX)/lib/lup/bin && \
		rm -rf $(DESTDIR)$(PREFIX)/lib/lup/criu && \
		cp -a $(LUP_CRIU_PREFIX) $(DESTDIR)$(PREFIX)/lib/lup/criu && \
		l=$(PREFIX)/lib/lup/criu/usr/lib/x86_64-linux-gnu && \
		printf '#!/bin/sh\n# CRIU 4.2 for lup, through its own loader (make deps, make install).\nexec "%s/ld-linux-x86-64.so.2" --library-path "%s:%s" "%s" "$$@"\n' \
			"$$l" "$$l" "$(PREFIX)/lib/lup/criu/lib/x86_64-linux-gnu" \
			"$(PREFIX)/lib/lup/criu/usr/sbin/criu" >$(DESTDIR)$(PREFIX)/lib/lup/bin/criu && \
		chmod 755 $(DESTDIR)$(PREFIX)/lib/lup/bin/criu; \
	fi
INSTALL_DEPS += install-criu

install: all $(INSTALL_DEPS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(wildcard Documentation/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 Documentation/lup.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d $(DESTDIR)$(PREFIX)/include/lup
	install -m 644 lib/core/lup-patch.h $(DESTDIR)$(PREFIX)/include/lup/
	install -d $(DESTDIR)$(DOC_DIR)
	install -m 644 $(wildcard Documentation/*.md) $(DESTDIR)$(DOC_DIR)/


# What install put there, and nothing else.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(wildcard Documentation/*.1)))
	rm -f $(DESTDIR)$(PREFIX)/share/man/man5/lup.conf.5 $(DESTDIR)$(PREFIX)/share/man/man7/lup-plugin.7
	rm -f $(DESTDIR)$(PREFIX)/include/lup/lup-patch.h $(DESTDIR)$(CRIU_PLUGIN_DIR)/lup.so
	rm -rf $(DESTDIR)$(DOC_DIR) $(DESTDIR)$(PREFIX)/lib/lup
	-rmdir $(DESTDIR)$(PREFIX)/include/lup 2>/dev/null

clean:
	rm -rf $(B)

.PHONY: all deps check install install-criu uninstall clean
.DELETE_ON_ERROR:
.SECONDARY: $(PROTO_C) $(PROTO_H)
