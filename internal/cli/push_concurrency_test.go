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
	"time"

	"github.com/evctl/evctl/internal/registry/client"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// writeRefCatalog writes a JSON Schema catalog of n events: every third
// references Money.json, and C0..C4 form a chain (Ci references C(i-1)),
// so push must order registrations across concurrent workers.
func writeRefCatalog(t *testing.T, n int) (dir string, refs map[string][]string) {
	t.Helper()
	dir = t.TempDir()
	root := filepath.Join(dir, "schemas", "v1")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	refs = map[string][]string{}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Money.json", `{"title": "v1.Money", "type": "object", "properties": {"cents": {"type": "integer"}}}`)
	for i := 0; i < n; i++ {
		extra := ""
		if i%3 == 0 {
			extra = `, "amount": {"$ref": "Money.json"}`
			refs[fmt.Sprintf("v1.E%02d", i)] = []string{"v1.Money"}
		}
		write(fmt.Sprintf("E%02d.json", i), fmt.Sprintf(`{"title": "v1.E%02d", "type": "object", "properties": {"id": {"type": "string"}%s}}`, i, extra))
	}
	for i := 0; i < 5; i++ {
		extra := ""
		if i > 0 {
			extra = fmt.Sprintf(`, "prev": {"$ref": "C%d.json"}`, i-1)
			refs[fmt.Sprintf("v1.C%d", i)] = []string{fmt.Sprintf("v1.C%d", i-1)}
		}
		write(fmt.Sprintf("C%d.json", i), fmt.Sprintf(`{"title": "v1.C%d", "type": "object", "properties": {"n": {"type": "integer"}%s}}`, i, extra))
	}
	if err := os.WriteFile(filepath.Join(dir, "evctl.yaml"), []byte("compat:\n  level: BACKWARD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, refs
}

// pushRegistry serves the real registry on loopback and logs, in order,
// when each registration (POST /subjects/{s}/versions) starts and ends.
// The first registration waits (up to 30 s) for a second request to
// arrive, which only a concurrent push sends; fail makes the registry
// answer 401 to the registrations of those subjects.
type pushRegistry struct {
	srv      *httptest.Server
	mu       sync.Mutex
	log      []string
	inFlight int
	gate     bool
	second   chan struct{}
	fail     map[string]bool
}

func startPushRegistry(t *testing.T, gate bool, fail ...string) *pushRegistry {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := server.NewServer(st, server.ServerOptions{})
	p := &pushRegistry{gate: gate, second: make(chan struct{}), fail: map[string]bool{}}
	for _, f := range fail {
		p.fail[f] = true
	}
	first := true
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		subj, isReg := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/subjects/"), "/versions")
		isReg = isReg && r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/subjects/")
		p.mu.Lock()
		p.inFlight++
		if p.inFlight == 2 && p.second != nil {
			close(p.second)
			p.second = nil
		}
		wait := isReg && first && p.gate
		if isReg {
			first = false
			p.log = append(p.log, "start "+subj)
		}
		second := p.second
		p.mu.Unlock()
		if wait && second != nil {
			select {
			case <-second:
			case <-time.After(30 * time.Second):
				t.Error("no second request arrived while the first registration was held: push is not concurrent")
			}
		}
		if isReg && p.fail[subj] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error_code":401,"message":"denied by the test"}`)
		} else {
			h.ServeHTTP(w, r)
		}
		p.mu.Lock()
		p.inFlight--
		if isReg {
			p.log = append(p.log, "end "+subj)
		}
		p.mu.Unlock()
	}))
	t.Cleanup(func() {
		p.srv.Close()
		st.Close()
	})
	return p
}

