#!/usr/bin/env bash
# A real container: runc runs the static zdtm target in a busybox rootfs (stdout a pipe,
# not a host file); `runc checkpoint` dumps it, `runc restore` brings it back while lup's
# plugin (CRIU_LIBS_DIR) and a patch directory (LUP_PATCH_DIR, LUP_ROOT) are configured.
# The container must come back patched, with its memory and threads, and report PASS.
source "$(dirname "$0")/../lib.sh"

ZB=$LUP_BUILD/zdtm-tests
id=lup-test-$$
bundle=$T/bundle
img=$T/img
out=$T/out

cleanup_container() {
	runc kill "$id" KILL 2>/dev/null || true
	runc delete -f "$id" 2>/dev/null || true
	_lup_cleanup
}
trap cleanup_container EXIT

# runc runs the `criu` it finds first in PATH.
mkdir -p "$T/bin" "$T/patches"
ln -s "$CRIU" "$T/bin/criu"
export PATH=$T/bin:$PATH

state() { runc state "$id" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null || echo gone; }

bash "$(dirname "$0")/runc/make-bundle.sh" "$bundle" "$ZB/target-static" -t 2 -e 2
lup-mkpatch -t "$bundle/rootfs/bin/target" -o "$T/patches/value.lup" --id zdtm-value \
	"$LUP_TOP/zdtm-tests/patches/value.c" || fail "lup-mkpatch failed"

note "run"
(cd "$bundle" && runc run -d "$id" </dev/null > >(cat >"$out.1") 2>&1)
for i in $(seq 200); do grep -q ready "$out.1" 2>/dev/null && break; sleep 0.05; done
grep -q ready "$out.1" || fail "the container did not start: $(cat "$out.1")"

export CRIU_LIBS_DIR=$LUP_BUILD/plugin LUP_PATCH_DIR=$T/patches LUP_ROOT=$bundle/rootfs
note "checkpoint"
timeout 120 runc checkpoint --image-path "$img" --work-path "$T/work" "$id" ||
	{ tail -20 "$T/work/dump.log" >&2; fail "runc checkpoint failed"; }
[ "$(state)" != running ] || fail "the container still runs after the checkpoint"

note "restore"
(cd "$bundle" && timeout 120 runc restore -d --image-path "$img" --work-path "$T/work2" "$id" \
	</dev/null > >(cat >"$out.2") 2>&1) ||
	{ tail -30 "$T/work2/restore.log" >&2; fail "runc restore failed"; }
[ "$(state)" = running ] || fail "the container is not running after the restore"

grep -q "zdtm-value patched" "$img/lup-restore.status" ||
	fail "the plugin did not record the patch: $(cat "$img/lup-restore.status" 2>&1)"
[ -L "$img/parent" ] && [ "$(readlink "$img/parent")" = lup-orig ] ||
	fail "the images are not parent-linked to lup-orig"

note "check"
runc kill "$id" TERM
for i in $(seq 200); do [ "$(state)" = stopped ] && break; sleep 0.05; done
sleep 0.2
cat "$out.2"
[ "$(tail -n 1 "$out.2")" = PASS ] || fail "the restored container reported a failure"
