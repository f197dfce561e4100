#!/usr/bin/env bash
# `lup patch` and `lup revert` in place (the default) on real processes with the real
# libcompel: no dump, no kill. A waiting parent's waitpid reports nothing; a child of a
# restart loop is not restarted; stdout piped to a reader outside the tree keeps
# flowing; threads blocked in nanosleep, poll, select, epoll_wait, sem_timedwait,
# sigtimedwait, read (also with SO_RCVTIMEO) and accept see no EINTR and no early
# return; an established TCP connection keeps working with no option; lup killed at any
# moment (SIGKILL to lup, SIGINT/SIGTERM/SIGHUP to its process group) leaves the process
# (and each process of a tree) running, patched or not as `lup list` says; a seccomp-filtered process, a process in
# other pid and mount namespaces (by its host PID) and one whose binary was replaced on
# disk are patched; libc itself (stripped) is patched with the symbols of Debian's
# libc6-dbg; a thread held in a function's unlikely part (f.cold) makes it busy; a
# library's dynamic TLS (dlopen) is refused;
# a traced process is refused naming the tracer; a stopped process
# stays stopped; a process patched in place is checkpointed, restored, listed and
# reverted, and one patched through a checkpoint is reverted in place.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
PARENT=$LUP_BUILD/test/progs/waiting-parent
SLEEPERS=$LUP_BUILD/test/progs/sleepers
GREETD_FIX=$LUP_BUILD/patches/demo/greetd-fix.lup
export CRIU

# Runs a lup command; its exit status in $rc, stderr shown indented.
run() {
	rc=0
	"$@" >"$T/cmd.out" 2>"$T/cmd.err" || rc=$?
	sed 's/^/  | /' "$T/cmd.err"
}
ok() { run "$@"; [ "$rc" = 0 ] || fail "$* exited $rc"; }

last_word() { tail -n 1 "$1" | awk '{ print $NF }'; }
# Waits until file $1 ends with a line whose last word is $2 (5 s at most).
wait_word() {
	local i
	for i in $(seq 500); do [ "$(last_word "$1")" = "$2" ] && return 0; sleep 0.01; done
	fail "$1: last word $(last_word "$1"), expected $2"
}
# Every line's counter is the previous one plus 1.
check_counter() {
	awk '$1 != prev + 1 && NR > 1 { print "line " NR ": " $0 " after " prev; bad = 1 }
	     { prev = $1 } END { exit bad }' "$1" || fail "the counter did not continue in $1"
}
same() { # pid tids what
	alive "$1" || fail "$3: process $1 is gone"
	[ "$(tids "$1")" = "$2" ] || fail "$3: thread ids changed: $2 -> $(tids "$1")"
}
# The patches listed for pid, from its memory.
listed() { lup list --json "$1" | grep -o '"id": "[^"]*"' | cut -d'"' -f4 | tr '\n' ' '; }
child_of() { # pid: its only child, once there is one
	local i c
	for i in $(seq 200); do
		c=$(cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
		[ -n "$c" ] && { echo "$c"; return; }
		sleep 0.01
	done
	fail "process $1 has no child"
}

lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c"
printf '%s\n' 'const char *word(void) { return "new"; }' >"$T/sleepers-fix.c"
lup-mkpatch -t "$SLEEPERS" -o "$T/sleepers.lup" "$T/sleepers-fix.c"

note "patched and reverted in place: same process, no dump (its start time is the same)"
pid=$(start_target "$PROG")
wait_word "$T/out.$pid" old
tids0=$(tids "$pid")
started=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $20 }')
ok lup patch --json -p "$T/counter.lup" "$pid"
grep -q '"transport": "in-place"' "$T/cmd.out" || fail "not in place: $(cat "$T/cmd.out")"
for k in stop_ms check_ms write_ms resume_ms frozen_ms; do
	grep -q "\"$k\": [0-9]" "$T/cmd.out" || fail "no $k in the report"
