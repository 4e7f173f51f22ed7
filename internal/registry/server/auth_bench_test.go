package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// BenchmarkLoginThrottle measures what the issue measured: the latency of
// a valid request alone and while 16 goroutines send wrong passwords from
// the same address, and how long a rejection takes for an unknown user, a
// user with the costliest hash (bcrypt 12) and one with a cheaper hash
// (bcrypt 10), with the throttle off so that every rejection checks a hash.
// Run it once (-benchtime 1x): it reports medians as metrics.
func BenchmarkLoginThrottle(b *testing.B) {
	cheap, err := HashPassword("pw-cheap", 10)
	if err != nil {
		b.Fatal(err)
	}
	costly, err := HashPassword("pw-costly", 12)
	if err != nil {
		b.Fatal(err)
	}
	users := []User{{Name: "ci", Hash: cheap, Role: RoleWrite}, {Name: "admin", Hash: costly, Role: RoleWrite}}
	serve := func(opts ServerOptions) (*httptest.Server, *http.Client) {
		st, err := sqlite.Open(filepath.Join(b.TempDir(), "r.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		srv := httptest.NewServer(NewServer(st, opts))
		b.Cleanup(srv.Close)
		c := srv.Client()
		c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
		return srv, c
	}
	get := func(c *http.Client, url, user, pw string) (int, time.Duration) {
		req, _ := http.NewRequest("GET", url+"/subjects", nil)
		req.SetBasicAuth(user, pw)
		start := time.Now()
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, time.Since(start)
	}
	median := func(n int, f func() time.Duration) time.Duration {
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = f()
		}
		slices.Sort(ds)
		return ds[n/2]
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

	srv, c := serve(ServerOptions{Users: users})
	valid := func() time.Duration {
		code, d := get(c, srv.URL, "ci", "pw-cheap")
		if code != http.StatusOK {
			b.Fatalf("valid request: %d", code)
		}
		return d
	}
	valid() // the first check of the password; later ones hit the cache
	idle := median(200, valid)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, _ := get(c, srv.URL, "ci", "wrong")
				mu.Lock()
				statuses[code]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	attacked := median(200, valid)
	close(stop)
	wg.Wait()
	b.Logf("wrong-password answers during the attack: %v", statuses)

	open, oc := serve(ServerOptions{Users: users, LoginFailureBurst: 1 << 30, LoginFailureRate: 1 << 30})
	reject := func(user, pw string) func() time.Duration {
		return func() time.Duration {
			code, d := get(oc, open.URL, user, pw)
			if code != http.StatusUnauthorized {
				b.Fatalf("%s: %d, want 401", user, code)
			}
			return d
		}
	}
	unknown := median(15, reject("nobody", "x"))
	costliest := median(15, reject("admin", "wrong"))
	cheaper := median(15, reject("ci", "wrong"))

	b.ReportMetric(ms(idle), "valid-idle-ms")
	b.ReportMetric(ms(attacked), "valid-attacked-ms")
	b.ReportMetric(ms(unknown), "reject-unknown-ms")
	b.ReportMetric(ms(costliest), "reject-bcrypt12-ms")
	b.ReportMetric(ms(cheaper), "reject-bcrypt10-ms")
	b.ReportMetric(float64(unknown)/float64(costliest), "unknown/bcrypt12")
}
