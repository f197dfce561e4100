#!/usr/bin/env bash
# The image and patch parsers and the record decoder under libFuzzer with ASan and UBSan,
# seeded with the images of a real dump, a real patch and the record it leaves: every
# input is parsed or refused, never a crash, a leak or an out-of-bounds read. Runs a
# fixed number of inputs per target.
source "$(dirname "$0")/../lib.sh"

RUNS=${LUP_FUZZ_RUNS:-60000}
kinds=(inventory pstree core ids mm pagemap files)

pid=$(start_target "$LUP_BUILD/test/progs/rewrite-counter")
sleep 0.2
criu_dump "$pid" "$T/img"
criu_restore "$T/img"
alive "$pid" || fail "the seed process did not come back"
kill -9 "$pid"

note "seed corpus: the images of a real dump, a real patch"
mkdir -p "$T/corpus-img" "$T/corpus-patch"
for k in "${!kinds[@]}"; do
	for f in "$T/img/${kinds[$k]}"*.img; do
		[ -f "$f" ] || continue
		{ printf "\\x$(printf %02x "$k")"; cat "$f"; } >"$T/corpus-img/${f##*/}"
	done
done
[ "$(ls "$T/corpus-img" | wc -l)" -ge ${#kinds[@]} ] || fail "seed images missing"
echo 'long compute(long x) { return x + 7; }' >"$T/fix.c"
lup-mkpatch -t "$LUP_BUILD/test/progs/rewrite-counter" -o "$T/corpus-patch/fix.lup" "$T/fix.c"
head -c -32 "$T/corpus-patch/fix.lup" | tail -c +9 >"$T/corpus-patch/fix.msg"	# the bare message
note "seed corpus: the record page the patch leaves in the rewritten process"
mkdir -p "$T/corpus-record"
lup-rewrite -p "$T/corpus-patch/fix.lup" -D "$T/img" -o "$T/rw" 2>/dev/null
rec=$(lup-rewrite --list --json -D "$T/rw" | python3 -c 'import json, sys; print(json.load(sys.stdin)["processes"][0]["patches"][0]["record"])')
"$LUP_BUILD/test/tools/img-tool" mem "$T/rw" "$pid" "$rec" 4096 >"$T/corpus-record/record"

for t in img patch record; do
	note "fuzz-$t: $RUNS inputs"
	(cd "$T" && "$LUP_BUILD/test/fuzz/fuzz-$t" -runs="$RUNS" -max_len=65536 \
		-print_final_stats=1 "corpus-$t" 2>"$T/fuzz-$t.log") ||
		{ tail -40 "$T/fuzz-$t.log"; fail "fuzz-$t found a crash"; }
	grep -E 'stat::number_of_executed_units|cov:' "$T/fuzz-$t.log" | tail -2
done
echo PASS
