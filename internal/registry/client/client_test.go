package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

const (
	clientOrderV1 = `{"type":"record","name":"Order","namespace":"com.acme","doc":"An order.","fields":[{"name":"id","type":"string"}]}`
	// clientOrderV2 adds a field with a default: BACKWARD compatible.
	clientOrderV2 = `{
  "type": "record", "name": "Order", "namespace": "com.acme", "doc": "An order.",
  "fields": [{"name": "id", "type": "string"}, {"name": "note", "type": "string", "default": "none"}]
}`
	// clientOrderBad adds a field without a default: BACKWARD incompatible.
	clientOrderBad = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	clientMoney    = `{"type":"object","properties":{"cents":{"type":"integer"}},"required":["cents"],"additionalProperties":false}`
	clientPayment  = `{"type":"object","properties":{"amount":{"$ref":"Money.json"}},"additionalProperties":false}`
)

// newClientServer serves the real registry handler over httptest, behind
// wrap when it is not nil.
func newClientServer(t *testing.T, opts server.ServerOptions, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = server.NewServer(st, opts)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return srv
}

// bcryptHash is a cheap hash for tests (argon2id costs 64 MiB a check).
func bcryptHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func newTestClient(t *testing.T, opts ClientOptions) *Client {
	t.Helper()
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientRegisterLookupAndFetch(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, nil)
	c := newTestClient(t, ClientOptions{URL: srv.URL + "/"})
	ctx := context.Background()

	if _, found, missing, err := c.LookupSubject(ctx, "orders", Schema{Text: clientOrderV1}); err != nil || found || !missing {
		t.Fatalf("lookup in a missing subject: found=%v missing=%v err=%v", found, missing, err)
	}
	if vs, err := c.Versions(ctx, "orders"); err != nil || vs != nil {
		t.Fatalf("versions of a missing subject = %v, %v; want none", vs, err)
	}
	id1, v1, err := c.Register(ctx, "orders", Schema{Text: clientOrderV1})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, missing, err := c.LookupSubject(ctx, "orders", Schema{Text: clientOrderV2}); err != nil || found || missing {
		t.Fatalf("lookup of an unregistered schema in an existing subject: found=%v missing=%v err=%v", found, missing, err)
	}
	id2, v2, err := c.Register(ctx, "orders", Schema{Text: clientOrderV2})
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || v1 != 1 || v2 != 2 {
		t.Fatalf("ids %d, %d versions %d, %d; want two ids and versions 1, 2", id1, id2, v1, v2)
	}
	// Registering again returns the same id and version.
	again, vAgain, err := c.Register(ctx, "orders", Schema{Text: clientOrderV2})
	if err != nil || again != id2 || vAgain != 2 {
		t.Fatalf("re-register = %d v%d, %v; want %d v2", again, vAgain, err, id2)
	}
	r, found, err := c.Lookup(ctx, "orders", Schema{Text: clientOrderV2})
	if err != nil || !found {
		t.Fatalf("lookup: found=%v err=%v", found, err)
	}
	if diff := cmp.Diff(Registered{Subject: "orders", Version: 2, ID: id2, GUID: r.GUID, Schema: Schema{Text: r.Text, Type: "AVRO"}}, r); diff != "" {
		t.Errorf("lookup (-want +got):\n%s", diff)
	}
	// The GUID names the same schema.
	if byGUID, err := c.SchemaByGUID(ctx, r.GUID); err != nil || len(r.GUID) != 36 || byGUID.Text != r.Text || byGUID.Type != "AVRO" {
		t.Errorf("SchemaByGUID(%q) = %+v, %v", r.GUID, byGUID, err)
	}
	// The stored text keeps docs and defaults.
	if !strings.Contains(r.Text, `"default":"none"`) || !strings.Contains(r.Text, `"doc":"An order."`) {
		t.Errorf("stored text lost docs or defaults: %s", r.Text)
	}
	vs, err := c.Versions(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2}, vs); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	got, err := c.Version(ctx, "orders", 1)
	if err != nil || got.ID != id1 || got.Type != "AVRO" || got.Subject != "orders" {
		t.Fatalf("version 1 = %+v, %v", got, err)
	}
	subs, err := c.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"orders"}, subs); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
	if _, err := c.Version(ctx, "orders", 9); !IsNotFound(err) {
		t.Errorf("missing version: err = %v, want a not-found error", err)
	}

	// A soft-deleted version is not listed, and its schema is no longer
	// found in the subject.
	req, err := http.NewRequest(http.MethodDelete, srv.URL+"/subjects/orders/versions/1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("soft delete: %s", resp.Status)
	}
	vs, err = c.Versions(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, vs); diff != "" {
		t.Errorf("versions after a soft delete (-want +got):\n%s", diff)
	}
	if _, found, err := c.Lookup(ctx, "orders", Schema{Text: clientOrderV1}); err != nil || found {
		t.Errorf("lookup of a soft-deleted version: found=%v err=%v", found, err)
	}
}

