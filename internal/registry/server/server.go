package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// Defaults of ServerOptions.
const (
	DefaultMaxBodyBytes   = 4 << 20
	DefaultMaxSchemaBytes = 1 << 20
	DefaultMaxSchemaDepth = 256
)

// ServerOptions configure NewServer. The zero value is usable: no auth,
// default limits, logs discarded.
type ServerOptions struct {
	// Users enables HTTP Basic auth when non-empty (see LoadAuthFile).
	Users []User
	// Logger receives one record per request; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (413 above it).
	MaxBodyBytes int64
	// MaxSchemaBytes bounds the schema text of one request (422/42209).
	MaxSchemaBytes int
	// MaxSchemaDepth bounds the JSON nesting of a schema (422/42201).
	MaxSchemaDepth int
	// Check judges compatibility; nil means compat.Check.
	Check CheckFunc
	// RateLimit, when positive, caps the requests per second the server
	// accepts (429 with Retry-After above it); RateBurst is the bucket size
	// (default: one second's worth).
	RateLimit float64
	RateBurst int
	// LoginFailureBurst failed logins per client address are allowed at
	// once, then LoginFailureRate a second; past that the address gets 429
	// without a password being checked. Zero values take the defaults.
	LoginFailureBurst int
	LoginFailureRate  float64
}

type server struct {
	store   store.Store
	opts    ServerOptions
	check   CheckFunc
	log     *slog.Logger
	auth    *authenticator
	metrics *metrics
	mux     *http.ServeMux
	ids     idCache
	regs    regCache
	limiter *tokenBucket
	// readOnly is set when the store cannot write (a --read-only server).
	readOnly bool
	// generation, when the store has one, changes when another process
	// commits to the store; cached answers are dropped then.
	generation func() store.Generations
}