done
wait_word "$T/out.$pid" new
[ "$(listed "$pid")" = "counter " ] || fail "lup list after the patch: $(listed "$pid")"
ok lup revert --id counter "$pid"
wait_word "$T/out.$pid" old
[ -z "$(listed "$pid")" ] || fail "lup list after the revert: $(listed "$pid")"
[ "$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $20 }')" = "$started" ] || fail "recreated"
same "$pid" "$tids0" "patch and revert"
ok lup patch -p "$T/counter.lup" "$pid" -- --tcp-established
grep -q "not used in place" "$T/cmd.err" || fail "criu's options not named as unused"
wait_word "$T/out.$pid" new
check_counter "$T/out.$pid"
kill -9 "$pid"

note "a waiting parent's waitpid reports nothing, during and after"
parent=$(start_target "$PARENT" "$PROG")
pid=$(child_of "$parent")
sleep 0.1
tids0=$(tids "$pid")
for i in 1 2 3; do
	ok lup patch -p "$T/counter.lup" "$pid"
	ok lup revert --all "$pid"
done
ok lup patch -p "$T/counter.lup" "$pid"
sleep 0.2
! grep -q waitpid "$T/out.$parent" || fail "the parent saw: $(grep waitpid "$T/out.$parent")"
grep -q ' new$' "$T/out.$parent" || fail "the child does not run the patch"
same "$pid" "$tids0" "under a waiting parent"
kill -9 "$pid" "$parent"

note "a child of a restart loop is not restarted"
loop=$(start_target bash -c 'while :; do "$0"; echo restarted; done' "$PROG")
pid=$(child_of "$loop")
ok lup patch -p "$T/counter.lup" "$pid"
wait_word "$T/out.$loop" new
sleep 0.2
! grep -q restarted "$T/out.$loop" || fail "the loop restarted its child"
[ "$(child_of "$loop")" = "$pid" ] || fail "another instance runs"
kill -9 "$loop" "$pid"

note "stdout piped to a reader outside the tree keeps flowing"
pipe=$(start_target bash -c '"$0" | cat >"$1"' "$PROG" "$T/piped")
pid=$(child_of "$pipe")
wait_word "$T/piped" old
ok lup patch -p "$T/counter.lup" "$pid"
wait_word "$T/piped" new
n=$(grep -c . "$T/piped"); sleep 0.2
[ "$(grep -c . "$T/piped")" -gt "$n" ] || fail "the output stopped"
alive "$pid" || fail "the writer died (SIGPIPE?)"
check_counter "$T/piped"
kill -9 "$pid" "$pipe"

note "threads blocked in nanosleep, poll, epoll_wait, sem_timedwait, read, accept: no EINTR"
pid=$(start_target "$SLEEPERS")
for i in $(seq 300); do grep -q '^tick=.*word=old' "$T/out.$pid" && break; sleep 0.01; done
tids0=$(tids "$pid")
for i in $(seq 10); do
	ok lup patch -p "$T/sleepers.lup" "$pid"
	ok lup revert --all "$pid"
done
ok lup patch -p "$T/sleepers.lup" "$pid"
sleep 0.5	# a full round of every call's timeout after the last freeze
! grep -a FAIL "$T/out.$pid" || fail "a call saw the freezes"
tail -n 1 "$T/out.$pid" | grep -q 'word=new' || fail "sleepers does not run the patch"
same "$pid" "$tids0" "sleepers"
kill -9 "$pid"

note "an established TCP connection keeps working, with no option"
start_greetd_client
ok lup patch -p "$GREETD_FIX" "$pid"
check_greetd_client
kill -9 "$pid"

# lup's workers for pid still running (they carry on when lup is killed).
workers() { pgrep -f "^lup (patch|revert) .* $1\$" || true; }
settled() { # pid: waits until no lup works on it
	local i
	for i in $(seq 500); do [ -z "$(workers "$1")" ] && return 0; sleep 0.01; done
	fail "lup's worker for $1 did not end"
}
# Patched or not, the process agrees with its records.
consistent() { # pid tids what
	local want=old
	same "$1" "$2" "$3"
	[ "$(listed "$1")" = "counter " ] && want=new
	wait_word "$T/out.$1" "$want"
}

