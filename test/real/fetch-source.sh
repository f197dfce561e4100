#!/usr/bin/env bash
# fetch-source.sh PKG[=VERSION] DEST
# Gets Debian's source package PKG of this machine's release (the newest version apt
# sees, security updates included, unless =VERSION pins one) with a private apt
# configuration: a deb-src sources file made at run time from the machine's own sources
# (same URIs, suites and keys), and apt state, cache and lists under
# $LUP_REAL_CACHE/apt (default /var/cache/lup-real). The .dsc and its tarballs are kept
# in $LUP_REAL_CACHE/dl. Then unpacks it into DEST with `dpkg-source -x --skip-patches`
# (debian/patches/ is there, not applied). Prints the version on stdout.
# Idempotent: a package already fetched is not downloaded again; a DEST unpacked from
# the same .dsc is left as it is (the stamp DEST/.lup-real-source says which).
# The apt lists are refreshed when missing, older than $LUP_REAL_APT_MAX_AGE minutes
# (default 1440), or when apt does not know PKG.
set -euo pipefail

usage() { echo "usage: $0 PKG[=VERSION] DEST" >&2; exit 2; }
[ $# -eq 2 ] || usage
want=$1 dest=$2
pkg=${want%%=*}
[ -n "$pkg" ] || usage
cache=${LUP_REAL_CACHE:-/var/cache/lup-real}
apt_dir=$cache/apt dl=$cache/dl
log() { printf 'fetch-source: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dl" ||
	die "cannot create $cache (set LUP_REAL_CACHE to a writable directory)"
exec 9>"$cache/.lock"
flock 9	# one apt run at a time on the private state

# deb-src stanzas with the URIs, suites, components and keys of the machine's sources.
write_src_sources() {
	local out=$1 f
	: >"$out.new"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush() {
				if (uri != "" && suites != "" && types ~ /(^| )deb( |$)/ && enabled != "no")
					printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n%s\n", uri, suites, comps, (key != "" ? "Signed-By: " key "\n" : "")
				uri = suites = comps = key = types = enabled = last = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { if (last == "signed-by") key = key "\n" $0; next }	# an inline key
			{
				k = tolower($0); sub(/:.*/, "", k)
				v = $0; sub(/^[^:]*:[ \t]*/, "", v); last = k
				if (k == "types") types = v; else if (k == "uris") uri = v
				else if (k == "suites") suites = v; else if (k == "components") comps = v
				else if (k == "signed-by") key = v; else if (k == "enabled") enabled = tolower(v)
			}
			END { flush() }' "$f" >>"$out.new"
	done
	if [ -f /etc/apt/sources.list ]; then
		# one-line format: deb [opts] URI SUITE COMPONENTS...
		awk '$1 == "deb" { $1 = "deb-src"; print }' /etc/apt/sources.list >"$apt_dir/sources.list.new"
	else
		: >"$apt_dir/sources.list.new"
	fi
	[ -s "$out.new" ] || [ -s "$apt_dir/sources.list.new" ] ||
		die "no apt sources in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
	# replaced only when changed: a newer file makes the lists be fetched again
	local f2
	for f2 in "$out" "$apt_dir/sources.list"; do
		if cmp -s "$f2.new" "$f2"; then rm -f "$f2.new"; else mv "$f2.new" "$f2"; fi
	done
}

write_src_sources "$apt_dir/parts/src.sources"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root
	-o Acquire::Languages=none)

update() {
	log "apt-get update (private deb-src lists in $apt_dir/lists)"
	apt-get "${apt_opts[@]}" -qq update || die "apt-get update failed"
	touch "$apt_dir/lists/.updated"
	rm -f "$dl/.unavailable"
}
max_age=${LUP_REAL_APT_MAX_AGE:-1440}
if [ ! -e "$apt_dir/lists/.updated" ] ||
	[ -n "$(find "$apt_dir/lists/.updated" -mmin +"$max_age" 2>/dev/null)" ] ||
	[ "$apt_dir/parts/src.sources" -nt "$apt_dir/lists/.updated" ]; then
	update
fi

# The files of the source package: 'URI' NAME SIZE HASH, one a line.
uris() { apt-get "${apt_opts[@]}" -qq source --print-uris "$1" 2>"$apt_dir/err" | grep "^'" || true; }
# Versions of the source package apt sees, newest first.
versions() { apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null |
	awk -v p="$pkg" '/^Package:/ { ok = ($2 == p) } ok && /^Version:/ { print $2 }' | sort -Vru; }
# Downloads $1 (PKG or PKG=VERSION) into $dl unless all its files are there: sets $dsc.
get() {
	local list have_all=1 name size
	list=$(uris "$1")
	[ -n "$list" ] || return 2
	dsc=$(awk '$2 ~ /\.dsc$/ { print $2 }' <<<"$list")
	[ -n "$dsc" ] || die "no .dsc among the files of $1"
	while read -r _ name size _; do
		[ -f "$dl/$name" ] && [ "$(stat -c %s "$dl/$name")" = "$size" ] || have_all=
	done <<<"$list"
	[ -z "$have_all" ] || return 0
	! grep -qxF "$dsc" "$dl/.unavailable" 2>/dev/null || return 1	# failed since the last update
	log "downloading $dsc and its files into $dl"
	(cd "$dl" && apt-get "${apt_opts[@]}" -qq source --download-only "$1") >"$apt_dir/get.log" 2>&1 ||
		{ sed 's/^/  /' "$apt_dir/get.log" >&2; echo "$dsc" >>"$dl/.unavailable"; return 1; }
	[ -f "$dl/$dsc" ] || die "$dl/$dsc missing after the download"
}

st=0; get "$want" || st=$?
if [ $st -eq 2 ]; then	# apt does not know it: fresh lists, once
	update
	st=0; get "$want" || st=$?
fi
[ $st -ne 2 ] || { cat "$apt_dir/err" >&2; die "apt knows no source package $want"; }
if [ $st -ne 0 ]; then
	[ "$want" = "$pkg" ] || die "cannot download $want"
	# The archive may lack the newest one's files (a mirror of the security suite
	# without its sources): the newest version that downloads, saying so.
	newest=$(versions | head -n 1)
	for v in $(versions | tail -n +2); do
		log "the files of $pkg $newest cannot be downloaded: trying $pkg $v"
		st=0; get "$pkg=$v" || st=$?
		[ $st -ne 0 ] || break
	done
	[ $st -eq 0 ] || die "no version of $pkg can be downloaded"
fi
version=$(sed -n 's/^Version: *//p' "$dl/$dsc" | head -n 1)

stamp="$dsc $(sha256sum "$dl/$dsc" | cut -d' ' -f1)"
if [ -f "$dest/.lup-real-source" ] && [ "$(cat "$dest/.lup-real-source")" = "$stamp" ]; then
	log "$pkg $version already unpacked in $dest"
else
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	dpkg-source -q -x --skip-patches "$dl/$dsc" "$dest" >"$apt_dir/unpack.log" 2>&1 ||
		{ cat "$apt_dir/unpack.log" >&2; rm -rf "$dest"; die "dpkg-source -x $dsc failed"; }
	echo "$stamp" >"$dest/.lup-real-source"
	log "$pkg $version unpacked into $dest (patches not applied)"
fi
echo "$version"
