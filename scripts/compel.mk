# libcompel of `make deps` (scripts/compel.sh): lib/live/ freezes live processes with it,
# so lib/live/ compiles against its headers and every program linking liblup links it.
# A missing build says what to run.
COMPEL_DIR := $(TOP)/.deps/compel
COMPEL_LIB := $(COMPEL_DIR)/lib/libcompel.a
DIR_CFLAGS_live := -I$(COMPEL_DIR)/include
LUP_LIBS += $(COMPEL_LIB)

$(LIBLUP): | $(COMPEL_LIB)

$(COMPEL_LIB):
	@echo "$@ is missing: run 'make deps' first" >&2; exit 1