// TestPushConcurrentReferencesFirst: a concurrent push registers every
// referenced schema before a schema that references it starts, and
// reports in catalog order: the same output as a serial push.
func TestPushConcurrentReferencesFirst(t *testing.T) {
	dir, refs := writeRefCatalog(t, 40)
	reg := startPushRegistry(t, true)
	env := map[string]string{client.EnvURL: reg.srv.URL}
	code, out, errOut := runCLI(t, dir, env, "push", "--concurrency", "8")
	if code != ExitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	ended := map[string]bool{}
	for _, e := range reg.log {
		if subj, ok := strings.CutPrefix(e, "end "); ok {
			ended[subj] = true
			continue
		}
		subj := strings.TrimPrefix(e, "start ")
		for _, dep := range refs[subj] {
			if !ended[dep] {
				t.Errorf("%s was registered before its reference %s was", subj, dep)
			}
		}
	}
	if len(ended) != 46 {
		t.Errorf("%d subjects registered, want 46", len(ended))
	}
	// Results print in plan order, whatever order the requests finished in.
	lines := regexp.MustCompile(`(?m)^(v1\.\w+): registered`).FindAllStringSubmatch(out, -1)
	plan := regexp.MustCompile(`(?m)^(v1\.\w+) +create `).FindAllStringSubmatch(out, -1)
	if len(lines) != 46 || len(plan) != 46 {
		t.Fatalf("%d registered lines, %d plan lines:\n%s", len(lines), len(plan), out)
	}
	for i := range lines {
		if lines[i][1] != plan[i][1] {
			t.Fatalf("result %d is %s, plan line %d is %s", i, lines[i][1], i, plan[i][1])
		}
	}
	// A second push, serial or concurrent, plans the same: all unchanged.
	_, serial, _ := runCLI(t, dir, env, "push", "--concurrency", "1")
	_, concurrent, errOut := runCLI(t, dir, env, "push")
	if serial != concurrent || !strings.Contains(errOut, "0 created, 0 new version(s), 46 unchanged") {
		t.Errorf("re-push: serial\n%s\nconcurrent\n%s%s", serial, concurrent, errOut)
	}
	if code, _, errOut := runCLI(t, dir, env, "push", "--concurrency", "0"); code != ExitUsage || !strings.Contains(errOut, "--concurrency 0: want 1 or more") {
		t.Errorf("--concurrency 0: exit %d %s", code, errOut)
	}
}

// TestPushConcurrentRejectionsDeterministic: rejected schemas, and the
// schemas that reference them, are reported in catalog order, identically
// at any concurrency.
func TestPushConcurrentRejectionsDeterministic(t *testing.T) {
	dir, _ := writeRefCatalog(t, 40)
	reg := startPushRegistry(t, false)
	env := map[string]string{client.EnvURL: reg.srv.URL}
	if code, out, errOut := runCLI(t, dir, env, "push"); code != ExitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}
	root := filepath.Join(dir, "schemas", "v1")
	// Incompatible under BACKWARD: a property changes type.
	for name, body := range map[string]string{
		"Money.json": `{"title": "v1.Money", "type": "object", "properties": {"cents": {"type": "string"}}}`,
		"E07.json":   `{"title": "v1.E07", "type": "object", "properties": {"id": {"type": "integer"}}}`,
		"E31.json":   `{"title": "v1.E31", "type": "object", "properties": {"id": {"type": "boolean"}}}`,
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var outs []string
	for _, n := range []string{"1", "8", "32"} {
		code, out, errOut := runCLI(t, dir, env, "push", "--concurrency", n)
		if code != ExitFindings {
			t.Fatalf("--concurrency %s: exit %d\n%s%s", n, code, out, errOut)
		}
		outs = append(outs, out+errOut)
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Fatalf("reports differ with concurrency:\n--- 1\n%s\n--- 8\n%s\n--- 32\n%s", outs[0], outs[1], outs[2])
	}
	// 14 events reference Money: each reported as not registered.
	if c := strings.Count(outs[0], "it references schemas/v1/Money.json (subject v1.Money), which the registry rejected"); c != 14 {
		t.Errorf("%d dependents of the rejected Money reported, want 14:\n%s", c, outs[0])
	}
	for _, s := range []string{"evctl: v1.E07 (", "evctl: v1.E31 (", "evctl: v1.Money (", ", 17 rejected"} {
		if !strings.Contains(outs[0], s) {
			t.Errorf("report lacks %q:\n%s", s, outs[0])
		}
	}
}

// TestPushConcurrentFailsClosed: a registry failure (401 on two
// registrations) stops the push with exit 4 naming the first failing event
// in catalog order, at any concurrency; every event before it was
// registered and is listed.
func TestPushConcurrentFailsClosed(t *testing.T) {
	for _, n := range []string{"1", "8"} {
		dir, _ := writeRefCatalog(t, 40)
		reg := startPushRegistry(t, false, "v1.E05", "v1.E17")
		env := map[string]string{client.EnvURL: reg.srv.URL}
		code, out, errOut := runCLI(t, dir, env, "push", "--concurrency", n)
		if code != ExitRegistry {
			t.Fatalf("--concurrency %s: exit %d\n%s%s", n, code, out, errOut)
		}
		if !strings.Contains(errOut, "register v1.E05") || strings.Contains(errOut, "v1.E17") {
			t.Errorf("--concurrency %s: the error should name v1.E05 only:\n%s", n, errOut)
		}
		plan := regexp.MustCompile(`(?m)^(v1\.\w+) +create `).FindAllStringSubmatch(out, -1)
		for _, p := range plan {
			if p[1] == "v1.E05" {
				break
			}
			if !strings.Contains(out, p[1]+": registered ") {
				t.Errorf("--concurrency %s: %s comes before v1.E05 but is not listed as registered:\n%s", n, p[1], out)
			}
		}
	}
}
