# lib/live/*.c: the in-place transport (a live process frozen with libcompel), part of
# liblup.a. Compiled against the headers of `make deps` (COMPEL_CFLAGS, scripts/compel.mk);
# a program that uses these objects links COMPEL_LIBS after liblup.a.
LIVE_SRCS := $(wildcard lib/live/*.c)
LIVE_OBJS := $(patsubst %.c,$(B)/%.o,$(LIVE_SRCS))

$(LIBLUP): $(LIVE_OBJS)

$(LIVE_OBJS): $(B)/lib/live/%.o: lib/live/%.c $(PROTO_H) | $(TOP)/.deps/compel/lib/libcompel.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LUP_CFLAGS) $(COMPEL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIVE_OBJS:.o=.d)
