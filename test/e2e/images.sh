#!/usr/bin/env bash
# End-to-end test of lup's CRIU image library and `lup-rewrite --show` on real dumps:
# one thread, several threads, a tree of two processes, a TCP server with an established
# connection. Each dump: every covered image round-trips byte for byte, the page reader
# returns the pattern the process wrote, --show agrees with /proc/PID/maps and with each
# mapped ELF file's build-id, and the process is restored alive. Then a hand-built
# parent-linked directory, and garbled images that must be refused with exit 3 and one
# line naming the file.
source "$(dirname "$0")/../lib.sh"

tool=$LUP_BUILD/test/tools/img-tool
prog=$LUP_BUILD/test/progs/mem-pattern
rewrite=$LUP_BUILD/lup-rewrite

# Waits for "pid PID pattern ADDR LEN" lines in the output of pid $1; prints them.
pattern_lines() { # pid count
	local i
	for i in $(seq 200); do
		[ "$(grep -c '^pid .* pattern' "$T/out.$1" 2>/dev/null)" -ge "$2" ] && break
		sleep 0.02
	done
	grep '^pid .* pattern' "$T/out.$1" || fail "no pattern line from $1"
}

# The bytes mem-pattern writes (same formula as test/progs/mem-pattern.c).
expected_pattern() { # len file
	python3 -c 'import sys; n=int(sys.argv[1]); sys.stdout.buffer.write(bytes(((i*31+7+(i>>8))&0xff) for i in range(n)))' "$1" >"$2"
}

# The page reader and the memory view both return the pattern of every "pid" line.
check_pattern() { # dir lines
	local dir=$1 _ pid addr len
	while read -r _ pid _ addr len; do
		expected_pattern "$len" "$T/expect"
		"$tool" pages "$dir" "$pid" "$addr" "$len" >"$T/got" || fail "pages of $pid in $dir"
		cmp "$T/expect" "$T/got" || fail "$dir: pattern of $pid differs (pages)"
		"$tool" mem "$dir" "$pid" "$addr" "$len" >"$T/got" || fail "mem of $pid in $dir"
		cmp "$T/expect" "$T/got" || fail "$dir: pattern of $pid differs (mem)"
	done <<<"$2"
}

# --show --json of dir agrees with the maps saved before the dump.
check_show() { # dir pid maps-file
	"$rewrite" --show "$1" --json >"$T/show.json" || fail "--show --json $1"
	python3 -m json.tool "$T/show.json" >/dev/null || fail "--show --json: invalid JSON"
	"$rewrite" --show "$1" >"$T/show.txt" || fail "--show $1"
	grep -q "^process $2 " "$T/show.txt" || fail "--show: no process $2"
	python3 - "$T/show.json" "$2" "$3" <<'PY' || fail "--show disagrees with /proc/$2/maps"
import json, sys
show, pid, maps = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
proc = [p for p in show["processes"] if p["pid"] == pid][0]
vmas = [(int(v["start"], 16), int(v["end"], 16), v) for v in proc["vmas"]]
for line in open(maps):
    f = line.split()
    s, e = (int(x, 16) for x in f[0].split("-"))
    path = f[5] if len(f) > 5 else ""
    if path.startswith("[vvar"):  # CRIU keeps [vvar] and [vvar_vclock] as one VMA
        ok = any(a <= s and e <= b and v["kind"] == "vvar" for a, b, v in vmas)
    else:
        ok = any(a == s and b == e and v.get("path", "") == (path if path.startswith("/") else "")
                 and v["prot"] == f[1] for a, b, v in vmas)
    if not ok:
        sys.exit("maps line not in --show: " + line.strip())
stack = [v for _, _, v in vmas if v["kind"] == "stack"]
assert len(stack) == 1, "one stack VMA"
# Every mapped ELF file's build-id is the one readelf reads from the file itself.
import re, subprocess
for path in sorted({v["path"] for _, _, v in vmas if "path" in v}):
    notes = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", notes)
    got = {v.get("build_id") for _, _, v in vmas if v.get("path") == path}
    if m and got != {m.group(1)}:
        sys.exit("%s: build-id %s in --show, %s in the file" % (path, got, m.group(1)))
PY
}

