#!/usr/bin/env bash
# Freezing a live process with libcompel (lib/live/freeze.c, Documentation/compel.md),
# driven by test/tools/freeze-probe on test/progs/sleepers, whose threads sit in
# nanosleep, poll, select, epoll_wait, epoll_pwait, sem_timedwait, sigtimedwait, pipe
# and socket reads and accept and print FAIL when a call returns EINTR or early: 50
# freezes with a remote mmap/write/mprotect/munmap each leave no FAIL, the same PID and
# threads, and the counter going on; the mapping is in /proc/PID/maps during the freeze
# and gone after; a signal sent during a freeze is delivered after it; a process that
# creates threads all the time is frozen whole; a process traced by another (on its
# leader or its last thread) is refused, naming the tracer, and left untouched; a
# SIGSTOPped process stays stopped; one whose thread is in uninterruptible sleep (a vfork
# parent) is given up after 1 s, unchanged, instead of waiting for the thread to wake.
source "$(dirname "$0")/../lib.sh"

PROBE=$LUP_BUILD/test/tools/freeze-probe
PROG=$LUP_BUILD/test/progs/sleepers

# A key=value of the last "tick=" line of pid.
tick() { # pid key
	grep -a '^tick=' "$T/out.$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

no_fail() { # pid what
	if grep -a '^FAIL' "$T/out.$1" >&2; then fail "$2: a call of the process was disturbed"; fi
}

# Every call of the process completed more calls than in the tick line $2.
progressed() { # pid "tick line before" what
	local kv name before now
	for kv in $2; do
		name=${kv%%=*} before=${kv#*=}
		case $name in tick|sigs|last_sig_ns|spawned|word) continue ;; esac
		now=$(tick "$1" "$name")
		[ "$now" -gt "$before" ] || fail "$3: $name did not go on ($before -> $now)"
	done
}

same() { # pid what
	alive "$1" || fail "$2: process $1 is gone"
	[ "$(tids "$1")" = "$tids0" ] || fail "$2: thread ids changed"
}

thread_states() { awk '{ print $3 }' /proc/"$1"/task/*/stat | sort -u | tr -d '\n'; }

pid=$(start_target "$PROG")
wait_lines "$pid" 3
tids0=$(tids "$pid")
[ "$(echo $tids0 | wc -w)" = 11 ] || fail "sleepers has $(echo $tids0 | wc -w) threads, expected 11"

note "the calls a freeze interrupts with EINTR are rewound"
"$PROBE" -s -n 5 -P 20 "$pid" >"$T/show.out" || fail "freeze-probe -s exited $?"
grep -q ' rewound 1 ' "$T/show.out" || { cat "$T/show.out"; fail "no call was rewound"; }
# epoll_wait (232), accept (43): -EINTR at the stop; nanosleep's clock_nanosleep (230): the kernel restarts it.
grep -q ' call 232 rax -4 .* rewound 1 ' "$T/show.out" || fail "epoll_wait was not rewound"
grep -q ' call 43 rax -4 .* rewound 1 ' "$T/show.out" || fail "accept was not rewound"
grep -q ' call 230 rax -516 .* rewound 0 ' "$T/show.out" || fail "clock_nanosleep not left to the kernel"

note "50 freezes, each with a remote mmap, writes, mprotect r-x and munmap"
wait_lines "$pid" 2
before=$(grep -a '^tick=' "$T/out.$pid" | tail -n 1)
"$PROBE" -m -H 20 -n 50 -P 30 "$pid" >"$T/rounds.out" || fail "freeze-probe -m -n 50 exited $?"
[ "$(grep -c '^mapped ' "$T/rounds.out")" = 50 ] || fail "not 50 mappings"
sleep 0.5 # every call restarted by a freeze completes (200 ms each)
wait_lines "$pid" 3
no_fail "$pid" "50 freezes"
same "$pid" "50 freezes"
progressed "$pid" "$before" "50 freezes"
[ "$(tick "$pid" tick)" -gt "$(echo "$before" | sed 's/^tick=\([0-9]*\).*/\1/')" ] || fail "the counter stopped"

note "the mapping is in /proc/PID/maps during the freeze, gone after"
"$PROBE" -m -H 1000 "$pid" >"$T/map.out" &
probe=$!
for i in $(seq 300); do grep -q '^mapped ' "$T/map.out" && break; sleep 0.01; done
addr=$(sed -n 's/^mapped 0x//p' "$T/map.out")
[ -n "$addr" ] || fail "freeze-probe printed no mapping"
grep "^0*$addr-" "/proc/$pid/maps" | grep -q ' r-xp ' || { cat "/proc/$pid/maps"; fail "no r-x mapping at $addr"; }
n=$(lines "$pid"); sleep 0.3
[ "$(lines "$pid")" = "$n" ] || fail "the process printed while frozen"
wait "$probe" || fail "freeze-probe -m exited $?"
! grep -q "^0*$addr-" "/proc/$pid/maps" || fail "the mapping at $addr is still there"
wait_lines "$pid" 2
same "$pid" "map"

note "a signal sent during the freeze is delivered after it"
sigs0=$(tick "$pid" sigs)
"$PROBE" -H 400 "$pid" >"$T/sig.out" &
probe=$!
for i in $(seq 300); do grep -q '^frozen ' "$T/sig.out" && break; sleep 0.01; done
kill -USR1 "$pid"
wait "$probe" || fail "freeze-probe exited $?"
wait_lines "$pid" 3
[ "$(tick "$pid" sigs)" = $((sigs0 + 1)) ] || fail "signals: $(tick "$pid" sigs), expected $((sigs0 + 1))"
thawing=$(sed -n 's/^thawing //p' "$T/sig.out")
[ "$(tick "$pid" last_sig_ns)" -gt "$thawing" ] || fail "the signal was handled before the thaw"
no_fail "$pid" "signal"
same "$pid" "signal"

# With tid traced by ptrace-hold, a freeze of pid is refused with a message matching $3.
refused_traced() { # pid tid message
	hold_trace "$2"
	rc=0
	"$PROBE" -m "$1" >"$T/traced.out" 2>"$T/traced.err" || rc=$?
	sed 's/^/  | /' "$T/traced.err"
	[ "$rc" != 0 ] || fail "a process with traced thread $2 was frozen"
	grep -q "$3 $holder (ptrace-hold)" "$T/traced.err" || fail "the refusal does not name tracer $holder"
}

note "a process traced by another is refused, naming the tracer"
refused_traced "$pid" "$pid" "traced by process"
! grep -q '^frozen' "$T/traced.out" || fail "frozen anyway"
kill "$holder"; wait "$holder" 2>/dev/null || true
wait_lines "$pid" 3
same "$pid" "traced"

note "a tracer on the last thread: the threads stopped before it run on, none sees EINTR"
last=$(echo $tids0 | tr ' ' '\n' | tail -n 1)
refused_traced "$pid" "$last" "thread $last is traced by process"
kill "$holder"; wait "$holder" 2>/dev/null || true
sleep 0.5
wait_lines "$pid" 3
same "$pid" "traced thread"
"$PROBE" -m "$pid" >/dev/null || fail "no freeze once the tracer is gone"
no_fail "$pid" "traced"

note "a process that keeps creating threads is frozen whole"
spawner=$(start_target "$PROG" --spawn)
wait_lines "$spawner" 3
spawned=$(tick "$spawner" spawned)
"$PROBE" -m -n 50 -P 5 "$spawner" >"$T/spawn.out" || fail "freeze-probe on a spawning process exited $?"
wait_lines "$spawner" 3
alive "$spawner" || fail "the spawning process is gone"
[ "$(tick "$spawner" spawned)" -gt "$spawned" ] || fail "the spawning process stopped creating threads"
no_fail "$spawner" "spawning"
kill -9 "$spawner"

note "no such process"
! "$PROBE" 999999999 2>"$T/none.err" || fail "froze a process that does not exist"
grep -q 'no such process' "$T/none.err" || fail "no 'no such process' message"

note "a SIGSTOPped process stays stopped"
kill -STOP "$pid"
for i in $(seq 300); do [ "$(thread_states "$pid")" = T ] && break; sleep 0.01; done
[ "$(thread_states "$pid")" = T ] || fail "SIGSTOP did not stop every thread"
"$PROBE" -s -m "$pid" >"$T/stopped.out" || fail "freeze-probe on a stopped process exited $?"
grep -q ' stopped 1$' "$T/stopped.out" || fail "the threads were not seen as stopped"
sleep 0.3
[ "$(thread_states "$pid")" = T ] || fail "the thaw woke a stopped process: $(thread_states "$pid")"
n=$(lines "$pid"); sleep 0.2
[ "$(lines "$pid")" = "$n" ] || fail "the stopped process printed"
kill -CONT "$pid"
wait_lines "$pid" 3
same "$pid" "SIGCONT"
kill -9 "$pid"

note "a thread in uninterruptible sleep (a vfork parent): given up after 1 s, the process runs on"
VF=$LUP_BUILD/test/progs/vfork-parent
printf 'const char *word(void) { return "new"; }\n' >"$T/vf.c"
lup-mkpatch -t "$VF" -o "$T/vf.lup" "$T/vf.c" 2>/dev/null
pid=$(start_target "$VF")
wait_lines "$pid" 3
t0=$SECONDS
expect_refusal 1 "thread $pid is in uninterruptible sleep and did not stop within 1000 ms" \
	lup patch -p "$T/vf.lup" "$pid"
[ $((SECONDS - t0)) -lt 10 ] || fail "lup waited $((SECONDS - t0)) s for a thread in uninterruptible sleep"
wait_lines "$pid" 3
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "the process changed"
alive "$pid" || fail "the vfork parent is gone"
awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/out.$pid" ||
	fail "the counter did not continue"
pkill -9 -f "$VF" || true
echo PASS
