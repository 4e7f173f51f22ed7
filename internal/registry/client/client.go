// Package client owns evctl's side of a Confluent-compatible schema
// registry: the client (over franz-go's pkg/sr) with its retries, timeouts
// and secret-free errors, how its settings are resolved from flags, the
// environment and evctl.yaml, and the subject naming strategies.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/twmb/franz-go/pkg/sr"
)

// Defaults of ClientOptions.
const (
	DefaultTimeout = 10 * time.Second
	DefaultRetries = 3
	DefaultBackoff = 250 * time.Millisecond
	maxBackoff     = 5 * time.Second
)

// ClientOptions configure NewClient. Password and Token are secrets: they
// are sent in the Authorization header and never appear in an error or a
// String result.
type ClientOptions struct {
	// URL is the registry's base URL, e.g. http://127.0.0.1:8081. User
	// information in the URL is moved to User and Password.
	URL string
	// User and Password enable HTTP Basic auth.
	User, Password string
	// Token enables bearer-token auth (instead of Basic auth).
	Token string
	// CAFile is a PEM bundle of CAs trusted in addition to the system pool.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key (mutual TLS).
	CertFile, KeyFile string
	// Timeout bounds each attempt of a request; default 10s.
	Timeout time.Duration
	// Retries is how many times a request is retried after a transport
	// error, 429 or 5xx (except 501); default 3. Negative means none.
	Retries int
	// Backoff is the first wait between attempts; it doubles each time, with
	// jitter, up to 5s. A Retry-After header (seconds) is honoured up to the
	// same cap. Default 250ms.
	Backoff time.Duration
	// UserAgent is sent with every request.
	UserAgent string
	// Transport is the underlying transport; nil means a clone of
	// http.DefaultTransport (tests use it to reach httptest servers).
	Transport http.RoundTripper
}

// Client talks to a Confluent-compatible schema registry through
// github.com/twmb/franz-go/pkg/sr, with retries, timeouts and error values
// that never carry secrets.
type Client struct {
	sr      *sr.Client
	url     string
	secrets []string
}

// NewClient validates opts and returns a client. It does no I/O besides
// reading the TLS files.
func NewClient(opts ClientOptions) (*Client, error) {
	if strings.TrimSpace(opts.URL) == "" {
		return nil, errors.New("no registry URL: set registry.url in evctl.yaml or EVCTL_REGISTRY_URL")
	}
	u, err := url.Parse(strings.TrimSpace(opts.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid registry URL %q: want http(s)://host[:port][/path]", RedactURL(opts.URL))
	}
	if u.User != nil {
		if opts.User == "" {
			opts.User = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && opts.Password == "" {
			opts.Password = p
		}
		u.User = nil
	}
	u.RawQuery, u.Fragment = "", ""
	base := strings.TrimSuffix(u.String(), "/")
	if opts.Token != "" && opts.Password != "" {
		return nil, errors.New("registry auth: set either a bearer token or a password, not both")
	}
	if opts.Password != "" && opts.User == "" {
		return nil, errors.New("registry auth: a password is set but no user")
	}
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return nil, errors.New("registry TLS: a client certificate needs both cert_file and key_file")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries == 0 {
		opts.Retries = DefaultRetries
	}
	if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "evctl"
	}
	rt := opts.Transport
	if rt == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Keep a connection per concurrent request (push runs several at
		// once) instead of the default 2 per host.
		tr.MaxIdleConnsPerHost = 64
		if u.Scheme == "https" {
			tc, err := tlsConfig(opts)
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig = tc
		}
		rt = tr
	}
	c := &Client{url: base}
	basic := ""
	if opts.Password != "" {
		basic = base64.StdEncoding.EncodeToString([]byte(opts.User + ":" + opts.Password))
	}
	for _, s := range []string{opts.Password, opts.Token, basic} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	srOpts := []sr.ClientOpt{
		sr.URLs(base),
		sr.HTTPClient(&http.Client{Transport: &retryTransport{base: rt, retries: opts.Retries, backoff: opts.Backoff, timeout: opts.Timeout}}),
		sr.UserAgent(opts.UserAgent),
	}
	switch {
	case opts.Token != "":
		srOpts = append(srOpts, sr.BearerToken(opts.Token))
	case opts.User != "":
		srOpts = append(srOpts, sr.BasicAuth(opts.User, opts.Password))
	}
	c.sr, err = sr.NewClient(srOpts...)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	return c, nil
}

func tlsConfig(opts ClientOptions) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("registry TLS: read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("registry TLS: %s holds no PEM certificate", opts.CAFile)
		}
		tc.RootCAs = pool
	}
	if opts.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("registry TLS: load client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// URL is the registry's base URL, without credentials.
func (c *Client) URL() string { return c.url }

// RedactURL drops the password from a URL for messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "***@" + raw[i+1:]
			}
		}
		return raw
	}
	return u.Redacted()
}

