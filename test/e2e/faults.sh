#!/usr/bin/env bash
# Fault injection into `lup patch --checkpoint`: at each moment of the run (a CRIU
# action script fires it: before the dump freezes, 10 ms into the dump, after the dump,
# before the restore, 20 ms into it, before the restored tree resumes, after), a signal or a kill
# hits lup: SIGKILL to lup, SIGTERM to lup, SIGINT and SIGHUP to its process group (^C, a
# closed terminal), SIGKILL to lup and its worker (`pkill -9 lup`, the OOM killer), the
# same with the criu run failing afterwards (the action script's failure). The
# target is greetd serving a TCP client over one connection (--tcp-established). After
# each case `lup recover PID` runs (twice: it is idempotent) and the process must run on
# with its PID, the same connection served, its request counter continuing: patched or
# original, never lost. The table at the end is the closing note's.
source "$(dirname "$0")/../lib.sh"

GREETD_FIX=$LUP_BUILD/patches/demo/greetd-fix.lup
MOMENTS=${FAULT_MOMENTS:-"pre-dump dumping post-dump pre-restore restoring pre-resume post-resume"}
SIGNALS=${FAULT_SIGNALS:-"KILL-lup TERM-lup INT-group HUP-group KILL-lup+worker KILL+criu-fails"}

# The action script: at $FAULT_MOMENT (once), the fault, then a moment for it to land;
# "dumping" and "restoring" fire 10 and 20 ms after pre-dump and pre-restore, while criu
# works. The step the run's journal names then is recorded.
cat >"$T/fault.sh" <<'EOF'
#!/bin/sh
case $FAULT_MOMENT in
dumping) action=pre-dump delay=0.01 ;;
restoring) action=pre-restore delay=0.02 ;;
*) action=$FAULT_MOMENT delay= ;;
esac
[ "$CRTOOLS_SCRIPT_ACTION" = "$action" ] || exit 0
mkdir "$FAULT_DIR/fired" 2>/dev/null || exit 0
for i in $(seq 200); do [ -s "$FAULT_DIR/lup.pid" ] && break; sleep 0.01; done
lup=$(cat "$FAULT_DIR/lup.pid")
worker=$(awk '{ print $4 }' "/proc/$PPID/stat")	# criu's parent: the worker
fault() {
	sed -n 's/^step //p' /run/lup/runs/"$FAULT_ROOT"-*.journal >"$FAULT_DIR/step" 2>/dev/null
	case $FAULT_SIGNAL in
	KILL-lup) kill -KILL "$lup" ;;
	TERM-lup) kill -TERM "$lup" ;;
	INT-group) kill -INT -- "-$lup" ;;
	HUP-group) kill -HUP -- "-$lup" ;;
	KILL-lup+worker|KILL+criu-fails) kill -KILL "$lup" "$worker" ;;
	esac
}
if [ -n "$delay" ]; then
	(sleep "$delay"; fault) >/dev/null 2>&1 &
	exit 0
fi
fault
sleep 0.2
# KILL+criu-fails: the criu run fails too (this action's failure), with its lup gone.
[ "$FAULT_SIGNAL" = KILL+criu-fails ] && exit 1
exit 0
EOF
chmod +x "$T/fault.sh"
export FAULT_DIR=$T

# Waits until no run holds a journal of pid (the worker, on its own, is done).
wait_runs_done() {
	local i j busy
	for i in $(seq 1000); do
		busy=
		for j in /run/lup/runs/"$1"-*.journal; do
			# Opened as it is: flock(1) on a path would create it once its run removed it.
			{ exec {fd}<"$j"; } 2>/dev/null || continue
			flock -n "$fd" || busy=1
			exec {fd}<&-
		done
		[ -z "$busy" ] && return 0
		sleep 0.01
	done
	fail "a lup run still holds process $1's journal"
}

# The client's connection is served again and greetd's request counter went on; prints
# "patched" or "original".
check_served() {
	local i n
	n=$(grep -c . "$T/client.out")
	for i in $(seq 500); do [ "$(grep -c . "$T/client.out")" -ge $((n + 5)) ] && break; sleep 0.01; done
	[ "$(grep -c . "$T/client.out")" -ge $((n + 5)) ] || fail "$case: the client is not served"
	kill -0 "$client" || fail "$case: the client failed: $(cat "$T/client.err")"
	tr -d '#' <"$T/client.out" | awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 }
		END { exit bad }' || fail "$case: greetd's request counter did not continue"
	tail -n 1 "$T/client.out" | grep -q 'Hello, world!$' && echo patched || echo original
}

one_case() { # moment signal
	local moment=$1 sig=$2 st=0 lupst state recovered=no
	case="$moment x $sig"
	note "$case"
	start_greetd_client
	rm -rf "$T/fired" "$T/lup.pid" "$T/img" "$T/step"
	FAULT_ROOT=$pid FAULT_MOMENT=$moment FAULT_SIGNAL=$sig setsid lup patch --checkpoint -p "$GREETD_FIX" \
		--images "$T/img" "$pid" -- --tcp-established --action-script "$T/fault.sh" >"$T/lup.out" 2>"$T/lup.err" &
	echo $! >"$T/lup.pid"
	wait $! || st=$?
	lupst=$st
	sed 's/^/  | /' "$T/lup.err"
	[ -d "$T/fired" ] || fail "$case: the fault was not injected"
	wait_runs_done "$pid"
	for i in 1 2; do
		st=0; lup recover "$pid" >"$T/rec.out" 2>"$T/rec.err" || st=$?
		sed 's/^/  recover | /' "$T/rec.err"
		[ $st -eq 0 ] || fail "$case: lup recover: exit $st"
		grep -q "brought back from" "$T/rec.err" && recovered=yes
	done
	grep -q "brought back from" "$T/rec.err" && fail "$case: the second lup recover did something"
	alive "$pid" || fail "$case: process $pid LOST"
	state=$(check_served)
	ls /run/lup/runs/"$pid"-*.journal >/dev/null 2>&1 && fail "$case: a journal is left"
	printf '| %-12s | %-16s | %-8s | %4s | %-8s | %-9s | 0 |\n' "$moment" "$sig" \
		"$(cat "$T/step" 2>/dev/null || echo -)" "$lupst" "$state" "$recovered" >>"$T/table"
	kill -TERM "$client"
	wait "$client" 2>/dev/null || true
	kill -9 "$pid"
	wait_gone "$pid"
}

for m in $MOMENTS; do
	for s in $SIGNALS; do
		one_case "$m" "$s"
	done
done

note "moment x signal: the journal's step then, lup's exit status, the process afterwards, brought back by lup recover, lost"
echo "| moment       | signal           | step     | exit | process  | recovered | lost |"
echo "|--------------|------------------|----------|------|----------|-----------|------|"
cat "$T/table"
note "PASS"