func TestClientRejection(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, nil)
	c := newTestClient(t, ClientOptions{URL: srv.URL})
	ctx := context.Background()

	ok, msgs, err := c.CheckCompatibility(ctx, "orders", Schema{Text: clientOrderBad})
	if err != nil || !ok {
		t.Fatalf("a missing subject must be compatible: ok=%v msgs=%v err=%v", ok, msgs, err)
	}
	if _, _, err := c.Register(ctx, "orders", Schema{Text: clientOrderV1}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Register(ctx, "orders", Schema{Text: clientOrderBad})
	var re *Error
	if !errors.As(err, &re) || re.Status != http.StatusConflict || !IsRejection(err) {
		t.Fatalf("incompatible register: err = %#v, want a 409 rejection", err)
	}
	ok, msgs, err = c.CheckCompatibility(ctx, "orders", Schema{Text: clientOrderBad})
	if err != nil || ok {
		t.Fatalf("check of an incompatible schema: ok=%v err=%v", ok, err)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "READER_FIELD_MISSING_DEFAULT_VALUE") {
		t.Errorf("verbose messages lack the reason: %q", msgs)
	}
	ok, _, err = c.CheckCompatibility(ctx, "orders", Schema{Text: clientOrderV2})
	if err != nil || !ok {
		t.Fatalf("check of a compatible schema: ok=%v err=%v", ok, err)
	}
	_, _, err = c.Register(ctx, "orders", Schema{Text: `{"type":"record"}`})
	if !IsRejection(err) {
		t.Errorf("invalid schema: err = %v, want a rejection", err)
	}
	if _, found, err := c.Lookup(ctx, "orders", Schema{Text: `{"type":"record"}`}); err != nil || found {
		t.Errorf("lookup of an invalid schema: found=%v err=%v; want not found", found, err)
	}
	if _, _, err := c.Register(ctx, "orders", Schema{Text: `{"type":"array","items":"string"}`, Type: "JSON"}); !IsRejection(err) {
		t.Errorf("a JSON schema in an Avro subject: err = %v, want a rejection", err)
	}
}

func TestClientLevels(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, nil)
	c := newTestClient(t, ClientOptions{URL: srv.URL})
	ctx := context.Background()

	level, own, err := c.Level(ctx, "orders")
	if err != nil || level != "BACKWARD" || own {
		t.Fatalf("level of an unset subject = %q own=%v err=%v; want the global BACKWARD", level, own, err)
	}
	if err := c.SetLevel(ctx, "orders", "full_transitive"); err != nil {
		t.Fatal(err)
	}
	level, own, err = c.Level(ctx, "orders")
	if err != nil || level != "FULL_TRANSITIVE" || !own {
		t.Fatalf("level after set = %q own=%v err=%v", level, own, err)
	}
	if err := c.SetLevel(ctx, "", "NONE"); err != nil {
		t.Fatal(err)
	}
	if level, own, err = c.Level(ctx, ""); err != nil || level != "NONE" || own {
		t.Fatalf("global level = %q own=%v err=%v", level, own, err)
	}
	if level, _, err = c.Level(ctx, "other"); err != nil || level != "NONE" {
		t.Fatalf("level of another subject = %q, %v; want the global NONE", level, err)
	}
	if err := c.SetLevel(ctx, "orders", "SIDEWAYS"); err == nil {
		t.Error("an unknown level was accepted")
	}
}