# Dump pid (output lines already printed), run every check, restore, check alive.
dump_check_restore() { # pid lines dir [criu opts]
	local pid=$1 lines=$2 dir=$3 p; shift 3
	cat "/proc/$pid/maps" >"$T/maps.$pid"
	local want_tids; want_tids=$(tids "$pid")
	criu_dump "$pid" "$dir" "$@"
	"$tool" roundtrip "$dir" >"$T/rt" || { cat "$T/rt"; fail "round trip in $dir"; }
	for k in inventory.img pstree.img files.img "core-$pid.img" "ids-$pid.img" "mm-$pid.img" "pagemap-$pid.img"; do
		grep -q "^ok $k " "$T/rt" || fail "$k not round-tripped"
	done
	[ -n "$lines" ] && check_pattern "$dir" "$lines"
	check_show "$dir" "$pid" "$T/maps.$pid"
	for p in $want_tids; do
		grep -q "^  thread $p ip 0x[0-9a-f]* sp 0x" "$T/show.txt" || fail "--show lacks thread $p"
	done
	criu_restore "$dir" "$@"
	sleep 0.3
	alive "$pid" || fail "$pid not alive after restore"
	[ "$(tids "$pid")" = "$want_tids" ] || fail "threads of $pid changed"
}

note "one thread"
pid=$(start_target "$prog")
lines=$(pattern_lines "$pid" 1)
dump_check_restore "$pid" "$lines" "$T/one"

note "memory view: file content behind file-backed VMAs, nothing outside VMAs"
read -r range _ off _ _ lib < <(grep -m1 ' r-xp .*/libc\.so' "$T/maps.$pid")
addr=$((0x${range%-*} + 0x2000))
"$tool" mem "$T/one" "$pid" "$addr" 256 >"$T/got" || fail "mem at libc text"
dd if="$lib" bs=1 skip=$((0x$off + 0x2000)) count=256 status=none | cmp - "$T/got" ||
	fail "libc text read through the memory view differs from $lib"
st=0; "$tool" mem "$T/one" "$pid" 0x1000 1 >/dev/null 2>&1 || st=$?
[ $st -ne 0 ] || fail "memory view read outside every VMA"

note "parent-linked directory built by hand"
mkdir "$T/child"
for f in "$T"/one/*.img; do
	case ${f##*/} in pages-*|pagemap-*) ;; *) cp "$f" "$T/child/" ;; esac
done
ln -s ../one "$T/child/parent"
"$tool" parent-pagemap "$T/one" "$T/child" "$pid" || fail "parent-pagemap"
"$rewrite" --show "$T/child" | grep -q "pages present 0 parent [1-9]" || fail "child pagemap not all in parent"
check_pattern "$T/child" "$lines"
kill -9 "$pid"; wait_gone "$pid"
criu_restore "$T/child"
sleep 0.3
alive "$pid" || fail "$pid not alive after restore from the parent-linked directory"
kill -9 "$pid"; wait_gone "$pid"

note "broken parent links are refused"
cp -a "$T/child" "$T/noparent" && rm "$T/noparent/parent"
cp -a "$T/child" "$T/dangling" && ln -sfn ../nonexistent "$T/dangling/parent"
for d in noparent dangling; do
	st=0; "$rewrite" --show "$T/$d" >/dev/null 2>"$T/err" || st=$?
	[ $st -eq 3 ] || fail "--show $d: exit $st, expected 3"
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$T/$d/parent" "$T/err" || fail "--show $d: $(cat "$T/err")"
	st=0; "$tool" pages "$T/$d" "$pid" 0x1000 1 >/dev/null 2>&1 || st=$?
	[ $st -eq 3 ] || fail "page reader on $d: exit $st, expected 3"
