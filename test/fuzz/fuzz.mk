# libFuzzer targets of the image, patch and record parsers (test/fuzz/fuzz-*.c), built with
# clang, ASan and UBSan over a separately instrumented copy of liblup. test/e2e/fuzz.sh
# runs them from a seed corpus of real images and patches.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS := $(wildcard test/fuzz/fuzz-*.c)
FUZZERS := $(patsubst test/fuzz/%.c,$(B)/test/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst %.c,$(B)/fuzz-obj/%.o,$(LIB_SRCS)) \
	$(patsubst $(B)/proto/%.c,$(B)/fuzz-obj/proto/%.o,$(PROTO_C)) $(RT_C:.c=.o)
CHECK_DEPS += $(FUZZERS)

$(B)/fuzz-obj/proto/%.o: $(B)/proto/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(LUP_CFLAGS) -c -o $@ $<

$(B)/fuzz-obj/%.o: %.c $(PROTO_H) | $(INC_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(LUP_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZERS): $(B)/test/fuzz/%: test/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(LUP_CFLAGS) -o $@ $^ $(LUP_LIBS)

-include $(FUZZ_LIB_OBJS:.o=.d)
