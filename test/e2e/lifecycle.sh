#!/usr/bin/env bash
# The patch lifecycle with the real CRIU (Documentation/lifecycle.md): patch, list,
# the same patch refused, revert, list empty, second revert refused, patch again; two
# patches stacked on one function reverted in both orders; a declared expectation
# refusing the wrong order. The live process is patched, listed and reverted with
# `lup patch`, `lup list` (read from its memory, no freeze) and `lup revert`, in place
# and again with --checkpoint; then a
# checkpoint of a patched process is listed and reverted with lup-rewrite --list /
# --revert, restored, and listed and reverted live again. Last, a thread held inside a
# patch's function makes stacking over that function and reverting that patch busy
# until it leaves. The records cross every dump and restore; the counter continues
# through all of it.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lifecycle
SRC=$LUP_TOP/test/lifecycle
export CRIU

# "WORD MARK" of the process's last line, after it printed a few more.
now() { wait_lines "$1" 3; tail -n 1 "$T/out.$1" | awk '{ print $2, $3 }'; }

expect() { # pid "WORD MARK" what
	local got; got=$(now "$1")
	[ "$got" = "$2" ] || fail "$3: the process prints \"$got\", expected \"$2\""
	alive "$1" || fail "$3: process $1 is gone"
	[ "$(tids "$1")" = "$tids0" ] || fail "$3: thread ids changed"
}

check_counter() {
	awk '$1 != prev + 1 && NR > 1 { print "line " NR ": " $0 " after " prev; bad = 1 }
	     { prev = $1 } END { exit bad }' "$T/out.$1" || fail "counter did not continue"
}

# Runs a lup command; its exit status in $rc, stdout in $T/cmd.out.
run() {
	rc=0
	"$@" >"$T/cmd.out" 2>"$T/cmd.err" || rc=$?
	sed 's/^/  | /' "$T/cmd.err"
}

ok() { run "$@"; [ "$rc" = 0 ] || fail "$* exited $rc"; }
refused() { # status cmd...
	local want=$1; shift
	run "$@"
	[ "$rc" = "$want" ] || fail "$* exited $rc, expected $want"
}

# The ids of the patches applied to pid, in sequence order, from its live memory.
listed() {
	lup list --json "$1" >"$T/list.json" || fail "lup list $1"
	grep -o '"id": "[^"]*"' "$T/list.json" | cut -d'"' -f4 | tr '\n' ' ' || true
}

# The records of the patches listed in file $2 are gone (cleared: no record magic at
# their pages) and their images are still mapped: the process may still point into
# one (a string of the patch, a callback), which a revert must not make a crash.
unmapped() { # pid list.json
	python3 - "$2" "/proc/$1/maps" "/proc/$1/mem" <<'PY' || fail "a reverted patch's record is there or its image is not"
import json, sys
maps = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in open(sys.argv[2])]
mem = open(sys.argv[3], "rb")
for p in json.load(open(sys.argv[1]))["processes"][0]["patches"]:
    img, rec = int(p["image"], 16), int(p["record"], 16)
    if sum(min(img + p["image_size"], e) - max(img, s) for s, e in maps
           if s < img + p["image_size"] and img < e) != p["image_size"]:
        sys.exit("image unmapped: %x" % img)
    if any(s <= rec < e for s, e in maps):
        mem.seek(rec)
        if any(mem.read(8)):
            sys.exit("record still there: %x" % rec)
PY
}

lup-mkpatch -t "$PROG" -o "$T/fix-a.lup" "$SRC/fix-a.c"
lup-mkpatch -t "$PROG" -o "$T/fix-b.lup" "$SRC/fix-b.c"
lup-mkpatch -t "$PROG" -o "$T/fix-c.lup" --expects fix-a "$SRC/fix-c.c"
lup-mkpatch -t "$PROG" -o "$T/fix-hold.lup" "$SRC/fix-hold.c"
export LIFECYCLE_HOLD=$T/hold

