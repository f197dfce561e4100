#!/usr/bin/env bash
# Several patches and several processes in one pass, with the real CRIU: an executable
# and the shared library it links patched together (one patch against each) by one
# `lup patch` and by one lup-rewrite + criu restore, listed with their files and
# reverted with `lup revert --all`; then `lup patch` on the root of a tree of three
# processes that all map the target (each comes back patched with its PID, threads and
# counter, then reverted), and on a shell whose child is the target (the child is
# patched, the shell is left as it was).
source "$(dirname "$0")/../lib.sh"

M=$LUP_BUILD/test/multi
PROG=$M/multi-main
SRC=$LUP_TOP/test/multi
EXE_LUP=$T/multi-exe.lup
LIB_LUP=$T/multi-lib.lup
PATCHES=(-p "$EXE_LUP" -p "$LIB_LUP")

lup-mkpatch -t "$PROG" -o "$EXE_LUP" "$SRC/fix-exe.c" -- -I"$SRC"
lup-mkpatch -t "$M/libmulti.so" -o "$LIB_LUP" "$SRC/fix-lib.c" -- -I"$SRC"

# Lines written by process pid to the shared output file.
lines() { grep -c "^pid=$2 " "$1" || true; }

wait_lines() { # out pid n: until pid wrote n more lines
	local want=$(($(lines "$1" "$2") + $3)) i
	for i in $(seq 500); do [ "$(lines "$1" "$2")" -ge "$want" ] && return 0; sleep 0.01; done
	fail "process $2 wrote nothing new"
}

