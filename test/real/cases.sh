# The real fixes of test/real (see README.md), one function each: each fetches its source
# package, prepares and builds its trees, runs its program, shows the bug, builds the
# patch with lup-mkpatch --diff, applies it with lup patch, and checks the fixed
# behaviour, that the process and its threads are the same, that its state went on and
# that a connection opened before the patch is served after it. A refused fix checks
# lup-mkpatch's refusal. Source after real-lib.sh; each records its verdicts.

# ------------------------------------------------------------------ expat (a library)

# The tree of expat before fix $2, libexpat built on it, xml-server running it: sets the
# caller's run, lib, pid and port.
start_xml_server() { # name fix
	run=$T/$1
	real_source expat
	real_tree "$1" expat "$2"
	real_build expat "$TREE"
	lib=$(install_target "$TARGET" "$run/lib")
	build_driver "$REAL/xml-server.c" "$run/xml-server" "$run/lib" expat "$TREE/expat/lib" \
		"$TREE/expat/build"
	pid=$(start_target "$run/xml-server")
	port=$(listening_port "$pid")
	grep -q " $lib\$" "/proc/$pid/maps" || fail "xml-server does not run $lib"
}

# CVE-2024-45490: XML_ParseBuffer parsed a buffer of a negative length.
case_expat_45490() {
	local name=expat-CVE-2024-45490 run pid port lib tids0 c1 c2
	start_xml_server "$name" CVE-2024-45490.patch
	open_conn "$port"; c1=$CONN
	expect_answer "$c1" "PARSE <a><b/></a>" '^#1 ok elements=2 depth=2$'
	expect_answer "$c1" "FEED <doc><x/>" '^#2 fed elements=2$'	# a document that spans the patch
	# the bug: the length -1 is taken, the buffer's end moved back
	expect_answer "$c1" "BUF -1 <a/>" '^#3 error 3 no element found$'
	expect_answer "$c1" "BUF 4 <a/>" '^#4 ok elements=1 depth=1$'
	expect_answer "$c1" STATS '^#5 requests=5 docs=2 failed=1 elements=5 connections=1$'
	tids0=$(tids "$pid")

	mkpatch_args "$lib"
	run_mkpatch "$name" "$run/$name.lup" "${MKARGS[@]}"
	lup_patch "$run/$name.lup" "$pid"

	same_process "$pid" "$tids0" "$name"
	expect_answer "$c1" "BUF -1 <a/>" '^#6 error 41 invalid argument$'
	expect_answer "$c1" "BUF 4 <a/>" '^#7 ok elements=1 depth=1$'
	expect_answer "$c1" "FEED <y/></doc>" '^#8 fed elements=3$'
	expect_answer "$c1" END '^#9 ok elements=3 depth=2$'
	open_conn "$port"; c2=$CONN
	expect_answer "$c2" "BUF -100000 <a>" '^#10 error 41 invalid argument$'
	expect_answer "$c2" STATS '^#11 requests=11 docs=4 failed=3 elements=7 connections=2$'
	[[ " $(listed "$pid") " == *" $name "* ]] || fail "lup list $pid: $(listed "$pid")"
	same_process "$pid" "$tids0" "$name"
	close_conn "$c1"; close_conn "$c2"
	kill -9 "$pid"
	verdict "$name" patched
}

# CVE-2024-50602: XML_StopParser "stopped" a parser that had not started, after which
# XML_ResumeParser crashes; fixed, it is refused with the new XML_ERROR_NOT_STARTED (an
# enumerator added at the end of enum XML_Error).
case_expat_50602() {
	local name=expat-CVE-2024-50602 run pid port lib tids0 c1 c2
	start_xml_server "$name" expat-2.5.0-CVE-2024-50602.patch
	open_conn "$port"; c1=$CONN
	expect_answer "$c1" "PARSE <a><b/></a>" '^#1 ok elements=2 depth=2$'
	expect_answer "$c1" "FEED <doc><x/>" '^#2 fed elements=2$'
	expect_answer "$c1" STOP '^#3 stop ok$'	# the bug (not resumed here: that crashes)
	expect_answer "$c1" STATS '^#4 requests=4 docs=1 failed=0 elements=4 connections=1$'
	tids0=$(tids "$pid")

	mkpatch_args "$lib"
	run_mkpatch "$name" "$run/$name.lup" "${MKARGS[@]}"
	lup_patch "$run/$name.lup" "$pid"

	same_process "$pid" "$tids0" "$name"
	expect_answer "$c1" STOP '^#5 stop error 44 parser not started$'
	expect_answer "$c1" "FEED <y/></doc>" '^#6 fed elements=3$'
	expect_answer "$c1" END '^#7 ok elements=3 depth=2$'
	open_conn "$port"; c2=$CONN
	expect_answer "$c2" STOP '^#8 stop error 44 parser not started$'
	expect_answer "$c2" STATS '^#9 requests=9 docs=2 failed=0 elements=5 connections=2$'
	[[ " $(listed "$pid") " == *" $name "* ]] || fail "lup list $pid: $(listed "$pid")"
	close_conn "$c1"; close_conn "$c2"
	kill -9 "$pid"
	verdict "$name" patched
}

