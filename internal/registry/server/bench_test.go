package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// loadResult is what one load run measured.
type loadResult struct {
	requests int
	elapsed  time.Duration
	lat      []time.Duration
}

func (r loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r loadResult) p99() time.Duration {
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}

// load sends n GET requests to the URLs that next returns, from conc
// goroutines over keep-alive connections, and times each of them.
func load(b *testing.B, client *http.Client, n, conc int, next func(i int) string) loadResult {
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var failed sync.Once
	start := time.Now()
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += conc {
				t0 := time.Now()
				res, err := client.Get(next(i))
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != 200 {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				if err != nil {
					failed.Do(func() { b.Error(err) })
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	return loadResult{requests: n, elapsed: time.Since(start), lat: lat}
}

// BenchmarkSchemaByID measures GET /schemas/ids/{id} on loopback against a
// trivial net/http handler that answers a body of the same size, both
// driven by the same Go load generator in the same run. Reported: both
// throughputs, their ratio (goal ≥ 0.7) and both p99 latencies.
func BenchmarkSchemaByID(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := httptest.NewServer(NewServer(st, ServerOptions{Logger: logger}))
	defer reg.Close()
	const schemas = 100
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}}
	var body []byte
	for i := range schemas {
		id, _, err := postRegister(client, reg.URL, "bench-"+strconv.Itoa(i), fieldSchema(i))
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			res, err := client.Get(fmt.Sprintf("%s/schemas/ids/%d", reg.URL, id))
			if err != nil {
				b.Fatal(err)
			}
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
		}
	}
	trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", api.MediaTypeV1)
		w.Write(body)
	}))
	defer trivial.Close()

	const conc = 8
	regURL := func(i int) string { return reg.URL + "/schemas/ids/" + strconv.Itoa(i%schemas+1) }
	trivURL := func(i int) string { return trivial.URL + "/schemas/ids/" + strconv.Itoa(i%schemas+1) }
	// Warm up connections and caches.
	load(b, client, 2000, conc, regURL)
	load(b, client, 2000, conc, trivURL)

	b.ResetTimer()
	// Alternate in rounds so that drift in machine load hits both sides.
	const rounds = 4
	per := max(b.N/rounds, 1)
	var regRes, trivRes loadResult
	for range rounds {
		t := load(b, client, per, conc, trivURL)
		r := load(b, client, per, conc, regURL)
		trivRes.requests += t.requests
		trivRes.elapsed += t.elapsed
		trivRes.lat = append(trivRes.lat, t.lat...)
		regRes.requests += r.requests
		regRes.elapsed += r.elapsed
		regRes.lat = append(regRes.lat, r.lat...)
	}
	b.StopTimer()
	b.ReportMetric(regRes.rps(), "registry-req/s")
	b.ReportMetric(trivRes.rps(), "trivial-req/s")
	b.ReportMetric(regRes.rps()/trivRes.rps(), "ratio")
	b.ReportMetric(float64(regRes.p99().Microseconds())/1000, "registry-p99-ms")
	b.ReportMetric(float64(trivRes.p99().Microseconds())/1000, "trivial-p99-ms")
}

// BenchmarkRegister measures registrations per second through HTTP with the
// SQLite store (WAL, synchronous=FULL: every registration is fsynced), each
// a new schema with a BACKWARD check against the subject's latest version.
func BenchmarkRegister(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(NewServer(st, ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	client := &http.Client{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		// Ten subjects, each growing by compatible versions (one more optional field).
		subject := "reg-" + strconv.Itoa(i%10)
		n := i / 10
		fields := `{"name":"id","type":"string"}`
		for f := range n {
			fields += fmt.Sprintf(`,{"name":"f%d","type":"long","default":0}`, f)
		}
		schema := `{"type":"record","name":"Event","fields":[` + fields + `]}`
		t0 := time.Now()
		if _, _, err := postRegister(client, srv.URL, subject, schema); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "registrations/s")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}