# lup patch and lup revert of root, each killed with SIGKILL after each delay; then
# every pid of "PID:TID,TID,... ..." runs, as its records say.
kill_lup_at() { # root delays procs
	local root=$1 delays=$2 d cmd l p
	for d in $delays; do
		for cmd in "patch -p $T/counter.lup" "revert --all"; do
			lup $cmd "$root" >/dev/null 2>&1 &
			l=$!
			sleep "$d"
			kill -9 "$l" 2>/dev/null || true
			wait "$l" 2>/dev/null || true
			settled "$root"
			for p in $3; do
				consistent "${p%%:*}" "$(tr , ' ' <<<"${p#*:}")" "lup $cmd killed after $d s"
			done
		done
	done
}

note "lup killed at any moment: the process runs on, patched or not as lup list says"
pid=$(start_target "$PROG")
wait_word "$T/out.$pid" old
tids0=$(tids "$pid")
kill_lup_at "$pid" "0 0.001 0.002 0.003 0.004 0.006 0.008 0.01 0.02 0.05" "$pid:${tids0// /,}"
for sig in INT TERM HUP; do
	for cmd in "patch -p $T/counter.lup" "revert --all"; do
		setsid lup $cmd "$pid" >"$T/sig.out" 2>&1 &
		l=$!
		sleep 0.001
		kill -"$sig" -- -"$l" 2>/dev/null || true
		wait "$l" 2>/dev/null || true
		settled "$pid"
		consistent "$pid" "$tids0" "SIG$sig to lup $cmd"
	done
done
check_counter "$T/out.$pid"
kill -9 "$pid"

note "a tree: lup killed at any moment, each process ends patched or not as lup list says"
tree=$(start_target bash -c 'for i in 1 2 3; do "$0" >"$1.$i" & done; wait' "$PROG" "$T/tree")
for i in $(seq 200); do [ "$(cat /proc/"$tree"/task/*/children | wc -w)" = 3 ] && break; sleep 0.01; done
kids=$(cat /proc/"$tree"/task/*/children)
procs=
for k in $kids; do procs+=" $k:$(tids "$k" | tr ' ' ,)"; ln -sf "$(readlink "/proc/$k/fd/1")" "$T/out.$k"; done
kill_lup_at "$tree" "0 0.002 0.004 0.008 0.016" "$procs"
for k in $kids; do check_counter "$T/out.$k"; done
kill -9 $kids "$tree"

note "a thread held in the unlikely part of a function (hot.cold) is inside it: busy"
COLD=$LUP_BUILD/test/progs/cold-hold
nm "$COLD" | grep -q ' hot\.cold$' || fail "gcc made no hot.cold in $COLD"
printf '%s\n' 'long hot(long x) { return x + 1; }' 'const char *word(void) { return "new"; }' \
	>"$T/cold-fix.c"
lup-mkpatch -t "$COLD" -o "$T/cold.lup" "$T/cold-fix.c"
lup-mkpatch --dump "$T/cold.lup" | grep -q '^part hot ' || fail "the patch does not carry hot.cold"
# The process runs a stripped copy (same build-id), as distributions ship binaries.
strip -o "$T/cold-stripped" "$COLD"
for tr in "" --checkpoint; do
	pid=$(start_target "$T/cold-stripped" hold)
	wait_word "$T/out.$pid" old
	run lup patch $tr --tries 2 --max-wait 1 -p "$T/cold.lup" "$pid"
	[ "$rc" = 5 ] || fail "${tr:-in place}: a thread in hot.cold: exit $rc, expected 5 (busy)"
	grep -q "is inside hot" "$T/cmd.err" || fail "the refusal does not name hot"
	wait_word "$T/out.$pid" old
	kill -USR1 "$pid"	# the holder leaves hot.cold
	ok lup patch $tr -p "$T/cold.lup" "$pid"
	wait_word "$T/out.$pid" new
	check_counter "$T/out.$pid"
	kill -9 "$pid"; wait_gone "$pid"
done

note "libc itself, stripped, patched with the symbols of Debian's libc6-dbg"
GETPID=$LUP_BUILD/test/progs/getpid-loop
LIBC=$(ldd "$GETPID" | awk '/libc\.so\.6/ { print $3 }')
printf '%s\n' '#include <unistd.h>' 'pid_t getpid(void) { return 4242; }' >"$T/getpid-fix.c"
lup-mkpatch -t "$LIBC" -o "$T/getpid.lup" "$T/getpid-fix.c" 2>"$T/gp.err" ||
	{ cat "$T/gp.err" >&2; fail "a patch of $LIBC: refused"; }
grep -q "symbols from /usr/lib/debug/.build-id/" "$T/gp.err" || fail "libc's debug file not used"
for tr in "" --checkpoint; do
	pid=$(start_target "$GETPID")
	wait_word "$T/out.$pid" "$pid"
	tids0=$(tids "$pid")
	ok lup patch $tr -p "$T/getpid.lup" "$pid"
	wait_word "$T/out.$pid" 4242
	ok lup revert $tr --all "$pid"
	wait_word "$T/out.$pid" "$pid"
	same "$pid" "$tids0" "libc patched ${tr:-in place}"
	check_counter "$T/out.$pid"
	kill -9 "$pid"; wait_gone "$pid"
done

note "a library's dynamic TLS (dlopen): right in every thread, also in threads made after the patch"
DLTLS=$LUP_BUILD/test/progs/dlopen-tls
printf '%s\n' 'extern __thread long dyn_tls;' \
	'const char *word(void) { return dyn_tls > 0 ? "new" : "bad"; }' >"$T/dyntls-fix.c"
lup-mkpatch --no-library-check -t "$DLTLS" -o "$T/dyntls.lup" "$T/dyntls-fix.c" 2>/dev/null
lup-mkpatch --dump "$T/dyntls.lup" 2>/dev/null | grep -q "dtpmod64 dyn_tls" ||
	fail "the patch does not reach dyn_tls through __tls_get_addr"
for tr in "" --checkpoint; do
	pid=$(start_target "$DLTLS" "$LUP_BUILD/test/progs/libdyntls.so")
	wait_word "$T/out.$pid" old
	tids0=$(tids "$pid")
	ok lup patch $tr -p "$T/dyntls.lup" "$pid"
	n=$(grep -c '^thread new$' "$T/out.$pid" || true)
	for i in $(seq 300); do
		[ "$(grep -c '^thread new$' "$T/out.$pid" || true)" -ge $((n + 2)) ] && break
		sleep 0.02
	done
	[ "$(grep -c '^thread new$' "$T/out.$pid" || true)" -ge $((n + 2)) ] ||
		fail "${tr:-in place}: threads made after the patch do not see their own TLS"
	grep -q ' bad$\|^thread bad$' "$T/out.$pid" && fail "${tr:-in place}: a thread read the wrong TLS"
	wait_word "$T/out.$pid" new
	alive "$pid" && [ "$(tids "$pid")" = "$tids0" ] || fail "${tr:-in place}: PID or threads changed"
	grep -v '^thread' "$T/out.$pid" | awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 }
		END { exit bad }' || fail "${tr:-in place}: the counter did not continue"
	kill -9 "$pid"; wait_gone "$pid"
done

note "a C++ program: the patch's push_back uses the program's own instantiation"
g++ -O2 -g -o "$T/cxx" "$LUP_TOP/test/mkpatch/target-cxx.cc"
lup-mkpatch -t "$T/cxx" -o "$T/cxx.lup" "$LUP_TOP/test/mkpatch/fix-cxx.cc" 2>/dev/null
for tr in "" --checkpoint; do
	pid=$(start_target "$T/cxx")
	wait_lines "$pid" 3
	ok lup patch $tr -p "$T/cxx.lup" "$pid"
	for i in $(seq 300); do tail -n 1 "$T/out.$pid" | grep -q ' new ' && break; sleep 0.01; done
	n=$(tail -n 1 "$T/out.$pid" | awk '{ print $3 }'); sleep 0.1
	[ "$(tail -n 1 "$T/out.$pid" | awk '{ print $2 }')" = new ] || fail "the C++ patch does not run"
	[ "$(tail -n 1 "$T/out.$pid" | awk '{ print $3 }')" -gt "$n" ] || fail "the vector stopped growing"
	awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/out.$pid" ||
		fail "the C++ program's counter did not continue"
	kill -9 "$pid"; wait_gone "$pid"
done

note "a seccomp-filtered process (mmap, mprotect, munmap denied to it) is patched"
pid=$(start_target "$PROG" seccomp)
wait_word "$T/out.$pid" old
grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" || fail "no seccomp filter"
ok lup patch -p "$T/counter.lup" "$pid"
wait_word "$T/out.$pid" new
ok lup revert --all "$pid"
wait_word "$T/out.$pid" old
check_counter "$T/out.$pid"
kill -9 "$pid"

note "a process in other pid and mount namespaces, by its host PID"
mkdir -p "$T/ns"
nsroot=$(start_target unshare --pid --mount --fork --mount-proc sh -c \
	'mount -t tmpfs lup "$0" && cp "$1" "$0/prog" && exec "$0/prog"' "$T/ns" "$PROG")
pid=$(child_of "$nsroot")
wait_word "$T/out.$nsroot" old
[ ! -e "$T/ns/prog" ] || fail "the binary is visible on the host"
ok lup patch -p "$T/counter.lup" "$pid"
wait_word "$T/out.$nsroot" new
[ "$(listed "$pid")" = "counter " ] || fail "lup list of the namespaced process"
ok lup revert --all "$pid"
wait_word "$T/out.$nsroot" old
kill -9 "$pid" "$nsroot"

note "a binary replaced on disk: the file mapped is the one patched"
mkdir -p "$T/bin"
cp "$PROG" "$T/bin/prog"
pid=$(start_target "$T/bin/prog")
wait_word "$T/out.$pid" old
cp "$PARENT" "$T/bin/other" && mv "$T/bin/other" "$T/bin/prog"	# another file at that path
ok lup patch -p "$T/counter.lup" "$pid"
wait_word "$T/out.$pid" new
kill -9 "$pid"

note "a process traced by another is refused, naming the tracer"
pid=$(start_target "$PROG")
wait_word "$T/out.$pid" old
hold_trace "$pid"
run lup patch -p "$T/counter.lup" "$pid"
[ "$rc" = 5 ] || fail "a traced process: exit $rc, expected 5"
grep -q "traced by process $holder" "$T/cmd.err" || fail "the tracer $holder is not named"
kill "$holder"; wait "$holder" 2>/dev/null || true
wait_word "$T/out.$pid" old

note "a stopped process stays stopped, and runs the patch once continued"
kill -STOP "$pid"
sleep 0.05
ok lup patch -p "$T/counter.lup" "$pid"
sleep 0.1
[ "$(awk '{ print $3 }' "/proc/$pid/stat")" = T ] || fail "the process runs after the patch"
kill -CONT "$pid"
wait_word "$T/out.$pid" new
check_counter "$T/out.$pid"

note "patched in place, checkpointed, restored: listed and reverted; and the other way round"
tids0=$(tids "$pid")
criu_dump "$pid" "$T/img"
ok lup-rewrite --list -D "$T/img"
grep -q counter "$T/cmd.out" || fail "the images do not list the patch"
criu_restore "$T/img"
wait_word "$T/out.$pid" new
[ "$(listed "$pid")" = "counter " ] || fail "lup list after the restore"
ok lup revert --all "$pid"
wait_word "$T/out.$pid" old
ok lup patch --checkpoint -p "$T/counter.lup" "$pid"
wait_word "$T/out.$pid" new
ok lup revert --id counter "$pid"
grep -q "reverted in place" "$T/cmd.err" || fail "not reverted in place"
wait_word "$T/out.$pid" old
same "$pid" "$tids0" "across the transports"
check_counter "$T/out.$pid"
kill -9 "$pid"
echo PASS
