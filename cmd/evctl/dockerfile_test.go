package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/evctl/evctl/internal/cli"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, CMD…
	args string
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(l)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() != 0 {
		t.Fatalf("%s ends in a continuation line", path)
	}
	return out
}

// execForm parses a JSON-array argument (the exec form).
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var argv []string
	if err := json.Unmarshal([]byte(in.args), &argv); err != nil || len(argv) == 0 {
		t.Fatalf("Dockerfile:%d: %s is not in exec form (a JSON array): %q", in.line, in.cmd, in.args)
	}
	return argv
}

// flagValue returns the value after flag in argv, and its index.
func flagValue(t *testing.T, argv []string, flag string) (string, int) {
	t.Helper()
	for i, a := range argv {
		if a == flag && i+1 < len(argv) {
			return argv[i+1], i + 1
		}
	}
	t.Fatalf("%q not in %q", flag, argv)
	return "", 0
}

// TestDockerfile checks the image's shape (static build, distroless or
// scratch base, non-root user, a volume for the data file, an exec-form
// HEALTHCHECK through the evctl binary), then runs its ENTRYPOINT + CMD and
// its HEALTHCHECK command in process against each other, with only the
// port, the data directory and the auth file moved into a temp dir. Docker
// itself cannot run in the tests.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, filepath.Join("..", "..", "Dockerfile"))
	last := -1
	for i, in := range ins {
		if in.cmd == "FROM" {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("no FROM")
	}
	base := strings.Fields(ins[last].args)[0]
	if base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("final base %q: want scratch or a distroless static image", base)
	}
	var build, final []instruction = ins[:last], ins[last+1:]
	static := false
	for _, in := range build {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "go build") &&
			strings.Contains(in.args, "./cmd/evctl") && strings.Contains(in.args, "internal/version.stamped=") {
			static = true
		}
	}
	if !static {
		t.Error("no RUN builds ./cmd/evctl with CGO_ENABLED=0 and a stamped version")
	}
	byCmd := map[string]instruction{}
	for _, in := range final {
		if _, dup := byCmd[in.cmd]; dup && in.cmd != "COPY" {
			t.Errorf("Dockerfile:%d: second %s in the final stage", in.line, in.cmd)
		}
		byCmd[in.cmd] = in
	}
	for _, c := range []string{"USER", "VOLUME", "HEALTHCHECK", "ENTRYPOINT", "CMD", "EXPOSE"} {
		if _, ok := byCmd[c]; !ok {
			t.Fatalf("no %s in the final stage", c)
		}
	}
	user := strings.SplitN(byCmd["USER"].args, ":", 2)[0]
	if user == "" || user == "0" || user == "root" {
		t.Errorf("USER %q runs as root", byCmd["USER"].args)
	}
	volumes := execForm(t, byCmd["VOLUME"])
	entry := execForm(t, byCmd["ENTRYPOINT"])
	serve := append(append([]string{}, entry...), execForm(t, byCmd["CMD"])...)
	if len(serve) < 3 || serve[1] != "registry" || serve[2] != "serve" {
		t.Fatalf("ENTRYPOINT + CMD = %q, want evctl registry serve", serve)
	}
	data, dataIdx := flagValue(t, serve, "--data")
	inVolume := false
	for _, v := range volumes {
		if strings.HasPrefix(data, strings.TrimSuffix(v, "/")+"/") {
			inVolume = true
		}
	}
	if !inVolume {
		t.Errorf("--data %s is not on a VOLUME %q", data, volumes)
	}
	addr, addrIdx := flagValue(t, serve, "--addr")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	if byCmd["EXPOSE"].args != port {
		t.Errorf("EXPOSE %s, but the server listens on %s", byCmd["EXPOSE"].args, addr)
	}
	_, authIdx := flagValue(t, serve, "--auth-file")

	hc := byCmd["HEALTHCHECK"].args
	i := strings.Index(hc, "CMD ")
	if i < 0 {
		t.Fatalf("HEALTHCHECK %q has no CMD", hc)
	}
	health := execForm(t, instruction{line: byCmd["HEALTHCHECK"].line, cmd: "HEALTHCHECK CMD", args: hc[i+4:]})
	if health[0] != entry[0] {
		t.Errorf("HEALTHCHECK runs %s, not the image's evctl %s", health[0], entry[0])
	}
	rawURL, urlIdx := flagValue(t, health, "--registry-url")
	u, err := url.Parse(rawURL)
	if err != nil || u.Port() != port {
		t.Fatalf("HEALTHCHECK URL %s does not reach port %s", rawURL, port)
	}
	copied := false
	for _, in := range final {
		if in.cmd == "COPY" && strings.HasSuffix(in.args, " "+entry[0]) && strings.Contains(in.args, "--from=") {
			copied = true
		}
	}
	if !copied {
		t.Errorf("no COPY --from the build stage puts evctl at %s", entry[0])
	}

	// Run the image's two commands against each other.
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "users.auth")
	if err := os.WriteFile(authFile, []byte("ci:"+string(hash)+":write\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	serve[addrIdx] = fmt.Sprintf("127.0.0.1:%d", free)
	serve[dataIdx] = filepath.Join(dir, strings.TrimPrefix(data, "/"))
	serve[authIdx] = authFile
	health[urlIdx] = fmt.Sprintf("http://127.0.0.1:%d", free)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveErr lockedWriter
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, serve[1:], cli.IOStreams{In: strings.NewReader(""), Out: &serveErr, ErrOut: &serveErr, Getenv: func(string) string { return "" }})
	}()
	runHealth := func() (int, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), health[1:], cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }})
		return code, out.String() + errOut.String()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out := runHealth()
		if code == cli.ExitOK {
			if !strings.HasPrefix(out, "UP ") {
				t.Errorf("health: %q", out)
			}
			break
		}
		if code != cli.ExitRegistry {
			t.Fatalf("HEALTHCHECK command: exit %d:\n%s", code, out)
		}
		select {
		case c := <-done:
			t.Fatalf("the image's CMD exited with %d:\n%s", c, serveErr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never became healthy:\n%s\nlast health: %s", serveErr.String(), out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(serve[dataIdx]); err != nil {
		t.Errorf("data file: %v", err)
	}
	cancel()
	if c := <-done; c != cli.ExitOK {
		t.Fatalf("serve exited with %d:\n%s", c, serveErr.String())
	}
	if code, out := runHealth(); code != cli.ExitRegistry {
		t.Errorf("HEALTHCHECK on a stopped server: exit %d, want %d: %s", code, cli.ExitRegistry, out)
	}
}

// lockedWriter is a buffer safe for the server's concurrent logging.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
