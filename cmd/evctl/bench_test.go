package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/cli"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"github.com/evctl/evctl/internal/testpg"
)

// buildEvctl builds the evctl binary once per benchmark;
// EVCTL_BENCH_BIN names another binary to measure instead (to compare
// builds on the same machine and load).
func buildEvctl(b *testing.B) string {
	b.Helper()
	if bin := os.Getenv("EVCTL_BENCH_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(b.TempDir(), "evctl")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeCatalog writes n events under dir/schemas/v1, half Avro and half JSON
// Schema. Revision r adds r optional fields with defaults, a compatible
// evolution in both formats.
func writeCatalog(tb testing.TB, dir string, n, r int) {
	tb.Helper()
	root := filepath.Join(dir, "schemas", "v1")
	if err := os.MkdirAll(root, 0o755); err != nil {
		tb.Fatal(err)
	}
	verbs := []string{"Placed", "Shipped", "Cancelled", "Paid", "Refunded", "Sent", "Held", "Frozen"}
	for i := 0; i < n; i++ {
		entity := fmt.Sprintf("Entity%d", i)
		name := entity + verbs[i%len(verbs)]
		idField := fmt.Sprintf("entity%d_id", i)
		var body string
		if i%2 == 0 {
			var extra strings.Builder
			for k := 0; k < r; k++ {
				fmt.Fprintf(&extra, ",\n    {\"name\": \"note_%d\", \"type\": [\"null\", \"string\"], \"default\": null}", k)
			}
			body = fmt.Sprintf(`{
  "type": "record",
  "name": %q,
  "namespace": "com.acme.bench.v1",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": %q, "type": "string"},
    {"name": "amount_cents", "type": "long"},
    {"name": "quantity", "type": "int"},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}}%s
  ]
}
`, name, idField, extra.String())
			write(tb, filepath.Join(root, name+".avsc"), body)
			continue
		}
		var extra strings.Builder
		for k := 0; k < r; k++ {
			fmt.Fprintf(&extra, ",\n    \"note_%d\": {\"type\": \"string\"}", k)
		}
		body = fmt.Sprintf(`{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.%s",
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id", "occurred_at", "correlation_id", %q, "amount_cents"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    %q: {"type": "string", "minLength": 1},
    "amount_cents": {"type": "integer", "minimum": 0},
    "quantity": {"type": "integer"},
    "status": {"type": "string", "enum": ["new", "done"]},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10}%s
  }
}
`, name, idField, idField, extra.String())
		write(tb, filepath.Join(root, name+".json"), body)
	}
}

func write(tb testing.TB, path, body string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func run(tb testing.TB, dir string, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=b", "GIT_AUTHOR_EMAIL=b@b.invalid", "GIT_COMMITTER_NAME=b", "GIT_COMMITTER_EMAIL=b@b.invalid", "NO_COLOR=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// BenchmarkLintProcess2000 runs the whole `evctl lint` process on a
// generated catalog of 2,000 events. Goal: under 1 s per run.
func BenchmarkLintProcess2000(b *testing.B) {
	bin := buildEvctl(b)
	dir := b.TempDir()
	writeCatalog(b, dir, 2000, 0)
	run(b, dir, bin, "lint", "schemas")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(b, dir, bin, "lint", "schemas")
	}
}

// BenchmarkLintScale runs the whole `evctl lint` process on generated
// catalogs of 500 to 32,000 events and reports the process's peak memory
// (maximum resident set, from wait4's rusage) in all and per event, and
// its CPU time (user + system), which a loaded machine inflates less than
// wall time. Goals: 8,000 events in under 1 s and 40 KB per event; 32,000
// in under 4 s and 1.3 GB.
func BenchmarkLintScale(b *testing.B) {
	bin := buildEvctl(b)
	for _, n := range []int{500, 2000, 8000, 32000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			writeCatalog(b, dir, n, 0)
			run(b, dir, bin, "lint", "schemas")
			var peak int64
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin, "lint", "schemas")
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("evctl lint: %v\n%s", err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
					peak = ru.Maxrss // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-MiB")
			b.ReportMetric(float64(peak)/float64(n), "peak-KiB/event")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkCheckGitProcess2000x5 runs `evctl check --against git:HEAD~1` on
// a generated 2,000-event catalog with 5 committed versions of every event,
// at BACKWARD and at BACKWARD_TRANSITIVE (every committed version). Goal:
// under 2 s per run.
func BenchmarkCheckGitProcess2000x5(b *testing.B) {
	bin := buildEvctl(b)
	dir := b.TempDir()
	run(b, dir, "git", "init", "-q")
	for r := 0; r < 5; r++ {
		writeCatalog(b, dir, 2000, r)
		run(b, dir, "git", "add", "-A")
		run(b, dir, "git", "commit", "-q", "-m", fmt.Sprintf("revision %d", r))
	}
	for _, level := range []string{"BACKWARD", "BACKWARD_TRANSITIVE"} {
		b.Run(level, func(b *testing.B) {
			run(b, dir, bin, "check", "--against", "git:HEAD~1", "--level", level)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run(b, dir, bin, "check", "--against", "git:HEAD~1", "--level", level)
			}
		})
	}
}

// BenchmarkLintInProcess runs `evctl lint` in the test process on a
// generated 8,000-event catalog, for profiling (-cpuprofile, -memprofile):
//
//	go test ./cmd/evctl -run '^$' -bench LintInProcess -benchtime 3x -cpuprofile cpu.out
func BenchmarkLintInProcess(b *testing.B) {
	dir := b.TempDir()
	writeCatalog(b, dir, 8000, 0)
	b.Chdir(dir)
	env := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return os.Getenv(k)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var out, errOut strings.Builder
		if code := cli.Run(context.Background(), []string{"lint", "schemas"}, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: env}); code != 0 {
			b.Fatalf("evctl lint: exit %d\n%s%s", code, out.String(), errOut.String())
		}
	}
}

// BenchmarkGenGo2000 runs `evctl gen go` on the generated 2,000-event
// catalog, then `go build` of its output in a module that requires evctl
// (dependencies built once beforehand; a changed constant in every
// generated package makes every run compile them all again), with the
// output in one package (split=0) and split into internal packages of at
// most 250 events (--split 250; EVCTL_BENCH_SPLITS=0,100,500 measures other
// sizes), each with --optimize speed and --optimize size
// (EVCTL_BENCH_OPTIMIZE=size measures one). It reports, for each step, the
// wall time,
// the CPU time (user + system of the process and its children, which a
// loaded machine inflates far less than wall time), the peak memory of the
// largest single process (Maxrss) and the peak of the sum of the resident
// memory of the process and all its descendants at once (sampled from
// /proc every 10 ms: go build runs compiles in parallel). Goal: gen plus
// build under 15 s and 1.5 GB on 2 cores.
func BenchmarkGenGo2000(b *testing.B) {
	bin := buildEvctl(b)
	repo, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	splits := []int{0, 250}
	if env := os.Getenv("EVCTL_BENCH_SPLITS"); env != "" {
		splits = nil
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				b.Fatalf("EVCTL_BENCH_SPLITS=%q: want sizes like 0,100,250", env)
			}
			splits = append(splits, n)
		}
	}
	optimizes := []string{"speed", "size"}
	if env := os.Getenv("EVCTL_BENCH_OPTIMIZE"); env != "" {
		optimizes = strings.Split(env, ",")
	}
	for _, split := range splits {
		for _, optimize := range optimizes {
			benchGenGo(b, bin, repo, split, optimize)
		}
	}
}

