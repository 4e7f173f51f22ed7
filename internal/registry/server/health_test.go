package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/client"
)

// The health endpoint answers without credentials when auth is on, is not
// rate limited, and turns 503 once the store stops answering.
func TestHealthEndpoint(t *testing.T) {
	ts := newTestServer(t, ServerOptions{Users: testUsers(t), RateLimit: 1, RateBurst: 1})
	if r := ts.do(t, "GET", "/subjects", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("GET /subjects without credentials: status %d, want 401", r.status)
	}
	for i := 0; i < 5; i++ {
		r := ts.do(t, "GET", api.HealthPath, nil)
		wantOK(t, r, `{"status":"UP"}`)
	}
	if r := ts.do(t, "HEAD", api.HealthPath, nil); r.status != http.StatusOK {
		t.Errorf("HEAD %s: status %d, want 200", api.HealthPath, r.status)
	}
	r := ts.do(t, "POST", api.HealthPath, "{}")
	wantErr(t, r, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
	if got := r.header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow %q", got)
	}

	// The client sees the same.
	c, err := client.NewClient(client.ClientOptions{URL: ts.URL, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Health(context.Background()); err != nil {
		t.Fatalf("Health: %v", err)
	}

	ts.store.Close()
	wantErr(t, ts.do(t, "GET", api.HealthPath, nil), http.StatusServiceUnavailable, api.CodeStoreError)
	err = c.Health(context.Background())
	if err == nil || !strings.Contains(err.Error(), "health check") || !strings.Contains(err.Error(), "Store unavailable") {
		t.Fatalf("Health after the store closed: %v", err)
	}
}

// A registry without the endpoint (or another server) is not healthy.
func TestClientHealthNotEvctl(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"404", `{"error_code":404,"message":"HTTP 404 Not Found"}`, http.StatusNotFound, "Not Found"},
		{"other status", `{"status":"DOWN"}`, http.StatusOK, `status "DOWN"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != api.HealthPath {
					t.Errorf("path %s", r.URL.Path)
				}
				w.Header().Set("Content-Type", api.MediaTypeV1)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			c, err := client.NewClient(client.ClientOptions{URL: srv.URL, Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Health(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Health: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
