#!/usr/bin/env bash
# Input hygiene of lup and lup-rewrite: a patch that is a FIFO, a directory or a device is
# refused (exit 3) without blocking or reading, and so is one with any byte changed; a PID with a sign, a blank or a thread id
# is refused (exit 2); an output directory inside the input images is refused (exit 2);
# relative --images, TMPDIR and --plugin-dir reach CRIU as absolute paths, so that a
# checkpoint `lup patch` run from another directory works. The target runs on untouched
# through every refusal, and is patched at the end with its PID and thread ids.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export CRIU

# Runs the command; its exit status must be $1 and its stderr one line matching $2.

lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX"
pid=$(start_target "$PROG")
wait_lines "$pid" 5
before=$(tids "$pid")

note "a patch that is a FIFO, a directory or a device is refused, unread"
mkfifo "$T/fifo.lup"
expect_refusal 3 "$T/fifo.lup: not a regular file" lup patch -p "$T/fifo.lup" "$pid"
expect_refusal 3 "$T/: not a regular file" lup patch -p "$T/" "$pid"
expect_refusal 3 "/dev/zero: not a regular file" lup patch -p /dev/zero "$pid"

note "a patch with one byte changed anywhere (header, id, segments, digest) is refused"
# Offsets: the magic, the length, the patch's id, the middle and 3/4 of the file (the
# segments' code and data), the last byte (the digest).
size=$(stat -c %s "$T/counter.lup")
id_at=$(grep -abo counter "$T/counter.lup" | head -n 1 | cut -d: -f1)
for at in 0 5 "$id_at" $((size / 2)) $((size * 3 / 4)) $((size - 1)); do
	cp "$T/counter.lup" "$T/mut.lup"
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); at = int(sys.argv[2]); f.seek(at)
b = f.read(1); f.seek(at); f.write(bytes([b[0] ^ 0x20]))' "$T/mut.lup" "$at"
	pat="digest mismatch"
	[ "$at" -lt 8 ] && pat="mut.lup: "
	expect_refusal 3 "$pat" lup patch -p "$T/mut.lup" "$pid"
	expect_refusal 3 "$pat" lup-mkpatch --dump "$T/mut.lup"
done

note "a PID with a sign or a blank, or a thread's id, is refused"
for bad in "+$pid" " $pid" "$pid " "0x1" "1e3" ""; do
	expect_refusal 2 "not a number" lup patch -p "$T/counter.lup" "$bad"
done
tid=$(ls "/proc/$pid/task" | grep -vx "$pid" | head -n 1)
[ -n "$tid" ] || fail "target $pid has no second thread"
expect_refusal 2 "$tid is a thread of process $pid" lup patch -p "$T/counter.lup" "$tid"

note "an output directory inside the input images is refused"
criu_dump "$pid" "$T/img"
expect_refusal 3 "$T/fifo.lup: not a regular file" lup-rewrite -p "$T/fifo.lup" -D "$T/img" -o "$T/o"
[ ! -e "$T/o" ] || fail "a refused rewrite left $T/o behind"
expect_refusal 2 "is inside $T/img" lup-rewrite -p "$T/counter.lup" -D "$T/img" -o "$T/img/out"
ln -s img "$T/img-link"
expect_refusal 2 "is inside" lup-rewrite -p "$T/counter.lup" -D "$T/img" -o "$T/img-link/out"
(cd "$T/img" && expect_refusal 2 "is inside" lup-rewrite -p "$T/counter.lup" -D . -o out)
[ ! -e "$T/img/out" ] || fail "an output inside the input was written"
lup-rewrite -p "$T/counter.lup" -D "$T/img" -o "$T/img-out" >/dev/null ||
	fail "an output beside the input was refused"
criu_restore "$T/img"
wait_lines "$pid" 3

alive "$pid" || fail "the target died during the refusals"
[ "$(tids "$pid")" = "$before" ] || fail "thread ids changed during the refusals"
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "a refused run changed the code"

note "relative --images, TMPDIR and --plugin-dir, run from another directory"
mkdir -p "$T/work/tmp"
ln -s "$LUP_BUILD/plugin" "$T/work/plugin"
(cd "$T/work" && lup patch --checkpoint --keep --images imgs --plugin-dir plugin \
	-p "$T/counter.lup" "$pid") 2>"$T/err" || { cat "$T/err"; fail "relative paths: lup patch failed"; }
grep -q "not gated" "$T/err" && fail "the relative plugin dir did not reach criu: $(cat "$T/err")"
[ -e "$T/work/imgs/orig/pstree.img" ] || fail "--images imgs was not used"
wait_lines "$pid" 5
alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
tail -n 1 "$T/out.$pid" | grep -q ' new$' || fail "the patched process does not run the new code"
(cd "$T/work" && TMPDIR=tmp lup revert --checkpoint --keep --all --plugin-dir plugin "$pid") \
	2>"$T/err" || { cat "$T/err"; fail "relative TMPDIR: lup revert failed"; }
ls "$T"/work/tmp/*/orig/pstree.img >/dev/null || fail "the images did not go under TMPDIR"
wait_lines "$pid" 5
alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "the reverted process does not run the old code"
kill -9 "$pid"
