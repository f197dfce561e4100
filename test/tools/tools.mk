# Test helper programs linked with liblup: $(B)/test/tools/<name> for test/tools/*.c.
TOOL_SRCS := $(wildcard test/tools/*.c)
TEST_TOOLS := $(patsubst test/tools/%.c,$(B)/test/tools/%,$(TOOL_SRCS))
CHECK_DEPS += $(TEST_TOOLS)

$(TEST_TOOLS:=.o): LUP_CFLAGS += -I$(TOP)/imgtool

$(TEST_TOOLS): $(B)/test/tools/%: $(B)/test/tools/%.o $(B)/imgtool/exit-status.o $(LIBLUP)
	$(CC) $(CFLAGS) -o $@ $^ $(LUP_LIBS)

-include $(TEST_TOOLS:=.d)
