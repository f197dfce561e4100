#!/usr/bin/env bash
# `lup patch` end to end with the real CRIU: a patched process runs the new code with
# its counter, PID and thread ids intact; a busy one is never dumped (lup.so's gate
# refuses each dump), gives up (exit 5) and runs the old code, and without lup.so it is
# dumped, found busy in the images and restored; a failed restore of the patched images,
# or one killed half-way by --timeout, falls back to the original ones (exit 7);
# a TCP client's connection survives with --tcp-established; bad, foreign and repeated
# patches are refused (exit 3, 4, 4) before anything is frozen.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
GREETD_FIX=$LUP_BUILD/patches/demo/greetd-fix.lup
export CRIU

# Runs lup patch with the given arguments; its exit status in $rc, output in $T/lup.*.
lup_patch() {
	rc=0
	lup patch --checkpoint --json "$@" >"$T/lup.out" 2>"$T/lup.err" || rc=$?
	sed 's/^/  | /' "$T/lup.err"
}

expect_rc() { [ "$rc" = "$1" ] || fail "lup patch: exit $rc, expected $1 ($2)"; }

# The counter of every line is the previous one plus 1: the process kept its state.
check_counter() { # file
	awk '$1 != prev + 1 && NR > 1 { print "line " NR ": " $0 " after " prev; bad = 1 }
	     { prev = $1 } END { exit bad }' "$1" || fail "counter did not continue in $1"
}

last_word() { tail -n 1 "$T/out.$1" | awk '{ print $2 }'; }

same_process() { # pid tids
	alive "$1" || fail "process $1 is gone"
	[ "$(tids "$1")" = "$2" ] || fail "thread ids changed: $2 -> $(tids "$1")"
}

note "patch a running process"
lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX"
pid=$(start_target "$PROG")
wait_lines "$pid" 5
before=$(tids "$pid")
[ "$(last_word "$pid")" = old ] || fail "target does not run the old code"
lup_patch -p "$T/counter.lup" "$pid"
expect_rc 0 "patch"
grep -q '"state": "patched"' "$T/lup.out" || fail "JSON does not say patched: $(cat "$T/lup.out")"
grep -q '"frozen_ms": [0-9]' "$T/lup.out" || fail "JSON has no frozen time"
grep -q 'frozen' "$T/lup.err" || fail "no step times on stderr"
wait_lines "$pid" 5
same_process "$pid" "$before"
[ "$(last_word "$pid")" = new ] || fail "patched process does not run the new code"
grep -q ' old$' "$T/out.$pid" || fail "no old output before the patch"
check_counter "$T/out.$pid"

note "the same patch again is refused, the process keeps the patched code"
lup_patch -p "$T/counter.lup" --images "$T/img-twice" "$pid"
expect_rc 4 "patch applied twice"
[ ! -e "$T/img-twice" ] || fail "the process was dumped for a patch already applied"
wait_lines "$pid" 3
same_process "$pid" "$before"
[ "$(last_word "$pid")" = new ] || fail "lost the patched code"
check_counter "$T/out.$pid"
kill -9 "$pid"

note "bad patch files: exit 3, process untouched"
pid=$(start_target "$PROG")
wait_lines "$pid" 3
before=$(tids "$pid")
size=$(stat -c %s "$T/counter.lup")
head -c $((size / 2)) "$T/counter.lup" >"$T/truncated.lup"
cp "$T/counter.lup" "$T/garbled.lup"
printf '\377\377\377\377\377\377\377\377' | dd of="$T/garbled.lup" bs=1 seek=8 conv=notrunc status=none
for bad in truncated garbled; do
	lup_patch -p "$T/$bad.lup" --images "$T/img-$bad" "$pid"
	expect_rc 3 "$bad patch"
	[ ! -e "$T/img-$bad" ] || fail "the process was dumped for a $bad patch"
done

note "a patch for another build: exit 4, process untouched"
cc -O2 -g -pthread -Wl,--build-id=0x0123456789abcdef0123456789abcdef01234567 \
	-o "$T/other-build" "$LUP_TOP/test/progs/lup-counter.c"
lup-mkpatch -t "$T/other-build" -o "$T/other.lup" "$FIX"
lup_patch -p "$T/other.lup" --images "$T/img-other" "$pid"
expect_rc 4 "patch for another build"
[ ! -e "$T/img-other" ] || fail "the process was dumped for another build's patch"
wait_lines "$pid" 3
same_process "$pid" "$before"
[ "$(last_word "$pid")" = old ] || fail "untouched process changed its code"
check_counter "$T/out.$pid"
kill -9 "$pid"

