# Shell helpers of the end-to-end tests: temporary directories, target processes,
# real criu dump/restore (always under a timeout), and cleanup that never leaves a
# process behind. Source it; the test sets -e and calls functions below.
set -euo pipefail

: "${LUP_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${LUP_BUILD:=$LUP_TOP/build}"
: "${CRIU:=$LUP_TOP/.deps/bin/criu}"
: "${CRIT:=$LUP_TOP/.deps/bin/crit}"
# lup patch/revert dump through the build's lup.so (the gate that never dumps a busy process).
: "${LUP_PLUGIN_DIR:=$LUP_BUILD/plugin}"
export LUP_TOP LUP_BUILD CRIU CRIT LUP_PLUGIN_DIR
PATH=$LUP_BUILD:$PATH

T=$(mktemp -d /tmp/lup-test.XXXXXX)

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

_lup_cleanup() {
	local p
	# start_target runs in $(...) subshells: its pids are recorded in a file.
	for p in $(cat "$T/pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	[ -n "${LUP_KEEP:-}" ] || rm -rf "$T"
}
trap _lup_cleanup EXIT

# Registers a pid that the cleanup kills at exit.
track() { echo "$1" >>"$T/pids"; }

# Starts "$@" in its own session, detached from the test shell so that init reaps it
# after a dump; prints its pid. Output goes to $T/out.<pid> unless redirected by caller.
start_target() {
	local pidf=$T/start.$RANDOM
	setsid bash -c 'echo $$ > "$0"; exec "$@" </dev/null >>"$0.out" 2>&1' "$pidf" "$@" &
	local i
	for i in $(seq 100); do [ -s "$pidf" ] && break; sleep 0.02; done
	local pid; pid=$(cat "$pidf")
	mv "$pidf.out" "$T/out.$pid" 2>/dev/null || ln -sf "$pidf.out" "$T/out.$pid"
	track "$pid"
	echo "$pid"
}

# Waits until /proc/PID is gone (killed by a dump and reaped), up to 5 s.
wait_gone() {
	local i
	for i in $(seq 500); do [ -d "/proc/$1" ] || return 0; sleep 0.01; done
	fail "process $1 still exists"
}

# Runs cmd (60 s at most): its exit status must be $1 and its stderr (shown) must say $2.
expect_refusal() { # status pattern cmd...
	local want=$1 pat=$2 st=0; shift 2
	timeout 60 "$@" >/dev/null 2>"$T/err" || st=$?
	sed 's/^/  | /' "$T/err"
	[ $st -eq "$want" ] || fail "$*: exit $st, expected $want"
	grep -q -- "$pat" "$T/err" || fail "$*: no line saying '$pat'"
}

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]; }

criu_dump() { # pid dir [opts...]
	local pid=$1 dir=$2; shift 2
	mkdir -p "$dir"
	timeout 60 "$CRIU" dump -t "$pid" -D "$dir" -o dump.log -v4 --shell-job "$@" ||
		{ tail -20 "$dir/dump.log" >&2; fail "criu dump of $pid failed"; }
	wait_gone "$pid"
}

criu_restore() { # dir [opts...]
	local dir=$1; shift
	timeout 60 "$CRIU" restore -D "$dir" -o restore.log -v4 -d --shell-job "$@" ||
		{ tail -20 "$dir/restore.log" >&2; fail "criu restore from $dir failed"; }
}

# Lines the target pid (started by start_target) has printed to $T/out.PID.
lines() { grep -c . "$T/out.$1" || true; }
# What a process that stopped making progress is doing: its threads' states and kernel
# wait channels, its pending signals, and gdb's backtraces (on stderr).
diagnose() { # pid
	local t
	{
		for t in /proc/"$1"/task/*; do
			echo "thread ${t##*/}: $(cut -d' ' -f3 "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null)"
		done
		grep -E '^(State|SigPnd|ShdPnd|SigBlk)' "/proc/$1/status" 2>/dev/null
		timeout 20 gdb -p "$1" -batch -ex 'thread apply all bt 8' 2>&1 | grep -E '^(#|Thread)'
	} | sed 's/^/  diagnose | /' >&2
}

# Waits until the output of pid has grown by n lines (5 s at most).
wait_lines() { # pid n
	local want=$(($(lines "$1") + $2)) i
	for i in $(seq 500); do [ "$(lines "$1")" -ge "$want" ] && return 0; sleep 0.01; done
	diagnose "$1"
	fail "process $1 printed nothing new"
}
# test/progs/rewrite-counter prints "COUNTER VALUE": VALUE - COUNTER is what compute() adds.
last_delta() { tail -n 1 "$T/out.$1" | awk '{ print $2 - $1 }'; }
last_counter() { tail -n 1 "$T/out.$1" | awk '{ print $1 }'; }

# Threads of a live process, sorted.
tids() { ls "/proc/$1/task" | sort -n | tr '\n' ' '; }

# Traces tid with test/tools/ptrace-hold, as a debugger would, until killed: $holder.
hold_trace() { # tid
	"$LUP_BUILD/test/tools/ptrace-hold" "$1" >"$T/hold.out" &
	holder=$!
	track "$holder"
	local i
	for i in $(seq 300); do grep -q '^held ' "$T/hold.out" && return 0; sleep 0.01; done
	fail "ptrace-hold did not attach to $1"
}

# Starts greetd (patches/demo/greetd.c) and a client asking it over one TCP connection:
# $pid and $client. greetd shows its bug.
start_greetd_client() {
	local i port
	pid=$(start_target "$LUP_BUILD/patches/demo/greetd")
	for i in $(seq 100); do grep -q listening "$T/out.$pid" && break; sleep 0.02; done
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$T/out.$pid")
	[ -n "$port" ] || fail "greetd did not start"
	"$LUP_BUILD/test/progs/lup-tcp-client" "$port" world >"$T/client.out" 2>"$T/client.err" &
	client=$!
	track "$client"
	for i in $(seq 500); do [ "$(grep -c . "$T/client.out")" -ge 5 ] && break; sleep 0.01; done
	grep -q 'Hello, worl!$' "$T/client.out" || fail "greetd does not show its bug"
}

# After the fix: the same connection gets the fixed reply and more, the client succeeded,
# greetd's request counter went on.
check_greetd_client() {
	local i n
	for i in $(seq 500); do grep -q 'Hello, world!$' "$T/client.out" && break; sleep 0.01; done
	n=$(grep -c . "$T/client.out")
	for i in $(seq 500); do [ "$(grep -c . "$T/client.out")" -ge $((n + 5)) ] && break; sleep 0.01; done
	kill -TERM "$client"
	wait "$client" || fail "the client failed: $(cat "$T/client.err")"
	alive "$pid" || fail "greetd is gone"
	grep -q 'Hello, world!$' "$T/client.out" || fail "greetd does not run the fix"
	tr -d '#' <"$T/client.out" | awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 }
		END { exit bad }' || fail "greetd's request counter did not continue"
}