// Error is a failed registry request. It never holds a secret.
type Error struct {
	// Op says what was being done: "register v1.OrderPlaced".
	Op string
	// Status and Code are the HTTP status and Confluent error_code (0 for a
	// transport failure).
	Status, Code int
	// Message is the registry's message or the transport error.
	Message string
	err     error
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("%s: %s", e.Op, e.Message)
	case e.Code != 0:
		return fmt.Sprintf("%s: registry answered %d (error %d): %s", e.Op, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: registry answered %d: %s", e.Op, e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.err }

// Incompatible reports whether the registry refused a schema as
// incompatible (409) or invalid (422 with error 42201).
func (e *Error) Incompatible() bool {
	return e.Status == http.StatusConflict || (e.Status == http.StatusUnprocessableEntity && e.Code == 42201)
}

// NotFound reports a 404 with the given Confluent code (any 404 for 0).
func (e *Error) notFound(code int) bool {
	return e.Status == http.StatusNotFound && (code == 0 || e.Code == code)
}

// Confluent error codes the client interprets.
const (
	srSubjectNotFound = 40401
	srSchemaNotFound  = 40403
	srNoSubjectConfig = 40408
)

// IsNotFound reports whether err is a 404 from the registry.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.notFound(0)
}

// IsRejection reports whether err is the registry refusing a schema
// (incompatible or invalid), as opposed to a transport, auth or server
// failure.
func IsRejection(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Incompatible()
}

// wrap turns an sr or transport error into an *Error without secrets.
func (c *Client) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op}
	var re *sr.ResponseError
	switch {
	case errors.As(err, &re):
		e.Status, e.Code, e.Message = re.StatusCode, re.ErrorCode, re.Message
		if e.Message == "" || e.Message == "no response" {
			e.Message = http.StatusText(re.StatusCode)
		}
		if re.ErrorCode == 0 && len(re.Raw) > 0 && !strings.HasPrefix(string(re.Raw), "{") {
			e.Message = strings.TrimSpace(truncateMsg(string(re.Raw), 300))
		}
		switch re.StatusCode {
		case http.StatusUnauthorized:
			e.Message += " (check EVCTL_REGISTRY_USER and EVCTL_REGISTRY_PASSWORD, or EVCTL_REGISTRY_TOKEN)"
		case http.StatusForbidden:
			e.Message += " (the credentials are valid but may not do this)"
		}
	default:
		e.Message = transportMessage(c.url, err)
		e.err = unwrapTransport(err)
	}
	e.Message = c.redact(e.Message)
	return e
}

// redact replaces any secret in s.
func (c *Client) redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return s
}

