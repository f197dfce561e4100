# Target of test/e2e/multi.sh: $(B)/test/multi/multi-main, an executable linked with
# $(B)/test/multi/libmulti.so (found through its rpath), each holding a function to patch.
MULTI := test/multi
MULTI_OUT := $(B)/test/multi
MULTI_CFLAGS := -O2 -g -Wall -pthread -I$(MULTI)
CHECK_DEPS += $(MULTI_OUT)/multi-main

$(MULTI_OUT)/libmulti.so: $(MULTI)/lib.c $(MULTI)/multi.h
	@mkdir -p $(dir $@)
	$(CC) $(MULTI_CFLAGS) -fPIC -shared -o $@ $<

$(MULTI_OUT)/multi-main: $(MULTI)/multi-main.c $(MULTI)/multi.h $(MULTI_OUT)/libmulti.so
	$(CC) $(MULTI_CFLAGS) -o $@ $< -L$(MULTI_OUT) -lmulti -Wl,-rpath,'$$ORIGIN'
