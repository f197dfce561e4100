#!/usr/bin/env bash
# Driver of lup's zdtm-style tests: for each tests/NAME.desc (prog, args, steps, expect)
# start the program, run the steps (dumps, restores with or without lup's plugin, image
# copies, checks), then send SIGTERM: the program checks itself and prints PASS or FAIL.
#   run.sh [NAME...]      (default: every test; each runs in its own bash process)
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != --one ]; then
	names=("$@")
	[ ${#names[@]} -gt 0 ] || names=($(cd "$here/tests" && ls *.desc | sed 's/\.desc$//'))
	failed=()
	for n in "${names[@]}"; do
		if bash "$0" --one "$n"; then echo "PASS zdtm/$n"; else echo "FAIL zdtm/$n"; failed+=("$n"); fi
	done
	[ ${#failed[@]} -eq 0 ] || { echo "zdtm failed: ${failed[*]}"; exit 1; }
	exit 0
fi

name=$2
source "$here/../test/lib.sh"
prog="" args="" steps="" expect="" ns=""
source "$here/tests/$name.desc"

ZB=$LUP_BUILD/zdtm-tests
PLUGIN_DIR=${LUP_PLUGIN_DIR:-$LUP_BUILD/plugin}	# LUP_PLUGIN_DIR: test another lup.so
NO_PLUGINS=$T/no-plugins		# an empty --libdir: no plugin at all, even installed ones
PATCHES=$T/patches
mkdir -p "$NO_PLUGINS" "$PATCHES"
img="" src_img="" ndump=0 pid=""

# The whole process group (the test's tree) goes at the end, whatever happened.
trap '{ [ -z "$pid" ] || kill -9 -- -"$pid" 2>/dev/null; _lup_cleanup; } || true' EXIT

# The pids of the tree: the root and its descendants.
tree_pids() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

# First byte of zdtm_value() in a live process: e9 once the jump is there.
entry_byte() {
	local p=$1 exe base off
	exe=$(readlink /proc/"$p"/exe)
	base=$(awk -v f="$exe" '$6 == f && $3 == "00000000" { split($1, a, "-"); print a[1]; exit }' /proc/"$p"/maps)
	off=$(nm "$exe" | awk '$3 == "zdtm_value" { print $1 }')
	dd if=/proc/"$p"/mem bs=1 count=1 skip=$((16#$base + 16#$off)) 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

next_img() { ndump=$((ndump + 1)); img=$T/img.$ndump; }

step_dump() { next_img; criu_dump "$pid" "$img" -L "$NO_PLUGINS"; }
step_dump_plugin() { next_img; LUP_PATCH_DIR=$PATCHES criu_dump "$pid" "$img" -L "$PLUGIN_DIR"; }
step_restore() { criu_restore "$img" -L "$NO_PLUGINS"; }
step_restore_plugin() { LUP_PATCH_DIR=$PATCHES criu_restore "$img" -L "$PLUGIN_DIR"; }
# Into new pid and mount namespaces, like the ones dumped: CRIU needs --root for the mounts.
# The root task gets a new host pid (it is pid 1 of its namespace).
step_restore_plugin_ns() {
	LUP_PATCH_DIR=$PATCHES criu_restore "$img" -L "$PLUGIN_DIR" --root / --pidfile "$T/ns.pid"
	pid=$(cat "$T/ns.pid")
	track "$pid"
	ln -s "$T/out.ns" "$T/out.$pid"
	[ "$(awk '/^NSpid:/ { print $3 }' /proc/"$pid"/status)" = 1 ] || fail "$pid is not pid 1 of a new namespace"
	[ "$(readlink /proc/"$pid"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] || fail "$pid is in the host's mount namespace"
}
step_restore_orig() { criu_restore "$img/lup-orig" -L "$NO_PLUGINS"; }
step_kill() { kill -9 "$pid"; wait_gone "$pid"; }
step_copy() { src_img=$img; next_img; cp -a "$src_img" "$img"; }

step_dump_refused() {
	next_img; mkdir -p "$img"
	if LUP_PATCH_DIR=$PATCHES timeout 60 "$CRIU" dump -t "$pid" -D "$img" -o dump.log -v4 \
		--shell-job -L "$PLUGIN_DIR"; then
		fail "the dump of a busy process was not refused"
	fi
	grep -q "is inside zdtm_spin" "$img/dump.log" || fail "dump.log does not name the busy function"
	grep -q "^$pid busy: patch zdtm-value: .* is inside zdtm_spin" "$img/lup-dump.status" ||
		fail "the refusal is not recorded in lup-dump.status"
	alive "$pid" || fail "process $pid did not survive the refused dump"
	[ "$(entry_byte "$pid")" != e9 ] || fail "process $pid is patched"
}

# A patch directory whose only patch is garbage (a valid magic, then a truncated record).
broken_patches() {
	mkdir -p "$T/broken"
	printf 'LUP1\x40\x00\x00\x00\x08\x01' >"$T/broken/bad.lup"
	echo "$T/broken"
}

step_dump_broken_patch() {
	local dir; dir=$(broken_patches)
	next_img; mkdir -p "$img"
	if LUP_PATCH_DIR=$dir timeout 60 "$CRIU" dump -t "$pid" -D "$img" -o dump.log -v4 \
		--shell-job -L "$PLUGIN_DIR"; then
		fail "a dump with a broken patch file succeeded"
	fi
	grep -q "lup: $dir/bad.lup: " "$img/dump.log" || fail "dump.log does not name the broken patch"
	alive "$pid" || fail "process $pid did not survive the failed dump"
}

step_restore_broken_patch() {
	LUP_PATCH_DIR=$(broken_patches) LUP_ON_FAILURE=restore-unpatched criu_restore "$img" -L "$PLUGIN_DIR"
	grep -q "lup: $T/broken/bad.lup: " "$img/restore.log" || fail "restore.log does not name the broken patch"
	[ "$(entry_byte "$pid")" != e9 ] || fail "process $pid is patched"
}

# The images, by name and content: what a rolled-back swap must leave as it found.
image_sums() { (cd "$img" && sha256sum *.img && ls -A | grep -v '\.log$\|^lup-restore.status$\|^stats-'); }

# The last image in directory order (the order the plugin's swap reads) can be neither
# moved nor linked (immutable, even for root): the swap fails after moving or linking
# every other image, and must roll back. With on_failure = restore-unpatched the restore
# then goes on unpatched, the patch recorded NOT APPLIED (by default the restore fails).
step_restore_rollback() {
	local f before ok=1
	f=$(ls -f "$img" | grep '\.img$' | tail -n 1)
	before=$(image_sums)
	chattr +i "$img/$f"
	LUP_PATCH_DIR=$PATCHES LUP_ON_FAILURE=restore-unpatched timeout 60 "$CRIU" restore -D "$img" -o restore.log -v4 -d \
		--shell-job -L "$PLUGIN_DIR" || ok=0
	chattr -i "$img/$f"
	[ $ok = 1 ] || { tail -20 "$img/restore.log" >&2; fail "criu restore from $img failed"; }
	grep -q "lup: $img/$f: cannot \(move\|link\) it into lup-orig" "$img/restore.log" ||
		fail "the swap did not fail at $f"
	grep -q "rolled back to the original images" "$img/restore.log" || fail "no rollback reported"
	[ "$(image_sums)" = "$before" ] || { diff <(echo "$before") <(image_sums) >&2; fail "the images differ after the rollback"; }
	grep -q "^- zdtm-value NOT APPLIED: .*cannot \(move\|link\) it into lup-orig" "$img/lup-restore.status" ||
		fail "not recorded as not applied"
	grep -q "^$pid zdtm-value unpatched" "$img/lup-restore.status" || fail "not recorded as unpatched"
}

step_check_unpatched() {
	local p
	for p in $(tree_pids "$pid"); do
		[ "$(entry_byte "$p")" != e9 ] || fail "process $p: patched"
	done
}

step_check_patched() {
	local p
	for p in $(tree_pids "$pid"); do
		[ "$(entry_byte "$p")" = e9 ] || fail "process $p: no jump at zdtm_value"
	done
}

# The second restore found the patch in the images: reported, and one patch VMA only.
step_check_already() {
	grep -q "patch zdtm-value: already applied" "$img/restore.log" || fail "not reported as already applied"
	grep -q "^$pid zdtm-value patched" "$img/lup-restore.status" || fail "no status line for $pid"
	local n
	n=$(awk '$2 == "r-xp" && $5 == 0 && NF == 5' /proc/"$pid"/maps | wc -l)
	[ "$n" -eq 1 ] || fail "process $pid has $n anonymous r-x mappings, expected 1"
}

step_check_untouched() {
	[ ! -e "$img/lup-orig" ] && [ ! -e "$img/parent" ] || fail "$img was rewritten"
	[ ! -s "$img/lup-restore.status" ] || fail "status recorded for a process without target"
}

step_check_source_untouched() {
	[ ! -e "$src_img/lup-orig" ] && [ ! -e "$src_img/parent" ] || fail "source images $src_img changed"
}

[ -x "$ZB/$prog" ] && [ -f "$PLUGIN_DIR/lup.so" ] || fail "build first: make check"
lup-mkpatch -t "$ZB/target" -o "$PATCHES/value.lup" --id zdtm-value "$here/patches/value.c" ||
	fail "lup-mkpatch failed"

# The program as pid 1 of new pid and mount namespaces, its own session; its files are
# opened inside (CRIU dumps only files of the dumped mounts), inherited ones closed.
start_in_ns() {
	local u
	unshare --pid --mount --fork --mount-proc bash -c 'for f in /proc/self/fd/*; do
		n=${f##*/}; [ "$n" -le 2 ] || eval "exec $n>&-"; done
		exec setsid "$@" </dev/null >"$0" 2>&1' "$T/out.ns" "$@" </dev/null >/dev/null 2>&1 &
	u=$!
	track "$u"
	for i in $(seq 100); do [ -s "/proc/$u/task/$u/children" ] && break; sleep 0.02; done
	pid=$(cat "/proc/$u/task/$u/children")
	ln -s "$T/out.ns" "$T/out.$pid"
	track "$pid"
}

if [ -n "$ns" ]; then
	start_in_ns "$ZB/$prog" $args -e "$expect"
else
	pid=$(start_target "$ZB/$prog" $args -e "$expect")
fi
for i in $(seq 200); do grep -q ready "$T/out.$pid" && break; sleep 0.02; done
grep -q ready "$T/out.$pid" || fail "$prog did not start: $(cat "$T/out.$pid")"

for s in $steps; do
	note "step $s"
	"step_${s//-/_}"
done

kill -TERM "$pid"
wait_gone "$pid"
cat "$T/out.$pid"
[ "$(tail -n 1 "$T/out.$pid")" = PASS ] || fail "$name: the program reported a failure"
