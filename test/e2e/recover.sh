#!/usr/bin/env bash
# What lup checks and keeps so that no process is lost (faults.sh kills lup itself):
# a tree whose parent would see it die at the dump (one that never reaps) is refused
# before anything is frozen and patched in place instead; a run whose every restore
# fails reports LOST (exit 8) with `lup recover PID`, keeps its journal, and that command
# brings the process back once the cause is gone; a journal from before a reboot is
# reported and removed, never restored; a damaged one is refused (exit 3) and left.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export CRIU
lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX" 2>/dev/null

start_time() { awk '{ print $22 }' "/proc/$1/stat"; }
last_word() { tail -n 1 "$T/out.$1" | awk '{ print $NF }'; }
check_counter() {
	awk '$1 != prev + 1 && NR > 1 { bad = 1 } { prev = $1 } END { exit bad }' "$T/out.$1" ||
		fail "the counter of $1 did not continue"
}

note "a parent that never reaps: refused before the dump (exit 10), then patched in place"
start_target bash -c "$PROG >$T/out.child 2>&1 & echo \$! >$T/child; exec sleep 1000" >/dev/null
for i in $(seq 100); do [ -s "$T/child" ] && break; sleep 0.02; done
child=$(cat "$T/child")
track "$child"
ln -sf "$T/out.child" "$T/out.$child"
wait_lines "$child" 2
started=$(start_time "$child")
expect_refusal 10 "its parent .*(sleep) is outside the tree and no subreaper" \
	lup patch --checkpoint -p "$T/counter.lup" "$child"
grep -q "without --checkpoint" "$T/err" || fail "the refusal does not name the in-place transport"
[ "$(start_time "$child")" = "$started" ] || fail "the process was dumped"
lup patch -p "$T/counter.lup" "$child" 2>/dev/null || fail "in place: not patched"
wait_lines "$child" 3
[ "$(last_word "$child")" = new ] || fail "in place: the old code runs"
[ "$(start_time "$child")" = "$started" ] || fail "in place: not the same process"
check_counter "$child"

note "every restore fails: LOST (exit 8) naming lup recover; the journal stays; recover brings it back"
pid=$(start_target "$PROG")
wait_lines "$pid" 2
cat >"$T/fail.sh" <<EOF
#!/bin/sh
[ "\$CRTOOLS_SCRIPT_ACTION" = pre-restore ] && [ -e "$T/broken" ] && exit 1
exit 0
EOF
chmod +x "$T/fail.sh"
touch "$T/broken"
st=0; lup patch --checkpoint -p "$T/counter.lup" --images "$T/img" "$pid" -- \
	--action-script "$T/fail.sh" 2>"$T/lup.err" || st=$?
sed 's/^/  | /' "$T/lup.err"
[ $st -eq 8 ] || fail "exit $st, expected 8 (lost)"
grep -q "LOST: .*lup recover $pid" "$T/lup.err" || fail "LOST does not name lup recover $pid"
ls /run/lup/runs/"$pid"-*.journal >/dev/null || fail "the journal of the lost process is gone"
alive "$pid" && fail "the process runs after all restores failed"
expect_refusal 8 "LOST: not restored" lup recover "$pid"
rm "$T/broken"
st=0; lup recover "$pid" 2>"$T/rec.err" || st=$?
sed 's/^/  | /' "$T/rec.err"
[ $st -eq 0 ] || fail "lup recover: exit $st"
grep -q "brought back from $T/img/orig" "$T/rec.err" || fail "lup recover does not say where from"
n=$(lines "$pid")
wait_lines "$pid" 2
alive "$pid" || fail "not brought back"
[ "$(last_word "$pid")" = old ] || fail "brought back with other code than its own"
check_counter "$pid"
ls /run/lup/runs/"$pid"-*.journal >/dev/null 2>&1 && fail "the journal is left after recovery"
st=0; lup recover "$pid" 2>"$T/rec.err" || st=$?
[ $st -eq 0 ] && grep -q "no run of lup left anything" "$T/rec.err" || fail "recover again: not idempotent"

note "a journal from before a reboot is reported and removed; nothing is restored"
mkdir -p /run/lup/runs
j=/run/lup/runs/4194000-1.journal
printf 'lup-journal 1\nboot 00000000-0000-0000-0000-000000000000\nlup 1\nroot 4194000 1 %s\nimages %s\nstep restore\ncriu %s\ntimeout 1000\n' \
	"$PROG" "$T/img" "$CRIU" >"$j"
expect_refusal 0 "from before a reboot: process 4194000 is not brought back" lup recover --all
[ -e "$j" ] && fail "the journal from before the reboot is left"
grep -q "brought back from" "$T/err" && fail "something was restored"

note "a damaged journal is refused (exit 3), named, and left for a person to look at"
echo "garbage" >"$j"
expect_refusal 3 "$j: damaged" lup recover 4194000
[ -e "$j" ] || fail "the damaged journal was removed"
rm -f "$j"
note "PASS"