func truncateMsg(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// unwrapTransport keeps context errors visible to errors.Is.
func unwrapTransport(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return nil
}

// transportMessage describes a transport failure without the request URL
// (which sr puts in its messages) beyond the registry's base.
func transportMessage(base string, err error) string {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("registry %s did not answer in time", base)
	case errors.As(err, &oe):
		return fmt.Sprintf("cannot reach registry %s: %v", base, oe.Err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("cannot reach registry %s: %v", base, ue.Err)
	}
	return fmt.Sprintf("registry %s: %v", base, err)
}

// Reference is a schema reference (name, subject, version).
type Reference = api.Reference

// Schema is a schema to register or check: its text exactly as it is to be
// stored, its type and its references.
type Schema struct {
	Text       string
	Type       string // "AVRO" or "JSON"
	References []Reference
}

func (s Schema) sr() sr.Schema {
	out := sr.Schema{Schema: s.Text}
	switch strings.ToUpper(s.Type) {
	case "JSON":
		out.Type = sr.TypeJSON
	case "PROTOBUF":
		out.Type = sr.TypeProtobuf
	}
	for _, r := range s.References {
		out.References = append(out.References, sr.SchemaReference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return out
}

// Registered is one registered version of a subject.
type Registered struct {
	Subject string
	Version int
	ID      int
	// GUID is the schema's GUID (Confluent Platform 8.x registries and
	// evctl registry serve), "" when the registry gives none.
	GUID string
	Schema
}

func fromSR(ss sr.SubjectSchema) Registered {
	r := Registered{Subject: ss.Subject, Version: ss.Version, ID: ss.ID, GUID: ss.GUID, Schema: Schema{Text: ss.Schema.Schema, Type: ss.Type.String()}}
	for _, ref := range ss.References {
		r.References = append(r.References, Reference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version})
	}
	return r
}

// Health asks the registry's health endpoint (api.HealthPath, served by
// `evctl registry serve`) whether it is up: nil when it answers 200 with
// {"status":"UP"}.
func (c *Client) Health(ctx context.Context) error {
	var resp struct {
		Status string `json:"status"`
	}
	if err := c.sr.Do(ctx, http.MethodGet, api.HealthPath, nil, &resp); err != nil {
		return c.wrap("health check", err)
	}
	if resp.Status != "UP" {
		return &Error{Op: "health check", Message: fmt.Sprintf("status %q, want \"UP\"", c.redact(truncateMsg(resp.Status, 100)))}
	}
	return nil
}

// Subjects lists the subjects that have a live version.
func (c *Client) Subjects(ctx context.Context) ([]string, error) {
	subs, err := c.sr.Subjects(ctx)
	if err != nil {
		return nil, c.wrap("list subjects", err)
	}
	sort.Strings(subs)
	return subs, nil
}

// Versions lists the live (not soft-deleted) versions of subject, oldest
// first. A subject that does not exist has no versions and no error.
func (c *Client) Versions(ctx context.Context, subject string) ([]int, error) {
	vs, err := c.sr.SubjectVersions(ctx, subject)
	if err != nil {
		werr := c.wrap("list versions of "+subject, err)
		var e *Error
		if errors.As(werr, &e) && e.notFound(srSubjectNotFound) {
			return nil, nil
		}
		return nil, werr
	}
	sort.Ints(vs)
	return vs, nil
}

// Version fetches one version of subject.
func (c *Client) Version(ctx context.Context, subject string, version int) (Registered, error) {
	ss, err := c.sr.SchemaByVersion(ctx, subject, version)
	if err != nil {
		return Registered{}, c.wrap(fmt.Sprintf("get %s version %d", subject, version), err)
	}
	r := fromSR(ss)
	if r.Subject == "" {
		r.Subject = subject
	}
	return r, nil
}

// Lookup finds the live version of subject that holds s. found is false
// when the subject does not exist or does not hold s, and when the registry
// finds s invalid (registering it will say why).
func (c *Client) Lookup(ctx context.Context, subject string, s Schema) (r Registered, found bool, err error) {
	r, found, _, err = c.LookupSubject(ctx, subject, s)
	return r, found, err
}

// LookupSubject is Lookup that also tells when the registry answered that
// subject has no live version (error 40401): then subjectMissing is set,
// and a caller needs no further request to know the subject is new.
func (c *Client) LookupSubject(ctx context.Context, subject string, s Schema) (r Registered, found, subjectMissing bool, err error) {
	ss, err := c.sr.LookupSchema(ctx, subject, s.sr())
	if err != nil {
		werr := c.wrap("look up "+subject, err)
		var e *Error
		if errors.As(werr, &e) && e.notFound(srSubjectNotFound) {
			return Registered{}, false, true, nil
		}
		if errors.As(werr, &e) && (e.notFound(srSchemaNotFound) || e.Incompatible()) {
			return Registered{}, false, false, nil
		}
		return Registered{}, false, false, werr
	}
	return fromSR(ss), true, false, nil
}

// Register registers s under subject and returns its id and version. The
// registry returns the existing id and version when subject already holds s.
func (c *Client) Register(ctx context.Context, subject string, s Schema) (id, version int, err error) {
	var resp struct {
		ID      int `json:"id"`
		Version int `json:"version"`
	}
	path := "/subjects/" + url.PathEscape(subject) + "/versions"
	if err := c.sr.Do(ctx, http.MethodPost, path, s.sr(), &resp); err != nil {
		return 0, 0, c.wrap("register "+subject, err)
	}
	if resp.Version == 0 {
		// Older registries answer with the id only.
		r, found, err := c.Lookup(ctx, subject, s)
		if err != nil {
			return 0, 0, err
		}
		if found {
			resp.Version = r.Version
		}
	}
	return resp.ID, resp.Version, nil
}

// CheckCompatibility asks the registry whether s may be registered under
// subject: against the versions its level names (all live versions for a
// transitive level), with verbose messages. A subject that does not exist
// is compatible.
func (c *Client) CheckCompatibility(ctx context.Context, subject string, s Schema) (ok bool, messages []string, err error) {
	res, err := c.sr.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), subject, -2, s.sr())
	if err != nil {
		return false, nil, c.wrap("check compatibility of "+subject, err)
	}
	return res.Is, res.Messages, nil
}

