#!/usr/bin/env bash
# A real container: runc runs the static zdtm target in a busybox rootfs (stdout a pipe,
# not a host file); `runc checkpoint` dumps it, `runc restore` brings it back while lup's
# plugin (CRIU_LIBS_DIR) is on and lup.conf names the patch directory (no LUP_ROOT: the
# plugin finds the container's rootfs from the bundle runc runs in). The container must
# come back patched, with its memory and threads, and report PASS.
# Then runc restores the plugin's lup-orig/ (the originals, with runc's descriptors.json
# beside them) unpatched, and a checkpoint rewritten by lup-rewrite patched: runc needs
# the files it keeps beside the images in both. A patch that cannot be applied (the
# configured root is wrong) fails the restore, recorded NOT APPLIED, the images left as
# they were; with on_failure = restore-unpatched the container comes back unpatched.
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
mkdir -p "$T/bin" "$T/patches" "$T/patches2"
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

# runc hands criu its environment: LUP_CONFIG reaches the plugin (/etc/lup/lup.conf would).
printf 'patch_dir = %s  # the patches\n' "$T/patches" >"$T/lup.conf"
export CRIU_LIBS_DIR=$LUP_BUILD/plugin LUP_CONFIG=$T/lup.conf
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

# The container's init, as the host sees it; its patches, as lup lists them.
patches_of() { lup list "$(runc state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')" 2>/dev/null; }

# TERM ends the zdtm target, which reports PASS when its memory and threads held and it
# ran the patched code (-e 2); unpatched, it says it saw version 1.
check_end() { # output what patched|unpatched
	runc kill "$id" TERM
	for i in $(seq 200); do [ "$(state)" = stopped ] && break; sleep 0.05; done
	sleep 0.2
	cat "$1"
	if [ "$3" = patched ]; then
		[ "$(tail -n 1 "$1")" = PASS ] || fail "$2: the restored container reported a failure"
	else
		grep -q '^1: zdtm_value() = 1, expected 2$' "$1" ||
			fail "$2: the restored container did not run its old code to the end"
	fi
	runc delete -f "$id" 2>/dev/null || true
}

note "check"
patches_of | grep -q zdtm-value || fail "the restored container is not patched"
check_end "$out.2" "the plugin's restore" patched

unset CRIU_LIBS_DIR LUP_CONFIG
note "runc restores the plugin's originals (lup-orig/, with descriptors.json): unpatched"
[ -f "$img/lup-orig/descriptors.json" ] || fail "lup-orig/ has no descriptors.json"
(cd "$bundle" && timeout 120 runc restore -d --image-path "$img/lup-orig" --work-path "$T/work3" "$id" \
	</dev/null > >(cat >"$out.3") 2>&1) ||
	{ tail -30 "$T/work3/restore.log" >&2; fail "runc restore from lup-orig failed"; }
[ "$(state)" = running ] || fail "the container from lup-orig is not running"
patches_of | grep -q zdtm-value && fail "the container from lup-orig is patched"
check_end "$out.3" "the restore from lup-orig" unpatched

note "runc restores a checkpoint that lup-rewrite patched (descriptors.json carried over)"
(cd "$bundle" && runc run -d "$id" </dev/null > >(cat >"$out.4") 2>&1)
for i in $(seq 200); do grep -q ready "$out.4" 2>/dev/null && break; sleep 0.05; done
timeout 120 runc checkpoint --image-path "$T/img4" --work-path "$T/work4" "$id" ||
	{ tail -20 "$T/work4/dump.log" >&2; fail "runc checkpoint failed"; }
lup-rewrite -p "$T/patches/value.lup" -D "$T/img4" -o "$T/img4p" --root "$bundle/rootfs" 2>/dev/null ||
	fail "lup-rewrite failed"
cmp "$T/img4/descriptors.json" "$T/img4p/descriptors.json" || fail "descriptors.json not carried over"
(cd "$bundle" && timeout 120 runc restore -d --image-path "$T/img4p" --work-path "$T/work5" "$id" \
	</dev/null > >(cat >"$out.5") 2>&1) ||
	{ tail -30 "$T/work5/restore.log" >&2; fail "runc restore from lup-rewrite's output failed"; }
