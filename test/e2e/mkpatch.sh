#!/usr/bin/env bash
# lup-mkpatch end to end: builds PIE, non-PIE, static and shared-library targets, makes
# patches against them and checks their content against readelf/objdump of the target;
# then checks that each refused case fails with its message and exit status 3 (2 for
# usage), and that no temporary file is ever left behind. Compiler clones of a replaced
# function, and names no library of a program defines, are refused at build time; a
# program's own libraries (RUNPATH, RPATH with $ORIGIN, and the system's) are read; a
# shared library with no DT_NEEDED still binds to the program's libraries.
. "$(dirname "$0")/../lib.sh"

S=$LUP_TOP/test/mkpatch
CC=${CC:-gcc}
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR" "$T/inc"
ln -s "$LUP_TOP/lib/core" "$T/inc/lup"	# <lup/lup-patch.h> as installed

build_targets() {
	local srcs=("$S/target-main.c" "$S/target-other.c")
	$CC -O2 -g -pie -fPIE -o "$T/pie" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -no-pie -fno-PIE -o "$T/nopie" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -static -o "$T/static" "${srcs[@]}" "$S/target-prog.c"
	$CC -O2 -g -shared -fPIC -o "$T/lib.so" "${srcs[@]}"
	$CC -O2 -g -o "$T/nobuildid" -Wl,--build-id=none "${srcs[@]}" "$S/target-prog.c"
	strip -o "$T/stripped" "$T/pie"
	objcopy --only-keep-debug "$T/pie" "$T/pie.debug"
	$CC -O1 -g -pie -fPIE -o "$T/pie.orig" "${srcs[@]}" "$S/target-prog.c"	# another build
	$CC -O2 -g -o "$T/clones" "$S/target-clones.c"
	mkdir -p "$T/lib" "$T/bin" "$T/moved"
	$CC -O2 -g -shared -fPIC -o "$T/lib/libtwo.so" "$S/libtwo.c" -Wl,--no-as-needed -lm
	# RUNPATH (the linker's default) next to the program, RPATH from a sibling directory.
	$CC -O2 -g -o "$T/two" "$S/target-two.c" -L"$T/lib" -Wl,--no-as-needed -ltwo \
		-Wl,-rpath,'$ORIGIN/lib' -Wl,--enable-new-dtags
	$CC -O2 -g -o "$T/bin/two-rpath" "$S/target-two.c" -L"$T/lib" -Wl,--no-as-needed -ltwo \
		-Wl,-rpath,'${ORIGIN}/../lib' -Wl,--disable-new-dtags
	cp "$T/two" "$T/moved/two"	# $ORIGIN/lib does not exist there
	$CC -O2 -g -shared -fPIC -nostdlib -o "$T/noneeded.so" "$S/target-noneeded.c"
	g++ -O2 -g -o "$T/cxx" "$S/target-cxx.cc"
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
	if [ "$3" = library ]; then
		# through __tls_get_addr: module id and offset
		expect_line "$d" "reloc 0x[0-9a-f]+ dtpmod64 tls_count \+0"
		expect_line "$d" "reloc 0x[0-9a-f]+ dtpoff64 tls_count \+0"
	else
		# a static program has no __tls_get_addr: the offset from the thread pointer
		expect_line "$d" "reloc 0x[0-9a-f]+ tpoff64 tls_count \+0"
	fi
	if [ "$3" = library ]; then
		expect_line "$d" "symbol [0-9]+ printf library version GLIBC_2.2.5"
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
	expect_fail 3 "a constructor or destructor \(.init_array\)" "$p" "$S/bad-ctor.c"
	expect_fail 3 "stripped: no symbol table \(.symtab\) and no debug file .*/.build-id/" "$T/stripped" "$S/fix-replace.c"
	expect_fail 3 "pie.orig: not the debug file of .*stripped \(another build-id\)" "$T/stripped" --debug-file "$T/pie.orig" "$S/fix-replace.c"
	expect_fail 3 "nobuildid: no build-id" "$T/nobuildid" "$S/fix-replace.c"
	expect_fail 3 "not an ELF file" "$S/target-main.c" "$S/fix-replace.c"
	expect_fail 1 "nowhere: No such file" "$T/nowhere" "$S/fix-replace.c"
	note "every refused case: right message and status"
}