// NewServer returns the Confluent-compatible Schema Registry API over store.
//
// Choices where registries differ:
//   - An incompatible schema is 409 with error_code 40901 (Confluent 8.0.4,
//     8.1.2 and later; older servers sent 409). Clients should match on the
//     HTTP status.
//   - Identity: a schema's id is the content address of its format, its
//     text with object keys sorted and whitespace removed (docs, defaults and
//     field order kept), and its references resolved to concrete versions.
//     Whitespace and key order never make a new id; anything else does.
//     Because identity is already key-order independent, ?normalize=true
//     changes nothing.
//   - The stored and returned schema text is the first registered text with
//     insignificant whitespace removed.
//   - GET /schemas/ids/{id} answers while any version, live or soft-deleted,
//     holds the id; after every such version is hard-deleted it is 404/40403,
//     but the id stays bound to its schema and re-registering the schema
//     gets it back. Ids are never reused.
//   - Roles are global (read or write), so there is no per-subject denial to
//     disguise as 404/40401: a reader writing gets 403.
//   - Modes: READWRITE, READONLY, READONLY_OVERRIDE and IMPORT.
//   - Contexts: a subject ":.ctx:name" lives in context .ctx, which has its
//     own schema ids; config and mode fall back from the subject to
//     ":.ctx:" to the global scope.
//   - Data contracts: metadata and ruleSet are validated (42201, 42210),
//     stored, returned on every read and part of a schema's identity; a
//     registration without them inherits the latest version's, merged with
//     the config's defaultMetadata/overrideMetadata and
//     defaultRuleSet/overrideRuleSet, as Confluent does. Clients execute
//     the rules; the registry does not.
func NewServer(st store.Store, opts ServerOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxSchemaBytes <= 0 {
		opts.MaxSchemaBytes = DefaultMaxSchemaBytes
	}
	if opts.MaxSchemaDepth <= 0 {
		opts.MaxSchemaDepth = DefaultMaxSchemaDepth
	}
	s := &server{
		store:   st,
		opts:    opts,
		check:   opts.Check,
		log:     opts.Logger,
		metrics: newMetrics(),
		mux:     http.NewServeMux(),
		ids:     idCache{m: map[int64][]byte{}},
		regs:    regCache{m: map[[sha256.Size]byte][]byte{}},
	}
	if s.check == nil {
		s.check = compat.Check
	}
	if ro, ok := st.(store.ReadOnlyStore); ok {
		s.readOnly = ro.ReadOnly()
	}
	if g, ok := st.(store.GenerationStore); ok {
		s.generation = g.Generation
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(opts.Users) > 0 {
		s.auth = newAuthenticator(opts.Users, opts.LoginFailureBurst, opts.LoginFailureRate)
	}
	if opts.RateLimit > 0 {
		s.limiter = newTokenBucket(opts.RateLimit, opts.RateBurst)
	}
	s.routes()
	return s
}

// route is one API endpoint.
type route struct {
	method, path string
	write        bool
	fn           func(w http.ResponseWriter, r *http.Request) error
}

func (s *server) routes() {
	rs := []route{
		{"GET", "/{$}", false, s.handleRoot},
		{"POST", "/{$}", false, s.handleRoot},
		{"GET", "/subjects", false, s.handleListSubjects},
		{"GET", "/subjects/{subject}/versions", false, s.handleListVersions},
		{"POST", "/subjects/{subject}/versions", true, s.handleRegister},
		{"GET", "/subjects/{subject}/versions/{version}", false, s.handleGetVersion},
		{"DELETE", "/subjects/{subject}/versions/{version}", true, s.handleDeleteVersion},
		{"GET", "/subjects/{subject}/versions/{version}/schema", false, s.handleGetVersionSchema},
		{"GET", "/subjects/{subject}/versions/{version}/referencedby", false, s.handleReferencedBy},
		{"POST", "/subjects/{subject}/versions/{version}/tags", true, s.handleModifyTags},
		{"POST", "/subjects/{subject}", false, s.handleLookup},
		{"GET", "/subjects/{subject}/metadata", false, s.handleLatestWithMetadata},
		{"DELETE", "/subjects/{subject}", true, s.handleDeleteSubject},
		{"GET", "/schemas/ids/{id}", false, s.handleSchemaByID},
		{"GET", "/schemas/ids/{id}/schema", false, s.handleSchemaTextByID},
		{"GET", "/schemas/ids/{id}/subjects", false, s.handleSubjectsByID},
		{"GET", "/schemas/ids/{id}/versions", false, s.handleVersionsByID},
		{"GET", "/schemas/guids/{guid}", false, s.handleSchemaByGUID},
		{"GET", "/schemas/guids/{guid}/ids", false, s.handleIDsByGUID},
		{"GET", "/v1/metadata/id", false, s.handleMetadataID},
		{"GET", "/v1/metadata/version", false, s.handleMetadataVersion},
		{"GET", "/v1/metadata/deployment", false, s.handleMetadataDeployment},
		{"GET", "/schemas/types", false, s.handleTypes},
		{"GET", "/schemas", false, s.handleListSchemas},
		{"POST", "/compatibility/subjects/{subject}/versions/{version}", false, s.handleCompatVersion},
		{"POST", "/compatibility/subjects/{subject}/versions", false, s.handleCompatAll},
		{"GET", "/config", false, s.handleGetConfig},
		{"PUT", "/config", true, s.handlePutConfig},
		{"DELETE", "/config", true, s.handleDeleteConfig},
		{"GET", "/config/{subject}", false, s.handleGetConfig},
		{"PUT", "/config/{subject}", true, s.handlePutConfig},
		{"DELETE", "/config/{subject}", true, s.handleDeleteConfig},
		{"GET", "/mode", false, s.handleGetMode},
		{"PUT", "/mode", true, s.handlePutMode},
		{"GET", "/mode/{subject}", false, s.handleGetMode},
		{"PUT", "/mode/{subject}", true, s.handlePutMode},
		{"DELETE", "/mode/{subject}", true, s.handleDeleteMode},
		{"DELETE", "/mode", true, s.handleDeleteMode},
		{"GET", "/contexts", false, s.handleContexts},
		{"DELETE", "/contexts/{context}", true, s.handleDeleteContext},
		{"GET", "/metrics", false, s.handleMetrics},
	}
	paths := map[string]bool{}
	for _, rt := range rs {
		s.mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
		paths[rt.path] = true
	}
	// Known paths with another method: 405 in the API's error shape.
	for p := range paths {
		pattern := p
		s.mux.Handle(pattern, s.endpoint(route{path: pattern, fn: func(w http.ResponseWriter, r *http.Request) error {
			return errf(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "HTTP 405 Method Not Allowed")
		}}))
	}
	s.mux.Handle("/", s.endpoint(route{path: "unmatched", fn: func(w http.ResponseWriter, r *http.Request) error {
		return errf(http.StatusNotFound, api.CodeNotFound, "HTTP 404 Not Found")
	}}))
}

// reqInfo travels in the request context from the outer middleware to the
// endpoint and back.
type reqInfo struct {
	route string
	user  *User
}

type ctxKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// ServeHTTP is the outer middleware: metrics, request log, panic recovery,
// authentication and content negotiation, then routing.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &reqInfo{route: "unmatched"}
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, info))
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic while serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			if !sw.wroteHeader {
				writeError(sw, errf(http.StatusInternalServerError, api.CodeInternal, "Internal Server Error"))
			}
		}
		elapsed := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.observe(info.route, r.Method, status, elapsed)
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", info.route),
			slog.Int("status", status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", elapsed),
			slog.String("remote", r.RemoteAddr),
		}
		if info.user != nil {
			attrs = append(attrs, slog.String("user", info.user.Name))
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	}()

	if r.URL.Path == api.HealthPath {
		// Health probes (Docker HEALTHCHECK, Kubernetes) carry no
		// credentials and must not be rate limited: the endpoint says only
		// whether the store answers.
		info.route = r.Method + " " + api.HealthPath
		s.handleHealth(sw, r)
		return
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.take(); !ok {
			sw.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeError(sw, errf(http.StatusTooManyRequests, api.CodeTooManyRequests, "Too many requests"))
			return
		}
	}
	if s.auth != nil {
		u, res := s.auth.authenticate(r)
		if res == authThrottled {
			sw.Header().Set("Retry-After", "1")
			writeError(sw, errf(http.StatusTooManyRequests, api.CodeTooManyRequests, "Too many failed logins from this address; retry later"))
			return
		}
		if res != authOK {
			sw.Header().Set("WWW-Authenticate", `Basic realm="evctl-registry", charset="UTF-8"`)
			writeError(sw, errf(http.StatusUnauthorized, api.CodeUnauthorized, "Unauthorized"))
			return
		}
		info.user = u
	}
	if e := rewriteContextPath(r); e != nil {
		writeError(sw, e)
		return
	}
	if r.URL.Path != "/metrics" {
		if !acceptable(r.Header.Values("Accept")) {
			writeError(sw, errf(http.StatusNotAcceptable, api.CodeNotAcceptable, "HTTP 406 Not Acceptable"))
			return
		}
		if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !supportedContentType(r.Header.Get("Content-Type")) {
			writeError(sw, errf(http.StatusUnsupportedMediaType, api.CodeUnsupportedMediaType, "HTTP 415 Unsupported Media Type"))
			return
		}
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(sw, r.Body, s.opts.MaxBodyBytes)
	}
	s.mux.ServeHTTP(sw, r)
}

