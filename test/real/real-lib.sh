# Helpers of the tests on real fixes from Debian (one-fix.sh, all-fixes.sh): source
# packages, trees with the patches before a fix applied, the recipes that configure and
# build them, the driver programs, lup-mkpatch --diff and lup patch, and the checks that
# a process kept its identity and its state. Source it after `set -euo pipefail`.
#
# Environment:
#   LUP_REAL_CACHE    fetched packages and built trees, kept between runs
#                     (default /var/cache/lup-real)
#   LUP_REAL_CFLAGS   compiler flags of every tree (default "-O2 -g")
#   LUP_REAL_JOBS     make -j of every build, lup-mkpatch's included (default 1)
#   LUP_REAL_TIMEOUT  seconds one lup-mkpatch run may take (default 1200)
#   LUP_TOP, LUP_BUILD, LUP_KEEP as for every test (test/lib.sh)
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

REAL=$LUP_TOP/test/real
: "${LUP_REAL_CACHE:=/var/cache/lup-real}"
: "${LUP_REAL_CFLAGS:=-O2 -g}"
: "${LUP_REAL_JOBS:=1}"
: "${LUP_REAL_TIMEOUT:=1200}"
export LUP_REAL_CACHE
LUP_MKPATCH=$LUP_BUILD/lup-mkpatch
[ -x "$LUP_BUILD/lup" ] && [ -x "$LUP_MKPATCH" ] ||
	fail "no $LUP_BUILD/lup or $LUP_MKPATCH: build lup first"
for tool in apt-get dpkg-source patch cmake make gcc curl readelf; do
	command -v "$tool" >/dev/null || fail "$tool is needed (scripts/deps.sh)"
done

# The versions whose fixes were checked by hand (test/real/README.md). When apt no longer
# sees one, the newest is taken, with a note: its patches may differ.
PIN_expat=2.5.0-1+deb12u2
PIN_nginx=1.22.1-9+deb12u9
PIN_sqlite3=3.40.1-2+deb12u2

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- sources and trees

# Fetches and unpacks the source package into $LUP_REAL_CACHE/src/PKG.
real_source() { # pkg
	local pkg=$1 pin dest=$LUP_REAL_CACHE/src/$1 v
	pin=PIN_$pkg
	pin=${!pin:-}
	if [ -n "$pin" ] && v=$("$REAL/fetch-source.sh" "$pkg=$pin" "$dest" 2>"$T/fetch.err"); then
		:
	else
		[ -z "$pin" ] || { sed 's/^/  | /' "$T/fetch.err"; note "$pkg $pin cannot be fetched: the newest $pkg instead"; }
		v=$("$REAL/fetch-source.sh" "$pkg" "$dest") || fail "cannot fetch the source package $pkg"
	fi
	note "$pkg $v: $dest"
}

# $LUP_REAL_CACHE/trees/NAME: the package with the patches of its series before FIX
# applied; sets TREE, FIX (a copy of the fix) and FIXP (its -p level).
real_tree() { # name pkg fix
	TREE=$LUP_REAL_CACHE/trees/$1
	FIXP=$("$REAL/prepare-tree.sh" "$LUP_REAL_CACHE/src/$2" "$3" "$TREE" 2>"$T/prepare.err") ||
		{ cat "$T/prepare.err" >&2; fail "cannot make the tree $1 (the patches before $3)"; }
	FIX=$TREE.fix.patch
}

# ---------------------------------------------------------------- recipes
# Each tree is configured as its package would be, with the compiler by name (nginx's
# CC = gcc, libtool's CC="gcc") or by path (CMake records /usr/bin/cc): in the builds of
# lup-mkpatch --diff, either runs its compiler wrapper.

NGINX_CONFIGURE=(--with-cc=gcc --with-http_dav_module --without-http_gzip_module
	--without-http_geo_module --without-http_map_module --without-http_split_clients_module
	--without-http_referer_module --without-http_memcached_module --without-http_empty_gif_module
	--without-http_browser_module --without-http_upstream_hash_module
	--without-http_upstream_ip_hash_module --without-http_upstream_least_conn_module
	--without-http_upstream_random_module --without-http_upstream_keepalive_module
	--without-http_upstream_zone_module --without-http_fastcgi_module --without-http_grpc_module
	--without-http_mirror_module --without-http_auth_basic_module --without-http_limit_conn_module
	--without-http_limit_req_module --without-http_autoindex_module --without-http_userid_module
	--without-http-cache)
