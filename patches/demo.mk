# make demo: greetd, the demo server, and its fix built as a live patch with lup-mkpatch;
# scripts/demo.sh then patches a running greetd. The e2e tests use them too.
DEMO_OUT := $(B)/patches/demo
DEMO_SERVER := $(DEMO_OUT)/greetd
DEMO_PATCH := $(DEMO_OUT)/greetd-fix.lup
CHECK_DEPS += $(DEMO_SERVER) $(DEMO_PATCH)

$(DEMO_SERVER): patches/demo/greetd.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -o $@ $<

$(DEMO_PATCH): patches/demo/greetd-fix.c $(DEMO_SERVER) $(B)/lup-mkpatch
	$(B)/lup-mkpatch -t $(DEMO_SERVER) -o $@ $<

# greetd runs under a supervisor that reaps at once (test/tools/reaper, a subreaper, as
# tini, runit or systemd are): the checkpoint transport takes only a tree whose parent
# gets it back.
demo: all $(DEMO_SERVER) $(DEMO_PATCH) $(B)/test/tools/reaper
	LUP_BUILD=$(B) $(B)/test/tools/reaper $(TOP)/scripts/demo.sh

.PHONY: demo