// Level returns the compatibility level that applies to subject: its own,
// else the global one. own tells which. An empty subject asks for the
// global level.
func (c *Client) Level(ctx context.Context, subject string) (level string, own bool, err error) {
	if subject != "" {
		lvl, err := c.config(ctx, "/config/"+url.PathEscape(subject))
		if err == nil {
			return lvl, true, nil
		}
		werr := c.wrap("get compatibility level of "+subject, err)
		var e *Error
		if !errors.As(werr, &e) || !(e.notFound(srNoSubjectConfig) || e.notFound(srSubjectNotFound)) {
			return "", false, werr
		}
	}
	lvl, err := c.config(ctx, "/config")
	if err != nil {
		return "", false, c.wrap("get the global compatibility level", err)
	}
	return lvl, false, nil
}

// config asks for a compatibility level (GET /config[/{subject}]) in the
// calling goroutine: sr.Client.Compatibility (and SetCompatibility) start
// a goroutine per subject, which push would pay on every event.
func (c *Client) config(ctx context.Context, path string) (string, error) {
	var res sr.CompatibilityResult
	if err := c.sr.Do(ctx, http.MethodGet, path, nil, &res); err != nil {
		return "", err
	}
	return res.Level.String(), nil
}

// SetLevel sets subject's compatibility level (the global one for "").
func (c *Client) SetLevel(ctx context.Context, subject, level string) error {
	var l sr.CompatibilityLevel
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return fmt.Errorf("invalid compatibility level %q (want NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE)", level)
	}
	op := "set the global compatibility level"
	if subject != "" {
		op = "set the compatibility level of " + subject
	}
	// PUT /config[/{subject}] in the calling goroutine (see config).
	path := "/config"
	if subject != "" {
		path += "/" + url.PathEscape(subject)
	}
	body := sr.SetCompatibility{Level: l}
	return c.wrap(op, c.sr.Do(ctx, http.MethodPut, path, body, &body))
}

// maxClientRefDepth bounds how deep ReferenceTexts follows references.
const maxClientRefDepth = 32

// ReferenceTexts fetches the schema texts of refs and, transitively, of
// their own references, keyed by reference name (the first name wins), as
// the compatibility engine resolves them.
func (c *Client) ReferenceTexts(ctx context.Context, refs []Reference) (map[string][]byte, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	texts := map[string][]byte{}
	seen := map[string]bool{}
	var walk func(refs []Reference, depth int) error
	walk = func(refs []Reference, depth int) error {
		if depth > maxClientRefDepth {
			return fmt.Errorf("schema references nest deeper than %d", maxClientRefDepth)
		}
		for _, r := range refs {
			key := fmt.Sprintf("%s\x00%d", r.Subject, r.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			reg, err := c.Version(ctx, r.Subject, r.Version)
			if err != nil {
				return err
			}
			if _, ok := texts[r.Name]; !ok {
				texts[r.Name] = []byte(reg.Text)
			}
			if err := walk(reg.References, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(refs, 0); err != nil {
		return nil, err
	}
	return texts, nil
}