# Debian builds expat with autotools; its orig tarball has no configure script, CMake
# needs no autoconf. CVE-2024-8176's backport tests "#if XML_DTD == 1", which CMake's
# "#define XML_DTD" breaks: XML_DTD=1 comes from the flags instead.
EXPAT_CMAKE=(-DCMAKE_BUILD_TYPE=None -DEXPAT_DTD=OFF -DEXPAT_BUILD_TOOLS=OFF
	-DEXPAT_BUILD_EXAMPLES=OFF -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF
	-DEXPAT_BUILD_PKGCONFIG=OFF -DEXPAT_SHARED_LIBS=ON)
SQLITE_CONFIGURE=(--disable-amalgamation --disable-tcl --disable-readline --disable-editline
	--disable-static --enable-shared)

recipe_configure() { # pkg tree
	case $1 in
	expat)
		rm -rf "$2/expat/build"
		cmake -S "$2/expat" -B "$2/expat/build" \
			"-DCMAKE_C_FLAGS=$LUP_REAL_CFLAGS -DXML_DTD=1" "${EXPAT_CMAKE[@]}" ;;
	nginx)
		(cd "$2" && rm -rf objs && ./configure "--with-cc-opt=$LUP_REAL_CFLAGS" "${NGINX_CONFIGURE[@]}") ;;
	sqlite3)
		rm -rf "$2/bld" && mkdir "$2/bld" &&
			(cd "$2/bld" && ../configure CC=gcc "CFLAGS=$LUP_REAL_CFLAGS" "${SQLITE_CONFIGURE[@]}") ;;
	*) fail "no recipe for $1" ;;
	esac
}
# The build command, run in the tree: what lup-mkpatch gets as --build.
recipe_build() { # pkg
	case $1 in
	expat) echo "make -j$LUP_REAL_JOBS -C expat/build" ;;
	nginx) echo "make -j$LUP_REAL_JOBS" ;;
	sqlite3) echo "make -j$LUP_REAL_JOBS -C bld libsqlite3.la" ;;
	esac
}
recipe_target() { # pkg tree
	case $1 in
	expat) readlink -f "$2/expat/build/libexpat.so.1" ;;
	nginx) echo "$2/objs/nginx" ;;
	sqlite3) readlink -f "$2/bld/.libs/libsqlite3.so.0" ;;
	esac
}

# Configures the tree (again only when the recipe changed) and builds it: sets BUILD_CMD
# and TARGET (inside the tree).
real_build() { # pkg tree
	local pkg=$1 tree=$2 recipe t0
	recipe="$(declare -f recipe_configure | sha256sum | cut -c1-16) $LUP_REAL_CFLAGS $REAL ${NGINX_CONFIGURE[*]} ${EXPAT_CMAKE[*]} ${SQLITE_CONFIGURE[*]}"
	if [ "$(cat "$tree/.lup-real-configured" 2>/dev/null)" != "$recipe" ]; then
		rm -f "$tree/.lup-real-configured"
		t0=$(now)
		recipe_configure "$pkg" "$tree" >"$tree.configure.log" 2>&1 ||
			{ tail -n 30 "$tree.configure.log" >&2; fail "configure of $tree failed (see $tree.configure.log)"; }
		echo "$recipe" >"$tree/.lup-real-configured"
		note "configured $tree in $(since "$t0") s"
	fi
	BUILD_CMD=$(recipe_build "$pkg")
	t0=$(now)
	(cd "$tree" && sh -c "$BUILD_CMD") >"$tree.build.log" 2>&1 ||
		{ tail -n 30 "$tree.build.log" >&2; fail "build of $tree failed (see $tree.build.log)"; }
	TARGET=$(recipe_target "$pkg" "$tree")
	[ -f "$TARGET" ] || fail "no target $TARGET after the build of $tree"
	readelf -n "$TARGET" | grep -q "Build ID" || fail "$TARGET has no build-id"
	readelf -S "$TARGET" | grep -q '\.symtab' || fail "$TARGET has no symbol table"
	note "built $tree in $(since "$t0") s: $TARGET"
}

