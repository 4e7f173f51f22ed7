package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/evctl/evctl/internal/registry/client"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// countingRegistry serves the real registry on loopback and counts its
// requests by kind; refuseList makes GET /subjects answer 403, as a
// registry does to a principal allowed only some subjects.
type countingRegistry struct {
	srv        *httptest.Server
	mu         sync.Mutex
	counts     map[string]int
	refuseList bool
}

func startCountingRegistry(t *testing.T, refuseList bool) *countingRegistry {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := server.NewServer(st, server.ServerOptions{})
	c := &countingRegistry{counts: map[string]int{}, refuseList: refuseList}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.Method + " " + requestKind(r.URL.Path)
		c.mu.Lock()
		c.counts[kind]++
		c.mu.Unlock()
		if c.refuseList && kind == "GET /subjects" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error_code":40301,"message":"denied by the test"}`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		c.srv.Close()
		st.Close()
	})
	return c
}

// requestKind names a path by its route: /subjects/{s}/versions, ...
func requestKind(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 2 {
		parts[1] = "{s}"
	}
	return "/" + strings.Join(parts, "/")
}

func (c *countingRegistry) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.counts
	c.counts = map[string]int{}
	return out
}

// TestPushRequestsPerEvent pins how many requests push makes: a fresh push
// lists the subjects once and then sets each new subject's level and
// registers it (no lookup); a no-op push looks each event up and reads its
// level; a push with one changed event plans it as a new version. The
// plans and results are the same when the registry refuses the subject
// list (then each event is looked up).
func TestPushRequestsPerEvent(t *testing.T) {
	const n = 30
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprintf("refuseList=%v", refuse), func(t *testing.T) {
			dir, _ := writeRefCatalog(t, n)
			events := n + 6 // E00..E29, C0..C4, Money
			reg := startCountingRegistry(t, refuse)
			env := map[string]string{client.EnvURL: reg.srv.URL}

			code, dry, errOut := runCLI(t, dir, env, "push", "--dry-run")
			if code != 0 || strings.Count(dry, " create ") != events {
				t.Fatalf("dry run: exit %d\n%s%s", code, dry, errOut)
			}
			reg.take()
			code, out, errOut := runCLI(t, dir, env, "push")
			if code != 0 {
				t.Fatalf("fresh push: exit %d\n%s%s", code, out, errOut)
			}
			if !strings.HasPrefix(out, dry) {
				t.Errorf("the fresh push's plan differs from the dry run's:\n%s\n---\n%s", out, dry)
			}
			want := map[string]int{
				"GET /subjects":               1,
				"PUT /config/{s}":             events,
				"POST /subjects/{s}/versions": events,
			}
			if refuse {
				// Looked up, except the 14 events that reference others
				// not yet registered: their versions are listed.
				withRefs := (n+2)/3 + 4
				want["POST /subjects/{s}"] = events - withRefs
				want["GET /subjects/{s}/versions"] = withRefs
			}
			checkCounts(t, "fresh push", reg.take(), want)

			code, out, errOut = runCLI(t, dir, env, "push")
			if code != 0 || strings.Count(out, " unchanged ") != events || !strings.Contains(errOut, fmt.Sprintf("0 created, 0 new version(s), %d unchanged", events)) {
				t.Fatalf("no-op push: exit %d\n%s%s", code, out, errOut)
			}
			checkCounts(t, "no-op push", reg.take(), map[string]int{
				"GET /subjects":      1,
				"POST /subjects/{s}": events,
				"GET /config/{s}":    events,
			})

			// One event changes: a new version; the others stay unchanged.
			body := `{"title": "v1.E01", "type": "object", "properties": {"id": {"type": "string", "description": "the event's id"}}}`
			if err := os.WriteFile(filepath.Join(dir, "schemas", "v1", "E01.json"), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = runCLI(t, dir, env, "push")
			if code != 0 || !regexp.MustCompile(`(?m)^v1\.E01 +new-version +BACKWARD `).MatchString(out) || !strings.Contains(errOut, fmt.Sprintf("0 created, 1 new version(s), %d unchanged", events-1)) {
				t.Fatalf("push of one change: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func checkCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d × %s, want %d (all: %v)", what, got[k], k, v, got)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v > 0 {
			t.Errorf("%s: %d unexpected × %s (all: %v)", what, v, k, got)
		}
	}
}