// benchGenGo is one case of BenchmarkGenGo2000.
func benchGenGo(b *testing.B, bin, repo string, split int, optimize string) {
	b.Run(fmt.Sprintf("split=%d/optimize=%s", split, optimize), func(b *testing.B) {
		dir := b.TempDir()
		writeCatalog(b, dir, 2000, 0)
		write(b, filepath.Join(dir, "go.mod"), "module example.com/bench\n\ngo 1.26.8\n\nrequire github.com/evctl/evctl v0.0.0\n\nreplace github.com/evctl/evctl => "+repo+"\n")
		sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
		if err != nil {
			b.Fatal(err)
		}
		write(b, filepath.Join(dir, "go.sum"), string(sum))
		env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		type usage struct {
			wall, cpu   time.Duration
			rss, sumRSS int64 // KiB
		}
		timed := func(name string, args ...string) usage {
			cmd := exec.Command(name, args...)
			cmd.Dir, cmd.Env = dir, env
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			peak := make(chan int64, 1)
			go func() { peak <- sampleTreeRSS(cmd.Process.Pid, done) }()
			err := cmd.Wait()
			close(done)
			u := usage{wall: time.Since(start), sumRSS: <-peak}
			if err != nil {
				b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
			}
			u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				u.rss = ru.Maxrss // KiB on Linux; the largest of the process and its waited-for children
			}
			return u
		}
		gen := []string{"gen", "go", "schemas", "--out", "gen/events", "--package", "events", "--split", fmt.Sprint(split), "--optimize", optimize}
		timed(bin, gen...)
		timed("go", "build", "github.com/evctl/evctl/wire/...") // the dependencies into the build cache
		var g, bu usage
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			u := timed(bin, gen...)
			g.wall, g.cpu, g.rss, g.sumRSS = g.wall+u.wall, g.cpu+u.cpu, max(g.rss, u.rss), max(g.sumRSS, u.sumRSS)
			nonce := time.Now().UnixNano()
			pkgs, _ := filepath.Glob(filepath.Join(dir, "gen", "events", "internal", "part*"))
			for _, p := range append(pkgs, filepath.Join(dir, "gen", "events")) {
				write(b, filepath.Join(p, "bench_nonce.go"), fmt.Sprintf("package %s\n\nconst benchNonce = %d\n", filepath.Base(p), nonce))
			}
			u = timed("go", "build", "./...")
			bu.wall, bu.cpu, bu.rss, bu.sumRSS = bu.wall+u.wall, bu.cpu+u.cpu, max(bu.rss, u.rss), max(bu.sumRSS, u.sumRSS)
		}
		n := float64(b.N)
		b.ReportMetric(g.wall.Seconds()/n, "gen-s")
		b.ReportMetric(g.cpu.Seconds()/n, "gen-cpu-s")
		b.ReportMetric(bu.wall.Seconds()/n, "build-s")
		b.ReportMetric(bu.cpu.Seconds()/n, "build-cpu-s")
		b.ReportMetric(float64(g.rss)/1024, "gen-peak-MiB")
		b.ReportMetric(float64(bu.rss)/1024, "build-peak-MiB")
		b.ReportMetric(float64(bu.sumRSS)/1024, "build-peak-sum-MiB")
	})
}

