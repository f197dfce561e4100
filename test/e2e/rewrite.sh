#!/usr/bin/env bash
# lup-rewrite end to end with the real CRIU: a dumped counter rewritten with a patch
# made by lup-mkpatch and restored from the parent-linked output runs the new code
# with its counter, PID and thread ids intact; the untouched original restores too;
# --root reads the mapped files under it (a root without them is refused), and an
# absolute symlink in the root leads to the root's file, not to the host's of that path;
# the same patch again (4), a patch for another build (4), a name that no loaded
# library defines (4), a broken parent link (3),
# a thread inside the replaced function (5) and no free room near the text (6) are
# refused; the same input rewritten twice gives the same bytes (SOURCE_DATE_EPOCH pins
# the record's time); what a rewrite writes does not grow with the process's memory (its time is
# printed; `make bench` measures it).
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/rewrite-counter
CRIU=${CRIU:-$LUP_TOP/.deps/bin/criu}

rewrite() { # expected-status args...
	local want=$1 rc=0; shift
	lup-rewrite "$@" 2>"$T/rw.err" || rc=$?
	sed 's/^/  | /' "$T/rw.err"
	[ "$rc" = "$want" ] || fail "lup-rewrite $*: exit $rc, expected $want"
}

sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

mkfix() { # name function body [target [lup-mkpatch options...]] -> $T/name.lup
	local name=$1 body=$2 target=${3:-$PROG}
	shift $(($# < 3 ? $# : 3))
	printf '%s\n' "$body" >"$T/$name.c"
	lup-mkpatch -t "$target" -o "$T/$name.lup" "$@" "$T/$name.c" >/dev/null
}
mkfix add1000 'long compute(long x) { return x + 1000; }'
mkfix idle 'void busy_loop(void) { }'
# Binds to the target's variables (one thread-local), and to libc.
mkfix bound '#include <unistd.h>
extern long calls;
extern __thread long tls_calls;
long compute(long x)
{
	calls++;
	tls_calls++;
	return x + 2000 + (tls_calls == calls && getpid() > 0 ? 0 : 1);
}'

note "patch, restore from the output: new code, same state"
pid=$(start_target "$PROG")
wait_lines "$pid" 5
tids_before=$(tids "$pid")
criu_dump "$pid" "$T/img"
sums "$T/img" >"$T/img.sums"
n_dumped=$(last_counter "$pid")
rewrite 0 -p "$T/add1000.lup" -D "$T/img" -o "$T/out"
[ "$(readlink "$T/out/parent")" = ../img ] || fail "parent link is not relative"
sums "$T/img" | cmp -s - "$T/img.sums" || fail "IMG_DIR changed"
[ "$(du -sk "$T/out" | cut -f1)" -lt 200 ] || fail "the output copies pages"
criu_restore "$T/out"
wait_lines "$pid" 5
alive "$pid" || fail "restored process died"
[ "$(tids "$pid")" = "$tids_before" ] || fail "thread ids changed: $(tids "$pid") vs $tids_before"
[ "$(last_delta "$pid")" = 1000 ] || fail "new compute() not running: $(tail -n 1 "$T/out.$pid")"
awk -v n="$n_dumped" '$1 == n + 1 { found = 1 } END { exit !found }' "$T/out.$pid" ||
	fail "the counter did not continue after $n_dumped"

note "the same input gives the same output, byte for byte (the record's time pinned)"
SOURCE_DATE_EPOCH=1700000000 rewrite 0 -p "$T/add1000.lup" -D "$T/img" -o "$T/pin1"
SOURCE_DATE_EPOCH=1700000000 rewrite 0 -p "$T/add1000.lup" -D "$T/img" -o "$T/pin2"
cmp -s <(sums "$T/pin1") <(sums "$T/pin2") || fail "two rewrites of the same input differ"
lup-rewrite --list --json -D "$T/pin1" | grep -q '"applied": 1700000000,' ||
	fail "the record does not hold the pinned time"

note "the original checkpoint still restores (the fallback)"
kill -9 "$pid"; wait_gone "$pid"
criu_restore "$T/img"
wait_lines "$pid" 5
[ "$(last_delta "$pid")" = 1 ] || fail "old compute() expected: $(tail -n 1 "$T/out.$pid")"

note "refusals: existing output, same patch again, other build, broken parent link"
sums "$T/img" >"$T/img.sums"	# again: the restores above wrote their logs there
rewrite 1 -p "$T/add1000.lup" -D "$T/img" -o "$T/out"
rewrite 4 -p "$T/add1000.lup" -D "$T/out" -o "$T/out2"
cc -O1 -g -pthread -o "$T/other" "$LUP_TOP/test/progs/rewrite-counter.c"
mkfix other 'long compute(long x) { return x + 7; }' "$T/other"
rewrite 4 -p "$T/other.lup" -D "$T/img" -o "$T/out3"
mkfix nolib 'long nosuch_fn(long); long compute(long x) { return nosuch_fn(x); }' \
	"$PROG" --no-library-check	# lup-mkpatch would refuse it: the rewrite must too
rewrite 4 -p "$T/nolib.lup" -D "$T/img" -o "$T/out5"
grep -q "symbol nosuch_fn is defined by none of the loaded libraries" "$T/rw.err" ||
	fail "a name no library defines is not named"
mkdir "$T/moved" && cp -a "$T/out" "$T/moved/out"
rewrite 3 -p "$T/add1000.lup" -D "$T/moved/out" -o "$T/out4"
[ ! -e "$T/out2" ] && [ ! -e "$T/out3" ] && [ ! -e "$T/out4" ] && [ ! -e "$T/out5" ] ||
	fail "a refused rewrite left output"
sums "$T/img" | cmp -s - "$T/img.sums" || fail "a refused rewrite changed IMG_DIR"
ls "$T" | grep -q '\.tmp-' && fail "a temporary directory was left"
kill -9 "$pid"; wait_gone "$pid"

note "--root: the checkpoint's files are read under it"
lup-rewrite --show "$T/img" --json >"$T/show.json"
for f in $(python3 -c 'import json, sys
print("\n".join(sorted({v["path"] for p in json.load(open(sys.argv[1]))["processes"]
                         for v in p["vmas"] if "path" in v})))' "$T/show.json"); do
	mkdir -p "$T/root${f%/*}" && cp "$f" "$T/root$f"
done
mkdir "$T/empty-root"
rewrite 1 --root "$T/empty-root" -p "$T/add1000.lup" -D "$T/img" -o "$T/out-noroot"
grep -q "$T/empty-root/" "$T/rw.err" || fail "the missing file under --root is not named"
[ ! -e "$T/out-noroot" ] || fail "a refused rewrite left output"
rewrite 0 --root "$T/root" -p "$T/add1000.lup" -D "$T/img" -o "$T/out-root"
criu_restore "$T/out-root"
wait_lines "$pid" 5
[ "$(last_delta "$pid")" = 1000 ] || fail "new compute() not running after --root"
kill -9 "$pid"; wait_gone "$pid"

note "--root: absolute symlinks resolve inside the root, not on the host"
# The process preloads $T/lib/libroot.so. Under the root, that path is an absolute
# symlink to $T/decoy/libroot.so, a copy of the same library; on the host, that path
# holds another build without root_only_fn: a rewrite that followed the symlink on the
# host would find no root_only_fn. /lib and /lib64 are absolute symlinks too, as in
# a merged-/usr container rootfs.
mkdir -p "$T/lib" "$T/decoy" "$T/root$T/lib" "$T/root$T/decoy"
printf 'long root_only_fn(long x) { return x + 3000; }\n' >"$T/libroot.c"
cc -shared -fPIC -o "$T/lib/libroot.so" "$T/libroot.c"
cp "$T/lib/libroot.so" "$T/root$T/decoy/libroot.so"
ln -s "$T/decoy/libroot.so" "$T/root$T/lib/libroot.so"
printf 'long other_fn(long x) { return x; }\n' >"$T/decoy.c"
cc -shared -fPIC -o "$T/decoy/libroot.so" "$T/decoy.c"
for d in /lib /lib64; do
	[ -e "$T/root$d" ] || ln -s "/usr$d" "$T/root$d"
done
mkfix rootlib 'long root_only_fn(long); long compute(long x) { return root_only_fn(x); }' \
	"$PROG" --no-library-check	# an LD_PRELOAD library: not one the program needs
lpid=$(start_target env LD_PRELOAD="$T/lib/libroot.so" "$PROG")
wait_lines "$lpid" 3
criu_dump "$lpid" "$T/img-lib"
rewrite 0 --root "$T/root" -p "$T/rootlib.lup" -D "$T/img-lib" -o "$T/out-lib"
criu_restore "$T/out-lib"
wait_lines "$lpid" 5
[ "$(last_delta "$lpid")" = 3000 ] || fail "root_only_fn not bound: $(tail -n 1 "$T/out.$lpid")"
kill -9 "$lpid"; wait_gone "$lpid"

note "two patches in one pass, bound to target variables, its TLS and libc"
rewrite 0 -p "$T/bound.lup" -p "$T/idle.lup" -D "$T/img" -o "$T/two"
criu_restore "$T/two"
wait_lines "$pid" 5
[ "$(last_delta "$pid")" = 2000 ] || fail "bound compute() not running: $(tail -n 1 "$T/out.$pid")"
kill -9 "$pid"; wait_gone "$pid"

note "a thread inside the replaced function: busy (5)"
pid=$(start_target "$PROG" busy)
wait_lines "$pid" 3
criu_dump "$pid" "$T/busy"
rewrite 5 -p "$T/idle.lup" -D "$T/busy" -o "$T/busy-out"
grep -q "inside busy_loop" "$T/rw.err" || fail "the message does not name the function"
criu_restore "$T/busy"
wait_lines "$pid" 3
kill -9 "$pid"; wait_gone "$pid"

note "no free room within +-2 GiB of the text: no space (6)"
pid=$(start_target "$PROG" fill)
wait_lines "$pid" 3
criu_dump "$pid" "$T/fill"
rewrite 6 -p "$T/add1000.lup" -D "$T/fill" -o "$T/fill-out"
criu_restore "$T/fill"
wait_lines "$pid" 3
kill -9 "$pid"; wait_gone "$pid"

note "the output does not grow with memory"
for mib in 16 512; do
	pid=$(start_target "$PROG" mem $mib)
	wait_lines "$pid" 3
	criu_dump "$pid" "$T/m$mib"
	t0=$(date +%s%N)
	rewrite 0 -p "$T/add1000.lup" -D "$T/m$mib" -o "$T/m$mib-out"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	kib=$(du -sk "$T/m$mib-out" | cut -f1)
	note "lup-rewrite of a $mib MiB process: $ms ms, output $kib KiB"
	[ "$kib" -lt 1024 ] || fail "the output for $mib MiB holds $kib KiB: memory was copied"
	criu_restore "$T/m$mib-out"
	wait_lines "$pid" 3
	[ "$(last_delta "$pid")" = 1000 ] || fail "new compute() not running in the $mib MiB process"
	kill -9 "$pid"; wait_gone "$pid"
	rm -rf "$T/m$mib" "$T/m$mib-out"
done
echo PASS
