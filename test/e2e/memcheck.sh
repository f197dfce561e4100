#!/usr/bin/env bash
# The programs under valgrind's memcheck on a real process: lup-mkpatch, lup patch, lup
# list, lup revert (in place and --checkpoint), lup-rewrite --show/-p/--list: no invalid read or write, no use of
# uninitialised memory, no definite leak; and the patch still works. valgrind has no
# pidfd_open or openat2, so this also runs lup's paths for kernels without them.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/rewrite-counter
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --suppressions="$(dirname "$0")/memcheck.supp")

vg() { # log cmd...: fails on a memcheck error
	local log=$T/$1.vg; shift
	"${VG[@]}" "$@" 2>"$log" && return 0
	local rc=$?
	grep -q '^==' "$log" && { cat "$log"; fail "memcheck: $*"; }
	return $rc
}

printf '%s\n' 'long compute(long x) { return x + 1000; }' >"$T/fix.c"
vg mkpatch lup-mkpatch -t "$PROG" -o "$T/fix.lup" "$T/fix.c"

pid=$(start_target "$PROG")
wait_lines "$pid" 3
tids_before=$(tids "$pid")
n=$(last_counter "$pid")

note "lup patch, list, revert"
vg patch lup patch -p "$T/fix.lup" "$pid"
wait_lines "$pid" 3
[ "$(last_delta "$pid")" = 1000 ] || fail "not patched under memcheck"
[ "$(last_counter "$pid")" -gt "$n" ] || fail "the counter went back"
[ "$(tids "$pid")" = "$tids_before" ] || fail "thread ids changed"
vg list lup list --json "$pid" >"$T/list.json"
grep -q '"fix"' "$T/list.json" || fail "lup list does not show the patch"
vg revert lup revert --all "$pid"
wait_lines "$pid" 3
[ "$(last_delta "$pid")" != 1000 ] || fail "not reverted under memcheck"

note "lup patch and revert --checkpoint"
vg patchck lup patch --checkpoint -p "$T/fix.lup" "$pid"
wait_lines "$pid" 3
[ "$(last_delta "$pid")" = 1000 ] || fail "not patched through a checkpoint under memcheck"
vg revertck lup revert --checkpoint --all "$pid"
wait_lines "$pid" 3
[ "$(last_delta "$pid")" != 1000 ] || fail "not reverted through a checkpoint under memcheck"

note "lup-rewrite --show, -p, --list on a checkpoint"
criu_dump "$pid" "$T/img"
vg show lup-rewrite --show "$T/img" --json >/dev/null
vg rewrite lup-rewrite -p "$T/fix.lup" -D "$T/img" -o "$T/out"
vg rlist lup-rewrite --list -D "$T/out" >/dev/null
criu_restore "$T/out"
wait_lines "$pid" 3
[ "$(last_delta "$pid")" = 1000 ] || fail "the rewritten checkpoint does not run the patch"
echo PASS
