# Unit tests: test/unit/test-*.c, each a cmocka program linked with liblup.
UNIT_SRCS := $(wildcard test/unit/test-*.c)
UNIT_TESTS := $(patsubst test/unit/%.c,$(B)/test/unit/%,$(UNIT_SRCS))
CHECK_DEPS += $(UNIT_TESTS)

# scratch.c: the scratch directory of the tests that compile what they read.
$(UNIT_TESTS): $(B)/test/unit/%: $(B)/test/unit/%.o $(B)/test/unit/scratch.o $(LIBLUP)
	$(CC) $(CFLAGS) -o $@ $^ $(LUP_LIBS) $(shell pkg-config --libs cmocka)

-include $(UNIT_TESTS:=.d) $(B)/test/unit/scratch.d