[ "$(state)" = running ] || fail "the container from lup-rewrite's output is not running"
patches_of | grep -q zdtm-value || fail "the container from lup-rewrite's output is not patched"
check_end "$out.5" "the restore from lup-rewrite's output" patched

note "a patch that cannot be applied: the restore fails, NOT APPLIED recorded, images unchanged"
# The container patched with zdtm-value by the plugin, checkpointed again; then a second
# fix of the same functions that does not declare it goes on top of zdtm-value.
printf 'int zdtm_value(void)\n{\n\treturn 3;\n}\n' >"$T/value3.c"
lup-mkpatch -t "$bundle/rootfs/bin/target" -o "$T/patches2/value2.lup" --id zdtm-value2 \
	"$T/value3.c" 2>/dev/null || fail "lup-mkpatch failed"
printf 'patch_dir = %s\n' "$T/patches" >"$T/lup.conf"
export CRIU_LIBS_DIR=$LUP_BUILD/plugin LUP_CONFIG=$T/lup.conf
(cd "$bundle" && runc run -d "$id" </dev/null > >(cat >"$out.6") 2>&1)
for i in $(seq 200); do grep -q ready "$out.6" 2>/dev/null && break; sleep 0.05; done
timeout 120 runc checkpoint --image-path "$T/img6" --work-path "$T/work6" "$id" ||
	{ tail -20 "$T/work6/dump.log" >&2; fail "runc checkpoint failed"; }
(cd "$bundle" && timeout 120 runc restore -d --image-path "$T/img6" --work-path "$T/work7" "$id" \
	</dev/null > >(cat >"$out.7") 2>&1) || fail "runc restore failed"
patches_of | grep -q zdtm-value || fail "not patched with zdtm-value"
timeout 120 runc checkpoint --image-path "$T/img8" --work-path "$T/work8" "$id" ||
	{ tail -20 "$T/work8/dump.log" >&2; fail "runc checkpoint of the patched container failed"; }
printf 'patch_dir = %s\n' "$T/patches2" >"$T/lup.conf"
before=$(cd "$T/img8" && ls -l | md5sum)
st=0; (cd "$bundle" && timeout 120 runc restore -d --image-path "$T/img8" --work-path "$T/work9" "$id" \
	</dev/null >"$out.9" 2>&1) || st=$?
[ $st -ne 0 ] || fail "the restore succeeded although its patch could not be applied"
grep -q "zdtm-value2 NOT APPLIED" "$T/img8/lup-restore.status" ||
	fail "NOT APPLIED is not recorded: $(cat "$T/img8/lup-restore.status" 2>&1)"
grep -q "not applied .*the restore fails" "$T/work9/restore.log" || fail "criu's log does not say why"
[ ! -e "$T/img8/lup-orig" ] || fail "the images were changed"
runc delete -f "$id" 2>/dev/null || true

note "the same with on_failure = restore-unpatched: back as it was, NOT APPLIED recorded"
printf 'on_failure = restore-unpatched\n' >>"$T/lup.conf"
rm -f "$T/img8/lup-restore.status"
(cd "$bundle" && timeout 120 runc restore -d --image-path "$T/img8" --work-path "$T/work10" "$id" \
	</dev/null > >(cat >"$out.10") 2>&1) ||
	{ tail -30 "$T/work10/restore.log" >&2; fail "runc restore (restore-unpatched) failed"; }
[ "$(state)" = running ] || fail "the container is not running (restore-unpatched)"
grep -q "zdtm-value2 NOT APPLIED" "$T/img8/lup-restore.status" || fail "NOT APPLIED is not recorded"
patches_of | grep -q zdtm-value2 && fail "zdtm-value2 was applied"
patches_of | grep -q zdtm-value || fail "the container lost zdtm-value"
unset CRIU_LIBS_DIR LUP_CONFIG
check_end "$out.10" "restore-unpatched" patched
note "PASS"