func TestClientReferences(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, nil)
	c := newTestClient(t, ClientOptions{URL: srv.URL})
	ctx := context.Background()

	_, mv, err := c.Register(ctx, "money", Schema{Text: clientMoney, Type: "JSON"})
	if err != nil {
		t.Fatal(err)
	}
	refs := []Reference{{Name: "Money.json", Subject: "money", Version: mv}}
	if _, _, err := c.Register(ctx, "payment", Schema{Text: clientPayment, Type: "JSON", References: refs}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Version(ctx, "payment", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(refs, r.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	texts, err := c.ReferenceTexts(ctx, r.References)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]byte{"Money.json": []byte(clientMoney)}, texts); diff != "" {
		t.Errorf("reference texts (-want +got):\n%s", diff)
	}
}

// failFirst answers the first n requests with status (and Retry-After: 0),
// then passes requests to the real server.
func failFirst(n int32, status int, calls *atomic.Int32) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) <= n {
				w.Header().Set("Retry-After", "0")
				w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
				w.WriteHeader(status)
				w.Write([]byte(`{"error_code":50001,"message":"try again"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestClientRetries(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var calls atomic.Int32
			srv := newClientServer(t, server.ServerOptions{}, failFirst(2, status, &calls))
			c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: 3})
			// A POST is retried with its body intact.
			id, v, err := c.Register(context.Background(), "orders", Schema{Text: clientOrderV1})
			if err != nil || id == 0 || v != 1 {
				t.Fatalf("register after two %d answers = %d v%d, %v", status, id, v, err)
			}
			if got := calls.Load(); got != 3 {
				t.Errorf("%d requests, want 3 (two failures and a success)", got)
			}
		})
	}
	t.Run("exhausted", func(t *testing.T) {
		var calls atomic.Int32
		srv := newClientServer(t, server.ServerOptions{}, failFirst(100, http.StatusServiceUnavailable, &calls))
		c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: 2})
		_, err := c.Subjects(context.Background())
		var re *Error
		if !errors.As(err, &re) || re.Status != http.StatusServiceUnavailable || IsRejection(err) {
			t.Fatalf("err = %v, want a 503 error", err)
		}
		if got := calls.Load(); got != 3 {
			t.Errorf("%d requests, want 3 (the first and two retries)", got)
		}
	})
	t.Run("no retries", func(t *testing.T) {
		var calls atomic.Int32
		srv := newClientServer(t, server.ServerOptions{}, failFirst(100, http.StatusServiceUnavailable, &calls))
		c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: -1})
		if _, err := c.Subjects(context.Background()); err == nil {
			t.Fatal("no error")
		}
		if got := calls.Load(); got != 1 {
			t.Errorf("%d requests, want 1", got)
		}
	})
	t.Run("4xx is final", func(t *testing.T) {
		var calls atomic.Int32
		srv := newClientServer(t, server.ServerOptions{}, failFirst(0, 0, &calls))
		c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: 3})
		if _, err := c.Version(context.Background(), "nope", 1); !IsNotFound(err) {
			t.Fatalf("err = %v, want not found", err)
		}
		if got := calls.Load(); got != 1 {
			t.Errorf("%d requests for a 404, want 1", got)
		}
	})
}

func TestClientAttemptTimeout(t *testing.T) {
	var calls atomic.Int32
	// The first attempt hangs until the client gives up on it; the retry
	// reaches the real server.
	hang := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				<-r.Context().Done()
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	srv := newClientServer(t, server.ServerOptions{}, hang)
	c := newTestClient(t, ClientOptions{URL: srv.URL, Timeout: 500 * time.Millisecond, Retries: 3})
	if _, err := c.Subjects(context.Background()); err != nil {
		t.Fatalf("subjects after a timed-out attempt: %v", err)
	}
	if got := calls.Load(); got < 2 {
		t.Errorf("%d requests, want a retry after the timed-out one", got)
	}

	// Without retries the timeout is the error.
	calls.Store(0)
	c = newTestClient(t, ClientOptions{URL: srv.URL, Timeout: 100 * time.Millisecond, Retries: -1})
	_, err := c.Subjects(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestClientCancelledContext(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, failFirst(100, http.StatusServiceUnavailable, new(atomic.Int32)))
	c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: 10, Backoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Subjects(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestClientCancelledDuringRetryableAnswer: a context that ends after a
// retryable answer (503) arrived, before the retry, gives the caller
// context.Canceled, not the 503 it would have retried (the race behind a
// flake of TestClientCancelledContext). The transport under the client
// ends the context as soon as the real server's answer is in.
func TestClientCancelledDuringRetryableAnswer(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, failFirst(100, http.StatusServiceUnavailable, new(atomic.Int32)))
	var cancel atomic.Pointer[context.CancelFunc]
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		(*cancel.Load())()
		return resp, err
	})
	c := newTestClient(t, ClientOptions{URL: srv.URL, Retries: 10, Backoff: time.Hour, Transport: tr})
	ctx, cf := context.WithCancel(context.Background())
	cancel.Store(&cf)
	if _, err := c.Subjects(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientBasicAuth(t *testing.T) {
	hash := bcryptHash(t, "s3cret-pw")
	users := []server.User{{Name: "ci", Hash: hash, Role: server.RoleWrite}, {Name: "viewer", Hash: hash, Role: server.RoleRead}}
	srv := newClientServer(t, server.ServerOptions{Users: users}, nil)
	ctx := context.Background()

	c := newTestClient(t, ClientOptions{URL: srv.URL, User: "ci", Password: "s3cret-pw"})
	if _, _, err := c.Register(ctx, "orders", Schema{Text: clientOrderV1}); err != nil {
		t.Fatalf("register with valid credentials: %v", err)
	}
	// Credentials in the URL are used and then dropped from it.
	u := strings.Replace(srv.URL, "http://", "http://ci:s3cret-pw@", 1)
	c = newTestClient(t, ClientOptions{URL: u})
	if c.URL() != srv.URL {
		t.Errorf("URL() = %q, want %q", c.URL(), srv.URL)
	}
	if _, err := c.Subjects(ctx); err != nil {
		t.Fatalf("subjects with URL credentials: %v", err)
	}

	var re *Error
	c = newTestClient(t, ClientOptions{URL: srv.URL, User: "ci", Password: "wrong-pw"})
	_, err := c.Subjects(ctx)
	if !errors.As(err, &re) || re.Status != http.StatusUnauthorized || IsRejection(err) {
		t.Fatalf("wrong password: err = %v, want 401", err)
	}
	c = newTestClient(t, ClientOptions{URL: srv.URL, User: "viewer", Password: "s3cret-pw"})
	_, _, err = c.Register(ctx, "orders", Schema{Text: clientOrderV2})
	if !errors.As(err, &re) || re.Status != http.StatusForbidden || IsRejection(err) {
		t.Fatalf("read-only user registering: err = %v, want 403", err)
	}
}

func TestClientBearerToken(t *testing.T) {
	var sawBasic atomic.Bool
	gate := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, _, ok := r.BasicAuth(); ok {
				sawBasic.Store(true)
			}
			if r.Header.Get("Authorization") != "Bearer tok-123" {
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error_code":401,"message":"Unauthorized"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	srv := newClientServer(t, server.ServerOptions{}, gate)
	// A user from a lower-precedence source does not turn a token into Basic auth.
	c := newTestClient(t, ClientOptions{URL: srv.URL, Token: "tok-123", User: "ci"})
	if _, err := c.Subjects(context.Background()); err != nil {
		t.Fatalf("subjects with a token: %v", err)
	}
	if sawBasic.Load() {
		t.Error("Basic auth was sent along with the token")
	}
	c = newTestClient(t, ClientOptions{URL: srv.URL, Token: "tok-bad"})
	if _, err := c.Subjects(context.Background()); err == nil {
		t.Fatal("a wrong token was accepted")
	}
}

func TestClientSecretsNeverPrinted(t *testing.T) {
	const pw, tok = "pw-Zq81-very-secret", "tok-Zq81-very-secret"
	hash := bcryptHash(t, "other")
	srv := newClientServer(t, server.ServerOptions{Users: []server.User{{Name: "ci", Hash: hash, Role: server.RoleWrite}}}, nil)
	// A server that echoes the Authorization header in its error message.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error_code":400,"message":"bad header ` + r.Header.Get("Authorization") + `"}`))
	}))
	defer echo.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	ctx := context.Background()
	cases := []struct {
		name string
		opts ClientOptions
		run  func(c *Client) error
	}{
		{"401 basic", ClientOptions{URL: srv.URL, User: "ci", Password: pw}, func(c *Client) error { _, err := c.Subjects(ctx); return err }},
		{"401 token", ClientOptions{URL: srv.URL, Token: tok}, func(c *Client) error { _, _, err := c.Register(ctx, "s", Schema{Text: clientOrderV1}); return err }},
		{"down basic", ClientOptions{URL: closed, User: "ci", Password: pw, Retries: -1}, func(c *Client) error { _, err := c.Subjects(ctx); return err }},
		{"down url credentials", ClientOptions{URL: strings.Replace(closed, "http://", "http://ci:"+pw+"@", 1), Retries: -1}, func(c *Client) error { _, err := c.Versions(ctx, "s"); return err }},
		{"echo token", ClientOptions{URL: echo.URL, Token: tok}, func(c *Client) error { _, err := c.Subjects(ctx); return err }},
		{"echo basic", ClientOptions{URL: echo.URL, User: "ci", Password: pw}, func(c *Client) error { _, _, err := c.Level(ctx, "s"); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, tc.opts)
			err := tc.run(c)
			if err == nil {
				t.Fatal("no error")
			}
			basic := base64.StdEncoding.EncodeToString([]byte("ci:" + pw))
			for _, s := range []string{err.Error(), c.URL()} {
				if strings.Contains(s, pw) || strings.Contains(s, tok) || strings.Contains(s, basic) {
					t.Errorf("secret printed: %s", s)
				}
			}
		})
	}
	// Invalid options do not echo the secrets either.
	for _, opts := range []ClientOptions{
		{URL: "ftp://ci:" + pw + "@host"},
		{URL: "http://host", Password: pw},
		{URL: "http://host", User: "ci", Password: pw, Token: tok},
	} {
		_, err := NewClient(opts)
		if err == nil {
			t.Fatalf("NewClient(%v) accepted", opts.URL)
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), tok) {
			t.Errorf("secret printed: %s", err)
		}
	}
}

