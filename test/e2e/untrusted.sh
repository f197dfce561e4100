#!/usr/bin/env bash
# Crafted input that parses but lies, on real dumps: a pstree whose process is not among
# its threads or that lists a thread twice, a patch that replaces no function, a
# files.img name climbing out of --root with "..", a process whose r_debug leads to
# a cyclic link_map list, and one whose PT_DYNAMIC has no end. Each is refused with exit 3
# (bad image) or 3 from lup-mkpatch (bad patch) (the ".." name: not found in the root),
# one line naming the file or process, no output directory; the original images still
# restore the process.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/rewrite-counter

# lup-rewrite must exit 3, say why in a line matching $2, and write no output directory.
refused() { # dir pattern
	local st=0
	lup-rewrite -p "$T/fix.lup" -D "$1" -o "$T/out" 2>"$T/err" || st=$?
	sed 's/^/  | /' "$T/err"
	[ $st -eq 3 ] || fail "lup-rewrite -D $1: exit $st, expected 3"
	grep -q "$2" "$T/err" || fail "lup-rewrite -D $1: no line saying '$2'"
	[ ! -e "$T/out" ] || fail "lup-rewrite -D $1 left $T/out behind"
	st=0; lup-rewrite --show "$1" >/dev/null 2>"$T/err" || st=$?
	[ $st -eq 3 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$2" "$T/err" ||
		fail "--show $1: exit $st: $(cat "$T/err")"
}

# A copy of $T/img whose pstree.img has the python statement $1 applied to its entries e.
craft_pstree() { # name python-statement
	rm -rf "$T/$1" && cp -a "$T/img" "$T/$1"
	"$CRIT" decode -i "$T/img/pstree.img" |
		python3 -c "import json, sys; d = json.load(sys.stdin); e = d['entries']; $2; json.dump(d, sys.stdout)" |
		"$CRIT" encode -o "$T/$1/pstree.img" || fail "crit could not write $1"
}

note "a patch that replaces no function is refused by lup-mkpatch"
echo 'long brand_new(long x) { return x + 1; }' >"$T/new.c"
st=0; lup-mkpatch -t "$PROG" -o "$T/new.lup" "$T/new.c" 2>"$T/err" || st=$?
[ $st -eq 3 ] && grep -q "$T/new.lup: replaces no function" "$T/err" || fail "mkpatch: exit $st: $(cat "$T/err")"
[ ! -e "$T/new.lup" ] || fail "a patch that replaces nothing was written"

echo 'long compute(long x) { return x + 1000; }' >"$T/fix.c"
lup-mkpatch -t "$PROG" -o "$T/fix.lup" "$T/fix.c" >/dev/null

pid=$(start_target "$PROG")
wait_lines "$pid" 3
criu_dump "$pid" "$T/img"

note "pstree.img: the process is not among its threads"
craft_pstree nomain "e[0]['threads'] = e[0]['threads'][1:]"
refused "$T/nomain" "pstree.img: process $pid is not among its own"
craft_pstree nothreads "del e[0]['threads']"
refused "$T/nothreads" "pstree.img: process $pid is not among its own 0 threads"

note "pstree.img: a thread listed twice, a process listed twice"
craft_pstree twice "e[0]['threads'].append(e[0]['threads'][-1])"
refused "$T/twice" "pstree.img: thread [0-9]* appears twice"
craft_pstree twoprocs "e.append(dict(e[0]))"
refused "$T/twoprocs" "pstree.img: thread [0-9]* appears twice"

note "files.img: a name climbing out of --root (..) stays inside it"
# The root holds every mapped file but the executable, whose name now starts with "..":
# it must not be read from the host. With the executable in the root, the same name
# resolves there.
rm -rf "$T/esc" && cp -a "$T/img" "$T/esc"
"$CRIT" decode -i "$T/img/files.img" |
	python3 -c "import json, sys; d = json.load(sys.stdin)
for e in d['entries']:
    if e.get('reg', {}).get('name') == sys.argv[1]: e['reg']['name'] = '/../../../../../../..' + sys.argv[1]
json.dump(d, sys.stdout)" "$PROG" | "$CRIT" encode -o "$T/esc/files.img" || fail "crit could not write files.img"
lup-rewrite --show "$T/img" --json >"$T/show.json"
for f in $(python3 -c 'import json, sys
print("\n".join(sorted({v["path"] for p in json.load(open(sys.argv[1]))["processes"]
                         for v in p["vmas"] if "path" in v} - {sys.argv[2]})))' "$T/show.json" "$PROG"); do
	mkdir -p "$T/esc-root${f%/*}" && cp "$f" "$T/esc-root$f"
done
st=0; lup-rewrite --root "$T/esc-root" -p "$T/fix.lup" -D "$T/esc" -o "$T/out" 2>"$T/err" || st=$?
sed 's/^/  | /' "$T/err"
[ $st -ne 0 ] && grep -q "$T/esc-root/\.\./.*: No such file or directory" "$T/err" ||
	fail "a name with .. read the host's file: exit $st"
[ ! -e "$T/out" ] || fail "a refused rewrite left $T/out behind"
mkdir -p "$T/esc-root${PROG%/*}" && cp "$PROG" "$T/esc-root$PROG"
lup-rewrite --root "$T/esc-root" -p "$T/fix.lup" -D "$T/esc" -o "$T/out" 2>"$T/err" ||
	fail "the executable in the root is not found by its name with ..: $(cat "$T/err")"
rm -rf "$T/out"

criu_restore "$T/img"
wait_lines "$pid" 3
kill -9 "$pid"

note "a cyclic link_map list in the process is refused"
pid=$(start_target "$LUP_BUILD/test/progs/linkmap-cycle")
wait_lines "$pid" 3
criu_dump "$pid" "$T/cyc"
lup-mkpatch -t "$LUP_BUILD/test/progs/linkmap-cycle" -o "$T/fix.lup" "$T/fix.c" >/dev/null
refused_cycle() {
	local st=0
	lup-rewrite -p "$T/fix.lup" -D "$T/cyc" -o "$T/out" 2>"$T/err" || st=$?
	sed 's/^/  | /' "$T/err"
	[ $st -eq 3 ] || fail "cyclic link_map: exit $st, expected 3"
	[ "$(grep -c "process $pid: the dynamic linker's list of objects is cyclic" "$T/err")" -eq 1 ] ||
		fail "cyclic link_map: not one line naming process $pid"
	[ ! -e "$T/out" ] || fail "cyclic link_map: $T/out left behind"
}
refused_cycle
criu_restore "$T/cyc"
wait_lines "$pid" 3
kill -9 "$pid"

note "a PT_DYNAMIC of endless entries (no DT_NULL) is refused"
pid=$(start_target "$LUP_BUILD/test/progs/dynamic-endless")
wait_lines "$pid" 3
criu_dump "$pid" "$T/dyn"
lup-mkpatch -t "$LUP_BUILD/test/progs/dynamic-endless" -o "$T/fix.lup" "$T/fix.c" >/dev/null
st=0; lup-rewrite -p "$T/fix.lup" -D "$T/dyn" -o "$T/out" 2>"$T/err" || st=$?
sed 's/^/  | /' "$T/err"
[ $st -eq 3 ] || fail "endless PT_DYNAMIC: exit $st, expected 3"
[ "$(grep -c "process $pid: the executable's PT_DYNAMIC has neither DT_DEBUG nor DT_NULL" "$T/err")" -eq 1 ] ||
	fail "endless PT_DYNAMIC: not one line naming process $pid"
[ ! -e "$T/out" ] || fail "endless PT_DYNAMIC: $T/out left behind"
criu_restore "$T/dyn"
wait_lines "$pid" 3
kill -9 "$pid"
echo PASS