note "the restore from the patched images fails: the original images bring it back (exit 7)"
# A CRIU action script $1 that, at action $2 of a restore from a directory named
# "patched", runs the shell command $3.
patched_restore_script() { # file action command
	printf '#!/bin/sh\n[ "$CRTOOLS_SCRIPT_ACTION" = %s ] || exit 0\ncase "$(readlink -f "$CRTOOLS_IMAGE_DIR")" in */patched) %s ;; esac\n' \
		"$2" "$3" >"$1"
	chmod +x "$1"
}
# Every restore from "patched" fails.
patched_restore_script "$T/fail-patched.sh" pre-restore "exit 1"
pid=$(start_target "$PROG")
wait_lines "$pid" 3
before=$(tids "$pid")
lup_patch -p "$T/counter.lup" --images "$T/img-fallback" "$pid" -- --action-script "$T/fail-patched.sh"
expect_rc 7 "failed restore of the patched images"
grep -q '"state": "original"' "$T/lup.out" || fail "JSON does not say original"
[ -d "$T/img-fallback/patched" ] || fail "images not kept after a failure"
wait_lines "$pid" 5
same_process "$pid" "$before"
[ "$(last_word "$pid")" = old ] || fail "restored process does not run the old code"
check_counter "$T/out.$pid"
kill -9 "$pid"

note "a restore of the patched images killed by --timeout half-way: its tree is killed, the originals restored"
# The restore from "patched" stalls at pre-resume (every task created): a restore that
# takes too long with the tree half restored, lup's child once criu is killed.
patched_restore_script "$T/slow-patched.sh" pre-resume "sleep 30"
pid=$(start_target "$PROG")
wait_lines "$pid" 3
before=$(tids "$pid")
rc=0
timeout 25 lup patch --checkpoint --json --timeout 3 -p "$T/counter.lup" --images "$T/img-slow" \
	"$pid" -- --action-script "$T/slow-patched.sh" >"$T/lup.out" 2>"$T/lup.err" || rc=$?
sed 's/^/  | /' "$T/lup.err"
[ $rc -ne 124 ] || fail "lup hung after the restore was killed"
expect_rc 7 "a restore killed by --timeout"
grep -q "patched: killed after 3000 ms (raise --timeout" "$T/lup.err" || fail "the timeout is not reported"
grep -q '"state": "original"' "$T/lup.out" || fail "JSON does not say original: $(cat "$T/lup.out")"
wait_lines "$pid" 5
same_process "$pid" "$before"
[ "$(last_word "$pid")" = old ] || fail "restored process does not run the old code"
check_counter "$T/out.$pid"
kill -9 "$pid"

# Field 22 of /proc/PID/stat: a process restored by CRIU is a new process with a new one.
start_time() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'; }

note "a busy process: the gate refuses 3 dumps, lup gives up, the process was never dumped"
pid=$(start_target "$PROG" busy)
wait_lines "$pid" 3
before=$(tids "$pid")
started=$(start_time "$pid")
lup_patch -p "$T/counter.lup" --tries 3 --max-wait 2 --images "$T/img-gate" "$pid"
expect_rc 5 "busy process behind the gate"
[ "$(grep -o '"result"' "$T/lup.out" | wc -l)" = 3 ] || fail "not 3 tries: $(cat "$T/lup.out")"
grep -q '"state": "untouched"' "$T/lup.out" || fail "JSON does not say untouched"
grep -q '"restore_ms": null' "$T/lup.out" || fail "a restore ran: $(cat "$T/lup.out")"
# Each refusal names a busy function: stuck, or word when the counting thread is in it.
[ "$(grep -c 'dump refused by the gate of lup.so.*inside \(stuck\|word\) ' "$T/lup.err")" = 3 ] &&
	grep -q 'dump refused by the gate of lup.so.*inside stuck' "$T/lup.err" ||
	fail "lup does not report the gate's 3 refusals naming the busy function"
[ ! -e "$T/img-gate/orig/restore.log" ] || fail "a restore ran"
[ ! -e "$T/img-gate/patches" ] || fail "the gate's patch directory was left behind"
[ "$(start_time "$pid")" = "$started" ] || fail "the busy process was dumped (new start time)"
wait_lines "$pid" 5
same_process "$pid" "$before"
[ "$(last_word "$pid")" = old ] || fail "busy process does not run the old code"
check_counter "$T/out.$pid"

note "the same busy process without lup.so: dumped, found busy in the images, restored (exit 5)"
lup_patch -p "$T/counter.lup" --plugin-dir "$T/no-plugin" --tries 3 --max-wait 2 \
	--images "$T/img-busy" "$pid"
expect_rc 5 "busy process"
[ "$(grep -c 'lup.so: No such file or directory; the dump is not gated' "$T/lup.err")" = 1 ] ||
	fail "the missing lup.so is not reported once"
[ -d "$T/img-busy/orig" ] || fail "images not kept after a failure"
[ "$(grep -o '"result"' "$T/lup.out" | wc -l)" = 3 ] || fail "not 3 tries: $(cat "$T/lup.out")"
grep -q '"state": "original"' "$T/lup.out" || fail "JSON does not say original"
grep -q 'inside stuck' "$T/lup.err" || fail "the busy function is not named"
wait_lines "$pid" 5
same_process "$pid" "$before"
[ "$(last_word "$pid")" = old ] || fail "busy process does not run the old code"
check_counter "$T/out.$pid"
kill -9 "$pid"

note "a TCP server with an established connection, patched with --tcp-established"
start_greetd_client
lup_patch -p "$GREETD_FIX" "$pid" -- --tcp-established
expect_rc 0 "TCP server"
check_greetd_client
kill -9 "$pid"
note "PASS"
