#!/usr/bin/env bash
# Counts the tests that call t.Parallel(), to track issue 14's goal that the
# suite itself exercises "no global state".
#
#   hack/count-parallel.sh [dir...]    (default: the whole repository)
#
# A test is a top-level `func TestXxx(t *testing.T)` in a *_test.go file
# (vmtest-tagged ones included, every module in the tree). It counts as parallel
# when its own body calls <t>.Parallel() at its first indentation level, the
# gofmt'd form; subtests that call Parallel() are counted on their own line.
# A test that must stay sequential says why in a comment at its first
# indentation level, "// Not parallel: <reason>", and counts as explained.
# The tests that are neither are listed by file:line; for the unit tests that
# count should be 0. Guest tests (files built with the vmtest tag) run one by
# one in the VM and are counted apart.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- .
find "$@" -name '*_test.go' -type f -print0 | sort -z | xargs -0 awk '
	# POSIX awk (Debian has mawk). Inside a test: name its receiver, look for Parallel() until the closing brace.
	FNR == 1 { vm = 0 }
	/^\/\/go:build / && / vmtest/ && !/!vmtest/ { vm = 1 }
	/^func Test[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.T\)/ {
		tvar = $0; sub(/^func Test[A-Za-z0-9_]*\(/, "", tvar); sub(/ .*/, "", tvar)
		name = $0; sub(/^func /, "", name); sub(/\(.*/, "", name); where = FILENAME ":" FNR " " name
		tests++; in_test = 1; counted = 0; explained = 0; next
	}
	in_test && /^}/ {
		in_test = 0
		if (counted || explained) next
		if (vm) vmleft++; else { left++; list = list "\n  " where }
		next
	}
	in_test && $0 ~ ("^\t" tvar "\\.Parallel\\(\\)") && !counted { parallel++; counted = 1; next }
	in_test && /^\t\/\/ Not parallel: / && !explained && !counted { sequential++; explained = 1; next }
	in_test && /^\t\t+[A-Za-z_][A-Za-z0-9_]*\.Parallel\(\)/ { sub_parallel++ }
	END {
		printf "tests: %d\ntests calling t.Parallel(): %d\nsubtest t.Parallel() calls: %d\n", tests, parallel, sub_parallel
		printf "tests sequential with a \"// Not parallel:\" reason: %d\n", sequential
		printf "vmtest-tagged guest tests neither (run one by one in the VM): %d\n", vmleft
		printf "unit tests neither parallel nor explained: %d%s\n", left, list
	}'
