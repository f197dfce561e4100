# zdtm-style test programs: the patch target (PIE), a static build of it (for the runc
# container, whose rootfs has no libc), and a different program that maps no target.
ZDTM_DIR := $(B)/zdtm-tests
ZDTM_PROGS := $(ZDTM_DIR)/target $(ZDTM_DIR)/target-static $(ZDTM_DIR)/other
ZDTM_SRCS := zdtm-tests/target.c zdtm-tests/zdtm.c zdtm-tests/zdtm.h
ZDTM_CFLAGS := -O2 -g -Wall -Wextra -pthread
CHECK_DEPS += $(ZDTM_PROGS)

$(ZDTM_DIR)/target: $(ZDTM_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(ZDTM_CFLAGS) -o $@ $(filter %.c,$^)

$(ZDTM_DIR)/target-static: $(ZDTM_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(ZDTM_CFLAGS) -static -o $@ $(filter %.c,$^)

# Same code but another build-id: it maps no patch target.
$(ZDTM_DIR)/other: $(ZDTM_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(ZDTM_CFLAGS) -Wl,--build-id=0x6f746865722d70726f6772616d2d6e6f2d746172676574 -o $@ $(filter %.c,$^)
