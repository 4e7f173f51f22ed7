package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestMetricsByRouteAndStatus(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	ts.do(t, "GET", "/schemas/ids/1", nil)
	ts.do(t, "GET", "/schemas/ids/1", nil)
	ts.do(t, "GET", "/schemas/ids/77", nil)
	ts.do(t, "GET", "/nowhere", nil)
	ts.do(t, "BREW", "/subjects", nil)
	ts.do(t, "SPILL", "/subjects", nil)
	r := ts.do(t, "GET", "/metrics", nil, "Accept", "text/plain")
	if r.status != 200 {
		t.Fatalf("/metrics: %d %s", r.status, r.body)
	}
	body := string(r.body)
	for _, want := range []string{
		`evctl_registry_http_requests_total{code="200",method="GET",route="GET /schemas/ids/{id}"} 2`,
		`evctl_registry_http_requests_total{code="404",method="GET",route="GET /schemas/ids/{id}"} 1`,
		`evctl_registry_http_requests_total{code="200",method="POST",route="POST /subjects/{subject}/versions"} 1`,
		`evctl_registry_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`evctl_registry_http_request_duration_seconds_count{code="200",method="GET",route="GET /schemas/ids/{id}"} 2`,
		`evctl_registry_http_request_duration_seconds_bucket{code="200",method="GET",route="GET /schemas/ids/{id}",le="+Inf"} 2`,
		`evctl_registry_http_requests_total{code="405",method="OTHER",route="/subjects"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Each server has its own registry: a second server starts from zero.
	ts2 := newTestServer(t, ServerOptions{})
	body2 := string(ts2.do(t, "GET", "/metrics", nil).body)
	if strings.Contains(body2, `route="GET /schemas/ids/{id}"`) {
		t.Error("a new server reports another server's requests")
	}
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	ts := newTestServer(t, ServerOptions{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Users: testUsers(t)})
	ts.do(t, "GET", "/subjects/x/versions", nil, "Authorization", basicHeader("reader", "secret-r"))
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &rec); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	for k, want := range map[string]any{
		"msg": "request", "method": "GET", "path": "/subjects/x/versions", "route": "GET /subjects/{subject}/versions",
		"status": float64(404), "user": "reader",
	} {
		if rec[k] != want {
			t.Errorf("log %s = %v, want %v", k, rec[k], want)
		}
	}
	if strings.Contains(buf.String(), "secret") {
		t.Error("the log shows a password")
	}
}
