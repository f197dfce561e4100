#!/usr/bin/env bash
# Trees lup refuses before freezing (exit 10), naming the way that works: a process whose
# output is a pipe, a FIFO or a UNIX socket read outside its tree is refused through a
# checkpoint (criu would restore a new one: the reader would see it closed) and patched in place, its
# reader served all along; a tree that holds the lup run itself is refused by both
# transports and runs on.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export CRIU
lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX" 2>/dev/null


# Waits until file $1 ends with a line ending in $2.
wait_word() {
	for i in $(seq 500); do tail -n 1 "$1" | grep -q " $2\$" && return 0; sleep 0.01; done
	fail "$1 does not end with '$2': $(tail -n 1 "$1")"
}

patch_through_pipe() { # name what (the process's pid in $pid, its reader's in $reader)
	local before n
	wait_word "$T/$1" old
	before=$(tids "$pid")
	expect_refusal 10 "process $pid: $2 [0-9]* is held by process $reader outside the tree.*without --checkpoint" \
		lup patch --checkpoint -p "$T/counter.lup" "$pid"
	alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "$1: PID or thread ids changed"
	n=$(grep -c . "$T/$1"); sleep 0.1
	[ "$(grep -c . "$T/$1")" -gt "$n" ] || fail "$1: the reader is no longer served"
	lup patch -p "$T/counter.lup" "$pid" 2>/dev/null || fail "$1: in place failed"
	wait_word "$T/$1" new
	alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "$1: PID or thread ids changed"
	awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/$1" ||
		fail "$1: the counter did not continue"
	kill -9 "$pid"
}

note "a process writing into a FIFO that a process outside its tree reads"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
reader=$!
# Started from a subshell that exits: its parent is the test's subreaper, not this shell.
(setsid bash -c 'echo $$ >"$0"; exec "$1" </dev/null >"$2" 2>&1' "$T/fifo.pid" "$PROG" "$T/fifo" &)
for i in $(seq 100); do [ -s "$T/fifo.pid" ] && break; sleep 0.02; done
pid=$(cat "$T/fifo.pid"); track "$pid"
patch_through_pipe fifo.out pipe

note "a process writing into a pipe that a process outside its tree reads"
(setsid bash -c 'echo $$ >"$0"; exec "$1" </dev/null 2>&1' "$T/pipe.pid" "$PROG" | cat >"$T/pipe.out" &)
for i in $(seq 100); do [ -s "$T/pipe.pid" ] && break; sleep 0.02; done
pid=$(cat "$T/pipe.pid"); track "$pid"
reader=$(for p in $(pgrep -x cat); do
	[ "$(readlink "/proc/$p/fd/0")" = "$(readlink "/proc/$pid/fd/1")" ] && echo "$p"; done)
[ -n "$reader" ] || fail "no reader found for the pipe"
patch_through_pipe pipe.out pipe

note "a process writing into a UNIX socket whose peer its parent, outside its tree, reads"
python3 - "$PROG" "$T/unix.pid" "$T/unix.out" <<'PY' &
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.DEVNULL, stdout=b, stderr=b)
b.close()
open(sys.argv[2], "w").write(str(p.pid))
with open(sys.argv[3], "wb") as f:
    while d := a.recv(4096):
        f.write(d); f.flush()
PY
reader=$!
for i in $(seq 100); do [ -s "$T/unix.pid" ] && break; sleep 0.02; done
pid=$(cat "$T/unix.pid"); track "$pid"
patch_through_pipe unix.out "UNIX socket peer"

note "a tree that holds the lup run itself"
for tr in "" --checkpoint; do
	rm -f "$T/self.rc"
	setsid bash -c 'lup patch $0 -p "$1" $$ 2>"$2"; echo $? >"$3"; sleep 0.2' \
		"${tr:-}" "$T/counter.lup" "$T/self.err" "$T/self.rc" </dev/null >/dev/null 2>&1 &
	shell=$!
	for i in $(seq 500); do [ -s "$T/self.rc" ] && break; sleep 0.01; done
	sed 's/^/  | /' "$T/self.err"
	[ "$(cat "$T/self.rc")" = 10 ] || fail "${tr:-in place}: lup in its own tree: exit $(cat "$T/self.rc")"
	grep -q "this lup run ([0-9]*) is in its tree" "$T/self.err" || fail "${tr:-in place}: not said why"
	alive "$shell" || fail "${tr:-in place}: the shell that ran lup is gone"
	wait "$shell"
done
