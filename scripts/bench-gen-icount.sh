#!/bin/sh
# Instructions per operation of one generated-code benchmark of the 11-field
# event (internal/codegen/gentest/bench), counted by valgrind's callgrind
# inside the benchmark's loop function: deterministic, so unlike times it
# does not move with the load of a shared machine. Needs valgrind (Debian
# package valgrind). The count is the difference of two runs (20,000 and
# 60,000 operations), so set-up cost cancels out.
#
#   scripts/bench-gen-icount.sh Validate/generated BenchmarkValidate.func1
#   scripts/bench-gen-icount.sh Validate/hand-written BenchmarkValidate.func2
#   scripts/bench-gen-icount.sh PublishJSON/AppendJSON BenchmarkPublishJSON.func2
#   scripts/bench-gen-icount.sh PublishJSON/hand-written BenchmarkPublishJSON.func3
#
# (the loop functions are numbered in source order: go tool nm lists them).
set -eu
pattern=$1 fn=$2
bin=$(mktemp)
out=$(mktemp)
trap 'rm -f "$bin" "$out"' EXIT
go test -c -o "$bin" ./internal/codegen/gentest/bench/
count() {
	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --toggle-collect="*$fn" \
		--callgrind-out-file="$out" "$bin" -test.run '^$' -test.bench "$pattern" -test.benchtime "${1}x" 2>&1 |
		sed -n 's/.*Collected : //p'
}
a=$(count 20000)
b=$(count 60000)
echo "$pattern: $(((b - a) / 40000)) instructions/op"