# The target really has the clones the refusals are about (a newer compiler may differ).
check_clone_target() {
	local syms
	syms=$(readelf -sW "$T/clones" | awk '$4 == "FUNC" { print $8 }')
	for f in scale_by.constprop.0 get_b.isra.0 check check.part.0 sum sum.cold; do
		grep -qx "$f" <<<"$syms" || fail "clones: $CC made no $f: $(echo $syms)"
	done
	! grep -qx scale_by <<<"$syms" || fail "clones: scale_by was not replaced by its clone"
}

check_clones() {
	local c=$T/clones
	check_clone_target
	expect_fail 3 "clones: scale_by exists only as compiler clones \(scale_by.constprop.0\): a new function of that name would never be called: make the patch's scale_by static and replace its callers, or rebuild the target with -fno-ipa-cp" "$c" "$S/bad-clone-gone.c"
	expect_fail 3 "clones: check has compiler clones \(check.part.0\) that callers use instead of it" "$c" "$S/bad-clone-part.c"
	mkpatch "$c" "$T/cold.lup" "$S/fix-cold.c" || fail "sum with a sum.cold part: refused"
	expect_line <(lup-mkpatch --dump "$T/cold.lup") "func sum target $(sym_value "$c" sum) .*"
	# its unlikely part goes into the patch, for the stack check of a stripped target
	expect_line <(lup-mkpatch --dump "$T/cold.lup") "part sum $(sym_value "$c" sum.cold) size $(sym_size "$c" sum.cold)"
	mkpatch "$c" "$T/caller.lup" "$S/fix-clone-caller.c" || fail "a static copy and its caller: refused"
	lup-mkpatch --dump "$T/caller.lup" >"$T/caller.dump"
	expect_line "$T/caller.dump" "func run target $(sym_value "$c" run) .*"
	! grep -q "^func scale_by" "$T/caller.dump" || fail "the patch's static scale_by replaced something"
	# A new function without clones in the target is still just new (fix-replace's compute_ptr).
	! grep -q "^func compute_ptr" "$T/pie.dump" || fail "a new function became a replacement"
	note "clones: refused when they would bypass the patch; a cold part and a static copy pass"
}

check_two() { # target : the patch binds to libc, libtwo.so and libm (needed by libtwo only)
	local d=$T/two.dump
	mkpatch "$1" "$T/two.lup" "$S/fix-two.c" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "$1: refused"; }
	! grep -q "not found" "$T/out" || { cat "$T/out" >&2; fail "$1: a library was not found"; }
	lup-mkpatch --dump "$T/two.lup" >"$d"
	expect_line "$d" "func report_two target $(sym_value "$1" report_two) .*"
	for s in printf two_scale cos; do
		expect_line "$d" "symbol [0-9]+ $s library( version GLIBC_[0-9.]+)?"
	done
}