// writePEM writes a PEM block to a file in dir and returns its path.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientTLS(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir := t.TempDir()

	// A self-signed client certificate that the server trusts.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "evctl-ci"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	clientCert, _ := x509.ParseCertificate(der)
	certFile := writePEM(t, dir, "client.pem", "CERTIFICATE", der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writePEM(t, dir, "client-key.pem", "PRIVATE KEY", keyDER)

	srv := httptest.NewUnstartedServer(server.NewServer(st, server.ServerOptions{}))
	pool := x509.NewCertPool()
	pool.AddCert(clientCert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)
	ctx := context.Background()

	c := newTestClient(t, ClientOptions{URL: srv.URL, CAFile: caFile, CertFile: certFile, KeyFile: keyFile})
	if _, err := c.Subjects(ctx); err != nil {
		t.Fatalf("subjects over mutual TLS: %v", err)
	}
	// Without the CA the server's certificate is not trusted.
	c = newTestClient(t, ClientOptions{URL: srv.URL, CertFile: certFile, KeyFile: keyFile, Retries: -1})
	if _, err := c.Subjects(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA: err = %v, want a certificate error", err)
	}
	// Without the client certificate the server refuses the handshake.
	c = newTestClient(t, ClientOptions{URL: srv.URL, CAFile: caFile, Retries: -1})
	if _, err := c.Subjects(ctx); err == nil {
		t.Fatal("the server accepted a client without a certificate")
	}
	for _, opts := range []ClientOptions{
		{URL: srv.URL, CAFile: filepath.Join(dir, "missing.pem")},
		{URL: srv.URL, CAFile: keyFile},
		{URL: srv.URL, CertFile: certFile},
		{URL: srv.URL, CertFile: certFile, KeyFile: caFile},
	} {
		if _, err := NewClient(opts); err == nil {
			t.Errorf("NewClient(%+v) accepted bad TLS files", opts)
		}
	}
}

