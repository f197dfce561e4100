#!/usr/bin/env bash
# make demo: patches greetd, a running TCP server with a visible bug, live with `lup patch`
# (in place: stopped for a moment, written into, resumed), and shows its replies before
# and after over the same open connection, its PID and its request counter (both
# continue), how long it was frozen, and the same with --checkpoint (through CRIU) for
# comparison. Exit 1 if it did not work.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${LUP_BUILD:-$top/build}
# The dump goes through the build's lup.so, the gate that never dumps a busy process.
export LUP_PLUGIN_DIR=${LUP_PLUGIN_DIR:-$build/plugin}
server=$build/patches/demo/greetd
patch=$build/patches/demo/greetd-fix.lup
: "${CRIU:=$top/.deps/bin/criu}"
export CRIU

work=$(mktemp -d /tmp/lup-demo.XXXXXX)
pid=

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
	exec 3>&- 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# One request over the open connection (fd 3); shows the reply and leaves it in $reply.
ask() {
	printf '%s\n' "$1" >&3
	IFS= read -r -t 10 reply <&3 || die "no reply from greetd"
	printf '  > %-8s < %s\n' "$1" "$reply"
}

[ "$(id -u)" = 0 ] || die "CRIU needs root"
for f in "$server" "$patch" "$build/lup"; do [ -e "$f" ] || die "$f is missing (run make demo)"; done

say "Starting greetd, a small TCP server (patches/demo/greetd.c)"
# As a daemon is started: descriptors 0-2 only, its parent the supervisor (the subreaper
# this demo runs under), not this shell. A pipe inherited from whatever runs the demo
# would be an outside pipe, and a shell parent would see it die at a dump: the
# checkpoint transport rightly refuses both.
( (
	for fd in /proc/self/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done 2>/dev/null
	exec setsid "$server" </dev/null >"$work/greetd.out" 2>&1
) & )
for _ in $(seq 100); do grep -q listening "$work/greetd.out" && break; sleep 0.02; done
read -r _ pid _ _ addr <"$work/greetd.out" || die "greetd did not start"
port=${addr##*:}
echo "greetd runs as PID $pid on port $port"
exec 3<>"/dev/tcp/127.0.0.1/$port"

say "Before: greetd drops the last letter of every name (the bug)"
ask world
ask lup
ask criu
before=$reply

say "Patching it live, in place: lup patch -p greetd-fix.lup $pid"
"$build/lup" patch --json -p "$patch" "$pid" 2>"$work/lup.err" >"$work/lup.json" ||
	{ sed 's/^/  /' "$work/lup.err"; die "lup patch failed"; }
sed 's/^/  /' "$work/lup.err"
frozen=$(sed -n 's/.*"frozen_ms": \([0-9.]*\).*/\1/p' "$work/lup.json")
echo "  greetd was frozen for $frozen ms"

say "After: the same server, over the same connection, keeps the whole name"
ask world
after1=$reply
ask lup
ask criu
after=$reply
exec 3>&- 3<&-
new=$(bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; echo newcomer >&3; IFS= read -r -t 10 r <&3; echo "$r"' "$port")
printf '  > %-8s < %s   (a new connection)\n' newcomer "$new"

say "State kept"
[ -d "/proc/$pid" ] || die "greetd (PID $pid) is gone"
echo "greetd still runs as PID $pid; its request counter went on: ${before%% *} -> ${after1%% *}"
n_before=${before%% *}; n_after=${after1%% *}
[ "${n_after#\#}" -eq $((${n_before#\#} + 1)) ] || die "the counter did not continue"
[ "$before" = "${n_before} Hello, cri!" ] || die "greetd did not show its bug before the patch"
[ "$after" = "${after%% *} Hello, criu!" ] || die "greetd does not run the fix"
[[ $new == *"Hello, newcomer!" ]] || die "a new connection does not get the fix"
say "For comparison, through a checkpoint: revert, then patch again with --checkpoint"
"$build/lup" revert --all "$pid" 2>/dev/null || die "lup revert failed"
"$build/lup" patch --checkpoint --json -p "$patch" "$pid" -- --tcp-established \
	2>"$work/ck.err" >"$work/ck.json" || { sed 's/^/  /' "$work/ck.err"; die "lup patch --checkpoint failed"; }
echo "  frozen for $(sed -n 's/.*"frozen_ms": \([0-9.]*\).*/\1/p' "$work/ck.json") ms through a checkpoint (criu dump, rewrite, criu restore)"
[ -d "/proc/$pid" ] || die "greetd (PID $pid) is gone"
new=$(bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; echo again >&3; IFS= read -r -t 10 r <&3; echo "$r"' "$port")
[[ $new == *"Hello, again!" ]] || die "greetd does not run the fix after --checkpoint"
say "Demo done: greetd was fixed without a restart"
