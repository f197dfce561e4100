#!/usr/bin/env bash
# lup-mkpatch end to end: builds PIE, non-PIE, static and shared-library targets, makes
# patches against them and checks their content against readelf/objdump of the target;
# then checks that each refused case fails with its message and exit status 3 (2 for
# usage), and that no temporary file is ever left behind.
. "$(dirname "$0")/../lib.sh"

S=$LUP_TOP/test/mkpatch
CC=${CC:-gcc}
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR" "$T/inc"
ln -s "$LUP_TOP/lib" "$T/inc/lup"	# <lup/lup-patch.h> as installed

build_targets() {
	local srcs=("$S/target-main.c" "$S/target-other.c")
	$CC -O2 -g -pie -fPIE -o "$T/pie" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -no-pie -fno-PIE -o "$T/nopie" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -static -o "$T/static" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -shared -fPIC -o "$T/lib.so" "${srcs[@]}"
	$CC -O2 -g -o "$T/nobuildid" -Wl,--build-id=none "${srcs[@]}" "$S/target-prog.c"
	strip -o "$T/stripped" "$T/pie"
}

# Value of a .symtab symbol as 0x..., optionally the local one of a source file.
sym_value() { # elf name [file]
	readelf -sW "$1" | awk -v n="$2" -v f="${3:-}" '
		/^Symbol table/ { tab = ($0 ~ /\.symtab/) }
		tab && $4 == "FILE" { file = $8 }
		tab && $8 == n && $7 != "UND" && (f == "" || file == f) && !ok { v = $2; ok = 1 }
		END { if (ok) print v }' |
		{ read -r v && printf '0x%x\n' $((16#$v)); }
}
sym_size() { readelf -sW "$1" | awk -v n="$2" '/^Symbol table/ { tab = ($0 ~ /\.symtab/) }
	tab && $8 == n && !s { s = $3 } END { print s }'; }
# (awk reads all of readelf's output: an early exit would fail the pipe with SIGPIPE.)
# The first five bytes at an address of the target's file, as "8b 05 8e 2e 00".
entry_bytes() { # elf addr
	objdump -s --start-address=$(($2)) --stop-address=$(($2 + 5)) "$1" |
		awk '/^ [0-9a-f]+ / { printf "%s%s", $2, $3 }' | sed 's/../& /g; s/ $//'
}

mkpatch() { # target out src... : runs lup-mkpatch with the include dir
	local target=$1 out=$2; shift 2
	lup-mkpatch -t "$target" -o "$out" "$@" -- -I"$T/inc"
}

expect_line() { # dump regex
	grep -Eqx -- "$2" "$1" || { cat "$1" >&2; fail "no line matching '$2'"; }
}

check_no_tmp() {
	[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary files left: $(ls -A "$TMPDIR")"
}

check_replace() { # target kind(dyn|exec) library_scope(library|target)
	local tgt=$T/$1 d=$T/$1.dump c addr
	mkpatch "$tgt" "$T/$1.lup" "$S/fix-replace.c" || fail "$1: mkpatch failed"
	lup-mkpatch --dump "$T/$1.lup" >"$d"
	addr=$(sym_value "$tgt" compute)
	expect_line "$d" "target $1 $2"
	expect_line "$d" "build-id $(readelf -n "$tgt" | sed -n 's/.*Build ID: //p')"
	expect_line "$d" "func compute target $addr size $(sym_size "$tgt" compute) new 0x[0-9a-f]+ orig $(entry_bytes "$tgt" "$addr")"
	# &compute in the patch is the old entry; the static counter is other.c's.
	expect_line "$d" "symbol [0-9]+ compute target $addr"
	c=$(sym_value "$tgt" counter target-other.c)
	[ "$c" != "$(sym_value "$tgt" counter target-main.c)" ] || fail "$1: both counters at $c?"
	expect_line "$d" "symbol [0-9]+ counter__lup_in__target-other.c target $c"
	expect_line "$d" "symbol [0-9]+ global_value target $(sym_value "$tgt" global_value)"
	expect_line "$d" "symbol [0-9]+ tls_count target $(sym_value "$tgt" tls_count) tls"
	expect_line "$d" "reloc 0x[0-9a-f]+ tpoff64 tls_count \+0"
	if [ "$3" = library ]; then
		expect_line "$d" "symbol [0-9]+ printf library"
	else
		expect_line "$d" "symbol [0-9]+ printf target $(sym_value "$tgt" printf)"
	fi
	grep -Eq "^segment .* r-x$" "$d" || fail "$1: no code segment"
	! grep -Eq "^symbol [0-9]+ calls " "$d" || fail "$1: the patch's own static became a symbol"
	note "$1: compute at $addr replaced, statics, TLS and printf bound"
}

check_static_by_file() {
	local d=$T/static-file.dump
	mkpatch "$T/pie" "$T/sf.lup" "$S/fix-static.c" || fail "fix-static: mkpatch failed"
	lup-mkpatch --dump "$T/sf.lup" >"$d"
	expect_line "$d" "func scale target $(sym_value "$T/pie" scale target-main.c) size [0-9]+ new 0x[0-9a-f]+ orig .*"
	expect_line "$d" "symbol [0-9]+ counter__lup_in__target-main.c target $(sym_value "$T/pie" counter target-main.c)"
	expect_line "$d" "symbol [0-9]+ other_next target $(sym_value "$T/pie" other_next)"
	expect_line "$d" "id sf"
}

expect_fail() { # status regex target src...
	local want=$1 re=$2 tgt=$3 rc=0; shift 3
	mkpatch "$tgt" "$T/bad.lup" "$@" >"$T/err" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "$*: status $rc, expected $want"; }
	grep -Eq -- "$re" "$T/err" || { cat "$T/err" >&2; fail "$*: no message matching '$re'"; }
	[ ! -e "$T/bad.lup" ] || fail "$*: a patch was written"
	check_no_tmp
}

check_errors() {
	local p=$T/pie
	expect_fail 3 "pie: counter is a static in several files \((target-other.c, target-main.c|target-main.c, target-other.c)\)" "$p" "$S/bad-ambiguous.c"
	expect_fail 3 "pie: function tiny has [0-4] bytes, fewer than the 5-byte jump" "$p" "$S/bad-tiny.c"
	expect_fail 3 "pie: no static counter in file nofile.c" "$p" "$S/bad-file.c"
	expect_fail 3 "thread-local variable mine" "$p" "$S/bad-tls.c"
	expect_fail 3 "compilation failed.*" "$p" "$S/bad-syntax.c"
	grep -q "nothing_here" "$T/err" || fail "the compiler's own message is not shown"
	expect_fail 3 "variable global_value is also defined by .*pie: declare it extern" "$p" "$S/bad-var.c"
	expect_fail 3 "static: undefined symbol nosuch_var" "$T/static" "$S/bad-undef.c"
	expect_fail 3 "writable and executable" "$p" "$S/bad-wx.c"
	expect_fail 3 "stripped: no symbol table" "$T/stripped" "$S/fix-replace.c"
	expect_fail 3 "nobuildid: no build-id" "$T/nobuildid" "$S/fix-replace.c"
	expect_fail 3 "not an ELF file" "$S/target-main.c" "$S/fix-replace.c"
	expect_fail 1 "nowhere: No such file" "$T/nowhere" "$S/fix-replace.c"
	note "every refused case: right message and status"
}

check_usage() {
	local rc=0
	lup-mkpatch >/dev/null 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "no arguments: status $rc"
	rc=0; lup-mkpatch -t "$T/pie" "$S/fix-replace.c" >/dev/null 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "no -o: status $rc"
	rc=0; lup-mkpatch --dump "$S/target-main.c" >"$T/err" 2>&1 || rc=$?
	[ $rc -eq 3 ] && grep -q "not a lup patch" "$T/err" || fail "--dump of a C file: status $rc"
	head -c 100 "$T/pie.lup" >"$T/trunc.lup"
	rc=0; lup-mkpatch --dump "$T/trunc.lup" >"$T/err" 2>&1 || rc=$?
	[ $rc -eq 3 ] && grep -q "trunc.lup: message length" "$T/err" || fail "truncated patch: status $rc"
}

build_targets
check_replace pie dyn library
check_replace nopie exec library
check_replace static exec target
check_replace lib.so dyn library
check_static_by_file
check_no_tmp
check_errors
check_usage
note "PASS"
