package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	// Addr is the listen address. The server does not authenticate
	// requests, so it refuses a non-loopback address.
	Addr string
	// DataPath is the SQLite file (created if missing).
	DataPath string
	// Region appears in ARNs; Pending is how long versions stay PENDING.
	Region  string
	Pending time.Duration
	// Registries are created at start unless they exist.
	Registries []string
	// Logger receives request records and lifecycle messages.
	Logger *slog.Logger
	// Ready, if set, is called with the bound address.
	Ready func(net.Addr)
}

// Serve runs the Glue-API server until ctx is cancelled or the process
// gets SIGTERM or SIGINT, then shuts down gracefully.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return fmt.Errorf("serve Glue API: listen address %q: %w", opts.Addr, err)
	}
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("serve Glue API: refusing to listen on non-loopback address %s: the Glue API mode does not authenticate requests", opts.Addr)
	}
	srvh, err := OpenServer(opts.DataPath, ServerOptions{Region: opts.Region, Pending: opts.Pending, Logger: opts.Logger})
	if err != nil {
		return fmt.Errorf("serve Glue API: %w", err)
	}
	defer srvh.Close()
	for _, r := range opts.Registries {
		if err := srvh.EnsureRegistry(ctx, r); err != nil {
			return fmt.Errorf("serve Glue API: create registry %s: %w", r, err)
		}
	}
	srv := &http.Server{
		Handler:           srvh,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("serve Glue API: %w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts.Logger.Info("registry listening", "addr", ln.Addr().String(), "data", opts.DataPath, "api", "glue")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve Glue API: %w", err)
	case <-ctx.Done():
	}
	opts.Logger.Info("registry shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve Glue API: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve Glue API: %w", err)
	}
	return nil
}