# ------------------------------------------------------------------ sqlite3 (a library)

# 41-fix_a_bug_in_the_NOT_NULL-IS_NULL_optimization: "b IS NULL" in a generated column
# marked the OP_Column that loads b, a register that UPDATE writes back, as needing the
# type only: a b in overflow pages was written back empty.
case_sqlite3_41() {
	local name=sqlite3-41 run=$T/sqlite3-41 pid port lib tids0 c1 c2
	local big="printf('%.*c', 5000, 'x')"
	real_source sqlite3
	real_tree sqlite3-41 sqlite3 41-fix_a_bug_in_the_NOT_NULL-IS_NULL_optimization.patch
	real_build sqlite3 "$TREE"
	lib=$(install_target "$TARGET" "$run/lib")
	build_driver "$REAL/sql-server.c" "$run/sql-server" "$run/lib" sqlite3 "$TREE/bld"
	pid=$(start_target "$run/sql-server")
	port=$(listening_port "$pid")
	grep -q " $lib\$" "/proc/$pid/maps" || fail "sql-server does not run $lib"
	open_conn "$port"; c1=$CONN
	expect_answer "$c1" "CREATE TABLE t(k, a, b, c AS (CASE WHEN b IS NULL THEN 0 ELSE 1 END))" '^#1 ok$'
	expect_answer "$c1" "CREATE TABLE kv(k PRIMARY KEY, v)" '^#2 ok$'
	expect_answer "$c1" "INSERT INTO kv VALUES('before', 1), ('x', 2)" '^#3 ok$'
	expect_answer "$c1" "INSERT INTO t(k, a, b) VALUES(1, 1, $big)" '^#4 ok$'
	expect_answer "$c1" "UPDATE t SET a = a + 1 WHERE k = 1" '^#5 ok$'
	# the bug: b lost
	expect_answer "$c1" "SELECT k, a, c, length(b), b = $big FROM t WHERE k = 1" '^#6 ok \[1\|2\|1\|0\|0\]$'
	tids0=$(tids "$pid")

	mkpatch_args "$lib"
	run_mkpatch "$name" "$run/$name.lup" "${MKARGS[@]}"
	lup_patch "$run/$name.lup" "$pid"

	same_process "$pid" "$tids0" "$name"
	expect_answer "$c1" "INSERT INTO t(k, a, b) VALUES(2, 1, $big)" '^#7 ok$'
	expect_answer "$c1" "UPDATE t SET a = a + 1 WHERE k = 2" '^#8 ok$'
	expect_answer "$c1" "SELECT k, a, c, length(b), b = $big FROM t WHERE k = 2" '^#9 ok \[2\|2\|1\|5000\|1\]$'
	expect_answer "$c1" "SELECT k, v FROM kv ORDER BY k" '^#10 ok \[before\|1\] \[x\|2\]$'
	open_conn "$port"; c2=$CONN
	expect_answer "$c2" "SELECT count(*) FROM t" '^#11 ok \[2\]$'
	expect_answer "$c2" STATS '^#12 requests=12 statements=11 rows=5 connections=2 changes=6$'
	[[ " $(listed "$pid") " == *" $name "* ]] || fail "lup list $pid: $(listed "$pid")"
	close_conn "$c1"; close_conn "$c2"
	kill -9 "$pid"
	verdict "$name" patched
}

# ------------------------------------------------------------------ nginx (a server)

