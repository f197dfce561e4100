#!/usr/bin/env bash
# Every real fix of test/real/README.md (for make check-real): fixes of expat (two),
# sqlite3 and nginx applied live to a running program; a series of three nginx fixes
# stacked in one running nginx (each built --on the ones before it, from the tree that
# has them); and fixes that change a data layout, which lup-mkpatch must refuse (status
# 3, naming the type). Each case goes on after another one failed; a table of the
# verdicts and of lup-mkpatch's times ends the output, and the exit status is 1 when a
# case failed. LUP_REAL_ONLY="case ..." runs only those (the names below).
source "$(dirname "$0")/real-lib.sh"
source "$REAL/cases.sh"

cases=(expat-CVE-2024-45490 expat-CVE-2024-50602 sqlite3-41 nginx-CVE-2026-27654 nginx-series
	layout-nginx-bug-973861 layout-nginx-bug-1024605 layout-expat-CVE-2023-52425
	layout-expat-CVE-2024-8176 layout-sqlite3-CVE-2025-6965)

run_one() { # case
	case $1 in
	expat-CVE-2024-45490) case_expat_45490 ;;
	expat-CVE-2024-50602) case_expat_50602 ;;
	sqlite3-41) case_sqlite3_41 ;;
	nginx-CVE-2026-27654) case_nginx_27654 ;;
	nginx-series) case_nginx_series ;;
	# struct ngx_connection_s: a bit-field "pipeline" before "idle", the size the same
	layout-nginx-bug-973861)
		case_layout "$1" nginx bug-973861.patch 'ngx_connection_s\|ngx_connection_t' ;;
	# ngx_http_ssi_ctx_t: a bit-field "shared" before "conditional", the size the same
	layout-nginx-bug-1024605)
		case_layout "$1" nginx bug-1024605.patch 'ngx_http_ssi_ctx_t\|ngx_http_ssi_ctx_s' ;;
	# struct XML_ParserStruct: three members after m_parseEndPtr, 976 -> 992 bytes
	layout-expat-CVE-2023-52425)
		case_layout "$1" expat expat-2.5.0-CVE-2023-52425.patch 'XML_ParserStruct' ;;
	# ENTITY (hasMore), OPEN_INTERNAL_ENTITY (type, 40 -> 48 bytes), XML_ParserStruct
	layout-expat-CVE-2024-8176)
		case_layout "$1" expat expat-2.5.0-CVE-2024-8176.patch 'ENTITY\|XML_ParserStruct\|open_internal_entity' ;;
	# struct AggInfo_col: iColumn, iSorterColumn i16 -> int; AggInfo.nSortingColumn int -> u32
	layout-sqlite3-CVE-2025-6965)
		case_layout "$1" sqlite3 42-CVE-2025-6965.patch 'AggInfo' ;;
	*) fail "no case $1 (cases: ${cases[*]})" ;;
	esac
}

failed=0
t0=$(now)
touch "$T/pids"
for c in ${LUP_REAL_ONLY:-${cases[@]}}; do
	note "=== $c"
	n=$(wc -l <"$T/pids")
	set +e
	( set -e; run_one "$c" )	# not in a condition: -e holds inside
	st=$?
	set -e
	# the processes the case started (by their pids), gone with it
	for p in $(tail -n +$((n + 1)) "$T/pids"); do kill -9 "$p" 2>/dev/null || true; done
	if [ $st -ne 0 ]; then
		verdict "$c" FAIL
		failed=1
	fi
done
print_table
note "all-fixes: $(since "$t0") s in all"
exit $failed
