#!/bin/sh
# Prints the directory holding criu-plugin.h of the CRIU given as $1: the private
# prefix of scripts/deps.sh for its wrapper, else <prefix>/include/criu of that binary.
criu=$1
top=$(cd "$(dirname "$0")/.." && pwd)
case "$criu" in
"$top"/.deps/bin/criu) echo "$top/.deps/criu/usr/include/criu"; exit 0 ;;
esac
bin=$(command -v "$criu" 2>/dev/null) || bin=$criu
for d in "$(dirname "$bin")/../include/criu" /usr/include/criu /usr/local/include/criu; do
	[ -f "$d/criu-plugin.h" ] && { (cd "$d" && pwd); exit 0; }
done
echo "criu-include: no criu-plugin.h found for $criu" >&2
exit 1