// endpoint adapts a handler: route label, authorization, error mapping.
func (s *server) endpoint(rt route) http.Handler {
	label := rt.path
	if rt.method != "" {
		label = rt.method + " " + rt.path
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		info.route = label
		if rt.write && info.user != nil && info.user.Role != RoleWrite {
			writeError(w, errf(http.StatusForbidden, api.CodeForbidden, "User %q is not allowed to change the registry", info.user.Name))
			return
		}
		if rt.write && s.readOnly {
			writeError(w, errNotPermitted("This registry server is read-only (--read-only); send changes to the writer"))
			return
		}
		if err := rt.fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail answers err: API errors as they are, anything else as a store fault.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae)
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, errf(http.StatusRequestEntityTooLarge, api.CodePayloadTooLarge, "Request body exceeds the limit of %d bytes", mbe.Limit))
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Error("request timed out", "path", r.URL.Path, "err", err)
		writeError(w, errf(http.StatusInternalServerError, api.CodeOperationTimeout, "Operation timed out"))
		return
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this answer.
		writeError(w, errf(http.StatusServiceUnavailable, api.CodeStoreError, "Request cancelled"))
		return
	}
	if errors.Is(err, store.ErrUnavailable) {
		// The database is unreachable: nothing was acknowledged, the
		// client may retry; the store reconnects by itself.
		s.log.Error("store unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "1")
		writeError(w, errf(http.StatusServiceUnavailable, api.CodeStoreError, "The backend data store is unavailable; retry later"))
		return
	}
	s.log.Error("store error", "path", r.URL.Path, "err", err)
	writeError(w, errf(http.StatusInternalServerError, api.CodeStoreError, "Error in the backend data store"))
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status = code
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error_code":50001,"message":"encode response"}`)
		status = http.StatusInternalServerError
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", api.MediaTypeV1)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// acceptable reports whether an Accept header allows one of our media types.
func acceptable(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
					continue
				}
			}
			switch mt {
			case api.MediaTypeV1, api.MediaTypeGeneric, api.MediaTypeJSON, "*/*", "application/*":
				return true
			}
		}
	}
	return false
}

// supportedContentType reports whether a request body type is read as JSON.
func supportedContentType(v string) bool {
	if v == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return false
	}
	switch mt {
	case api.MediaTypeV1, api.MediaTypeGeneric, api.MediaTypeJSON, "application/octet-stream":
		return true
	}
	return false
}

// decodeBody reads a JSON request body into v.
func decodeBody(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// readBody reads the request body within the size limit.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errf(http.StatusRequestEntityTooLarge, api.CodePayloadTooLarge, "Request body exceeds the limit of %d bytes", mbe.Limit)
		}
		return nil, errf(http.StatusBadRequest, api.CodeBadRequest, "read request body: %v", err)
	}
	return body, nil
}

