#!/usr/bin/env bash
# Patch code seen by the process's unwinders (lib/mkpatch/runtime/begin.S): a C++
# program patched so that an exception is thrown and caught inside the patch, one is
# thrown by the patch and caught by the program, and one of the program unwinds through
# a patched frame; a libunwind backtrace from a callback of the patch reaches main.
# With libunwind carrying the exceptions (the program links it) and with libgcc's
# unwinder; in place, through a checkpoint, after a checkpoint and restore of a process
# patched in place (what a migration does), after a revert (what the process registered
# is emptied, exceptions go on), and when patched again. gdb, given what `lup list --gdb`
# writes, unwinds from a breakpoint through the patch to main, also after the restore.
# Each step checks that the process runs on: same PID and threads, its counter continuing.
source "$(dirname "$0")/../lib.sh"

SRC=$LUP_TOP/test/e2e/unwind
export CRIU

# Field k of the last line of pid's output.
field() { tail -n 1 "$T/out.$1" | awk -v k="$2" '{ print $k }'; }

# The last lines of pid show the patched code: parse caught its own exception (12), check
# threw to the program on odd counters, visit returned n + 1000 on odd ones, cb's
# exception came through visit on even ones, and a backtrace from cb reached main.
check_patched() { # pid what
	wait_lines "$1" 4
	tail -n 4 "$T/out.$1" | awk '
		$2 != 12 || $6 != "main" { bad = 1 }
		$1 % 2 == 1 && ($3 != "yes" || $4 != $1 + 1000 || $5 != "no") { bad = 1 }
		$1 % 2 == 0 && ($3 != "no" || $4 != -1 || $5 != "yes") { bad = 1 }
		END { exit bad }' || fail "$2: the patched code does not run as it should: $(tail -n 4 "$T/out.$1")"
	check_alive "$1" "$2"
}

# The old code: parse refuses "12x", check never throws, visit returns n.
check_original() { # pid what
	wait_lines "$1" 4
	tail -n 4 "$T/out.$1" | awk '
		$2 != -1 || $3 != "no" || $6 != "main" { bad = 1 }
		$1 % 2 == 1 && ($4 != $1 || $5 != "no") { bad = 1 }
		$1 % 2 == 0 && ($4 != -1 || $5 != "yes") { bad = 1 }
		END { exit bad }' || fail "$2: the old code does not run as it should: $(tail -n 4 "$T/out.$1")"
	check_alive "$1" "$2"
}

# gdb stopped in cb, called by the patched visit: its backtrace names visit and reaches
# main, with no frame between them (without lup's file, gdb shows a bogus one there).
check_gdb() { # pid what
	lup list --gdb "$T/gdb" "$1" >"$T/lup.gdb" || fail "$2: lup list --gdb failed"
	timeout 60 gdb -p "$1" -batch -x "$T/lup.gdb" -ex "break cb" -ex continue -ex bt \
		>"$T/gdb.out" 2>&1 || true
	grep '^#' "$T/gdb.out" | sed 's/^/  gdb | /'
	grep -A1 '^#1 .* in visit(' "$T/gdb.out" | grep -q '^#2 .* in main ()' ||
		fail "$2: gdb's backtrace does not go from the patch's visit to main"
	check_alive "$1" "$2 (after gdb)"
}

check_alive() { # pid what
	alive "$1" || fail "$2: the process is gone"
	awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/out.$1" ||
		fail "$2: the counter did not continue"
}

for unwinder in libunwind libgcc; do
	flags=; [ $unwinder = libgcc ] || flags="-DWITH_LIBUNWIND -lunwind"
	g++ -O2 -g -o "$T/target" "$SRC/target.cc" $flags
	lup-mkpatch -t "$T/target" -o "$T/fix.lup" "$SRC/fix.cc" 2>/dev/null

	note "$unwinder: in place; the exceptions of the patch and through it"
	pid=$(start_target "$T/target")
	wait_lines "$pid" 3
	check_original "$pid" "before"
	tids_before=$(tids "$pid")
	lup patch -p "$T/fix.lup" "$pid" 2>/dev/null || fail "in place: not patched"
	check_patched "$pid" "in place"
	[ "$(tids "$pid")" = "$tids_before" ] || fail "in place: thread ids changed"
	check_gdb "$pid" "in place"

	note "$unwinder: checkpointed and restored as it is (a migration): the registration is in its memory"
	criu_dump "$pid" "$T/mig.$unwinder"
	criu_restore "$T/mig.$unwinder"
	check_patched "$pid" "after the restore"
	check_gdb "$pid" "after the restore"

	note "$unwinder: reverted: what the process registered is emptied, exceptions go on"
	lup revert --id fix "$pid" 2>/dev/null || fail "not reverted"
	check_original "$pid" "reverted"
	wait_lines "$pid" 10
	check_original "$pid" "reverted, 10 lines on"

	note "$unwinder: patched again (maybe where the reverted one was)"
	lup patch -p "$T/fix.lup" "$pid" 2>/dev/null || fail "not patched again"
	check_patched "$pid" "patched again"
	kill -9 "$pid"

	note "$unwinder: through a checkpoint, then reverted through one"
	pid=$(start_target "$T/target")
	wait_lines "$pid" 3
	lup patch --checkpoint -p "$T/fix.lup" "$pid" 2>/dev/null || fail "--checkpoint: not patched"
	check_patched "$pid" "--checkpoint"
	lup revert --checkpoint --id fix "$pid" 2>/dev/null || fail "--checkpoint: not reverted"
	check_original "$pid" "--checkpoint, reverted"
	wait_lines "$pid" 10
	check_original "$pid" "--checkpoint, reverted, 10 lines on"
	kill -9 "$pid"
done
note "PASS"
