#!/usr/bin/env bash
# Running containers patched by name, in place (`lup patch --container ID`): a runc
# container and a podman one (its image made with `podman import` of a busybox-static
# rootfs, no registry). Each is listed and reverted by name too; it keeps its init's PID,
# its monitor stays its parent, and the zdtm target inside reports PASS (memory and
# threads intact, the patched value seen) when the runtime stops it. Then podman's
# exported checkpoint (`podman container checkpoint --export`, with a file the
# container wrote in its rootfs-diff) is patched by `lup-rewrite --archive` and
# `podman container restore --import` brings the container back patched; and
# `lup patch --checkpoint --container` goes through podman's own checkpoint and restore
# (conmon stays the parent), and so does the revert; and through runc's, the restored
# container writing on into the pipe it wrote to. Last, lup.so installed where CRIU
# looks and /etc/lup/lup.conf (conmon passes no environment) patch a podman restore.
source "$(dirname "$0")/../lib.sh"

ZB=$LUP_BUILD/zdtm-tests
id=lup-ct-$$
bundle=$T/bundle

# /usr/lib/criu/lup.so and /etc/lup/lup.conf as they were before the test.
restore_system_files() {
	local f
	for f in /usr/lib/criu/lup.so /etc/lup/lup.conf; do
		[ -e "$T/saved.$(basename "$f")" ] && cp -a "$T/saved.$(basename "$f")" "$f" ||
			rm -f "$f"
	done
}

cleanup_containers() {
	[ -n "${T:-}" ] && grep -qs "$T" /etc/lup/lup.conf && restore_system_files
	runc delete -f "$id" >/dev/null 2>&1 || true
	podman rm -f "$id" >/dev/null 2>&1 || true
	podman rmi -f "localhost/$id:1" >/dev/null 2>&1 || true
	_lup_cleanup
}
trap cleanup_containers EXIT

# runc (also podman's) runs the `criu` it finds first in PATH.
mkdir -p "$T/bin"
ln -s "$CRIU" "$T/bin/criu"
export PATH=$T/bin:$PATH

bash "$(dirname "$0")/runc/make-bundle.sh" "$bundle" "$ZB/target-static" -t 2 -e 2
lup-mkpatch -t "$bundle/rootfs/bin/target" -o "$T/value.lup" --id zdtm-value \
	"$LUP_TOP/zdtm-tests/patches/value.c" 2>/dev/null || fail "lup-mkpatch failed"

# The zdtm target in a runc container, its output into OUT through a pipe; ready.
runc_start() { # out
	(cd "$bundle" && runc run -d "$id" </dev/null > >(cat >"$1") 2>&1)
	for i in $(seq 200); do grep -q ready "$1" 2>/dev/null && break; sleep 0.05; done
}

# The zdtm target in a new podman container; ready. This machine lets no process raise
# its limits: podman's default ones would not start.
podman_start() {
	podman rm -f "$id" >/dev/null 2>&1 || true
	podman run -d --name "$id" --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=4096:4096 "localhost/$id:1" /bin/target -t 2 -e 2 >/dev/null ||
		fail "podman run failed"
	for i in $(seq 200); do podman_said ready && break; sleep 0.05; done
}

# The container's log has the line (read whole first: grep -q ending a pipe early would
# fail it, pipefail).
podman_said() { # line
	podman logs "$id" >"$T/podman.log" 2>&1 || true
	grep -qx -- "$1" "$T/podman.log"
}

# Patches, lists and reverts the container by name; then patches it again for the end.
patch_by_name() { # runtime pid-before
	local ppid
	ppid=$(awk '{ print $4 }' "/proc/$2/stat")
	lup patch -p "$T/value.lup" --container "$id" 2>"$T/err" || { cat "$T/err"; fail "$1: not patched"; }
	lup list --container "$id" 2>/dev/null | grep -q zdtm-value || fail "$1: not listed by name"
	lup revert --id zdtm-value --container "$id" 2>/dev/null || fail "$1: not reverted"
	lup list --container "$id" 2>/dev/null | grep -q "0 patches" || fail "$1: still patched"
	lup patch -p "$T/value.lup" --container "$id" 2>/dev/null || fail "$1: not patched again"
	alive "$2" || fail "$1: the container's init is gone"
	[ "$(awk '{ print $4 }' "/proc/$2/stat")" = "$ppid" ] || fail "$1: its parent changed"
}