# Copies a target out of its tree (lup-mkpatch may build in the tree while the copy
# runs), a library with the links of its soname and of its -l name. Prints the copy.
install_target() { # target dir
	local so base
	mkdir -p "$2"
	cp "$1" "$2/"
	base=$(basename "$1")
	so=$(readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	if [ -n "$so" ]; then
		ln -sf "$base" "$2/$so"
		ln -sf "$base" "$2/${so%%.so*}.so"
	fi
	echo "$2/$base"
}

# Builds a driver of test/real against a library copied by install_target.
build_driver() { # src.c out libdir lib includedirs...
	local src=$1 out=$2 libdir=$3 lib=$4 inc=() d
	shift 4
	for d in "$@"; do inc+=(-I"$d"); done
	gcc -O2 -g -Wall -Wextra -I"$REAL" "${inc[@]}" -o "$out" "$src" -L"$libdir" -l"$lib" \
		-Wl,-rpath,"$libdir" || fail "cannot build $(basename "$src")"
}

# ---------------------------------------------------------------- lup

# Runs lup-mkpatch ARGS -o OUT (under $LUP_REAL_TIMEOUT): its time in $MKPATCH_SECS,
# printed and recorded in $T/times; it must succeed and write OUT.
run_mkpatch() { # name out args...
	local name=$1 out=$2 t0 rc=0
	shift 2
	rm -f "$out"
	t0=$(now)
	timeout "$LUP_REAL_TIMEOUT" "$LUP_MKPATCH" "$@" -o "$out" >"$T/mkpatch.$name.log" 2>&1 || rc=$?
	MKPATCH_SECS=$(since "$t0")
	sed 's/^/  | /' "$T/mkpatch.$name.log"
	echo "$name $MKPATCH_SECS" >>"$T/times"
	note "lup-mkpatch for $name: $MKPATCH_SECS s, exit $rc"
	[ $rc -eq 0 ] || fail "lup-mkpatch for $name exited $rc: $(printf '%q ' "$LUP_MKPATCH" "$@")-o $out"
	[ -s "$out" ] || fail "lup-mkpatch for $name wrote no $out"
}

# expect_refusal of lib.sh for lup-mkpatch, which builds a tree twice and may take longer
# than its 60 s: exit status STATUS, a line matching PATTERN (grep), no patch written.
expect_mkpatch_refusal() { # name status pattern out args...
	local name=$1 want=$2 pat=$3 out=$4 t0 st=0
	shift 4
	rm -f "$out"
	t0=$(now)
	timeout "$LUP_REAL_TIMEOUT" "$LUP_MKPATCH" "$@" -o "$out" >"$T/mkpatch.$name.log" 2>&1 || st=$?
	MKPATCH_SECS=$(since "$t0")
	echo "$name $MKPATCH_SECS" >>"$T/times"
	sed 's/^/  | /' "$T/mkpatch.$name.log"
	note "lup-mkpatch for $name: $MKPATCH_SECS s, exit $st"
	[ $st -eq "$want" ] || fail "$name: lup-mkpatch exited $st, expected $want"
	grep -q -- "$pat" "$T/mkpatch.$name.log" || fail "$name: no line saying '$pat'"
	[ ! -e "$out" ] || fail "$name: a patch was written"
}

# lup-mkpatch's arguments (but -o) in MKARGS for the fix of the last real_tree and
# real_build, with --on for each patch already applied, in the order applied.
mkpatch_args() { # target [applied.lup...]
	local target=$1 a
	shift
	MKARGS=(-t "$target" --diff "$FIX" --src "$TREE" --build "$BUILD_CMD" -p "$FIXP")
	for a in "$@"; do MKARGS+=(--on "$a"); done
}

lup_patch() { # lup pid
	local rc=0
	lup patch -p "$1" "$2" >"$T/patch.out" 2>"$T/patch.err" || rc=$?
	sed 's/^/  | /' "$T/patch.err"
	[ $rc -eq 0 ] || fail "lup patch -p $1 $2 exited $rc"
}

# The ids of the patches applied to pid, from lup list.
listed() { lup list --json "$1" | grep -o '"id": "[^"]*"' | cut -d'"' -f4 | tr '\n' ' '; }

# The process and its threads are the ones of before.
same_process() { # pid tids what
	alive "$1" || fail "$3: process $1 is gone"
	[ "$(tids "$1")" = "$2" ] || fail "$3: the threads of $1 changed: $2 -> $(tids "$1")"
}

# ---------------------------------------------------------------- clients

# The port a driver or backend printed ("listening on 127.0.0.1:PORT").
listening_port() { # pid
	local i p
	for i in $(seq 500); do
		p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$T/out.$1" 2>/dev/null)
		[ -n "$p" ] && { echo "$p"; return; }
		alive "$1" || break
		sleep 0.01
	done
	cat "$T/out.$1" >&2 2>/dev/null || true
	fail "process $1 does not listen"
}

# A TCP connection to 127.0.0.1:port kept by the test: its fd in $CONN.
open_conn() { # port
	exec {CONN}<>"/dev/tcp/127.0.0.1/$1" || fail "cannot connect to 127.0.0.1:$1"
}
close_conn() { eval "exec $1>&-"; }

# One request line on connection fd, its answer line in $ANS.
ask() { # fd line
	printf '%s\n' "$2" >&"$1" || fail "cannot send '$2'"
	IFS= read -r -t 20 ANS <&"$1" || fail "no answer to '${2:0:80}'"
}
# The answer must match the extended regular expression.
expect_answer() { # fd line regex
	ask "$1" "$2"
	[[ $ANS =~ $3 ]] || fail "'${2:0:80}': answer '$ANS', expected /$3/"
}

# One HTTP/1.1 GET on a kept connection fd: $HSTATUS and $HBODY.
http_get() { # fd path
	local line len=0
	printf 'GET %s HTTP/1.1\r\nHost: lup\r\n\r\n' "$2" >&"$1" || fail "cannot send GET $2"
	IFS= read -r -t 20 line <&"$1" || fail "no answer to GET $2"
	HSTATUS=$(awk '{ print $2 }' <<<"$line")
	while IFS= read -r -t 20 line <&"$1"; do
		line=${line%$'\r'}
		[ -n "$line" ] || break
		case ${line,,} in content-length:*) len=${line#*:}; len=${len// /} ;; esac
	done
	HBODY=
	[ "$len" -eq 0 ] || IFS= read -r -t 20 -N "$len" HBODY <&"$1" || fail "GET $2: body cut"
	HBODY=${HBODY%$'\n'}
}

# A port of 127.0.0.1 nothing listens on (nginx needs it in its configuration).
free_port() {
	local i p
	for i in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
	fail "no free port"
}

# ---------------------------------------------------------------- nginx

# Writes DIR/nginx.conf: one master and one worker, a server on 127.0.0.1:PORT with the
# locations the nginx fixes are about, BPORT the split-backend's port.
nginx_conf() { # dir port bport
	local d=$1
	mkdir -p "$d/logs" "$d/tmp" "$d/dav/sub"
	echo hello >"$d/dav/sub/file.txt"
	cat >"$d/nginx.conf" <<EOF
user root;
daemon off;
master_process on;
worker_processes 1;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    keepalive_timeout 600s;
    keepalive_requests 100000;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    scgi_temp_path tmp/scgi;
    uwsgi_temp_path tmp/uwsgi;
    server {
        listen 127.0.0.1:$2;
        # \$connection: a counter of the master's shared memory; \$connection_requests:
        # the requests of this connection.
        location = /count {
            return 200 "connection=\$connection requests=\$connection_requests\n";
        }
        # CVE-2026-27654: COPY/MOVE with a Destination shorter than the alias.
        location /files/ {
            alias $d/dav/;
            dav_methods PUT COPY MOVE;
        }
        # CVE-2026-42945: the example of the commit message.
        location /r42945 {
            rewrite ^(.*) /new?c=1;
            set \$myvar \$1;
            return 200 "myvar=\$myvar\n";
        }
        # CVE-2026-42946: a first response line split across reads.
        location /scgi/ { scgi_pass 127.0.0.1:$3; }
        location /uwsgi/ { uwsgi_pass 127.0.0.1:$3; }
    }
}
EOF
}