check_libraries() {
	check_two "$T/two"
	check_two "$T/bin/two-rpath"
	expect_fail 3 "pie: undefined symbol nosuch_var: neither the target nor its libraries define it \(searched [^ ]*/libc.so.6" "$T/pie" "$S/bad-undef.c"
	expect_fail 3 "two: undefined symbol nosuch_var: .*searched $T/lib/libtwo.so, [^ ]*/libc.so.6, .*libm.so.6" "$T/two" "$S/bad-undef.c"
	# Built elsewhere than where it runs: a missing library is a warning, not a refusal.
	mkpatch "$T/moved/two" "$T/moved.lup" "$S/fix-unknown.c" >"$T/out" 2>&1 ||
		{ cat "$T/out" >&2; fail "moved: refused"; }
	grep -q "moved/two: needs libtwo.so, which is not found on this machine" "$T/out" ||
		{ cat "$T/out" >&2; fail "moved: no warning about libtwo.so"; }
	expect_line <(lup-mkpatch --dump "$T/moved.lup") "symbol [0-9]+ nosuch_var library"
	# A library's names may come from the program that loads it.
	mkpatch "$T/lib.so" "$T/libso.lup" "$S/fix-unknown.c" >"$T/out" 2>&1 ||
		{ cat "$T/out" >&2; fail "lib.so: refused"; }
	grep -q "lib.so: nosuch_var is not defined by it nor by its libraries .*: it must come from the program" "$T/out" ||
		{ cat "$T/out" >&2; fail "lib.so: no warning about nosuch_var"; }
	expect_line <(lup-mkpatch --dump "$T/libso.lup") "symbol [0-9]+ nosuch_var library"
	# A library with no DT_NEEDED is no static program: libc comes from the program.
	! readelf -d "$T/noneeded.so" | grep -q NEEDED || fail "noneeded.so has a DT_NEEDED"
	mkpatch "$T/noneeded.so" "$T/noneeded.lup" "$S/fix-noneeded.c" >"$T/out" 2>&1 ||
		{ cat "$T/out" >&2; fail "noneeded.so: a call to strlen refused"; }
	expect_line <(lup-mkpatch --dump "$T/noneeded.lup") "symbol [0-9]+ strlen library version GLIBC_2.2.5"
	# the version each libc name was linked against (realpath has a compat one too)
	printf '%s\n' '#include <stdlib.h>' 'int compute(int x) { return realpath("/", 0) ? x : 0; }' \
		>"$T/realpath.c"
	mkpatch "$T/pie" "$T/realpath.lup" "$T/realpath.c" >/dev/null 2>&1 || fail "realpath: refused"
	expect_line <(lup-mkpatch --dump "$T/realpath.lup") "symbol [0-9]+ realpath library version GLIBC_2.3"
	# Built for a machine with other versions of the libraries: not looked up.
	lup-mkpatch --no-library-check -t "$T/pie" -o "$T/nocheck.lup" "$S/fix-unknown.c" >"$T/out" 2>&1 ||
		{ cat "$T/out" >&2; fail "--no-library-check: refused"; }
	expect_line <(lup-mkpatch --dump "$T/nocheck.lup") "symbol [0-9]+ nosuch_var library"
	check_no_tmp
	note "libraries: RUNPATH and RPATH with \$ORIGIN, libm through libtwo; typos refused"
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

# A stripped target's symbols from its separate debug file: given, or by build-id.
check_debug_file() {
	local id d
	mkpatch "$T/pie" "$T/full.lup" "$S/fix-replace.c" >/dev/null
	lup-mkpatch -t "$T/stripped" --debug-file "$T/pie.debug" -o "$T/dbg.lup" "$S/fix-replace.c" \
		-- -I"$T/inc" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "--debug-file: refused"; }
	grep -q "symbols from $T/pie.debug" "$T/out" || fail "--debug-file: not said"
	id=$(readelf -n "$T/stripped" | sed -n 's/.*Build ID: //p')
	d=$T/debug/.build-id/${id:0:2}
	mkdir -p "$d" && cp "$T/pie.debug" "$d/${id:2}.debug"
	lup-mkpatch -t "$T/stripped" --debug-dir "$T/debug" -o "$T/dbg2.lup" "$S/fix-replace.c" \
		-- -I"$T/inc" >/dev/null 2>&1 || fail "--debug-dir: refused"
	for p in dbg dbg2; do
		cmp -s <(lup-mkpatch --dump "$T/full.lup" | grep -Ev '^(id|target|created) ') \
			<(lup-mkpatch --dump "$T/$p.lup" | grep -Ev '^(id|target|created) ') ||
			fail "$p: the patch differs from the one built with the unstripped target"
	done
	check_no_tmp
	note "a stripped target: its symbols from its debug file (given, or by build-id)"
}

# C++: the weak (COMDAT) instantiations a patch emits replace nothing; those the target
# has bind to its copy.
check_cxx() {
	local d=$T/cxx.dump
	mkpatch "$T/cxx" "$T/cxx.lup" "$S/fix-cxx.cc" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "cxx: refused"; }
	lup-mkpatch --dump "$T/cxx.lup" >"$d"
	[ "$(grep -c '^func ' "$d")" = 2 ] || { cat "$d" >&2; fail "cxx: not exactly step and word replaced"; }
	expect_line "$d" "func _Z4stepl target .*"
	expect_line "$d" "func _Z4wordv target .*"
	expect_line "$d" "symbol [0-9]+ _ZNSt6vectorIlSaIlEE17_M_realloc_insertIJRKlEEEvN9__gnu_cxx17__normal_iteratorIPlS1_EEDpOT_ target $(sym_value "$T/cxx" _ZNSt6vectorIlSaIlEE17_M_realloc_insertIJRKlEEEvN9__gnu_cxx17__normal_iteratorIPlS1_EEDpOT_)"
	check_no_tmp
	note "C++: weak instantiations replace nothing and bind to the target's copy"
}

build_targets
check_cxx
check_debug_file
check_replace pie dyn library
check_replace nopie exec library
check_replace static exec target
check_replace lib.so dyn library
check_static_by_file
check_no_tmp
check_errors
check_clones
check_libraries
check_usage
note "PASS"