# CVE-2026-27654: DAV COPY/MOVE with a Destination shorter than the location's alias:
# an integer underflow in ngx_http_map_uri_to_path overwrites the worker's heap.
case_nginx_27654() {
	local name=nginx-CVE-2026-27654 run=$T/nginx-27654 bin log st old c1 n tids0 tidsw crashes
	real_source nginx
	real_tree "$name" nginx CVE-2026-27654.patch
	real_build nginx "$TREE"
	bin=$(install_target "$TARGET" "$run/bin")
	start_nginx "$bin" "$run/nginx" 9
	log=$run/nginx/logs/error.log
	old=$WORKER
	st=$(curl_status -X COPY -H "Destination: http://127.0.0.1:$PORT/f" "http://127.0.0.1:$PORT/files/sub/file.txt")
	[ "$st" != 400 ] || fail "$name: the bug does not show (400 before the fix)"
	sleep 0.3
	if grep -q "exited on signal" "$log"; then
		note "before the fix: COPY with a short Destination: no answer ($st), $(grep -o 'worker process [0-9]* exited on signal [0-9]*' "$log")"
		wait_gone "$old"
		WORKER=$(worker_of "$NGX" "$old")
	else
		note "before the fix: COPY with a short Destination: status $st"
	fi
	crashes=$(grep -c "exited on signal" "$log" || true)
	open_conn "$PORT"; c1=$CONN
	http_get "$c1" /count
	[[ $HSTATUS = 200 && $HBODY =~ ^connection=([0-9]+)\ requests=1$ ]] || fail "GET /count: $HSTATUS $HBODY"
	n=${BASH_REMATCH[1]}
	tids0=$(tids "$NGX") tidsw=$(tids "$WORKER")

	mkpatch_args "$bin"
	run_mkpatch "$name" "$run/$name.lup" "${MKARGS[@]}"
	lup_patch "$run/$name.lup" "$NGX"

	same_process "$NGX" "$tids0" "$name: the master"
	same_process "$WORKER" "$tidsw" "$name: the worker"
	st=$(curl_status -X COPY -H "Destination: http://127.0.0.1:$PORT/f" "http://127.0.0.1:$PORT/files/sub/file.txt")
	[ "$st" = 400 ] || fail "$name: COPY with a short Destination: $st, expected 400"
	grep -q 'client sent invalid "Destination" header' "$log" || fail "$name: no error logged"
	st=$(curl_status -X COPY -H "Destination: http://127.0.0.1:$PORT/files/sub/copy.txt" "http://127.0.0.1:$PORT/files/sub/file.txt")
	# (204: nginx's answer to a COPY of a file)
	[[ $st = 20[14] ]] && cmp -s "$run/nginx/dav/sub/file.txt" "$run/nginx/dav/sub/copy.txt" ||
		fail "$name: a valid COPY: $st"
	http_get "$c1" /count
	[ "$HSTATUS $HBODY" = "200 connection=$n requests=2" ] || fail "the connection of before: $HSTATUS $HBODY"
	st=$(curl_status "http://127.0.0.1:$PORT/count")
	[[ $(cat "$T/curl.out") =~ ^connection=([0-9]+)\ requests=1$ ]] && [ "${BASH_REMATCH[1]}" -gt "$n" ] ||
		fail "the connection counter: $(cat "$T/curl.out") after $n"
	[ "$(grep -c "exited on signal" "$log" || true)" = "$crashes" ] || fail "$name: a worker died after the patch"
	[ "$(worker_of "$NGX")" = "$WORKER" ] || fail "$name: another worker runs"
	[[ " $(listed "$NGX") " == *" $name "* ]] || fail "lup list $NGX: $(listed "$NGX")"
	close_conn "$c1"
	kill -9 "$NGX" "$WORKER"
	verdict "$name" patched
}

