#!/usr/bin/env bash
# Installs what lup needs to build and test: Debian packages, and a CRIU >= 4.2
# (the system's when it is new enough and works, else Debian testing's 4.2 unpacked
# into a private prefix inside the checkout). Idempotent: a second run only checks.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/.deps"
criu_prefix="$deps/criu"
criu_want=4.2

pkgs=(build-essential pkg-config protobuf-c-compiler libprotobuf-c-dev libelf-dev libdw-dev
      libunwind-dev libssl-dev openssl libjson-c-dev libcmocka-dev python3-protobuf iptables runc busybox-static
      python3-matplotlib binutils curl clang libclang-rt-14-dev valgrind libc6-dbg g++ gdb
      podman zstd patch dpkg-dev cmake tcl iproute2 libpcre2-dev)

# Packages of Debian testing that make up CRIU 4.2 and the runtime libraries it needs
# beyond Debian 12's (closure of criu, libcompel1, libcriu2; see criu-facts).
criu_pkgs=(criu libcompel1 libcriu2 libcriu-dev libcompel-dev python3-pycriu
           libc6 libc-gconv-modules-extra gcc-16-base libgcc-s1 libbsd0 libmd0 libffi8
           libgmp10 libgnutls30t64 libhogweed6t64 libnettle8t64 libidn2-0 libunistring5
           libp11-kit0 libtasn1-6 libjansson4 libmnl0 libnet9 libnftables1 libnftnl11
           libnl-3-200 libprotobuf-c1 libuuid1 libxtables12)

log() { printf 'deps: %s\n' "$*" >&2; }

install_debian_packages() {
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

version_ok() { # $1: criu binary
	local v
	v=$("$1" --version 2>/dev/null | sed -n 's/^Version: *//p')
	[ -n "$v" ] && [ "$(printf '%s\n%s\n' "$criu_want" "$v" | sort -V | head -1)" = "$criu_want" ] &&
		"$1" check >/dev/null 2>&1
}

# A sources file for Debian testing, with the same URIs as the machine's own sources.
write_testing_sources() {
	local out=$1 src
	: >"$out"
	for src in /etc/apt/sources.list.d/*.sources; do
		[ -f "$src" ] || continue
		awk '
			/^URIs:/ { uri = $2 }
			/^Suites:/ { sec = ($0 ~ /-security/) }
			/^$/ { if (uri != "") emit(); uri = "" }
			END { if (uri != "") emit() }
			function emit() {
				if (seen[uri]++) return
				printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n", uri, (sec ? "testing-security" : "testing")
				printf "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
			}' "$src" >>"$out"
	done
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" && $3 !~ /security/ && !seen[$2]++ {
			printf "Types: deb\nURIs: %s\nSuites: testing\nComponents: main\n", $2
			printf "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n" }' \
			/etc/apt/sources.list >>"$out"
	fi
	[ -s "$out" ] || { log "no apt sources found to derive a mirror from"; return 1; }
}

unpack_private_criu() {
	local work="$deps/apt" a
	rm -rf "$work" && mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
	write_testing_sources "$work/parts/testing.sources"
	a=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
	   -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
	   -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	log "fetching CRIU $criu_want from Debian testing"
	apt-get "${a[@]}" -qq update
	(cd "$work/debs" && apt-get "${a[@]}" -qq download "${criu_pkgs[@]}")
	rm -rf "$criu_prefix.new" && mkdir -p "$criu_prefix.new"
	for d in "$work"/debs/*.deb; do dpkg -x "$d" "$criu_prefix.new"; done
	rm -rf "$criu_prefix" && mv "$criu_prefix.new" "$criu_prefix"
	rm -rf "$work"
}

write_wrappers() {
	local lib="$criu_prefix/usr/lib/x86_64-linux-gnu"
	mkdir -p "$deps/bin"
	cat >"$deps/bin/criu" <<EOT
#!/bin/sh
# Runs Debian testing's CRIU through its own loader and libraries (made by scripts/deps.sh).
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$criu_prefix/lib/x86_64-linux-gnu" "$criu_prefix/usr/sbin/criu" "\$@"
EOT
	cat >"$deps/bin/crit" <<EOT
#!/bin/sh
# crit of the private CRIU, on the system's python3 and python3-protobuf.
PYTHONPATH="$criu_prefix/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}" exec /usr/bin/python3 "$criu_prefix/usr/bin/crit" "\$@"
EOT
	chmod +x "$deps/bin/criu" "$deps/bin/crit"
}

main() {
	install_debian_packages
	source "$top/scripts/compel.sh" && compel_deps
	if command -v criu >/dev/null && version_ok "$(command -v criu)"; then
		log "system criu is usable: $(command -v criu)"
		return 0
	fi
	if [ -x "$deps/bin/criu" ] && version_ok "$deps/bin/criu"; then
		log "private criu is in place: $deps/bin/criu"
		return 0
	fi
	unpack_private_criu
	write_wrappers
	version_ok "$deps/bin/criu" || { log "private criu fails 'criu check'"; "$deps/bin/criu" check; return 1; }
	log "private criu ready: $deps/bin/criu"
}

main "$@"
