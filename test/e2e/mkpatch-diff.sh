#!/usr/bin/env bash
# lup-mkpatch --diff on a small program of test/diff/app built with make: fixes that
# change an inlined static (its out-of-line clone is replaced), add a function and a
# variable and use the program's statics (moving an assert()'s line number, which is
# ignored), a series stacked with --on, each applied in
# place to the running program (same PID and TIDs, its counters going on); and the
# refusals: a struct member added, a static's initial value changed, a target built
# with other flags, a fix that does not apply. The source directory is never changed
# and no temporary file is left.
. "$(dirname "$0")/../lib.sh"

D=$LUP_TOP/test/diff
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
cp -a "$D/app" "$T/src"
make -s -C "$T/src"
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
before=$(tree_sum "$T/src")

mkpatch() { # out fix [options]
	local out=$1 fix=$2; shift 2
	local t0=$SECONDS
	"$LUP_BUILD/lup-mkpatch" -t "$T/src/app" --diff "$D/$fix" --src "$T/src" -o "$T/$out" \
		--json "$@" >"$T/$out.json" || fail "lup-mkpatch $fix"
	note "$fix: built in $((SECONDS - t0)) s"
}
funcs() { python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["functions"])))' "$1"; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(e["name"] for e in d[sys.argv[2]]))' "$1" "$2"; }
step() { tail -n 2 "$T/out.$pid" | awk -F'[= ]' '{ v[NR] = $2 } END { print v[2] - v[1] }'; }
calls() { tail -n 1 "$T/out.$pid" | sed 's/.*calls=\([0-9]*\).*/\1/'; }

pid=$(start_target "$T/src/app")
wait_lines "$pid" 3
t0=$(tids "$pid")
[ "$(step)" = 1000 ] || fail "unpatched step $(step)"

# clamp() is inlined into weigh, which gcc made weigh.isra.0: that clone is replaced.
mkpatch clamp.lup fix-clamp.patch
[ "$(field "$T/clamp.lup.json" followed)" = weigh.isra.0 ] || fail "clone not followed"
grep -q 'the change of clamp inlined into it' "$T/clamp.lup.json" || fail "inline not named"
[ "$(funcs "$T/clamp.lup.json")" = weigh.isra.0 ] || fail "functions of clamp.lup"
c0=$(calls)
"$LUP_BUILD/lup" patch -p "$T/clamp.lup" "$pid"
sleep 0.2
[ "$(step)" = 100 ] || fail "clamp: step $(step)"
[ "$(calls)" -gt "$c0" ] || fail "clamp: calls did not go on"

# The next fix of the series, on a tree holding the first: stacks on its weigh.isra.0.
patch -s --no-backup-if-mismatch -p1 -d "$T/src" <"$D/fix-clamp.patch"
mkpatch clamp2.lup fix-clamp2.patch --on "$T/clamp.lup"
patch -s --no-backup-if-mismatch -R -p1 -d "$T/src" <"$D/fix-clamp.patch"
expect_refusal 3 "differs from its code in clamp" "$LUP_BUILD/lup-mkpatch" -t "$T/src/app" \
	--diff "$D/fix-clamp.patch" --src "$T/src" -o "$T/x.lup" --on "$T/clamp.lup"
"$LUP_BUILD/lup" patch -p "$T/clamp2.lup" "$pid"
sleep 0.2
[ "$(step)" = 10 ] || fail "clamp2: step $(step)"

# A new static function and variable; the program's statics calls and label bound.
mkpatch new.lup fix-new.patch
[ "$(field "$T/new.lup.json" new_functions)" = bounded ] || fail "new function"
[ "$(field "$T/new.lup.json" new_data)" = resets ] || fail "new data"
# stats_check's assert() has a __LINE__ the fix moves: only that differs, not replaced
[ "$(field "$T/new.lup.json" ignored)" = stats_check ] || fail "line numbers not ignored"
[ "$(field "$T/new.lup.json" replaced)" = "stats_add stats_label" ] || fail "replaced"
[ "$(funcs "$T/new.lup.json")" = "stats_add stats_label" ] || fail "functions of new.lup"
c0=$(calls)
"$LUP_BUILD/lup" patch -p "$T/new.lup" "$pid"
for i in $(seq 100); do grep -q 'resets=[1-9]' "$T/out.$pid" && break; sleep 0.1; done
grep -q 'resets=[1-9]' "$T/out.$pid" || fail "new: no reset"
[ "$(calls)" -gt "$c0" ] || fail "new: calls did not go on"
[ "$(tids "$pid")" = "$t0" ] || fail "threads changed"
alive "$pid" || fail "target died"
"$LUP_BUILD/lup" list "$pid" >"$T/list"
grep -q clamp2 "$T/list" && grep -q new "$T/list" || fail "list"

# Refusals: exit 3, the reason named, no patch written.
expect_refusal 3 "struct sample: member 'count' added" "$LUP_BUILD/lup-mkpatch" -t "$T/src/app" \
	--diff "$D/fix-layout.patch" --src "$T/src" -o "$T/layout.lup"
expect_refusal 3 "calls: its initial value changes" "$LUP_BUILD/lup-mkpatch" -t "$T/src/app" \
	--diff "$D/fix-init.patch" --src "$T/src" -o "$T/init.lup"
expect_refusal 3 "does not apply" "$LUP_BUILD/lup-mkpatch" -t "$T/src/app" \
	--diff "$D/fix-broken.patch" --src "$T/src" -o "$T/broken.lup"
cp -a "$D/app" "$T/o1" && make -s -C "$T/o1" CFLAGS='-O1 -g -fPIE'
expect_refusal 3 "the rebuilt original differs" "$LUP_BUILD/lup-mkpatch" -t "$T/o1/app" \
	--diff "$D/fix-label.patch" --src "$T/src" -o "$T/o1.lup"
for f in layout init broken o1; do [ ! -e "$T/$f.lup" ] || fail "$f.lup written"; done

[ "$(tree_sum "$T/src")" = "$before" ] || fail "the source directory changed"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
alive "$pid" || fail "target died"
echo "mkpatch-diff: ok"