done

note "garbled images are refused"
garble() { # name python-expression-on-bytearray-b
	rm -rf "$T/bad" && cp -a "$T/one" "$T/bad"
	python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); $2; open(sys.argv[1],'wb').write(b)" "$T/bad/$1"
	st=0; "$rewrite" --show "$T/bad" >/dev/null 2>"$T/err" || st=$?
	[ $st -eq 3 ] || fail "$1 ($2): exit $st, expected 3"
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$T/bad/$1" "$T/err" || fail "$1 ($2): $(cat "$T/err")"
	note "  $(cat "$T/err")"
}
garble pstree.img 'del b[-1:]'
garble "mm-$pid.img" 'b[0] ^= 0xff'
garble "core-$pid.img" 'b[4] ^= 1'
garble "core-$pid.img" 'b[8:12] = (0x7fffffff).to_bytes(4, "little")'
garble "pagemap-$pid.img" 'b[12] = 0xff'
rm -f "$T/bad/pages-1.img"
st=0; "$rewrite" --show "$T/bad" >/dev/null 2>&1 || st=$?
[ $st -eq 3 ] || fail "missing pages file: exit $st"

note "usage errors"
for args in "" "--json" "--show" "--bogus" "--show $T/one extra"; do
	st=0; "$rewrite" $args >/dev/null 2>&1 || st=$?
	[ $st -eq 2 ] || fail "lup-rewrite $args: exit $st, expected 2"
done

note "several threads"
pid=$(start_target "$prog" -t 3)
lines=$(pattern_lines "$pid" 1)
[ "$(ls "/proc/$pid/task" | wc -l)" -eq 4 ] || sleep 0.2
dump_check_restore "$pid" "$lines" "$T/threads"
kill -9 "$pid"

note "a tree of two processes"
pid=$(start_target "$prog" -f); track "$pid"
lines=$(pattern_lines "$pid" 2)
child=$(awk '{print $2}' <<<"$lines" | grep -vx "$pid")
track "$child"
cat "/proc/$child/maps" >"$T/maps.$child"
dump_check_restore "$pid" "$lines" "$T/tree"
check_show "$T/tree" "$child" "$T/maps.$child"
grep -q "^process $child ppid $pid " "$T/show.txt" || fail "--show: $child is not a child of $pid"
alive "$child" || fail "child $child not alive after restore"
kill -9 "$child" "$pid"

note "TCP server with an established connection"
port=$((20000 + RANDOM % 20000))
srv=$(start_target "$LUP_BUILD/test/progs/tcp-echo" server "$port"); track "$srv"
for i in $(seq 100); do grep -q listening "$T/out.$srv" 2>/dev/null && break; sleep 0.02; done
cli=$(start_target "$LUP_BUILD/test/progs/tcp-echo" client "$port"); track "$cli"
for i in $(seq 100); do grep -q '^ok' "$T/out.$cli" 2>/dev/null && break; sleep 0.05; done
grep -q '^ok' "$T/out.$cli" || fail "client made no progress"
dump_check_restore "$srv" "" "$T/tcp" --tcp-established
# Packets dropped while the network was locked are retransmitted with backoff: allow 10 s.
n1=$(grep -c '^ok' "$T/out.$cli")
for i in $(seq 100); do [ "$(grep -c '^ok' "$T/out.$cli")" -gt $((n1 + 2)) ] && break; sleep 0.1; done
n2=$(grep -c '^ok' "$T/out.$cli")
alive "$cli" && [ "$n2" -gt $((n1 + 2)) ] || fail "client stalled after restore ($n1 -> $n2): $(tail -2 "$T/out.$cli")"
grep -q FAIL "$T/out.$cli" && fail "client saw a wrong echo"
kill -9 "$cli" "$srv"
note "all good"
