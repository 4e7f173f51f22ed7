package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/evctl/evctl/internal/registry/client"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/registry/store/postgres"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// Defaults of registryServeConfig.
const (
	defaultRegistryAddr = "127.0.0.1:8081"
	defaultRegistryData = ".evctl/registry.db"
)

// registryServeConfig configure Serve. Zero values take the defaults.
type registryServeConfig struct {
	// Addr is the listen address; default 127.0.0.1:8081.
	Addr string
	// DataPath is the SQLite file; default ./.evctl/registry.db. Its
	// directory is created if missing.
	DataPath string
	// StoreURL, when set, selects another store than the SQLite file:
	// postgres://… (or postgresql://…) for PostgreSQL, shared by replicas.
	StoreURL string
	// ReadOnly serves an existing data file without writing to it, beside a
	// writer on the same file or from a read-only file system; writes are
	// refused with 42205.
	ReadOnly bool
	// AuthFile enables HTTP Basic auth with the users of server.LoadAuthFile.
	AuthFile string
	// Users enables auth with these users (in addition to AuthFile's).
	Users []server.User
	// AllowInsecure lets the server listen on a non-loopback address
	// without auth (--insecure-listen).
	AllowInsecure bool
	// TLSCert and TLSKey (PEM files) serve HTTPS; TLSClientCA (PEM)
	// requires every client to present a certificate signed by it (mTLS),
	// which counts as authentication.
	TLSCert, TLSKey, TLSClientCA string
	// RateLimit and RateBurst: see server.ServerOptions.
	RateLimit float64
	RateBurst int
	// LoginFailureBurst and LoginFailureRate: see server.ServerOptions.
	LoginFailureBurst int
	LoginFailureRate  float64
	// Log receives request logs and lifecycle messages; nil means stderr.
	Log io.Writer
	// LogFormat is "text" (default) or "json".
	LogFormat string
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound each
	// connection; defaults 5s, 30s, 60s and 120s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the graceful shutdown; default 10s.
	ShutdownTimeout time.Duration
	// MaxBodyBytes, MaxSchemaBytes and MaxSchemaDepth: see server.ServerOptions.
	MaxBodyBytes   int64
	MaxSchemaBytes int
	MaxSchemaDepth int
	// Ready, if set, is called with the bound address once the server accepts
	// connections (useful with port 0).
	Ready func(addr net.Addr)
}

// newLogger returns a slog.Logger writing text or json records to w.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if w == nil {
		w = os.Stderr
	}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (want text or json)", format)
}

// isLoopback reports whether a listen address only accepts local connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveRegistry runs the registry until ctx is cancelled or the process gets SIGTERM
// or SIGINT, then shuts down gracefully: in-flight requests finish (within
// ShutdownTimeout) and the store is closed.
func serveRegistry(ctx context.Context, opts registryServeConfig) error {
	if opts.Addr == "" {
		opts.Addr = defaultRegistryAddr
	}
	if opts.DataPath == "" {
		opts.DataPath = defaultRegistryData
	}
	logger, err := newLogger(opts.Log, opts.LogFormat)
	if err != nil {
		return fmt.Errorf("serve registry: %w", err)
	}
	users := append([]server.User(nil), opts.Users...)
	if opts.AuthFile != "" {
		fileUsers, err := server.LoadAuthFile(opts.AuthFile)
		if err != nil {
			return fmt.Errorf("serve registry: %w", err)
		}
		users = append(users, fileUsers...)
	}
	if len(users) == 0 && opts.TLSClientCA == "" && !isLoopback(opts.Addr) && !opts.AllowInsecure {
		return fmt.Errorf("serve registry: refusing to listen on non-loopback address %s without auth; pass --auth-file or --tls-client-ca, or --insecure-listen to accept anyone", opts.Addr)
	}
	tlsConfig, err := serverTLS(opts)
	if err != nil {
		return fmt.Errorf("serve registry: %w", err)
	}
	st, where, err := openStore(ctx, opts)
	if err != nil {
		return fmt.Errorf("serve registry: %w", err)
	}
	defer st.Close()

	handler := server.NewServer(st, server.ServerOptions{
		Users:          users,
		Logger:         logger,
		MaxBodyBytes:   opts.MaxBodyBytes,
		MaxSchemaBytes: opts.MaxSchemaBytes,
		MaxSchemaDepth: opts.MaxSchemaDepth,
		RateLimit:      opts.RateLimit,
		RateBurst:      opts.RateBurst,

		LoginFailureBurst: opts.LoginFailureBurst,
		LoginFailureRate:  opts.LoginFailureRate,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: orDefaultDuration(opts.ReadHeaderTimeout, 5*time.Second),
		ReadTimeout:       orDefaultDuration(opts.ReadTimeout, 30*time.Second),
		WriteTimeout:      orDefaultDuration(opts.WriteTimeout, 60*time.Second),
		IdleTimeout:       orDefaultDuration(opts.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("serve registry: %w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()

	logger.Info("registry listening", "addr", ln.Addr().String(), "store", where, "read_only", opts.ReadOnly, "auth", len(users) > 0, "tls", tlsConfig != nil, "mtls", opts.TLSClientCA != "")
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve registry: %w", err)
	case <-ctx.Done():
	}
	logger.Info("registry shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), orDefaultDuration(opts.ShutdownTimeout, 10*time.Second))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve registry: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve registry: %w", err)
	}
	logger.Info("registry stopped")
	return nil
}

// openStore opens the store opts name and says where it is (without
// credentials) for the log.
func openStore(ctx context.Context, opts registryServeConfig) (store.Store, string, error) {
	if u := opts.StoreURL; u != "" {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			return nil, "", fmt.Errorf("unsupported store %q: want postgres://… (or --data for SQLite)", client.RedactURL(u))
		}
		if opts.ReadOnly {
			return nil, "", errors.New("--read-only is for SQLite files; a PostgreSQL store is shared by read-write replicas")
		}
		st, err := postgres.Open(ctx, u)
		return st, client.RedactURL(u), err
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(opts.DataPath), 0o755); err != nil {
			return nil, "", fmt.Errorf("create data directory: %w", err)
		}
	}
	st, err := sqlite.OpenWith(opts.DataPath, sqlite.Options{ReadOnly: opts.ReadOnly})
	if err != nil {
		return nil, "", err
	}
	return st, opts.DataPath, nil
}

// serverTLS builds the listener's TLS configuration, nil for plain HTTP.
func serverTLS(opts registryServeConfig) (*tls.Config, error) {
	if opts.TLSCert == "" && opts.TLSKey == "" {
		if opts.TLSClientCA != "" {
			return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if opts.TLSCert == "" || opts.TLSKey == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if opts.TLSClientCA != "" {
		pem, err := os.ReadFile(opts.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("read client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client CA %s holds no PEM certificate", opts.TLSClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

func orDefaultDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
