#!/usr/bin/env bash
# Checks that dist/ works on a machine without a Swift toolchain: /opt/swift
# is hidden under an empty tmpfs in a private mount namespace, then the C
# example, the Python binding (against dist/lib) and the spectralfake
# command (static) run.
#   scripts/check_no_toolchain.sh DIST IMAGE
set -euo pipefail
DIST=$1
IMAGE=$2
LIB=$DIST/lib/libspectralfake.so.1
CLI=$DIST/bin/spectralfake
for f in "$LIB" "$CLI"; do
  if readelf -d "$f" | grep -E "NEEDED.*libswift|NEEDED.*libFoundation|RUNPATH.*swift" >/dev/null; then
    echo "FAIL: $f depends on the Swift toolchain:"; readelf -d "$f" | grep -E "NEEDED|RUNPATH"; exit 1
  fi
done
TOOLCHAIN=${SWIFT_TOOLCHAIN_DIR:-/opt/swift}
if [ -d "$TOOLCHAIN" ] && unshare -m true 2>/dev/null; then
  unshare -m sh -c "mount -t tmpfs none '$TOOLCHAIN' && ls -A '$TOOLCHAIN' | wc -l | grep -qx 0 \
    && '$DIST/bin/sf-features' '$IMAGE' >/dev/null \
    && PYTHONPATH='$(pwd)/bindings/python' SPECTRALFAKE_LIBRARY='$LIB' python3 -c \
       'import spectralfake as sf; v = sf.features(\"$IMAGE\"); assert v.shape == (80,)' \
    && '$CLI' score --json '$IMAGE' | grep -q '\"verdict\"'"
  echo "no-toolchain check: dist/ loads and runs from C, Python and the spectralfake command with $TOOLCHAIN hidden"
else
  echo "no-toolchain check: cannot hide $TOOLCHAIN here (needs unshare -m, i.e. root); checked only that"
  echo "  $LIB and $CLI have no NEEDED libswift* and no RUNPATH into the toolchain"
fi
