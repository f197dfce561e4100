#!/usr/bin/env bash
# Signed patches and the trust store, with keys made by openssl as the man page says.
# Without a trust store an unsigned patch applies with a warning. With one (--trusted-keys,
# LUP_TRUSTED_KEYS), lup (in place and through a checkpoint), lup-rewrite, lup-mkpatch
# --dump and the CRIU plugin refuse an unsigned patch, one signed by an unknown key and
# one altered then resealed (exit 3 for the programs, a failed dump for the plugin),
# before anything is frozen; the process runs on with its PID, threads and counter. A
# patch signed by a trusted key applies in place and through a checkpoint.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export CRIU


same_process() {
	alive "$pid" && [ "$(tids "$pid")" = "$before" ] || fail "PID or thread ids changed"
}

note "keys: openssl genpkey / pkey -pubout; a trust store of one key"
openssl genpkey -algorithm ed25519 -out "$T/signer.pem" 2>/dev/null
openssl pkey -in "$T/signer.pem" -pubout -out "$T/signer.pub"
openssl genpkey -algorithm ed25519 -out "$T/stranger.pem" 2>/dev/null
mkdir "$T/keys" && cp "$T/signer.pub" "$T/keys/"

lup-mkpatch -t "$PROG" -o "$T/unsigned.lup" "$FIX" 2>/dev/null
lup-mkpatch -t "$PROG" -o "$T/signed.lup" --sign "$T/signer.pem" "$FIX" 2>/dev/null
lup-mkpatch -t "$PROG" -o "$T/stranger.lup" --sign "$T/stranger.pem" "$FIX" 2>/dev/null
expect_refusal 3 "not an Ed25519 private key" lup-mkpatch -t "$PROG" -o "$T/x.lup" --sign "$T/signer.pub" "$FIX"
[ ! -e "$T/x.lup" ] || fail "a patch was written with a bad key"
# The signed patch with one byte of its message changed and its digest recomputed: only
# the signature can tell.
python3 - "$T/signed.lup" "$T/altered.lup" <<'PY'
import hashlib, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[40] ^= 0x01
b[-32:] = hashlib.sha256(b[:-32]).digest()
open(sys.argv[2], "wb").write(b)
PY

pid=$(start_target "$PROG")
wait_lines "$pid" 5
before=$(tids "$pid")

note "with a trust store, lup refuses unsigned, unknown and altered patches, unfrozen"
for t in "" --checkpoint; do
	expect_refusal 3 "unsigned, and the trust store $T/keys admits only signed" \
		lup patch $t --trusted-keys "$T/keys" -p "$T/unsigned.lup" "$pid"
	expect_refusal 3 "signed by a key that is not in the trust store" \
		lup patch $t --trusted-keys "$T/keys" -p "$T/stranger.lup" "$pid"
	expect_refusal 3 "altered.lup: bad signature" lup patch $t --trusted-keys "$T/keys" -p "$T/altered.lup" "$pid"
done
LUP_TRUSTED_KEYS=$T/keys expect_refusal 3 "unsigned, and the trust store" lup patch -p "$T/unsigned.lup" "$pid"
expect_refusal 3 "bad signature" lup-mkpatch --dump "$T/altered.lup"
expect_refusal 3 "not in the trust store" lup-mkpatch --dump "$T/stranger.lup" --trusted-keys "$T/keys"
same_process
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "a refused patch changed the code"

note "lup-rewrite and the CRIU plugin apply the same trust store"
criu_dump "$pid" "$T/img"
expect_refusal 3 "unsigned, and the trust store" lup-rewrite --trusted-keys "$T/keys" -p "$T/unsigned.lup" -D "$T/img" -o "$T/out"
[ ! -e "$T/out" ] || fail "a refused rewrite left $T/out behind"
lup-rewrite --trusted-keys "$T/keys" -p "$T/signed.lup" -D "$T/img" -o "$T/out" 2>/dev/null ||
	fail "lup-rewrite refused a trusted patch"
criu_restore "$T/img"
wait_lines "$pid" 3
mkdir "$T/patches" && cp "$T/unsigned.lup" "$T/patches/"
st=0
mkdir "$T/img2"
LUP_PATCH_DIR=$T/patches LUP_TRUSTED_KEYS=$T/keys timeout 60 "$CRIU" dump -t "$pid" -D "$T/img2" \
	-o dump.log -v4 --shell-job -L "$LUP_BUILD/plugin" 2>/dev/null || st=$?
[ $st -ne 0 ] || fail "criu with lup.so dumped a process for an unsigned patch"
grep "unsigned, and the trust store" "$T/img2/dump.log" | sed 's/^/  | /'
grep -q "unsigned, and the trust store $T/keys" "$T/img2/dump.log" ||
	fail "the plugin did not refuse the unsigned patch: $(tail -5 "$T/img2/dump.log")"
wait_lines "$pid" 3
same_process

note "a patch signed by a trusted key applies in place, then reverted, then through a checkpoint"
lup patch --trusted-keys "$T/keys" -p "$T/signed.lup" "$pid" 2>/dev/null || fail "trusted patch refused in place"
wait_lines "$pid" 5
same_process
tail -n 1 "$T/out.$pid" | grep -q ' new$' || fail "the trusted patch is not running"
lup revert --all "$pid" 2>/dev/null || fail "revert failed"
wait_lines "$pid" 5
tail -n 1 "$T/out.$pid" | grep -q ' old$' || fail "the revert did not bring the old code back"
lup patch --checkpoint --trusted-keys "$T/keys" -p "$T/signed.lup" "$pid" 2>"$T/err" ||
	{ cat "$T/err"; fail "trusted patch refused through a checkpoint"; }
grep -q "not gated" "$T/err" && fail "the dump was not gated"
wait_lines "$pid" 5
same_process
tail -n 1 "$T/out.$pid" | grep -q ' new$' || fail "the trusted patch is not running after the checkpoint"

note "without a trust store an unsigned patch applies, with one warning"
lup revert --all "$pid" 2>/dev/null || fail "revert failed"
LUP_TRUSTED_KEYS=$T/none lup patch -p "$T/unsigned.lup" "$pid" 2>"$T/err" || fail "unsigned patch refused"
[ "$(grep -c "unsigned patch, applied without a trust store ($T/none does not exist)" "$T/err")" -eq 1 ] ||
	fail "no single warning for the unsigned patch: $(cat "$T/err")"
wait_lines "$pid" 5
same_process
tail -n 1 "$T/out.$pid" | grep -q ' new$' || fail "the unsigned patch is not running"
kill -9 "$pid"
