// Package evctltest runs evctl's own schema registry for the interop tests:
// it builds the evctl binary of the enclosing checkout once per test binary
// and starts `evctl registry serve` as a process on a loopback port over a
// fresh SQLite file, the way a user runs it.
package evctltest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/wire"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Binary returns the path of an evctl binary built from this checkout
// (the interop module replaces github.com/evctl/evctl with ../).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "evctl-interop-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "evctl")
		// Build in the main module (the replace target), with its own go.sum.
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/evctl/evctl").Output()
		if err != nil {
			buildErr = fmt.Errorf("locate the evctl module: %w", err)
			return
		}
		build := exec.Command("go", "build", "-o", binary, "./cmd/evctl")
		build.Dir = strings.TrimSpace(string(root))
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build evctl: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// User is one line of the registry's auth file: name, bcrypt or argon2id
// hash, and role ("read" or "write").
type User struct {
	Name, Hash, Role string
}

// Serve starts `evctl registry serve` with the given users (auth is off
// when there are none) and returns its base URL. The process is killed when
// the test ends.
func Serve(t testing.TB, users ...User) string {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	args := []string{"registry", "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "registry.db"), "--log-format", "json"}
	if len(users) > 0 {
		var b strings.Builder
		for _, u := range users {
			fmt.Fprintf(&b, "%s:%s:%s\n", u.Name, u.Hash, u.Role)
		}
		auth := filepath.Join(dir, "auth")
		if err := os.WriteFile(auth, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--auth-file", auth)
	}
	return start(t, bin, args)
}

// start runs evctl with args (a registry serve command logging JSON to
// stderr) and returns the URL it listens on.
func start(t testing.TB, bin string, args []string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if !sent && json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "registry listening" {
				addr <- rec.Addr
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("evctl registry serve exited before listening: %v", <-done)
		}
		return "http://" + a
	case <-time.After(time.Minute):
		t.Fatal("evctl registry serve did not start listening within a minute")
	}
	return ""
}

// Registry starts a registry (see Serve) and returns its URL and a
// wire.Registry talking to it.
func Registry(t testing.TB) (string, *wire.SRRegistry) {
	t.Helper()
	url := Serve(t)
	reg, err := wire.NewSRRegistry(url, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return url, reg
}
