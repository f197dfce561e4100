# libcompel (CRIU's ptrace/infection library) built from Debian testing's CRIU source for
# this machine's libc, into .deps/compel/{include,lib}. Sourced by deps.sh, whose `log`,
# `deps` and `write_testing_sources` it uses; `compel_deps` is its one entry point.
# Idempotent: when .deps/compel holds a build of a CRIU >= $criu_want, it only checks.
# Why from source and not the binary package: Documentation/compel.md.

compel_prefix="$deps/compel"

compel_in_place() {
	[ -f "$compel_prefix/lib/libcompel.a" ] && [ -f "$compel_prefix/include/compel/infect.h" ] &&
		[ -s "$compel_prefix/VERSION" ]
}

# Downloads criu's source package into $1 (apt checks every file against the signed index).
compel_fetch_source() {
	local work=$1 a
	mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
	write_testing_sources "$work/testing.sources"
	sed 's/^Types: deb$/Types: deb-src/' "$work/testing.sources" >"$work/parts/testing-src.sources"
	a=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
	   -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
	   -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	apt-get "${a[@]}" -qq update ||
		{ log "compel: cannot read Debian testing's source index"; return 1; }
	# A file of the package the mirror lacks fails the command but keeps the others.
	(cd "$work/src" && apt-get "${a[@]}" -qq source --download-only criu) >"$work/fetch.log" 2>&1 || true
	ls "$work"/src/criu_*.orig.tar.* >/dev/null 2>&1 ||
		{ sed 's/^/  | /' "$work/fetch.log" >&2; log "compel: no source of criu in Debian testing"; return 1; }
}

# Unpacks the source into $1/criu-VERSION: the Debian package when all of it was
# fetched, else the upstream tarball it is made of. Prints the directory.
compel_unpack_source() {
	local work=$1 dsc orig
	dsc=$(ls "$work"/src/criu_*.dsc 2>/dev/null | head -1 || true)
	orig=$(ls "$work"/src/criu_*.orig.tar.* | head -1 || true)
	if [ -n "$dsc" ] && ls "$work"/src/criu_*.debian.tar.* >/dev/null 2>&1; then
		(cd "$work/src" && dpkg-source -q -x "$dsc" criu-src) >&2 || return 1
	else
		log "compel: Debian's packaging of criu is not on the mirror; building the upstream ${orig##*/}"
		mkdir -p "$work/src/criu-src" && tar -xf "$orig" -C "$work/src/criu-src" --strip-components=1 || return 1
	fi
	echo "$work/src/criu-src"
}

# The version of the CRIU tree in $1, from its Makefile.versions ("4.2.1").
compel_tree_version() {
	awk '/^CRIU_VERSION_(MAJOR|MINOR|SUBLEVEL)[ \t]/ { v[$1] = $3 }
	     END { printf "%s.%s.%s\n", v["CRIU_VERSION_MAJOR"], v["CRIU_VERSION_MINOR"], v["CRIU_VERSION_SUBLEVEL"] }' \
		"$1/Makefile.versions"
}

# Builds libcompel.a with CRIU's own build and installs it with CRIU's own install rules
# (the headers are those of the libcompel-dev package) into a staging directory $2.
compel_build() {
	local tree=$1 stage=$2
	make -C "$tree" -j"$(nproc)" install-compel DESTDIR="$stage" PREFIX=/ BINDIR=/bin LIBDIR=/lib \
		INCLUDEDIR=/include LIBEXECDIR=/libexec >"$tree/../build.log" 2>&1 ||
		{ tail -n 30 "$tree/../build.log" | sed 's/^/  | /' >&2; log "compel: build of libcompel failed"; return 1; }
	if nm -u "$stage/lib/libcompel.a" | grep '__isoc23_' >/dev/null; then
		log "compel: the libcompel.a built still needs glibc 2.38 symbols"; return 1
	fi
}

compel_install() { # stage version
	local stage=$1 new="$compel_prefix.new"
	rm -rf "$new" && mkdir -p "$new/lib"
	cp -a "$stage/include" "$new/" && cp "$stage/lib/libcompel.a" "$new/lib/" || return 1
	echo "$2" >"$new/VERSION"
	rm -rf "$compel_prefix" && mv "$new" "$compel_prefix"
}

compel_deps() {
	if compel_in_place; then
		log "libcompel is in place: $compel_prefix (CRIU $(cat "$compel_prefix/VERSION"))"
		return 0
	fi
	local work="$deps/compel-build" tree version
	rm -rf "$work" && mkdir -p "$work"
	log "building libcompel from Debian testing's CRIU source"
	compel_fetch_source "$work" || return 1
	tree=$(compel_unpack_source "$work") || { log "compel: cannot unpack criu's source"; return 1; }
	version=$(compel_tree_version "$tree")
	[ "$(printf '%s\n%s\n' "$criu_want" "$version" | sort -V | head -1)" = "$criu_want" ] ||
		{ log "compel: Debian testing has CRIU $version, lup needs >= $criu_want"; return 1; }
	compel_build "$tree" "$work/stage" || return 1
	compel_install "$work/stage" "$version" || { log "compel: cannot install into $compel_prefix"; return 1; }
	rm -rf "$work"
	log "libcompel of CRIU $version ready: $compel_prefix"
}
