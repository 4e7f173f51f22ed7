#!/bin/sh
# Interleaved rounds of the generated-code benchmarks of the 11-field event
# (internal/codegen/gentest/bench): each round runs every sub-benchmark once,
# so that a noisy machine loads the generated code and its lower bound alike.
# Prints each sub-benchmark's median wall ns/op, median CPU ns/op (process
# user+system time per operation, steadier when other work shares the
# cores), allocs/op, and the medians of the per-round ratios (wall and CPU)
# to the sub-benchmark named BASE.
#
#   scripts/bench-gen-ratios.sh 'Validate' hand-written 11
#   scripts/bench-gen-ratios.sh 'EncodeJSON' hand-written 11
#   scripts/bench-gen-ratios.sh 'PublishJSON' hand-written 11
set -eu
pattern=$1 base=$2 rounds=${3:-11}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./internal/codegen/gentest/bench/
i=0
while [ "$i" -lt "$rounds" ]; do
	"$bin" -test.run '^$' -test.bench "$pattern" -test.benchmem -test.count 1 -test.benchtime 300000x | grep '^Benchmark' | sed "s/^/$i /"
	i=$((i + 1))
done | awk -v base="$base" '
	{ split($2, p, "/"); name = p[2]; sub(/-[0-9]+$/, "", name); ns[$1, name] = $4; cpu[$1, name] = $6; allocs[name] = $10; names[name] = 1; r[$1] = 1 }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		for (name in names) {
			n = 0
			for (k in r) { n++; v[n] = ns[k, name]; c[n] = cpu[k, name]; q[n] = ns[k, name] / ns[k, base]; qc[n] = cpu[k, name] / cpu[k, base] }
			printf "%-22s wall %8.1f ns/op  cpu %8.1f ns/op  %s allocs/op  ratio to %s: wall %.2f, cpu %.2f\n", name, median(v, n), median(c, n), allocs[name], base, median(q, n), median(qc, n)
		}
	}'