func TestClientResolveOptions(t *testing.T) {
	three, zero := 3, 0
	cfg := config.Registry{URL: "http://from-config", User: "cfg-user", Timeout: "3s", CAFile: "ca.pem", CertFile: "/abs/cert.pem",
		KeyFile: "key.pem", PasswordEnv: "MY_PW", TokenEnv: "MY_TOKEN", Retries: &three}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		name  string
		flags ClientOptions
		env   map[string]string
		cfg   config.Registry
		want  ClientOptions
	}{
		{name: "config only", cfg: cfg, env: map[string]string{"MY_PW": "p1"},
			want: ClientOptions{URL: "http://from-config", User: "cfg-user", Password: "p1", Timeout: 3 * time.Second, Retries: 3,
				CAFile: filepath.Join("/etc/evctl", "ca.pem"), CertFile: "/abs/cert.pem", KeyFile: filepath.Join("/etc/evctl", "key.pem")}},
		{name: "env over config", cfg: cfg, env: map[string]string{EnvURL: "http://from-env", EnvUser: "env-user", EnvPassword: "p2", "MY_PW": "p1", EnvToken: "t2", "MY_TOKEN": "t1"},
			want: ClientOptions{URL: "http://from-env", User: "env-user", Password: "p2", Token: "t2", Timeout: 3 * time.Second, Retries: 3,
				CAFile: filepath.Join("/etc/evctl", "ca.pem"), CertFile: "/abs/cert.pem", KeyFile: filepath.Join("/etc/evctl", "key.pem")}},
		{name: "flags over env", cfg: cfg, env: map[string]string{EnvURL: "http://from-env", EnvUser: "env-user"},
			flags: ClientOptions{URL: "http://from-flag", User: "flag-user", Timeout: time.Second, CAFile: "/flag/ca.pem"},
			want: ClientOptions{URL: "http://from-flag", User: "flag-user", Timeout: time.Second, Retries: 3,
				CAFile: "/flag/ca.pem", CertFile: "/abs/cert.pem", KeyFile: filepath.Join("/etc/evctl", "key.pem")}},
		{name: "zero retries", cfg: config.Registry{Retries: &zero}, want: ClientOptions{Retries: -1}},
		{name: "nothing", want: ClientOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env = tc.env
			got, err := ResolveOptions(tc.flags, getenv, tc.cfg, "/etc/evctl")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b http.RoundTripper) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	bad := []config.Registry{{Timeout: "soon"}, {Timeout: "-1s"}, {Retries: new(int)}}
	*bad[2].Retries = 11
	for _, b := range bad {
		if _, err := ResolveOptions(ClientOptions{}, getenv, b, ""); err == nil {
			t.Errorf("ResolveOptions accepted %+v", b)
		}
	}
}

