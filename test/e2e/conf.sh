#!/usr/bin/env bash
# lup.conf ($LUP_CONFIG here; /etc/lup/lup.conf by default): every program refuses an
# unknown key or a bad value with the file, the line and exit 3; settings apply (criu's
# path, the log level, the trust store) and the environment, even empty, goes over them;
# lup's own criu runs never apply the configured patch directory. lup check says whether
# the machine is ready (an old CRIU is not); lup list with no PID lists the host, and
# lup patch --every patches each process of the host that runs the target.
source "$(dirname "$0")/../lib.sh"

PROG=$LUP_BUILD/test/progs/lup-counter
FIX=$LUP_TOP/test/e2e/lup-patch-fixes/counter-fix.c
export LUP_CONFIG=$T/lup.conf
unset CRIU

printf '# lup settings\n\nlog_level = info\nbogus = 1\n' >"$LUP_CONFIG"
note "an unknown key: every program refuses it, naming the file and the line (exit 3)"
expect_refusal 3 "$LUP_CONFIG:4: unknown key 'bogus'" lup list $$
expect_refusal 3 "$LUP_CONFIG:4: unknown key 'bogus'" lup-rewrite --list -D "$T"
expect_refusal 3 "$LUP_CONFIG:4: unknown key 'bogus'" lup-mkpatch --dump /dev/null
printf 'timeout = soon\n' >"$LUP_CONFIG"
expect_refusal 3 "$LUP_CONFIG: timeout: not a number" lup list $$
printf 'no equals sign\n' >"$LUP_CONFIG"
expect_refusal 3 "$LUP_CONFIG:1: not KEY = VALUE" lup list $$

: >"$LUP_CONFIG"
lup-mkpatch -t "$PROG" -o "$T/counter.lup" "$FIX" 2>/dev/null
pid=$(start_target "$PROG" busy)
wait_lines "$pid" 2

note "criu = a path that does not exist, or an old CRIU: refused before anything is frozen"
printf 'criu = /nonexistent/criu\n' >"$LUP_CONFIG"
expect_refusal 7 "/nonexistent/criu: cannot run it" lup patch --checkpoint --images "$T/img" -p "$T/counter.lup" "$pid"
alive "$pid" || fail "the process is gone"
printf '#!/bin/sh\necho "Version: 4.1.1"\n' >"$T/old-criu"
chmod +x "$T/old-criu"
printf 'criu = %s\n' "$T/old-criu" >"$LUP_CONFIG"
expect_refusal 7 "is CRIU 4.1.1; lup needs 4.2 or later" \
	lup patch --checkpoint --images "$T/img2" -p "$T/counter.lup" "$pid"
[ ! -e "$T/img2/orig" ] || fail "an old CRIU was run for a dump"
alive "$pid" || fail "the process is gone"

note "log_level = error: no information lines"
printf 'log_level = error\n' >"$LUP_CONFIG"
st=0; lup list "$pid" 2>"$T/err" >/dev/null || st=$?
[ $st -eq 0 ] && [ ! -s "$T/err" ] || fail "log_level = error: exit $st, said: $(cat "$T/err")"

note "trusted_keys = a store: an unsigned patch is refused; LUP_TRUSTED_KEYS empty goes over it"
mkdir -p "$T/keys"
openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null
openssl pkey -in "$T/k.pem" -pubout -out "$T/keys/k.pub" 2>/dev/null
printf 'trusted_keys = %s\n' "$T/keys" >"$LUP_CONFIG"
expect_refusal 3 "unsigned" lup patch -p "$T/counter.lup" "$pid"
LUP_TRUSTED_KEYS= expect_refusal 5 "busy" lup patch --tries 1 -p "$T/counter.lup" "$pid"

