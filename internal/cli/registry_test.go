package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/evctl/evctl/internal/registry/client"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is an io.Writer safe for the server's concurrent logging.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRegistryServeCommand runs `evctl registry serve` in process, finds
// its address in the JSON log, pushes the bundled catalog to it, and stops
// it by cancelling the context.
func TestRegistryServeCommand(t *testing.T) {
	dir := copyBundled(t, bundledSchemas(t))
	t.Chdir(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &lockedBuffer{}
	addrc := make(chan string, 1)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := Run(ctx, []string{"registry", "serve", "--addr", "127.0.0.1:0", "--data", "state/registry.db", "--log-format", "json"},
			IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.MultiWriter(logs, pw), Getenv: func(string) string { return "" }})
		pw.Close()
		done <- code
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "registry listening" {
				addr, _ := rec["addr"].(string)
				addrc <- addr
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("serve exited with %d before listening:\n%s", code, logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "registry.db")); err != nil {
		t.Errorf("--data was not used: %v", err)
	}
	env := map[string]string{client.EnvURL: "http://" + addr}
	code, out, errOut := runCLI(t, dir, env, "push")
	if code != ExitOK || !strings.Contains(errOut, "7 created") {
		t.Fatalf("push to the served registry: exit %d\n%s%s", code, out, errOut)
	}
	// JSON Schema subjects are judged by the JSON Schema engine.
	code, out, errOut = runCLI(t, dir, env, "check", "--against", "registry")
	if code != ExitOK || strings.Contains(out, "verdict-mismatch") {
		t.Fatalf("check against the served registry: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, dir, env, "registry", "subjects")
	if code != ExitOK || len(strings.Fields(out)) != 7 {
		t.Fatalf("subjects: exit %d: %q", code, out)
	}
	// The container HEALTHCHECK's command.
	code, out, errOut = runCLI(t, dir, nil, "registry", "health", "--registry-url", "http://"+addr, "--registry-timeout", "3s")
	if code != ExitOK || out != "UP http://"+addr+"\n" {
		t.Fatalf("health: exit %d: %q %s", code, out, errOut)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exited with %d after cancel:\n%s", code, logs.String())
	}
	code, out, errOut = runCLI(t, dir, nil, "registry", "health", "--registry-url", "http://"+addr, "--registry-timeout", "3s")
	if code != ExitRegistry || out != "" || !strings.Contains(errOut, "health check") {
		t.Fatalf("health of a stopped registry: exit %d, want %d: %q %s", code, ExitRegistry, out, errOut)
	}
	if !strings.Contains(logs.String(), `"msg":"registry stopped"`) {
		t.Errorf("no JSON shutdown log:\n%s", logs.String())
	}
}

func TestRegistryServeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"registry", "serve", "--log-format", "xml"}, ExitUsage, `invalid --log-format "xml"`},
		{[]string{"registry", "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "r.db"), "--auth-file", filepath.Join(dir, "missing")}, ExitRegistry, "load auth file"},
		{[]string{"registry", "serve", "--addr", "0.0.0.0:0", "--data", filepath.Join(dir, "r.db")}, ExitRegistry, "refusing to listen on non-loopback address"},
		{[]string{"registry", "serve", "extra"}, ExitUsage, "unknown command"},
		{[]string{"registry"}, ExitUsage, "registry needs a subcommand"},
		{[]string{"registry", "health"}, ExitUsage, "no registry URL"},
		{[]string{"registry", "health", "--registry-url", "ftp://x"}, ExitUsage, "invalid registry URL"},
		{[]string{"registry", "config"}, ExitUsage, "registry config needs a subcommand"},
		{[]string{"registry", "config", "set"}, ExitUsage, "accepts 1 arg"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, dir, nil, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("evctl %s: exit %d, want %d with %q:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.want, errOut)
		}
	}
}
