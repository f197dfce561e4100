#!/usr/bin/env bash
# prepare-tree.sh SRC FIXNAME OUT
# From a source package unpacked with its patches not applied (fetch-source.sh), makes
# OUT: a copy of SRC with every patch of debian/patches/series applied in order, up to
# but not including FIXNAME (each with patch -p1, or the -pN of its series line, with
# the options dpkg-source uses: no fuzz, no reversed patches). The fix itself is copied
# to OUT.fix.patch and its strip level (the N of -pN) written to OUT.fix.p and printed
# on stdout, so that a caller runs: lup-mkpatch ... --diff OUT.fix.patch -p "$(cat OUT.fix.p)".
# Idempotent: an OUT made from the same SRC and the same patches (the stamp
# OUT/.lup-real-tree says which) is left as it is, with whatever was configured and
# built in it; otherwise it is made again from scratch.
# FIXNAME may also be "ALL": every patch applied, no fix (OUT.fix.* not written).
set -euo pipefail

log() { printf 'prepare-tree: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[ $# -eq 3 ] || { echo "usage: $0 SRC FIXNAME|ALL OUT" >&2; exit 2; }
src=$(cd "$1" && pwd) || die "no directory $1"
fix=$2 out=$3
series=$src/debian/patches/series
[ -f "$series" ] || die "$src has no debian/patches/series"
case $out in /*) ;; *) out=$PWD/$out ;; esac

# Patches before FIXNAME: "NAME LEVEL" lines; then FIXNAME's.
before=() fixlevel=
while read -r name opts; do
	level=1
	for o in $opts; do
		case $o in
		-p[0-9]*) level=${o#-p} ;;
		*) die "series line of $name: option $o not understood" ;;
		esac
	done
	if [ "$name" = "$fix" ]; then fixlevel=$level; break; fi
	before+=("$name $level")
done < <(sed 's/\(^\|[[:space:]]\)#.*//' "$series" | awk 'NF')
if [ "$fix" != ALL ] && [ -z "$fixlevel" ]; then
	log "no $fix in $series, which lists:"
	sed 's/^/  /' "$series" >&2
	exit 1
fi

# What OUT is made of: the source's stamp, and each patch applied with its content.
stamp=$( {
	cat "$src/.lup-real-source" 2>/dev/null || echo "$src"
	for p in "${before[@]}"; do
		set -- $p
		echo "$1 -p$2 $(sha256sum <"$src/debian/patches/$1" | cut -d' ' -f1)"
	done
	echo "before $fix"
} | sha256sum | cut -d' ' -f1)

if [ -f "$out/.lup-real-tree" ] && [ "$(cat "$out/.lup-real-tree")" = "$stamp" ]; then
	log "$out is up to date (${#before[@]} patches before $fix)"
else
	rm -rf "$out" "$out.new"
	mkdir -p "$(dirname "$out")"
	cp -a "$src" "$out.new"
	for p in "${before[@]}"; do
		set -- $p
		patch -d "$out.new" -p"$2" -t -F 0 -N -u -V never -E --no-backup-if-mismatch \
			--reject-file=- -s -i "$src/debian/patches/$1" >"$out.new.log" 2>&1 ||
			{ cat "$out.new.log" >&2; rm -rf "$out.new" "$out.new.log"; die "patch $1 does not apply"; }
	done
	rm -f "$out.new.log"
	echo "$stamp" >"$out.new/.lup-real-tree"
	mv "$out.new" "$out"
	log "$out: ${#before[@]} patches applied, up to $fix"
fi
if [ "$fix" != ALL ]; then
	# The fix must apply to the tree, at its level (checked, not applied).
	patch -d "$out" -p"$fixlevel" -t -F 0 -N -u --dry-run -s -i "$src/debian/patches/$fix" >/dev/null ||
		die "the fix $fix does not apply to $out"
	cp "$src/debian/patches/$fix" "$out.fix.patch"
	echo "$fixlevel" >"$out.fix.p"
	echo "$fixlevel"
fi