# Each transport: in place (the default), then through a checkpoint.
for LUPT in "" --checkpoint; do
note "=== ${LUPT:-in place} ==="
	pid=$(start_target "$PROG")
	wait_lines "$pid" 3
	tids0=$(tids "$pid")
	expect "$pid" "old plain" "start"

	note "patch, list, the same patch again, revert, list, revert again, patch again"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	expect "$pid" "a marked" "patched with A"
	ids=$(listed "$pid"); [ "$ids" = "fix-a " ] || fail "list after A: $ids"
	cp "$T/list.json" "$T/list-a.json"
	ok lup list "$pid"
	grep -q "fix-a: .*lifecycle" "$T/cmd.out" || fail "text list: $(cat "$T/cmd.out")"
	refused 4 lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	[ "$(grep -v 'unsigned patch' "$T/cmd.err" | grep -c fix-a)" = 1 ] ||
		fail "one refusal, one message: $(cat "$T/cmd.err")"
	expect "$pid" "a marked" "A refused twice"
	ok lup revert $LUPT --json --id fix-a "$pid"
	grep -q '"state": "reverted"' "$T/cmd.out" || fail "revert report: $(cat "$T/cmd.out")"
	expect "$pid" "old plain" "A reverted"
	ids=$(listed "$pid"); [ -z "$ids" ] || fail "list after revert: $ids"
	unmapped "$pid" "$T/list-a.json"
	refused 4 lup revert $LUPT --id fix-a "$pid"
	expect "$pid" "old plain" "second revert refused"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	expect "$pid" "a marked" "patched with A again"

	note "B stacked on A, reverted bottom first, then top first"
	ok lup patch $LUPT -p "$T/fix-b.lup" "$pid"
	expect "$pid" "b marked" "B on A"
	listed "$pid" >/dev/null; grep -q '"below": "fix-a"' "$T/list.json" || fail "B is not listed on A"
	ok lup revert $LUPT --id fix-a "$pid"
	expect "$pid" "b plain" "A reverted from under B"
	ok lup revert $LUPT --id fix-b "$pid"
	expect "$pid" "old plain" "then B reverted"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	ok lup patch $LUPT -p "$T/fix-b.lup" "$pid"
	ok lup revert $LUPT --id fix-b "$pid"
	expect "$pid" "a marked" "B reverted from A"
	ok lup revert $LUPT --id fix-a "$pid"
	expect "$pid" "old plain" "then A reverted"

	note "C expects A: not applied without it, and A cannot go first"
	refused 4 lup patch $LUPT -p "$T/fix-c.lup" "$pid"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	ok lup patch $LUPT -p "$T/fix-c.lup" "$pid"
	expect "$pid" "c marked" "C on A"
	refused 4 lup revert $LUPT --id fix-a "$pid"
	expect "$pid" "c marked" "A refused under C"
	ok lup revert $LUPT --all "$pid"
	expect "$pid" "old plain" "all reverted"
	ids=$(listed "$pid"); [ -z "$ids" ] || fail "list after --all: $ids"

	note "a checkpoint of a patched process: list and revert in the images, then again after restore"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	ok lup patch $LUPT -p "$T/fix-b.lup" "$pid"
	criu_dump "$pid" "$T/d1$LUPT"
	ok lup-rewrite --list -D "$T/d1$LUPT"
	grep -q "fix-a" "$T/cmd.out" && grep -q "fix-b" "$T/cmd.out" || fail "images list: $(cat "$T/cmd.out")"
	ok lup-rewrite --revert fix-b -D "$T/d1$LUPT" -o "$T/d2$LUPT"
	ok lup-rewrite --list --json -D "$T/d2$LUPT"
	! grep -q '"fix-b"' "$T/cmd.out" || fail "fix-b still listed in the reverted images"
	refused 4 lup-rewrite --revert fix-b -D "$T/d2$LUPT" -o "$T/d3$LUPT"
	criu_restore "$T/d2$LUPT"
	expect "$pid" "a marked" "restored with B reverted"
	ids=$(listed "$pid"); [ "$ids" = "fix-a " ] || fail "list after restore: $ids"
	grep -q '"below": null' "$T/list.json" || fail "A is not listed on the original code"
	ok lup revert $LUPT --id fix-a "$pid"
	expect "$pid" "old plain" "A reverted after the restore"

	note "a thread inside a lower patch's function: stacking on it and reverting it are busy"
	touch "$T/hold"
	ok lup patch $LUPT -p "$T/fix-hold.lup" "$pid"
	sleep 0.1	# the main thread enters the held mark() at its next line and stays there
	refused 5 lup patch $LUPT --tries 2 --max-wait 1 --images "$T/busy1$LUPT" -p "$T/fix-a.lup" "$pid"
	grep -q "inside fix-hold" "$T/cmd.err" || fail "busy stacking does not name fix-hold"
	started=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $20 }')
	refused 5 lup revert $LUPT --tries 2 --max-wait 1 --images "$T/busy2$LUPT" --id fix-hold "$pid"
	if [ -n "$LUPT" ]; then
		grep -q "dump refused by the gate.*revert of fix-hold.*inside fix-hold" "$T/cmd.err" ||
			fail "the busy revert was not refused by the gate naming fix-hold"
	else
		grep -q "inside fix-hold" "$T/cmd.err" || fail "the busy revert does not name fix-hold"
	fi
	[ "$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $20 }')" = "$started" ] ||
		fail "the process was dumped for a busy revert (new start time)"
	ids=$(listed "$pid"); [ "$ids" = "fix-hold " ] || fail "list while held: $ids"
	rm "$T/hold"
	expect "$pid" "old held" "released"
	ok lup patch $LUPT -p "$T/fix-a.lup" "$pid"
	expect "$pid" "a marked" "A on the released hold"
	ok lup revert $LUPT --all "$pid"
	expect "$pid" "old plain" "all reverted after the hold"
	check_counter "$pid"
	check_counter "$pid"
	kill -9 "$pid"; wait_gone "$pid"
done
