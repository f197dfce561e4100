# make bench: lup in place and through a checkpoint, against CRIU's own dump + restore
# (not part of make check).
BENCH_TARGET := $(B)/bench/target
BENCH_PATCH := $(B)/bench/fix.lup
# The target with a TCP echo server, and the same fix built against it.
BENCH_SERVER := $(B)/bench/server
BENCH_SERVER_PATCH := $(B)/bench/server-fix.lup
BENCH_BASELINE := $(B)/bench/baseline
# The demo's server and fix (patches/demo.mk, included after this file): lup-mkpatch is
# timed on them too.
BENCH_DEMO := $(B)/patches/demo/greetd $(B)/patches/demo/greetd-fix.lup

$(BENCH_TARGET): bench/target.c bench/dirty.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -pthread -o $@ $<

$(BENCH_PATCH): bench/fix.c $(BENCH_TARGET) $(B)/lup-mkpatch
	$(B)/lup-mkpatch -t $(BENCH_TARGET) -o $@ $<

$(BENCH_SERVER): bench/server.c bench/dirty.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -pthread -o $@ $<

$(BENCH_SERVER_PATCH): bench/fix.c $(BENCH_SERVER) $(B)/lup-mkpatch
	$(B)/lup-mkpatch -t $(BENCH_SERVER) -o $@ $<

# Linked with liblup: the same criu runs and reap wait as lup patch.
$(BENCH_BASELINE): $(B)/bench/baseline.o $(LIBLUP)
	$(CC) $(CFLAGS) -o $@ $^ $(LUP_LIBS)

# Under the test suite's subreaper: dumped targets are reaped at once, as a shell or
# systemd would, not by this machine's slow init.
bench: all $(BENCH_TARGET) $(BENCH_PATCH) $(BENCH_SERVER) $(BENCH_SERVER_PATCH) $(BENCH_BASELINE) $(BENCH_DEMO) $(B)/test/tools/reaper
	$(B)/test/tools/reaper /usr/bin/python3 bench/run.py

.PHONY: bench
