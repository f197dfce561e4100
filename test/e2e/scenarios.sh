#!/usr/bin/env bash
# Scenario matrix: test/scenarios/fix.c patched into PIE, non-PIE, static and
# shared-library targets and a C++ PIE (with fix-cxx.cc: a member function, a virtual
# override, exceptions, std::string and containers in the patch), each with 1 thread (by hand through a checkpoint) and with 4
# threads under SIGUSR1 (lup patch in place, and lup patch --checkpoint);
# asserts every scenario check of the patched code and that the process state survived,
# then prints a table scenario x target -> PASS/FAIL/n/a. Among the scenarios: calls of
# glibc functions chosen at run time (IFUNCs: memcpy, memset, strlen, strchr) and of a
# name with a compat version (realpath).
. "$(dirname "$0")/../lib.sh"

S=$LUP_BUILD/test/scenarios
FIX=$LUP_TOP/test/scenarios/fix.c
VARIANTS=(pie nopie static shlib cxx)
# Runs: 0 (1 thread, by hand), 4 (4 threads, in place), 4c (4 threads, --checkpoint).
WORKERS=(0 4 4c)
# The bits of enum scn_check (test/scenarios/scenario.h), in order.
CHECKS=(call-global call-static call-libc call-shlib call-new var-global var-static-twin
	var-rodata var-tls var-new fnptr-global fnptr-static fnptr-self call-ifunc call-versioned
	var-lib-tls cxx-member cxx-virtual cxx-exception cxx-string cxx-container)
STATE=(patch-applied runs-v2 counter-continues same-pid same-tids signals-continue)
declare -A cell	# "$row $case" -> PASS | FAIL | n/a; a case is "variant/1t", "variant/4t", "variant/4t-ck"
failed=0

for v in "${VARIANTS[@]}"; do
	[ -x "$S/scn-$v" ] || fail "$S/scn-$v is not built (make check builds it)"
done
for p in lup-mkpatch lup-rewrite lup; do
	[ -x "$LUP_BUILD/$p" ] || note "$p is not built: the cases that need it fail"
done

target_elf() { # variant: the ELF file holding the patched functions
	if [ "$1" = shlib ]; then echo "$S/libscenario.so"; else echo "$S/scn-$1"; fi
}

