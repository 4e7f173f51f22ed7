package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// benchStores opens a fresh store of each kind: SQLite in a temp dir, and
// PostgreSQL in a cluster made for the benchmark.
func benchStores(b *testing.B) map[string]func() store.Store {
	var pgURL func() string
	var once sync.Once
	return map[string]func() store.Store{
		"sqlite": func() store.Store {
			st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func() store.Store {
			once.Do(func() {
				pg := startPostgres(b)
				pgURL = func() string { return pg.newDB(b) }
			})
			return openPostgresStore(b, pgURL())
		},
	}
}

// docSchema is the same record with another doc: BACKWARD compatible with
// every other, and of constant size, so only the version count grows.
func docSchema(i int) string {
	return fmt.Sprintf(`{"type":"record","name":"Event","namespace":"bench","doc":"v%d","fields":[{"name":"id","type":"string"}]}`, i)
}

// BenchmarkRegisterDepth measures one registration (HTTP, BACKWARD check
// against the latest version, durable commit) in a subject that already
// has 10 or 10,000 versions. Registration reads a bounded number of rows,
// so depth must not matter; the metric to read is the ratio of the two.
//
// Each sub-benchmark prefills its store once (the testing package calls
// it twice, with b.N = 1 and then 100) and goes on registering where the
// previous call stopped: a second 10,000-version prefill, written while
// the database still flushes and autovacuums the first, measured the
// prefill's background I/O rather than the depth.
func BenchmarkRegisterDepth(b *testing.B) {
	for name, open := range benchStores(b) {
		for _, depth := range []int{10, 10000} {
			var srv *httptest.Server
			next := depth + 1
			b.Run(fmt.Sprintf("%s/depth=%d", name, depth), func(b *testing.B) {
				if srv == nil {
					srv = prefilledServer(b, open(), "deep", depth)
				}
				client := &http.Client{}
				b.ResetTimer()
				for range b.N {
					if _, v, err := postRegister(client, srv.URL, "deep", docSchema(next)); err != nil || v != next {
						b.Fatalf("version %d, %v", v, err)
					}
					next++
				}
			})
			if srv != nil {
				srv.Close()
			}
		}
	}
}

// prefilledServer stores depth versions of subject directly through the
// store, in one transaction, and serves the store.
func prefilledServer(b *testing.B, st store.Store, subject string, depth int) *httptest.Server {
	err := st.Update(context.Background(), func(tx store.Tx) error {
		for v := 1; v <= depth; v++ {
			p, err := (&server{opts: ServerOptions{MaxSchemaBytes: DefaultMaxSchemaBytes, MaxSchemaDepth: DefaultMaxSchemaDepth}}).prepareSchema(&schemaRequest{Schema: ptr(docSchema(v))})
			if err != nil {
				return err
			}
			id, err := tx.InsertSchema(store.StoredSchema{Hash: identityHash(p.Type, p.Canonical, nil, "", ""), Type: p.Type, Text: p.Text})
			if err != nil {
				return err
			}
			if err := tx.InsertVersion(subject, v, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return httptest.NewServer(NewServer(st, ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
}

// postLoad sends n POSTs of body to url from conc goroutines.
func postLoad(b *testing.B, client *http.Client, n, conc int, url, body string) time.Duration {
	var wg sync.WaitGroup
	var failed sync.Once
	start := time.Now()
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += conc {
				res, err := client.Post(url, api.MediaTypeV1, strings.NewReader(body))
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
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkReRegister measures re-registering a schema that the subject
// already holds (what every producer does at start-up) from 8 clients,
// against a trivial net/http handler that answers the same body, in
// alternating rounds. Reported: both throughputs and their ratio.
func BenchmarkReRegister(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			st := open()
			reg := httptest.NewServer(NewServer(st, ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
			defer reg.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxIdleConns: 64}}
			for v := 1; v <= 20; v++ {
				if _, _, err := postRegister(client, reg.URL, "orders-value", docSchema(v)); err != nil {
					b.Fatal(err)
				}
			}
			body := fmt.Sprintf(`{"schema":%q}`, docSchema(10))
			answer := `{"id":10,"version":10}`
			trivial := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", api.MediaTypeV1)
				w.Write([]byte(answer))
			}))
			defer trivial.Close()
			regURL, trivURL := reg.URL+"/subjects/orders-value/versions", trivial.URL+"/subjects/orders-value/versions"
			const conc = 8
			postLoad(b, client, 500, conc, regURL, body)
			postLoad(b, client, 500, conc, trivURL, body)
			b.ResetTimer()
			const rounds = 4
			per := max(b.N/rounds, conc)
			var regT, trivT time.Duration
			for range rounds {
				trivT += postLoad(b, client, per, conc, trivURL, body)
				regT += postLoad(b, client, per, conc, regURL, body)
			}
			b.StopTimer()
			n := float64(per * rounds)
			b.ReportMetric(n/regT.Seconds(), "registry-req/s")
			b.ReportMetric(n/trivT.Seconds(), "trivial-req/s")
			b.ReportMetric(trivT.Seconds()/regT.Seconds(), "ratio")
		})
	}
}
