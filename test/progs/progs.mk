# Test target programs: every test/progs/*.c becomes $(B)/test/progs/<name> (PIE,
# threads). Variants (non-PIE, static, shared library) are added by their own .mk.
PROG_SRCS := $(wildcard test/progs/*.c)
TEST_PROGS := $(patsubst test/progs/%.c,$(B)/test/progs/%,$(PROG_SRCS))
CHECK_DEPS += $(TEST_PROGS)

$(TEST_PROGS): $(B)/test/progs/%: test/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -pthread -o $@ $<

# The library test/progs/dlopen-tls loads with dlopen (its TLS is dynamic).
DYNTLS_LIB := $(B)/test/progs/libdyntls.so
CHECK_DEPS += $(DYNTLS_LIB)

$(DYNTLS_LIB): test/progs/dyntls/dyntls.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -shared -fPIC -o $@ $<