func TestClientSubjectNames(t *testing.T) {
	topics := map[string]string{"v1.OrderPlaced": "orders"}
	in := SubjectInput{EventType: "v1.OrderPlaced", RecordName: "com.acme.orders.v1.OrderPlaced"}
	cases := []struct {
		strategy string
		in       SubjectInput
		want     string
		wantErr  bool
	}{
		{"", in, "v1.OrderPlaced", false},
		{StrategyEventType, in, "v1.OrderPlaced", false},
		{StrategyRecord, in, "com.acme.orders.v1.OrderPlaced", false},
		{StrategyTopic, SubjectInput{EventType: "v1.Unmapped", Topic: "annotated"}, "annotated-value", false},
		{StrategyTopic, in, "orders-value", false},
		{StrategyTopicRecord, in, "orders-com.acme.orders.v1.OrderPlaced", false},
		{StrategyTopicRecord, SubjectInput{EventType: "v1.OrderPlaced"}, "orders-v1.OrderPlaced", false},
		{StrategyTopic, SubjectInput{EventType: "v1.Unmapped"}, "", true},
		{StrategyTopicRecord, SubjectInput{EventType: "v1.Unmapped"}, "", true},
	}
	for _, tc := range cases {
		n, err := NewSubjectNamer(tc.strategy, topics)
		if err != nil {
			t.Fatal(err)
		}
		got, err := n.Subject(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%s %+v = %q, %v; want %q (error %v)", tc.strategy, tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "registry.topics") {
			t.Errorf("error does not say how to fix it: %v", err)
		}
	}
	if _, err := NewSubjectNamer("TopicNameStrategy", nil); err == nil {
		t.Error("an unknown strategy was accepted")
	}
}

// TestClientConcurrentUse checks the client is safe for concurrent use.
func TestClientConcurrentUse(t *testing.T) {
	srv := newClientServer(t, server.ServerOptions{}, nil)
	c := newTestClient(t, ClientOptions{URL: srv.URL})
	var wg sync.WaitGroup
	ids := make([]int, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Go(func() { ids[i], _, errs[i] = c.Register(context.Background(), "orders", Schema{Text: clientOrderV1}) })
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("register %d = %d, %v; want id %d", i, ids[i], errs[i], ids[0])
		}
	}
}