note "runc: patched, listed and reverted by name, in place"
runc_start "$T/runc.out"
pid=$(runc state "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
patch_by_name runc "$pid"
runc kill "$id" TERM
for i in $(seq 200); do runc state "$id" 2>/dev/null | grep -q '"stopped"' && break; sleep 0.05; done
sleep 0.2
[ "$(tail -n 1 "$T/runc.out")" = PASS ] || fail "runc: the container reported: $(cat "$T/runc.out")"
runc delete -f "$id"

note "runc: patched through runc's own checkpoint and restore; its output goes on into its pipe"
runc_start "$T/runc2.out"
lup patch --checkpoint -p "$T/value.lup" --container "$id" 2>"$T/err" ||
	{ cat "$T/err"; fail "runc --checkpoint --container: not patched"; }
grep -q "runc restore -d --image-path .* --bundle $bundle $id" "$T/err" ||
	fail "the way back is not said before the checkpoint"
runc state "$id" | grep -q '"running"' || fail "runc --checkpoint --container: not running"
lup list --container "$id" 2>/dev/null | grep -q zdtm-value || fail "runc --checkpoint --container: not listed"
runc kill "$id" TERM
for i in $(seq 200); do runc state "$id" 2>/dev/null | grep -q '"stopped"' && break; sleep 0.05; done
sleep 0.2
[ "$(tail -n 1 "$T/runc2.out")" = PASS ] ||
	fail "runc --checkpoint --container: the container reported: $(cat "$T/runc2.out")"
runc delete -f "$id"

note "podman: patched, listed and reverted by name, in place; its monitor stays the parent"
tar -C "$bundle/rootfs" -cf "$T/rootfs.tar" .
podman import "$T/rootfs.tar" "localhost/$id:1" >/dev/null
podman_start
pid=$(podman inspect --format '{{.State.Pid}}' "$id")
[ "$(cat "/proc/$(awk '{ print $4 }' "/proc/$pid/stat")/comm")" = conmon ] ||
	fail "podman: the container's init is not conmon's child"
patch_by_name podman "$pid"
podman stop -t 10 "$id" >/dev/null
[ "$(podman logs "$id" 2>&1 | tail -n 1)" = PASS ] ||
	fail "podman: the container reported: $(podman logs "$id" 2>&1)"

note "podman: an exported checkpoint patched by lup-rewrite --archive, restored with --import"
podman_start
podman exec "$id" /bin/sh -c 'echo changed >/etc/lup-test' || fail "podman exec failed"
timeout 120 podman container checkpoint --export="$T/ck.tar.zst" "$id" >/dev/null ||
	fail "podman container checkpoint --export failed"
# Listed into a file: grep -q ending the pipe early would fail it (pipefail).
tar -tf "$T/ck.tar.zst" >"$T/ck.list"
grep -q '^rootfs-diff.tar$' "$T/ck.list" || fail "the archive has no rootfs-diff.tar"
sum=$(sha256sum <"$T/ck.tar.zst")
lup-rewrite --archive "$T/ck.tar.zst" -p "$T/value.lup" -o "$T/patched.tar.zst" 2>"$T/err" ||
	{ cat "$T/err"; fail "lup-rewrite --archive failed"; }
[ "$(sha256sum <"$T/ck.tar.zst")" = "$sum" ] || fail "the input archive changed"
tar -tf "$T/patched.tar.zst" >"$T/patched.list"
grep -q '^checkpoint/lup-orig/pstree.img$' "$T/patched.list" ||
	fail "the archive does not keep the original images"
expect_refusal 2 "usage" lup-rewrite --archive "$T/ck.tar.zst" -o "$T/x.tar"
expect_refusal 3 "$T/value.lup: .*failed\|not a checkpoint archive" \
	lup-rewrite --archive "$T/value.lup" -p "$T/value.lup" -o "$T/y.tar"
[ ! -e "$T/y.tar" ] || fail "a failed rewrite left its output"
# An archive whose checkpoint/ is a link elsewhere: refused, nothing written there.
mkdir -p "$T/evil" "$T/victim"
ln -s "$T/victim" "$T/evil/checkpoint"
tar -cf "$T/evil.tar" -C "$T/evil" checkpoint
expect_refusal 3 "evil.tar: not a checkpoint archive" \
	lup-rewrite --archive "$T/evil.tar" -p "$T/value.lup" -o "$T/z.tar"
[ -z "$(ls -A "$T/victim")" ] || fail "the rewrite wrote where the archive's link pointed"
podman rm -f "$id" >/dev/null
timeout 120 podman container restore --import "$T/patched.tar.zst" >/dev/null ||
	fail "podman container restore --import failed"
for i in $(seq 100); do [ "$(podman inspect --format '{{.State.Running}}' "$id")" = true ] && break; sleep 0.05; done
lup list --container "$id" 2>/dev/null | grep -q zdtm-value || fail "the restored container is not patched"
[ "$(podman exec "$id" /bin/busybox cat /etc/lup-test)" = changed ] || fail "the container's own change is lost"
podman stop -t 10 "$id" >/dev/null
[ "$(podman logs "$id" 2>&1 | tail -n 1)" = PASS ] ||
	fail "podman --import: the container reported: $(podman logs "$id" 2>&1 | tail -3)"

note "podman: patched through podman's own checkpoint and restore (--checkpoint --container)"
podman_start
lup patch --checkpoint -p "$T/value.lup" --container "$id" 2>"$T/err" ||
	{ cat "$T/err"; fail "--checkpoint --container: not patched"; }
grep -q "podman container restore $id" "$T/err" || fail "the way back is not said before the freeze"
pid=$(podman inspect --format '{{.State.Pid}}' "$id")
[ "$(cat "/proc/$(awk '{ print $4 }' "/proc/$pid/stat")/comm")" = conmon ] ||
	fail "--checkpoint --container: conmon is not the restored container's parent"
lup list --container "$id" 2>/dev/null | grep -q zdtm-value || fail "--checkpoint --container: not listed"
[ ! -e "$(podman inspect --format '{{.StaticDir}}' "$id")/checkpoint" ] ||
	fail "podman's checkpoint files were left after the restore"
note "podman: reverted the same way"
lup revert --checkpoint --id zdtm-value --container "$id" 2>/dev/null || fail "--checkpoint --container: not reverted"
lup list --container "$id" 2>/dev/null | grep -q "0 patches" || fail "--checkpoint --container: still patched"
podman stop -t 10 "$id" >/dev/null
podman_said '1: zdtm_value() = 1, expected 2' ||
	fail "--checkpoint --container: the reverted container did not run its old code to the end"

note "podman with lup.so in CRIU's plugin directory and /etc/lup/lup.conf: restored patched"
# conmon gives CRIU no environment of ours: the plugin must find its settings in
# /etc/lup/lup.conf and the container's root from podman's config.json. Whatever was
# there before is put back at exit.
for f in /usr/lib/criu/lup.so /etc/lup/lup.conf; do
	[ -e "$f" ] && cp -a "$f" "$T/saved.$(basename "$f")"
done
mkdir -p /usr/lib/criu /etc/lup "$T/podman-patches"
cp "$LUP_BUILD/plugin/lup.so" /usr/lib/criu/lup.so
cp "$T/value.lup" "$T/podman-patches/"
printf 'patch_dir = %s\n' "$T/podman-patches" >/etc/lup/lup.conf
podman_start
timeout 120 podman container checkpoint "$id" >/dev/null || fail "podman container checkpoint failed"
timeout 120 podman container restore "$id" >/dev/null || fail "podman container restore failed"
lup list --container "$id" 2>/dev/null | grep -q zdtm-value || fail "podman's restore did not patch it"
restore_system_files
podman stop -t 10 "$id" >/dev/null
[ "$(podman logs "$id" 2>&1 | tail -n 1)" = PASS ] ||
	fail "podman with lup.so: the container reported: $(podman logs "$id" 2>&1 | tail -3)"

note "an unknown container: refused, naming it"
expect_refusal 1 "container no-such-$$: neither podman nor runc" lup list --container "no-such-$$"
note "PASS"
