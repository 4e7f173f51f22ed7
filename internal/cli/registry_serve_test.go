package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runServe starts Serve in a goroutine and returns its base URL, a cancel
// function and the channel Serve's error arrives on.
func runServe(t *testing.T, opts registryServeConfig) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	opts.Ready = func(a net.Addr) { ready <- a }
	errc := make(chan error, 1)
	go func() { errc <- serveRegistry(ctx, opts) }()
	select {
	case a := <-ready:
		t.Cleanup(cancel)
		return "http://" + a.String(), cancel, errc
	case err := <-errc:
		cancel()
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("Serve did not start")
	}
	return "", nil, nil
}

func TestServeGracefulShutdownAndJSONLogs(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "nested", "dir", "registry.db")
	logs := &syncBuffer{}
	base, cancel, errc := runServe(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: db, Log: logs, LogFormat: "json"})
	id, _, err := postRegister(http.DefaultClient, base, "s", orderV1)
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Fatalf("id %d", id)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Serve returned %v after cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("data file: %v", err)
	}
	// Every log line is a JSON record; the request was logged with its route.
	var sawRequest, sawStop bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["route"] == "POST /subjects/{subject}/versions" && rec["status"] == float64(200) {
			sawRequest = true
		}
		if rec["msg"] == "registry stopped" {
			sawStop = true
		}
	}
	if !sawRequest || !sawStop {
		t.Errorf("logs lack the request or the stop record:\n%s", logs.String())
	}
	// The registration survived the shutdown.
	base, cancel, _ = runServe(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: db, Log: logs})
	defer cancel()
	got := getJSON(t, http.DefaultClient, base+"/schemas/ids/1")
	if got["schema"] != orderV1 {
		t.Fatalf("after restart: %v", got)
	}
}

func TestServeTextLogs(t *testing.T) {
	logs := &syncBuffer{}
	base, cancel, errc := runServe(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: filepath.Join(t.TempDir(), "r.db"), Log: logs})
	getJSON(t, http.DefaultClient, base+"/config")
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `msg=request method=GET path=/config route="GET /config" status=200`) {
		t.Errorf("text log lacks the request line:\n%s", logs.String())
	}
}

func TestServeRefusesBadSetups(t *testing.T) {
	dir := t.TempDir()
	authFile := filepath.Join(dir, "users")
	tests := []struct {
		name string
		opts registryServeConfig
		want string
	}{
		{"non-loopback without auth", registryServeConfig{Addr: "0.0.0.0:0"}, "refusing to listen on non-loopback address"},
		{"all interfaces without auth", registryServeConfig{Addr: ":0"}, "refusing"},
		{"unknown log format", registryServeConfig{LogFormat: "xml"}, `unknown log format "xml"`},
		{"missing auth file", registryServeConfig{AuthFile: authFile}, "load auth file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.DataPath = filepath.Join(dir, tt.name+".db")
			err := serveRegistry(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Serve: %v, want %q", err, tt.want)
			}
		})
	}
	// Allowed explicitly, or with auth, it starts.
	for _, opts := range []registryServeConfig{
		{Addr: "0.0.0.0:0", AllowInsecure: true},
		{Addr: "0.0.0.0:0", Users: testUsers(t)},
	} {
		opts.DataPath = filepath.Join(dir, "ok.db")
		opts.Log = &syncBuffer{}
		_, cancel, errc := runServe(t, opts)
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8081": true, "localhost:1": true, "[::1]:8081": true, "127.1.2.3:80": true,
		":8081": false, "0.0.0.0:8081": false, "[::]:8081": false, "10.0.0.1:8081": false, "example.com:80": false, "nonsense": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServeSIGTERM sends SIGTERM to a server process: it shuts down
// gracefully and exits 0, and its data is intact afterwards.
func TestServeSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "registry.db")
	p := startServerProcess(t, db)
	if _, _, err := postRegister(http.DefaultClient, p.base, "s", orderV1); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("server exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	p2 := startServerProcess(t, db)
	if got := getJSON(t, http.DefaultClient, p2.base+"/schemas/ids/1"); got["schema"] != orderV1 {
		t.Fatalf("after SIGTERM and restart: %v", got)
	}
}

func TestServeTimeoutsAreSet(t *testing.T) {
	// A client that sends headers slowly is cut off by ReadHeaderTimeout.
	base, cancel, errc := runServe(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: filepath.Join(t.TempDir(), "r.db"),
		Log: &syncBuffer{}, ReadHeaderTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /config HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 1024)
	_, err = conn.Read(buf)
	// The server closes the connection (EOF) or answers 408; it never waits for ever.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server kept a connection with incomplete headers open")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