// sampleTreeRSS returns the largest sum, in KiB, of the resident memory of
// process pid and all its descendants, sampled every 10 ms from /proc
// until done is closed (0 where /proc cannot be read).
func sampleTreeRSS(pid int, done <-chan struct{}) int64 {
	page := int64(os.Getpagesize() / 1024)
	var peak int64
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		entries, _ := os.ReadDir("/proc")
		parent := map[int]int{}
		rss := map[int]int64{}
		for _, e := range entries {
			var p int
			if _, err := fmt.Sscan(e.Name(), &p); err != nil {
				continue
			}
			data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			// The fields after the command name (in parentheses, which may
			// hold spaces): state ppid ... rss is field 24 of the line.
			i := strings.LastIndexByte(string(data), ')')
			if i < 0 {
				continue
			}
			f := strings.Fields(string(data[i+1:]))
			if len(f) < 22 {
				continue
			}
			var pp int
			var r int64
			fmt.Sscan(f[1], &pp)
			fmt.Sscan(f[21], &r)
			parent[p], rss[p] = pp, r*page
		}
		var total int64
		for p, r := range rss {
			for q := p; q > 1; q = parent[q] {
				if q == pid {
					total += r
					break
				}
			}
		}
		peak = max(peak, total)
		select {
		case <-done:
			return peak
		case <-t.C:
		}
	}
}

