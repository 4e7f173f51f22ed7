package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

const (
	orderV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	// orderV2 adds a field with a default: BACKWARD compatible with v1.
	orderV2 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0}]}`
	// orderV3 adds a field with a default: BACKWARD compatible with v2.
	orderV3 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0},{"name":"note","type":"string","default":""}]}`
	// orderBad adds a field without a default: BACKWARD incompatible with v1.
	orderBad    = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	addressV1   = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
	customerRef = `{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"addr","type":"com.acme.Address"}]}`
	jsonV1      = `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
)

// testServer is an httptest server over a SQLite store in a temp dir.
type testServer struct {
	*httptest.Server
	store *sqlite.Store
	path  string
}

// testStoreURL, when set (by TestPostgresConformance), makes
// newTestServer serve a fresh PostgreSQL database instead of SQLite.
var testStoreURL func(t *testing.T) string

func newTestServer(t *testing.T, opts ServerOptions) *testServer {
	t.Helper()
	if testStoreURL != nil {
		st := openPostgresStore(t, testStoreURL(t))
		srv := httptest.NewServer(NewServer(st, opts))
		t.Cleanup(srv.Close)
		return &testServer{Server: srv}
	}
	path := filepath.Join(t.TempDir(), "registry.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(st, opts))
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &testServer{Server: srv, store: st, path: path}
}

// resp is one HTTP answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request; body is marshalled to JSON unless it is a string.
func (ts *testServer) do(t *testing.T, method, path string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", api.MediaTypeV1)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := ts.Client()
	if c == nil { // a server this test did not start with httptest
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// reg is a register request body.
func reg(schema string, extra ...any) map[string]any {
	m := map[string]any{"schema": schema}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

// register registers schema under subject and returns its id, failing the test otherwise.
func (ts *testServer) register(t *testing.T, subject string, body any) int64 {
	t.Helper()
	r := ts.do(t, "POST", "/subjects/"+subject+"/versions", body)
	if r.status != 200 {
		t.Fatalf("register %s: %d %s", subject, r.status, r.body)
	}
	var out struct {
		ID int64 `json:"id"`
	}
	r.json(t, &out)
	if out.ID <= 0 {
		t.Fatalf("register %s: no id in %s", subject, r.body)
	}
	return out.ID
}

// wantOK checks a 200 answer whose JSON equals want (compared as decoded JSON).
func wantOK(t *testing.T, r resp, want string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	wantJSON(t, r.body, want)
}

func wantJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("answer is not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	g = dropUnwantedGUIDs(w, g)
	if d := cmp.Diff(w, g); d != "" {
		t.Errorf("answer mismatch (-want +got):\n%s", d)
	}
}

// wantErr checks an error answer: status, error_code and the exact body shape.
func wantErr(t *testing.T, r resp, status, code int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("error body is not JSON: %s", r.body)
	}
	if len(m) != 2 {
		t.Errorf("error body has keys %v, want exactly error_code and message", m)
	}
	if got, _ := m["error_code"].(float64); int(got) != code {
		t.Errorf("error_code %v, want %d; body %s", m["error_code"], code, r.body)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Errorf("empty message in %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != api.MediaTypeV1 {
		t.Errorf("Content-Type %q, want %q", ct, api.MediaTypeV1)
	}
}

func newHTTPTest(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// testUsers returns a writer with a bcrypt hash and a reader with an
// argon2id hash (cheap parameters, to keep tests fast).
func testUsers(t *testing.T) []User {
	t.Helper()
	bh, err := bcrypt.GenerateFromPassword([]byte("secret-w"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("secret-r"), salt, 1, 1024, 1, 32)
	ah := fmt.Sprintf("$argon2id$v=19$m=1024,t=1,p=1$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	return []User{{Name: "writer", Hash: string(bh), Role: RoleWrite}, {Name: "reader", Hash: ah, Role: RoleRead}}
}

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// dropUnwantedGUIDs removes the "guid" members (random UUIDs) of got that
// want does not mention, after checking that they look like UUIDs; a test
// that cares about a guid says so in want.
func dropUnwantedGUIDs(want, got any) any {
	switch g := got.(type) {
	case map[string]any:
		w, _ := want.(map[string]any)
		if _, ok := w["guid"]; !ok {
			if s, ok := g["guid"].(string); ok && guidRE.MatchString(s) {
				delete(g, "guid")
			}
		}
		for k, v := range g {
			g[k] = dropUnwantedGUIDs(w[k], v)
		}
		return g
	case []any:
		w, _ := want.([]any)
		for i, v := range g {
			var wi any
			if i < len(w) {
				wi = w[i]
			}
			g[i] = dropUnwantedGUIDs(wi, v)
		}
		return g
	}
	return got
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