# The only child of pid (nginx's worker), once there is one other than $2.
worker_of() { # pid [not-this-one]
	local i c
	for i in $(seq 500); do
		c=$(cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1 || true)
		[ -n "$c" ] && [ "$c" != "${2:-}" ] && { echo "$c"; return; }
		sleep 0.01
	done
	fail "nginx $1 has no worker"
}

# Starts nginx (the copy NGINX) in DIR on a free port: $NGX (master), $WORKER, $PORT.
start_nginx() { # nginx dir bport
	local i try
	for try in 1 2 3; do
		PORT=$(free_port)
		nginx_conf "$2" "$PORT" "$3"
		NGX=$(start_target "$1" -p "$2/" -c "$2/nginx.conf")
		for i in $(seq 500); do
			curl -s -o /dev/null "http://127.0.0.1:$PORT/count" && break
			alive "$NGX" || break
			sleep 0.01
		done
		if alive "$NGX"; then
			WORKER=$(worker_of "$NGX")
			return 0
		fi
		grep -q "Address already in use" "$2/logs/error.log" 2>/dev/null ||
			{ cat "$2/logs/error.log" "$T/out.$NGX" >&2 2>/dev/null; fail "nginx did not start"; }
	done
	fail "nginx found no free port"
}

# HTTP status of a request made with curl (000: no answer); the answer in $T/curl.out.
curl_status() { # curl-args...
	curl -s -o "$T/curl.out" -D "$T/curl.head" -w '%{http_code}' --max-time 20 "$@" || true
}

# ---------------------------------------------------------------- the table

# Records a verdict: fix, verdict, time of lup-mkpatch (from $T/times).
verdict() { # name verdict
	local t
	t=$(awk -v n="$1" '$1 == n { t = $2 } END { print t }' "$T/times" 2>/dev/null)
	printf '%s %s %s\n' "$1" "$2" "${t:--}" >>"$T/verdicts"
}
print_table() {
	printf '\n%-34s %-13s %s\n' fix verdict "lup-mkpatch (s)"
	awk '{ printf "%-34s %-13s %s\n", $1, $2, $3 }' "$T/verdicts"
}
