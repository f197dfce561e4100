#!/usr/bin/env bash
# Builds an OCI bundle for runc: a busybox-static rootfs holding PROGRAM as /bin/target,
# and a config.json (from `runc spec`) that runs it with ARGS, without a terminal.
#   make-bundle.sh BUNDLE_DIR PROGRAM [ARGS...]
set -euo pipefail
bundle=$1 prog=$2; shift 2
busybox=$(command -v busybox)
if ldd "$busybox" >/dev/null 2>&1; then
	echo "$busybox is not static (install busybox-static)" >&2
	exit 1
fi

root=$bundle/rootfs
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc}
cp "$busybox" "$root/bin/busybox"
ln -sf busybox "$root/bin/sh"
cp "$prog" "$root/bin/target"

cd "$bundle"
runc spec
python3 - "$@" <<'PY'
import json, sys
with open("config.json") as f:
    c = json.load(f)
c["process"]["args"] = ["/bin/target"] + sys.argv[1:]
c["process"]["terminal"] = False
c["root"]["readonly"] = False
with open("config.json", "w") as f:
    json.dump(c, f, indent=1)
PY