// startServe runs `evctl registry serve` on a loopback port with the given
// store arguments and returns its URL; the process is killed at the end of
// the benchmark (or by the returned stop).
func startServe(b *testing.B, bin string, args ...string) (url string, stop func()) {
	url, _, stop = startServeCPU(b, bin, args...)
	return url, stop
}

// startServeCPU is startServe that also returns a func reading the CPU
// time the server process has used so far (from /proc, Linux).
func startServeCPU(b *testing.B, bin string, args ...string) (url string, cpu func() time.Duration, stop func()) {
	b.Helper()
	cmd := exec.Command(bin, append([]string{"registry", "serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop = func() {
		cmd.Process.Kill()
		<-done
	}
	b.Cleanup(stop)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "registry listening" {
				addr <- rec.Addr
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return "http://" + a, func() time.Duration { return procCPU(cmd.Process.Pid) }, stop
	case <-done:
		b.Fatal("evctl registry serve exited before listening")
	case <-time.After(time.Minute):
		b.Fatal("evctl registry serve did not listen within a minute")
	}
	return "", nil, stop
}

// procCPU is the CPU time (user + system) process pid has used, from
// /proc/<pid>/stat (0 if unreadable).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command (which may hold spaces) in parentheses.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	var utime, stime int64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// runCPU is run that returns the CPU time of the process.
func runCPU(tb testing.TB, dir string, name string, args ...string) time.Duration {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// BenchmarkPushProcess2000 runs the whole `evctl push` process on a
// generated 2,000-event catalog against `evctl registry serve` (a separate
// process, loopback HTTP) on SQLite and on PostgreSQL (a throwaway cluster,
// internal/testpg): fresh (every event created: one list of the subjects,
// then 2 requests each; a new store per run, the server started outside
// the timer), no-op (every event unchanged: 2 requests each, after a first
// no-op push, so the server answers the lookups from its cache) and
// no-op-cold (the same against a server just started on the store: every
// lookup computed), serial and at the default concurrency. It reports the
// CPU time of the push and of the server per push besides the wall time.
// Goals (issue 12): no-op 0.8 s, fresh 2.5 s.
func BenchmarkPushProcess2000(b *testing.B) {
	bin := buildEvctl(b)
	dir := b.TempDir()
	writeCatalog(b, dir, 2000, 0)
	var pg *testpg.Cluster
	stores := map[string]func() []string{
		"sqlite": func() []string { return []string{"--data", filepath.Join(b.TempDir(), "registry.db")} },
		"postgres": func() []string {
			if pg == nil {
				pg = testpg.Start(b)
			}
			return []string{"--store", pg.NewDB(b)}
		},
	}
	for _, store := range []string{"sqlite", "postgres"} {
		for _, conc := range []string{"1", "8"} {
			b.Run(store+"/fresh/concurrency="+conc, func(b *testing.B) {
				var client, server time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					url, serverCPU, stop := startServeCPU(b, bin, stores[store]()...)
					before := serverCPU()
					b.StartTimer()
					client += runCPU(b, dir, bin, "push", "--registry-url", url, "--concurrency", conc)
					b.StopTimer()
					server += serverCPU() - before
					stop()
					b.StartTimer()
				}
				b.ReportMetric(client.Seconds()/float64(b.N), "client-cpu-s/op")
				b.ReportMetric(server.Seconds()/float64(b.N), "server-cpu-s/op")
			})
			b.Run(store+"/noop-cold/concurrency="+conc, func(b *testing.B) {
				args := stores[store]()
				url, stop := startServe(b, bin, args...)
				run(b, dir, bin, "push", "--registry-url", url)
				stop()
				var client, server time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					url, serverCPU, stop := startServeCPU(b, bin, args...)
					before := serverCPU()
					b.StartTimer()
					client += runCPU(b, dir, bin, "push", "--registry-url", url, "--concurrency", conc)
					b.StopTimer()
					server += serverCPU() - before
					stop()
					b.StartTimer()
				}
				b.ReportMetric(client.Seconds()/float64(b.N), "client-cpu-s/op")
				b.ReportMetric(server.Seconds()/float64(b.N), "server-cpu-s/op")
			})
			b.Run(store+"/noop/concurrency="+conc, func(b *testing.B) {
				url, serverCPU, _ := startServeCPU(b, bin, stores[store]()...)
				run(b, dir, bin, "push", "--registry-url", url)
				run(b, dir, bin, "push", "--registry-url", url)
				var client time.Duration
				b.ResetTimer()
				before := serverCPU()
				for i := 0; i < b.N; i++ {
					client += runCPU(b, dir, bin, "push", "--registry-url", url, "--concurrency", conc)
				}
				b.StopTimer()
				b.ReportMetric(client.Seconds()/float64(b.N), "client-cpu-s/op")
				b.ReportMetric((serverCPU()-before).Seconds()/float64(b.N), "server-cpu-s/op")
			})
		}
	}
}

// BenchmarkPushInProcess runs `evctl push` (cli.Run) and the registry
// (server.NewServer on a SQLite store, loopback HTTP) in the test process
// on the generated 2,000-event catalog, for profiling both sides at once
// (-cpuprofile; the server's samples are under internal/registry/server
// and store, the client's under internal/publish and registry/client):
//
//	go test ./cmd/evctl -run '^$' -bench PushInProcess -benchtime 3x -cpuprofile cpu.out
func BenchmarkPushInProcess(b *testing.B) {
	dir := b.TempDir()
	writeCatalog(b, dir, 2000, 0)
	b.Chdir(dir)
	env := func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return os.Getenv(k)
	}
	serve := func(b *testing.B) string {
		st, err := sqlite.Open(filepath.Join(b.TempDir(), "registry.db"))
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(server.NewServer(st, server.ServerOptions{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
		b.Cleanup(func() {
			srv.Close()
			st.Close()
		})
		return srv.URL
	}
	push := func(b *testing.B, url string) {
		var out, errOut strings.Builder
		if code := cli.Run(context.Background(), []string{"push", "--registry-url", url}, cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: env}); code != 0 {
			b.Fatalf("evctl push: exit %d\n%s%s", code, out.String(), errOut.String())
		}
	}
	b.Run("fresh", func(b *testing.B) {
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			url := serve(b)
			start := processCPU()
			stop := profileTimed(b)
			b.StartTimer()
			push(b, url)
			b.StopTimer()
			stop()
			cpu += processCPU() - start
		}
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("noop", func(b *testing.B) {
		url := serve(b)
		push(b, url)
		stop := profileTimed(b)
		b.ResetTimer()
		start := processCPU()
		for i := 0; i < b.N; i++ {
			push(b, url)
		}
		b.ReportMetric((processCPU()-start).Seconds()/float64(b.N), "cpu-s/op")
		stop()
	})
}

// profileTimed writes a CPU profile of the timed part of a benchmark to
// $EVCTL_BENCH_CPUPROFILE.<name> when that variable is set (go test's
// -cpuprofile covers the untimed setup too), appending each run's samples
// to a profile of its own, <name>.<n>; the returned func stops it.
func profileTimed(b *testing.B) func() {
	base := os.Getenv("EVCTL_BENCH_CPUPROFILE")
	if base == "" {
		return func() {}
	}
	name := fmt.Sprintf("%s.%s.%d", base, strings.ReplaceAll(b.Name(), "/", "_"), profileSeq.Add(1))
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

var profileSeq atomic.Int64

// processCPU is the CPU time (user + system) the test process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