# The children of a live process, sorted.
children() { cat /proc/"$1"/task/*/children | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' '; }

# Starts multi-main with the given number of children; sets $root, $out, $procs (the
# root and its children) and tids0[pid] once every process is writing.
start_tree() { # nchildren
	local i
	out=$T/multi.$RANDOM
	root=$(start_target "$PROG" "$out" "$1")
	for i in $(seq 500); do
		[ "$(children "$root" | wc -w)" = "$1" ] && break
		sleep 0.01
	done
	procs="$root $(children "$root")"
	start_tids "$procs"
}

declare -A tids0
start_tids() { # pids
	local p
	for p in $1; do
		track "$p"
		wait_lines "$out" "$p" 3
		# The idle thread is started before the first line: both threads are there.
		tids0[$p]=$(tids "$p")
	done
}

# Each process of pids, alive with its threads, prints WORDS after a few more lines and
# its counter went up by one at every line since it started.
expect() { # "pids" "exe=W lib=W" what
	local p got
	for p in $1; do
		wait_lines "$out" "$p" 3
		got=$(grep "^pid=$p " "$out" | tail -n 1 | cut -d' ' -f3-)
		[ "$got" = "$2" ] || fail "$3: process $p prints \"$got\", expected \"$2\""
		alive "$p" || fail "$3: process $p is gone"
		[ "$(tids "$p")" = "${tids0[$p]}" ] || fail "$3: thread ids of $p changed"
		grep "^pid=$p " "$out" | awk -v p="$p" '
			{ n = substr($2, 3) + 0 }
			NR > 1 && n != prev + 1 { print "process " p ": n=" n " after " prev; bad = 1 }
			{ prev = n } END { exit bad }' || fail "$3: the counter of $p did not continue"
	done
}

# lup list --json of root: every process of "pids" has exactly the patches "ids"
# (space-separated, in order), each naming the file it patched; any other process none.
listed() { # root "pids" "ids" what
	lup list --json "$1" >"$T/list.json" || fail "$4: lup list $1"
	python3 - "$T/list.json" "$2" "$3" "$PROG" "$M/libmulti.so" <<'PY' || fail "$4: lup list"
import json, os, sys
doc, pids, ids = json.load(open(sys.argv[1])), sys.argv[2].split(), sys.argv[3].split()
files = {"multi-exe": os.path.realpath(sys.argv[4]), "multi-lib": os.path.realpath(sys.argv[5])}
for proc in doc["processes"]:
    got = [p["id"] for p in proc["patches"]]
    want = ids if str(proc["pid"]) in pids else []
    if got != want:
        sys.exit("process %d lists %s, expected %s" % (proc["pid"], got, want))
    for p in proc["patches"]:
        if os.path.realpath(p["file"]) != files[p["id"]]:
            sys.exit("process %d: %s patched %s" % (proc["pid"], p["id"], p["file"]))
seen = {str(p["pid"]) for p in doc["processes"]}
if not set(pids) <= seen:
    sys.exit("processes %s not listed" % sorted(set(pids) - seen))
PY
}

stop_tree() { kill -9 $procs 2>/dev/null || true; }

note "executable and library patched by one lup patch, listed, reverted with --all"
start_tree 0
expect "$root" "exe=old lib=old" "start"
lup patch "${PATCHES[@]}" "$root" || fail "lup patch with two patches"
expect "$root" "exe=new lib=new" "both patched by lup patch"
listed "$root" "$root" "multi-exe multi-lib" "after lup patch"
lup revert --all "$root" || fail "lup revert --all"
expect "$root" "exe=old lib=old" "both reverted"
listed "$root" "" "" "after revert --all"
stop_tree

note "executable and library patched by one lup-rewrite, restored by criu"
start_tree 0
criu_dump "$root" "$T/img"
if ! lup-rewrite "${PATCHES[@]}" -D "$T/img" -o "$T/patched"; then
	criu_restore "$T/img"
	fail "lup-rewrite with two patches"
fi
lup-rewrite --list -D "$T/patched" >"$T/rewrite-list" || { criu_restore "$T/img"; fail "lup-rewrite --list"; }
criu_restore "$T/patched"
grep -q "multi-exe: .*multi-main" "$T/rewrite-list" && grep -q "multi-lib: .*libmulti.so" "$T/rewrite-list" ||
	fail "lup-rewrite --list: $(cat "$T/rewrite-list")"
expect "$root" "exe=new lib=new" "both patched by lup-rewrite"
listed "$root" "$root" "multi-exe multi-lib" "after lup-rewrite"
lup revert --all "$root" || fail "lup revert --all after lup-rewrite"
expect "$root" "exe=old lib=old" "reverted after lup-rewrite"
stop_tree

note "a tree of three processes mapping the target, patched from its root"
start_tree 2
kids=$(children "$root")
expect "$procs" "exe=old lib=old" "tree start"
lup patch "${PATCHES[@]}" "$root" || fail "lup patch of the tree"
expect "$procs" "exe=new lib=new" "tree patched"
[ "$(children "$root")" = "$kids" ] || fail "the root's children are $(children "$root"), were $kids"
listed "$root" "$procs" "multi-exe multi-lib" "tree patched"
lup revert --all "$root" || fail "lup revert --all of the tree"
expect "$procs" "exe=old lib=old" "tree reverted"
listed "$root" "" "" "tree reverted"
stop_tree

# /proc/PID/maps with adjacent pieces of one mapping joined: restore maps a file's
# read-only pieces at once where the loader made them by mprotect.
maps() {
	awk '{ split($1, r, "-"); key = $2 " " $4 " " $5 " " $6 }
	     prev_key == key && prev_end == r[1] { prev_end = r[2]; next }
	     NR > 1 { print prev_start "-" prev_end, prev_key }
	     { prev_start = r[1]; prev_end = r[2]; prev_key = key }
	     END { print prev_start "-" prev_end, prev_key }' "/proc/$1/maps"
}

note "a shell whose child maps the target: the child is patched, the shell unchanged"
out=$T/multi.shell
root=$(start_target sh -c '"$0" "$1" 0; echo "target exited $?"' "$PROG" "$out")
for i in $(seq 500); do [ -n "$(children "$root")" ] && break; sleep 0.01; done
kid=$(children "$root")
procs="$root $kid"
start_tids "$kid"
tids0[$root]=$(tids "$root")
maps "$root" >"$T/shell-maps"
expect "$kid" "exe=old lib=old" "child start"
lup patch "${PATCHES[@]}" "$root" || fail "lup patch of the shell's tree"
expect "$kid" "exe=new lib=new" "child patched"
alive "$root" || fail "the shell is gone"
[ "$(tids "$root")" = "${tids0[$root]}" ] || fail "the shell's thread ids changed"
[ "$(children "$root")" = "$kid" ] || fail "the shell's children are $(children "$root"), were $kid"
maps "$root" | diff "$T/shell-maps" - || fail "the shell's mappings changed"
listed "$root" "$kid" "multi-exe multi-lib" "child patched"
stop_tree
echo "PASS: exe and library in one pass (lup patch, lup-rewrite), a tree of 3, a child under a shell"
