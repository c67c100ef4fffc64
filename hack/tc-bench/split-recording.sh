#!/bin/sh
# split-recording.sh FILE: writes the "=== NAME" sections guest-record.sh
# printed to testdata/tc/NAME.
set -eu
dir=$(dirname "$0")/../../testdata/tc
awk -v dir="$dir" '
	/^=== / { if (out) close(out); out = dir "/" $2; next }
	/^vmtest/ { next }
	out { print > out }
' "$1"
