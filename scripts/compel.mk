# libcompel of `make deps` (scripts/compel.sh): flags for code that links it.
# COMPEL_LIB is a prerequisite of whatever links it: a missing build says what to run.
COMPEL_DIR := $(TOP)/.deps/compel
COMPEL_LIB := $(COMPEL_DIR)/lib/libcompel.a
COMPEL_CFLAGS := -I$(COMPEL_DIR)/include
COMPEL_LIBS := $(COMPEL_LIB)

$(COMPEL_LIB):
	@echo "$@ is missing: run 'make deps' first" >&2; exit 1
