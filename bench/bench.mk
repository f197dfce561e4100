# make bench: lup against CRIU's own dump + restore (not part of make check).
BENCH_TARGET := $(B)/bench/target
BENCH_PATCH := $(B)/bench/fix.lup

$(BENCH_TARGET): bench/target.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -pthread -o $@ $<

$(BENCH_PATCH): bench/fix.c $(BENCH_TARGET) $(B)/lup-mkpatch
	$(B)/lup-mkpatch -t $(BENCH_TARGET) -o $@ $<

# Under the test suite's subreaper: dumped targets are reaped at once, as a shell or
# systemd would, not by this machine's slow init.
bench: all $(BENCH_TARGET) $(BENCH_PATCH) $(B)/test/tools/reaper
	$(B)/test/tools/reaper /usr/bin/python3 bench/run.py

.PHONY: bench
