#!/usr/bin/env bash
# Runs every test of `make check`: unit tests, end-to-end tests with the real CRIU,
# then the zdtm-style tests. Prints one line per test and a summary; exit 1 on failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export LUP_TOP=$top LUP_BUILD=${LUP_BUILD:-$top/build}
: "${CRIU:?CRIU is not set (run through make check)}"
export CRIU CRIT

pass=0 fail=0 failed=()
run_one() { # name cmd...
	local name=$1 log tmp; shift
	log=$(mktemp)
	# Each test's TMPDIR (lup's default images directories) is its own, removed after it.
	tmp=$(mktemp -d /tmp/lup-check.XXXXXX)
	local t0=$SECONDS
	# Under a subreaper, so that targets killed by a dump are reaped at once.
	if TMPDIR=$tmp "$LUP_BUILD/test/tools/reaper" "$@" >"$log" 2>&1; then
		pass=$((pass + 1)); printf 'PASS %-40s %3ds\n' "$name" $((SECONDS - t0))
	else
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL %-40s %3ds\n' "$name" $((SECONDS - t0))
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	rm -f "$log"
	rm -rf "$tmp"
}

for t in "$LUP_BUILD"/test/unit/test-*; do
	[ -x "$t" ] && run_one "unit/${t##*/}" "$t"
done
for t in "$top"/test/e2e/*.sh; do
	[ -f "$t" ] && run_one "e2e/$(basename "$t" .sh)" bash "$t"
done
# One real fix of a Debian source package (make check-real runs them all).
run_one "real/one-fix" bash "$top/test/real/one-fix.sh"
if [ -f "$top/zdtm-tests/run.sh" ]; then
	run_one "zdtm-tests" bash "$top/zdtm-tests/run.sh"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] || { printf 'failed: %s\n' "${failed[*]}"; exit 1; }
