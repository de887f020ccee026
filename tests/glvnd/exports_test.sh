#!/bin/sh
# exports_test.sh <library> <symbol> [<library> <symbol>...]: each vendor
# library defines exactly the one dynamic symbol libglvnd looks for.
#
# SPDX-License-Identifier: MIT
fail=0
while [ $# -ge 2 ]; do
    got=$(nm -D --defined-only "$1" | awk '{print $3}' | sort | tr '\n' ' ')
    if [ "$got" = "$2 " ]; then
        echo "ok: $1 exports $2"
    else
        echo "FAIL: $1 exports '$got', expected '$2'"
        fail=1
    fi
    shift 2
done
exit $fail
