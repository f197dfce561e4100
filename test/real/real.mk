# make check-real: every real fix of test/real (README.md there), heavier than make check
# (which runs test/real/one-fix.sh): Debian source packages fetched, built and patched live.
check-real: all $(CHECK_DEPS)
	LUP_TOP=$(TOP) LUP_BUILD=$(B) CRIU=$(CRIU) CRIT=$(CRIT) \
		$(B)/test/tools/reaper bash $(TOP)/test/real/all-fixes.sh

.PHONY: check-real