note "lup's own criu runs never apply the configured patches"
kill -9 "$pid"; wait_gone "$pid"
pid=$(start_target "$PROG")
wait_lines "$pid" 2
mkdir -p "$T/configured"
printf 'const char *stuck(void) { return "configured"; }\n' >"$T/other.c"
lup-mkpatch -t "$PROG" -o "$T/configured/other.lup" "$T/other.c" 2>/dev/null
printf 'patch_dir = %s\n' "$T/configured" >"$LUP_CONFIG"
CRIU=$LUP_TOP/.deps/bin/criu lup patch --checkpoint -p "$T/counter.lup" "$pid" 2>/dev/null ||
	fail "lup patch --checkpoint failed"
lup list "$pid" 2>/dev/null >"$T/list"
grep -q "counter:" "$T/list" || fail "the patch given is not applied: $(cat "$T/list")"
grep -q "other" "$T/list" && fail "a configured patch was applied by lup's own criu run"
alive "$pid" || fail "the process is gone"

note "lup list with no PID: every patched process of the host"
: >"$LUP_CONFIG"
lup list >"$T/host" 2>"$T/err" || fail "lup list (host): $(cat "$T/err")"
grep -q "^process $pid: 1 patch$" "$T/host" || fail "the patched process is not listed: $(cat "$T/host")"
lup list --json | python3 -c 'import json, sys; p = json.load(sys.stdin)["processes"]
sys.exit(0 if any(x["pid"] == int(sys.argv[1]) for x in p) else 1)' "$pid" ||
	fail "lup list --json (host) does not list it"

note "lup list --json: a path that is not UTF-8 stays valid JSON; an error is JSON too"
odd=$T/$'count\xffer'
cp "$PROG" "$odd"
lup-mkpatch -t "$odd" -o "$T/odd.lup" "$FIX" 2>/dev/null
opid=$(start_target "$odd")
wait_lines "$opid" 2
lup patch -p "$T/odd.lup" "$opid" 2>/dev/null || fail "the odd-named program is not patched"
lup list --json "$opid" >"$T/odd.json" 2>/dev/null || fail "lup list --json failed"
python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["processes"][0]["patches"][0]["file"]
sys.exit(0 if f.endswith("count\u00ffer") else 1)' "$T/odd.json" ||
	fail "not valid JSON, or the path not escaped: $(cat "$T/odd.json")"
kill -9 "$opid"
st=0; lup list --json 999999 >"$T/err.json" 2>/dev/null || st=$?
[ $st -ne 0 ] && python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["error"] else 1)' \
	"$T/err.json" || fail "an error is not reported as JSON: $(cat "$T/err.json")"

note "lup patch --every: each process of the host that runs the target, once, in place"
kill -9 "$pid"
a=$(start_target "$PROG"); b=$(start_target "$PROG"); other=$(start_target "$LUP_BUILD/test/progs/rewrite-counter")
wait_lines "$a" 2; wait_lines "$b" 2
lup patch -p "$T/counter.lup" "$a" 2>/dev/null || fail "not patched"
st=0; lup patch --every -p "$T/counter.lup" 2>"$T/every.err" || st=$?
[ $st -eq 0 ] || fail "lup patch --every: exit $st: $(cat "$T/every.err")"
for p in $a $b; do
	lup list "$p" 2>/dev/null | grep -q "^process $p: 1 patch$" || fail "--every: $p not patched (once)"
	alive "$p" || fail "--every: $p is gone"
done
lup list "$other" 2>/dev/null | grep -q "0 patches" || fail "--every patched another program"
kill -9 "$a" "$b" "$other"

note "lup check: ready with CRIU 4.2, not with an old one"
CRIU=$LUP_TOP/.deps/bin/criu lup check >"$T/check" 2>&1 || fail "lup check: $(cat "$T/check")"
grep -q "^Looks good.$" "$T/check" || fail "lup check does not say it is ready"
st=0; CRIU=$T/old-criu lup check >"$T/check" 2>&1 || st=$?
[ $st -eq 1 ] && grep -q "^FAIL  criu $T/old-criu" "$T/check" || fail "lup check accepts CRIU 4.1: $(cat "$T/check")"
note "PASS"
