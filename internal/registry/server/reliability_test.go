package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/registry/store/postgres"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// fieldSchema returns a distinct valid Avro schema for each i.
func fieldSchema(i int) string {
	return fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"load","fields":[{"name":"f%d","type":"long"}]}`, i, i)
}

// postRegister registers without failing the test (safe from goroutines).
func postRegister(client *http.Client, base, subject, schema string) (int64, int, error) {
	body, err := json.Marshal(map[string]string{"schema": schema})
	if err != nil {
		return 0, 0, err
	}
	res, err := client.Post(base+"/subjects/"+subject+"/versions", api.MediaTypeV1, strings.NewReader(string(body)))
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, err
	}
	if res.StatusCode != 200 {
		return 0, 0, fmt.Errorf("register %s: %d %s", subject, res.StatusCode, b)
	}
	var out struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, 0, fmt.Errorf("register %s: %w", subject, err)
	}
	return out.ID, out.Version, nil
}

// Checklist 4: N concurrent registrations of one schema give one id and one version.
func TestChecklist04ConcurrentSameSchema(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	const n = 50
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Half of them send other whitespace: still the same schema.
			text := orderV1
			if i%2 == 1 {
				text = strings.ReplaceAll(orderV1, ",", ", ")
			}
			ids[i], _, errs[i] = postRegister(ts.Client(), ts.URL, "same", text)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got id %d, goroutine 0 got %d", i, ids[i], ids[0])
		}
	}
	wantOK(t, ts.do(t, "GET", "/subjects/same/versions", nil), `[1]`)
	wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d/versions", ids[0]), nil), `[{"subject":"same","version":1}]`)
}

// Checklist 5: concurrent registrations of different schemas get distinct
// ids, each resolving to its own schema.
func TestChecklist05ConcurrentDifferentSchemas(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	const n = 50
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Spread over 5 subjects (NONE, so order does not matter) and 50 subjects of their own.
			subject := fmt.Sprintf("own-%d", i)
			if i%2 == 0 {
				subject = fmt.Sprintf("shared-%d", i%5)
			}
			ids[i], _, errs[i] = postRegister(ts.Client(), ts.URL, subject, fieldSchema(i))
		}()
	}
	wantOK(t, ts.do(t, "PUT", "/config", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	close(start)
	wg.Wait()
	seen := map[int64]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if j, dup := seen[ids[i]]; dup {
			t.Fatalf("id %d given to schema %d and schema %d", ids[i], j, i)
		}
		seen[ids[i]] = i
	}
	for i := range n {
		wantOK(t, ts.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", ids[i]), nil), fmt.Sprintf(`{"schema":%q}`, fieldSchema(i)))
	}
	var versions []int
	ts.do(t, "GET", "/subjects/shared-0/versions", nil).json(t, &versions)
	if len(versions) != 5 {
		t.Errorf("shared-0 has versions %v, want 5 of them", versions)
	}
}

// Bad input gets a 4xx, never a 5xx or a crash, and the server keeps serving.
func TestBadInputNever5xx(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	ts.register(t, "s", reg(orderV1))
	deepArray := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	deepAvro := strings.Repeat(`{"type":"array","items":`, 10000) + `"int"` + strings.Repeat("}", 10000)
	deepJSONSchema := strings.Repeat(`{"type":"object","properties":{"a":`, 10000) + `{}` + strings.Repeat("}}", 10000)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed JSON", "POST", "/subjects/s/versions", `{"schema": "x"`, 400},
		{"not an object", "POST", "/subjects/s/versions", `[1,2,3]`, 422},
		{"invalid schema", "POST", "/subjects/s/versions", `{"schema":"{\"type\":\"record\"}"}`, 422},
		{"invalid schema in lookup", "POST", "/subjects/s", `{"schema":"{\"type\":"}`, 422},
		{"huge body", "POST", "/subjects/s/versions", `{"schema":"` + strings.Repeat("a", DefaultMaxBodyBytes+1) + `"}`, 413},
		{"huge config body", "PUT", "/config", `{"compatibility":"` + strings.Repeat("a", DefaultMaxBodyBytes+1) + `"}`, 413},
		{"10,000-deep request body", "POST", "/subjects/s/versions", `{"schema":` + deepArray + `}`, 400},
		{"10,000-deep array schema", "POST", "/subjects/s/versions", fmt.Sprintf(`{"schema":%q}`, deepArray), 422},
		{"10,000-deep Avro schema", "POST", "/subjects/s/versions", fmt.Sprintf(`{"schema":%q}`, deepAvro), 422},
		{"10,000-deep JSON schema", "POST", "/subjects/s/versions", fmt.Sprintf(`{"schemaType":"JSON","schema":%q}`, deepJSONSchema), 422},
		{"10,000-deep compatibility check", "POST", "/compatibility/subjects/s/versions/latest", fmt.Sprintf(`{"schema":%q}`, deepAvro), 422},
		{"non-numeric id", "GET", "/schemas/ids/abc", "", 404},
		{"non-numeric id raw", "GET", "/schemas/ids/%00/schema", "", 404},
		{"unknown subject", "GET", "/subjects/nope/versions/latest", "", 404},
		{"unknown subject delete", "DELETE", "/subjects/nope", "", 404},
		{"bad reference type", "POST", "/subjects/s/versions", `{"schema":"\"int\"","references":"x"}`, 422},
		{"negative reference version", "POST", "/subjects/s/versions", `{"schema":"\"int\"","references":[{"name":"a","subject":"s","version":-5}]}`, 422},
		{"invalid mode body", "PUT", "/mode", `{"mode":5}`, 422},
		{"binary garbage", "POST", "/subjects/s/versions", "\x00\xff\xfe{", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			r := ts.do(t, tt.method, tt.path, body)
			if r.status != tt.status {
				t.Errorf("status %d, want %d; body %.300s", r.status, tt.status, r.body)
			}
			var m map[string]any
			if err := json.Unmarshal(r.body, &m); err != nil || len(m) != 2 {
				t.Errorf("error body %.300s is not {error_code,message}", r.body)
			}
		})
	}
	// Nesting under the limit is accepted: depth is limited, not forbidden.
	nested := strings.Repeat(`{"type":"array","items":`, 200) + `"int"` + strings.Repeat("}", 200)
	ts.register(t, "nested", reg(nested))
	// Still alive and nothing bad was stored.
	wantOK(t, ts.do(t, "GET", "/subjects", nil), `["nested","s"]`)
	wantOK(t, ts.do(t, "GET", "/subjects/s/versions", nil), `[1]`)
}

// FuzzRegisterNever5xx feeds arbitrary bodies to the write endpoints.
func FuzzRegisterNever5xx(f *testing.F) {
	for _, seed := range []string{
		`{"schema":"\"int\""}`, fmt.Sprintf(`{"schema":%q}`, orderV1), `{"schema":"{}","schemaType":"JSON"}`,
		`{"schema":"[\"null\",\"int\"]","references":[{"name":"x","subject":"y","version":1}]}`,
		`{"schema":null}`, `{`, `[]`, `{"schema":"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}"}`,
	} {
		f.Add(seed)
	}
	path := filepath.Join(f.TempDir(), "fuzz.db")
	st, err := sqlite.Open(path)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	h := NewServer(st, ServerOptions{})
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"/subjects/f/versions", "/subjects/f", "/compatibility/subjects/f/versions/latest?verbose=true"} {
			rec := newRecorder()
			req, _ := http.NewRequest("POST", target, strings.NewReader(body))
			h.ServeHTTP(rec, req)
			if rec.code >= 500 {
				t.Fatalf("%s %q: %d %s", target, body, rec.code, rec.body)
			}
		}
	})
}

// recorder is a minimal ResponseWriter (httptest.ResponseRecorder would do,
// but this keeps the fuzz loop allocation-light).
type recorder struct {
	h    http.Header
	code int
	body []byte
}

func newRecorder() *recorder { return &recorder{h: http.Header{}} }

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

// ---- a real server process, killed with SIGKILL ----

const helperEnv = "EVCTL_REGISTRY_HELPER_DB"

// TestMain turns the test binary into a registry server process when
// startServerProcess runs it with helperEnv set: it serves the registry on
// the given database until killed.
func TestMain(m *testing.M) {
	if db := os.Getenv(helperEnv); db != "" {
		serveHelper(db)
	}
	os.Exit(m.Run())
}

func serveHelper(db string) {
	err := serveForTest(context.Background(), db, false, func(a net.Addr) { fmt.Printf("LISTENING %s\n", a) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// serveForTest serves the registry on db (a SQLite file or a postgres://
// URL) on a loopback port until ctx is done, as evctl registry serve does
// (the CLI's own tests cover its flags, listener and signals).
func serveForTest(ctx context.Context, db string, readOnly bool, ready func(net.Addr)) error {
	var st store.Store
	var err error
	if strings.HasPrefix(db, "postgres://") {
		st, err = postgres.Open(ctx, db)
	} else {
		st, err = sqlite.OpenWith(db, sqlite.Options{ReadOnly: readOnly})
	}
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: NewServer(st, ServerOptions{})}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	ready(ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}
	<-errc
	return nil
}

type serverProcess struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

func startServerProcess(t *testing.T, db string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan error, 1)}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	sc := bufio.NewScanner(out)
	addr := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("server process exited before listening: %v", <-p.done)
		}
		p.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("server process did not start listening")
	}
	return p
}

// TestChecklist06KillDashNine kills the server with SIGKILL while four
// clients register schemas in a loop, restarts it on the same file, and
// checks that every acknowledged id still resolves to its schema (by id and
// by subject/version) and that no id is ever reused.
func TestChecklist06KillDashNine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "registry.db")
	type ack struct {
		id      int64
		version int
		subject string
		schema  string
	}
	var (
		mu    sync.Mutex
		acked []ack
	)
	client := &http.Client{Timeout: 10 * time.Second}
	p := startServerProcess(t, db)
	const workers, killAfter = 4, 60
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				n := w*100000 + i
				// A subject per schema: unrelated records are not BACKWARD compatible.
				subject := fmt.Sprintf("kill-%d-%d", w, i)
				schema := fieldSchema(n)
				id, version, err := postRegister(client, p.base, subject, schema)
				if err != nil {
					// Requests in flight when the server dies fail: not acknowledged.
					continue
				}
				mu.Lock()
				acked = append(acked, ack{id, version, subject, schema})
				if len(acked) >= killAfter {
					once.Do(func() {
						p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := <-p.done; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("server process exit: %v, want killed", err)
	}
	p2 := startServerProcess(t, db)
	var maxID int64
	ids := map[int64]string{}
	for _, a := range acked {
		if prev, dup := ids[a.id]; dup && prev != a.schema {
			t.Fatalf("id %d acknowledged for two schemas", a.id)
		}
		ids[a.id] = a.schema
		maxID = max(maxID, a.id)
		got := getJSON(t, client, fmt.Sprintf("%s/schemas/ids/%d", p2.base, a.id))
		if got["schema"] != a.schema {
			t.Fatalf("after restart id %d is %v, want %s", a.id, got["schema"], a.schema)
		}
		got = getJSON(t, client, fmt.Sprintf("%s/subjects/%s/versions/%d", p2.base, a.subject, a.version))
		if got["schema"] != a.schema || int64(got["id"].(float64)) != a.id {
			t.Fatalf("after restart %s v%d is %v, want id %d", a.subject, a.version, got, a.id)
		}
	}
	// New registrations get ids above every acknowledged one.
	for i := range 5 {
		id, _, err := postRegister(client, p2.base, fmt.Sprintf("after-restart-%d", i), fieldSchema(900000+i))
		if err != nil {
			t.Fatal(err)
		}
		if _, reused := ids[id]; reused || id <= maxID {
			t.Fatalf("new id %d after restart; acknowledged ids go up to %d", id, maxID)
		}
	}
	t.Logf("%d registrations acknowledged before SIGKILL, max id %d", len(acked), maxID)
}

func getJSON(t *testing.T, c *http.Client, url string) map[string]any {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, m)
	}
	return m
}