field() { # line name: value of name=value in a result line
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# Waits until OUT has at least N lines matching RE (up to 5 s).
wait_lines() { # out re n
	local i
	for i in $(seq 100); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# A static executable has no shared library (the helper is linked in); signals are sent
# in the 4-thread runs only.
not_applicable() { # row case
	[[ $1 == call-shlib && $2 == static/* ]] || [[ $1 == signals-continue && $2 == */1t ]] ||
		[[ $1 == cxx-* && $2 != cxx/* ]]
}

record() { # row case ok(0/1) [why]
	if [ "$3" = 1 ]; then
		cell["$1 $2"]=PASS
	else
		cell["$1 $2"]=FAIL; failed=1
		echo "FAIL: $2: $1${4:+: $4}" >&2
	fi
}

# Patches PID with P.lup: 1 thread by hand (criu dump, lup-rewrite, criu restore),
# 4 threads with `lup patch`, in place or --checkpoint (it retries while a thread is
# inside scn_step). On a failed rewrite the original images are restored, so the
# process comes back.
apply_patch() { # case pid patch run
	local c=$1 pid=$2 patch=$3 img=$T/img.${1/\//-} out=$T/new.${1/\//-}
	if [ "$4" != 0 ]; then
		lup patch $([ "$4" = 4c ] && echo --checkpoint) -p "$patch" "$pid" >"$T/lup.$pid.log" 2>&1 ||
			{ sed 's/^/    lup: /' "$T/lup.$pid.log" >&2; return 1; }
		return 0
	fi
	criu_dump "$pid" "$img"
	if ! lup-rewrite -p "$patch" -D "$img" -o "$out" >"$T/rewrite.$pid.log" 2>&1; then
		sed 's/^/    lup-rewrite: /' "$T/rewrite.$pid.log" >&2
		criu_restore "$img"
		return 1
	fi
	criu_restore "$out"
}

# Asserts each check bit of the last line written by version 2.
record_checks() { # case line
	local checks i
	checks=$(field "$2" checks)
	for i in "${!CHECKS[@]}"; do
		not_applicable "${CHECKS[$i]}" "$1" ||
			record "${CHECKS[$i]}" "$1" $(( (checks >> i) & 1 )) "checks=$checks"
	done
}

# Asserts that the state survived: across the last v=1 and first v=2 lines the report
# generation advances by one and the counters do not go back; then they keep going.
record_state() { # case pid tids-before out
	local c=$1 out=$4 last1 first2 end ok
	last1=$(grep ' v=1 ' "$out" | tail -1)
	first2=$(grep -m1 ' v=2 ' "$out")
	end=$(tail -1 "$out")
	ok=0; [ $(( $(field "$first2" gen) )) -eq $(( $(field "$last1" gen) + 1 )) ] &&
		[ "$(field "$first2" counter)" -ge "$(field "$last1" counter)" ] &&
		[ "$(field "$end" counter)" -gt "$(field "$first2" counter)" ] && ok=1
	record counter-continues "$c" $ok "last v1: $last1 / first v2: $first2 / end: $end"
	ok=0; alive "$2" && [ "$(realpath "/proc/$2/exe")" = "$(realpath "$S/scn-${c%/*}")" ] && ok=1
	record same-pid "$c" $ok
	ok=0; [ "$(tids "$2")" = "$3" ] && ok=1
	record same-tids "$c" $ok "before: $3 after: $(tids "$2" 2>/dev/null)"
	if ! not_applicable signals-continue "$c"; then
		ok=0; [ "$(field "$first2" sig)" -ge "$(field "$last1" sig)" ] &&
			[ "$(field "$end" sig)" -gt "$(field "$first2" sig)" ] &&
			[ "$(field "$last1" sig)" -gt 0 ] && ok=1
		record signals-continue "$c" $ok "last v1: $last1 / end: $end"
	fi
}

# Sends SIGUSR1 to PID every 5 ms until $T/stop.PID exists (also while it is dumped).
send_signals() { # pid
	while [ ! -e "$T/stop.$1" ]; do
		kill -USR1 "$1" 2>/dev/null || true
		sleep 0.005
	done
}

fail_rows() { # case why: every row of a case that could not run
	local r
	for r in "${STATE[@]}" "${CHECKS[@]}"; do
		not_applicable "$r" "$1" || record "$r" "$1" 0 "$2"
	done
}

case_name() { # variant run
	case $2 in 0) echo "$1/1t" ;; 4) echo "$1/4t" ;; 4c) echo "$1/4t-ck" ;; esac
}

run_case() { # variant run patch
	local c out=$T/out.$1-$2 pid tids0 sender= workers=${2%c}
	c=$(case_name "$1" "$2")
	pid=$(start_target "$S/scn-$1" "$out" "$workers")
	_lup_pids+=("$pid")	# start_target ran in a subshell: let the cleanup know the pid
	wait_lines "$out" ' v=1 ' 3 || { fail_rows "$c" "target wrote no lines"; return; }
	if [ "$workers" -gt 0 ]; then
		send_signals "$pid" & sender=$!
		wait_lines "$out" ' sig=[1-9]' 1 || true
	fi
	tids0=$(tids "$pid")
	if apply_patch "$c" "$pid" "$3" "$2"; then
		record patch-applied "$c" 1
		wait_lines "$out" ' v=2 ' 4 || true
	else
		record patch-applied "$c" 0 "patch not applied"
	fi
	[ -n "$sender" ] && { touch "$T/stop.$pid"; wait "$sender"; }
	if grep -q ' v=2 ' "$out"; then
		record runs-v2 "$c" 1
		record_checks "$c" "$(tail -1 "$out")"
		record_state "$c" "$pid" "$tids0" "$out"
	else
		record runs-v2 "$c" 0 "no v=2 line; last: $(tail -1 "$out")"
		alive "$pid" || echo "FAIL: $c: process $pid is gone" >&2
	fi
	kill -9 "$pid" 2>/dev/null || true
}

for v in "${VARIANTS[@]}"; do
	patch=$T/$v.lup
	srcs=("$FIX"); [ "$v" = cxx ] && srcs+=("$LUP_TOP/test/scenarios/fix-cxx.cc")
	if ! lup-mkpatch -t "$(target_elf "$v")" -o "$patch" "${srcs[@]}" -- -I"$LUP_TOP/test/scenarios" \
		-I"$LUP_TOP/lib/core" >"$T/mkpatch.$v.log" 2>&1; then
		sed 's/^/    lup-mkpatch: /' "$T/mkpatch.$v.log" >&2
		for w in "${WORKERS[@]}"; do fail_rows "$(case_name "$v" "$w")" "lup-mkpatch failed"; done
		continue
	fi
	for w in "${WORKERS[@]}"; do run_case "$v" "$w" "$patch"; done
done

# The table: one row per scenario, one column per target and thread count.
printf '%-18s' scenario
for v in "${VARIANTS[@]}"; do for w in "${WORKERS[@]}"; do
	printf ' %-10s' "$(case_name "$v" "$w")"
done; done; echo
for r in "${STATE[@]}" "${CHECKS[@]}"; do
	printf '%-18s' "$r"
	for v in "${VARIANTS[@]}"; do for w in "${WORKERS[@]}"; do
		c=$(case_name "$v" "$w")
		not_applicable "$r" "$c" && cell["$r $c"]=n/a
		printf ' %-10s' "${cell["$r $c"]:-FAIL}"
	done; done; echo
done
echo "1t: the main thread alone, patched by hand (criu dump, lup-rewrite, criu restore);"
echo "4t: 4 threads calling scn_step under SIGUSR1, patched with lup patch (in place);"
echo "4t-ck: the same with lup patch --checkpoint."
echo "n/a: call-shlib in a static executable (no shared library: the helper is linked in);"
echo "     signals-continue with 1 thread (signals are sent in the 4-thread runs);"
echo "     cxx-* in the C targets"
[ $failed = 0 ] || fail "some scenarios failed (see the table)"
echo "PASS: every scenario on every target"