# The behaviour of the nginx series with its first K fixes applied.
nginx_series_check() { # k
	local k=$1 st body kind
	st=$(curl_status "http://127.0.0.1:$PORT/r42945/a+b&c%20d?x=1")
	body=$(cat "$T/curl.out")
	if [ "$k" -ge 1 ]; then
		[ "$st $body" = "200 myvar=/r42945/a+b&c d" ] || fail "CVE-2026-42945 ($k applied): $st $body"
	else
		[ "$st" = 200 ] && [ "$body" != "myvar=/r42945/a+b&c d" ] || fail "CVE-2026-42945 does not show: $st $body"
		note "before CVE-2026-42945: $body"
	fi
	for kind in scgi uwsgi; do
		st=$(curl_status "http://127.0.0.1:$PORT/$kind/x")
		tr -d '\r' <"$T/curl.head" >"$T/curl.h"
		case $k in
		0 | 1) # the header parser starts in the status line's state: "invalid header"
			[ "$st" = 500 ] || fail "CVE-2026-42946.1 ($kind, $k fixes applied) does not show: $st" ;;
		2) # parsed from a fresh state, but the 2 bytes read first are lost
			[ "$st" = 200 ] && grep -qx 'TX-Lup: yes' "$T/curl.h" ||
				fail "CVE-2026-42946.1 ($kind, $k fixes applied): $st $(grep -i lup "$T/curl.h")" ;;
		*) # the whole header
			[ "$st" = 200 ] && grep -qx 'HTTX-Lup: yes' "$T/curl.h" ||
				fail "CVE-2026-42946.2 ($kind, $k fixes applied): $st $(grep -i lup "$T/curl.h")" ;;
		esac
		[ "$st" = 500 ] || grep -qx 'backend body' "$T/curl.out" || fail "$kind: no body"
	done
}

# A series of three fixes stacked in one nginx: each built with --on the ones before,
# from the tree that has them.
case_nginx_series() {
	local run=$T/nginx-series bin be bport c1 n k tids0 tidsw fix names applied=()
	names=(nginx-CVE-2026-42945 nginx-CVE-2026-42946.1 nginx-CVE-2026-42946.2)
	real_source nginx
	for k in 0 1 2; do	# every tree built: lup-mkpatch finds it as it would after a release
		real_tree "${names[k]}" nginx "${names[k]#nginx-}.patch"
		real_build nginx "$TREE"
		[ "$k" -gt 0 ] || bin=$(install_target "$TARGET" "$run/bin")
	done
	gcc -O2 -g -Wall -o "$run/split-backend" "$REAL/split-backend.c" || fail "cannot build split-backend"
	be=$(start_target "$run/split-backend" 'HT' 'TX-Lup: yes\r\nStatus: 200 OK\r\nContent-Type: text/plain\r\n\r\nbackend body\n')
	bport=$(listening_port "$be")
	start_nginx "$bin" "$run/nginx" "$bport"
	nginx_series_check 0
	open_conn "$PORT"; c1=$CONN
	http_get "$c1" /count
	[[ $HSTATUS = 200 && $HBODY =~ ^connection=([0-9]+)\ requests=1$ ]] || fail "GET /count: $HSTATUS $HBODY"
	n=${BASH_REMATCH[1]}
	tids0=$(tids "$NGX") tidsw=$(tids "$WORKER")
	for k in 0 1 2; do
		real_tree "${names[k]}" nginx "${names[k]#nginx-}.patch"
		BUILD_CMD=$(recipe_build nginx)
		mkpatch_args "$bin" "${applied[@]}"
		run_mkpatch "${names[k]}" "$run/${names[k]}.lup" "${MKARGS[@]}"
		lup_patch "$run/${names[k]}.lup" "$NGX"
		applied+=("$run/${names[k]}.lup")
		same_process "$NGX" "$tids0" "${names[k]}: the master"
		same_process "$WORKER" "$tidsw" "${names[k]}: the worker"
		nginx_series_check $((k + 1))
		http_get "$c1" /count
		[ "$HSTATUS $HBODY" = "200 connection=$n requests=$((k + 2))" ] ||
			fail "${names[k]}: the connection of before: $HSTATUS $HBODY"
		for fix in "${names[@]:0:k+1}"; do
			[[ " $(listed "$NGX") " == *" $fix "* ]] || fail "lup list $NGX: $(listed "$NGX")"
		done
		verdict "${names[k]}" "patched($((k + 1))/3)"
	done
	close_conn "$c1"
	kill -9 "$NGX" "$WORKER" "$be"
}

# ------------------------------------------------------------------ refused fixes

# A fix that changes a data layout: lup-mkpatch refuses it (status 3) naming the type.
case_layout() { # name pkg fix pattern
	local name=$1 pkg=$2 fix=$3 pat=$4 run=$T/$1 target
	real_source "$pkg"
	real_tree "$name" "$pkg" "$fix"
	real_build "$pkg" "$TREE"
	target=$(install_target "$TARGET" "$run/t")
	mkpatch_args "$target"
	expect_mkpatch_refusal "$name" 3 "$pat" "$run/$name.lup" "${MKARGS[@]}"
	verdict "$name" refused
}
