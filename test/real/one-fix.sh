#!/usr/bin/env bash
# One real fix live (for make check; a few minutes at most, less once
# $LUP_REAL_CACHE holds the package and its tree): Debian's fix of CVE-2024-45490 in
# expat (XML_ParseBuffer accepted a negative length), from expat's source package of
# Debian 12. Fetches the package, makes the tree of before the fix, builds libexpat and
# xml-server (test/real/xml-server.c) on it, starts xml-server and opens a connection,
# shows the bug, builds the patch with lup-mkpatch --diff (its time printed), applies it
# with lup patch, and checks: the fixed answer, the same process and threads, the
# counters and a document streamed over the connection of before, which is still served.
# See test/real/README.md.
source "$(dirname "$0")/real-lib.sh"
source "$REAL/cases.sh"

t0=$(now)
case_expat_45490
print_table
note "one-fix: $(since "$t0") s in all"
