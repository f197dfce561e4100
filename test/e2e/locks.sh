#!/usr/bin/env bash
# Two lup runs on one process: while run A holds it (retrying a busy patch), run B is
# refused at once with "busy: lup run N holds it" and exit 9, never a false LOST, on both
# transports; B with --wait waits until A is done and then runs itself. criu run without
# lup but with lup.so takes the same locks: its dump is refused while a lup run holds the
# process, and a lup run is refused while such a dump holds it. The process runs on
# unchanged with its PID and thread ids.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export CRIU

lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX" 2>/dev/null
pid=$(start_target "$PROG" busy)
wait_lines "$pid" 3
before=$(tids "$pid")

# Run A: a busy process, tried for about 3 s, holding the process's lock all along.
start_a() {
	lup patch -p "$T/counter.lup" --tries 1000 --max-wait 3 "$pid" 2>"$T/a.err" &
	a=$!
	for i in $(seq 300); do grep -q "busy (try 2" "$T/a.err" && return; sleep 0.01; done
	fail "run A did not start retrying: $(cat "$T/a.err")"
}

for tr in "" --checkpoint; do
	note "${tr:-in place}: a second run is refused at once while the first holds the process"
	start_a
	st=0; lup patch $tr -p "$T/counter.lup" --json "$pid" >"$T/b.out" 2>"$T/b.err" || st=$?
	sed 's/^/  | /' "$T/b.err"
	[ $st -eq 9 ] || fail "run B: exit $st, expected 9"
	holder=$(sed -n 's/.*busy: lup run \([0-9]*\) holds it.*/\1/p' "$T/b.err")
	[ -n "$holder" ] || fail "run B does not name the run that holds the process"
	[ "$holder" = "$a" ] || grep -q "^PPid:[[:space:]]*$a$" "/proc/$holder/status" ||
		fail "lup run $holder is neither run A ($a) nor its worker"
	grep -q '"state": "lost"' "$T/b.out" && fail "run B reported the process lost"
	[ -z "$(ls -A "${TMPDIR:-/var/tmp}" 2>/dev/null | grep "lup-$pid\.")" ] ||
		fail "run B made images of a process it did not hold"
	alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
	st=0; wait "$a" || st=$?
	[ $st -eq 5 ] || fail "run A: exit $st, expected 5 (busy)"
done

note "with --wait, the second run waits until the first is done, then runs"
start_a
st=0; lup patch -p "$T/counter.lup" --wait 30 --tries 1 "$pid" 2>"$T/b.err" || st=$?
sed 's/^/  | /' "$T/b.err"
kill -0 "$a" 2>/dev/null && fail "run B ran while run A still held the process"
[ $st -eq 5 ] || fail "run B with --wait: exit $st, expected 5 (busy, its own try)"
grep -q "holds it" "$T/b.err" && fail "run B with --wait was refused"
wait "$a" || true
alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
note "criu with lup.so, without lup: its dump is refused while a lup run holds the process"
start_a
st=0; "$CRIU" dump -t "$pid" -D "$T" -o criu-a.log --leave-running --shell-job \
	--libdir "$LUP_PLUGIN_DIR" 2>/dev/null || st=$?
[ $st -ne 0 ] || fail "criu dumped a process that lup run $a holds"
grep -q "busy: lup run .* holds it" "$T/criu-a.log" || fail "criu's log does not say who holds it"
wait "$a" || true
alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"

note "criu with lup.so, without lup: a lup run is refused while its dump holds the process"
cat >"$T/slow.sh" <<EOF
#!/bin/sh
[ "\$CRTOOLS_SCRIPT_ACTION" = post-dump ] && touch "$T/dumping" && sleep 3
exit 0
EOF
chmod +x "$T/slow.sh"
"$CRIU" dump -t "$pid" -D "$T" -o criu-b.log --leave-running --shell-job \
	--libdir "$LUP_PLUGIN_DIR" --action-script "$T/slow.sh" &
c=$!
for i in $(seq 300); do [ -e "$T/dumping" ] && break; sleep 0.01; done
[ -e "$T/dumping" ] || fail "criu's dump did not reach post-dump"
expect_refusal 9 "busy: lup run $c holds it" lup patch -p "$T/counter.lup" "$pid"
wait "$c" || fail "criu's dump failed: $(tail -3 "$T/criu-b.log")"
alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "the busy process's code changed"
kill -9 "$pid"