// decodeJSON decodes a request body into v.
func decodeJSON(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errf(statusForUnprocessableEntity, api.CodeUnprocessable, "Request body is empty")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errf(statusForUnprocessableEntity, api.CodeUnprocessable, "Field %q has the wrong type: %s", te.Field, te.Value)
		}
		return errf(http.StatusBadRequest, api.CodeBadRequest, "Malformed JSON request body: %v", err)
	}
	return nil
}

// validSubject rejects empty names, invalid UTF-8 and control characters.
func validSubject(s string) error {
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return errInvalidSubject(s)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errInvalidSubject(s)
		}
	}
	return nil
}

// boolParam reads a boolean query parameter; absent or unparsable is false.
func boolParam(r *http.Request, name string) bool {
	v, err := strconv.ParseBool(r.URL.Query().Get(name))
	return err == nil && v
}

// parseVersion reads a version path value: "latest" and -1 mean the latest
// (returned as -1), anything outside 1..2^31-1 is 42202.
func parseVersion(v string) (int, error) {
	if v == "latest" || v == "-1" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return 0, errInvalidVersion(v)
	}
	return int(n), nil
}

// parseID reads a schema id path value; anything but a positive number is 40403.
func parseID(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return 0, errSchemaNotFound()
	}
	return n, nil
}

// idCache holds the encoded answers of GET /schemas/ids/{id}. The id to
// schema mapping never changes; only a hard delete can hide an id, so hard
// deletes clear the cache and bump gen so that no read racing with the
// delete stores a stale answer.
type idCache struct {
	mu       sync.RWMutex
	gen      uint64
	storeGen uint64 // the store's generation the entries were read at
	m        map[int64][]byte
}

func (c *idCache) get(id int64) ([]byte, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	b, ok := c.m[id]
	return b, c.gen, ok
}

// sync drops every entry when the store's generation moved: another
// process committed, maybe a hard delete.
func (c *idCache) sync(storeGen uint64) {
	c.mu.RLock()
	same := c.storeGen == storeGen
	c.mu.RUnlock()
	if same {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.storeGen != storeGen {
		c.storeGen = storeGen
		c.gen++
		clear(c.m)
	}
}

func (c *idCache) put(id int64, gen uint64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.gen && len(c.m) < 100000 {
		c.m[id] = b
	}
}

func (c *idCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// update runs a write transaction, then drops the answers that any write
// may change.
func (s *server) update(ctx context.Context, fn func(store.Tx) error) error {
	err := s.store.Update(ctx, fn)
	s.regs.invalidate()
	return err
}

// regCache holds the answers of re-registrations (a subject already holds
// the schema), of lookups that found the schema and of config reads: every
// producer re-registers its schema at start-up, evctl push looks up every
// event of the catalog and reads its level, and the answer depends only on
// what is stored, so it holds
// until the next write, in this process (update) or another (the store's
// Writes generation).
type regCache struct {
	mu       sync.RWMutex
	gen      uint64
	storeGen uint64
	m        map[[sha256.Size]byte][]byte
	bytes    int // of the answers in m
}

// Bounds of a regCache: lookups answer with the schema text, so the bytes
// are bounded as well as the entries.
const (
	maxCachedAnswers     = 100000
	maxCachedAnswerBytes = 64 << 20
)

// Kinds of answers in a regCache.
const (
	cacheRegister = 'r'
	cacheLookup   = 'l'
	cacheConfig   = 'c'
)

// get returns the key of a request of kind (cacheRegister, cacheLookup),
// the generation to put its answer with, and the cached answer if any.
func (c *regCache) get(kind byte, subject, query string, body []byte) ([sha256.Size]byte, uint64, []byte) {
	h := sha256.New()
	h.Write([]byte{kind})
	h.Write([]byte(subject))
	h.Write([]byte{0})
	h.Write([]byte(query))
	h.Write([]byte{0})
	h.Write(body)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	c.mu.RLock()
	defer c.mu.RUnlock()
	return key, c.gen, c.m[key]
}

func (c *regCache) put(key [sha256.Size]byte, gen uint64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok || gen != c.gen || len(c.m) >= maxCachedAnswers || c.bytes+len(b) > maxCachedAnswerBytes {
		return
	}
	c.m[key] = b
	c.bytes += len(b)
}

func (c *regCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
	c.bytes = 0
}

// sync drops every entry when another process wrote.
func (c *regCache) sync(storeGen uint64) {
	c.mu.RLock()
	same := c.storeGen == storeGen
	c.mu.RUnlock()
	if same {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.storeGen != storeGen {
		c.storeGen = storeGen
		c.gen++
		clear(c.m)
		c.bytes = 0
	}
}

// tokenBucket is a global request rate limit.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	b := float64(burst)
	if b <= 0 {
		b = max(rate, 1)
	}
	return &tokenBucket{rate: rate, burst: b, tokens: b, last: time.Now()}
}

// take takes one token; when none is left it says how long until one is.
func (b *tokenBucket) take() (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second)), false
}
