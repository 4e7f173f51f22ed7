package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/cli"
)

// pactDir holds the npm project with Pact's JavaScript library and CLI
// (make pactdeps installs it) and the pacts its generate.mjs wrote.
const pactDir = "../../internal/contract/testdata/pact"

// TestServeExamplesPactVerifier runs the real Pact verifier (the pact-verifier
// of npm @pact-foundation/pact-cli) against evctl contract serve-examples on
// the V3 message pact that Pact's JavaScript library wrote for email-service:
// it passes while the schema's status values are those the pact's regex
// allows, and fails once the schema allows REFUNDED, which it does not.
func TestServeExamplesPactVerifier(t *testing.T) {
	verifier, err := filepath.Abs(filepath.Join(pactDir, "node_modules", ".bin", "pact-verifier"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(verifier); err != nil {
		t.Fatalf("the Pact verifier is not installed (%v): run make pactdeps", err)
	}
	pact, err := filepath.Abs(filepath.Join(pactDir, "pacts", "email-service-order-service.json"))
	if err != nil {
		t.Fatal(err)
	}
	schemaText, err := os.ReadFile(filepath.Join(pactDir, "schemas", "v1", "OrderPlaced.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(schemaText), `"PLACED", "PAID", "REFUNDED"`) {
		t.Fatal("the test schema no longer lists PLACED, PAID, REFUNDED")
	}
	for _, c := range []struct {
		name, schema string
		pass         bool
		want         string
	}{
		{"values the pact allows", strings.Replace(string(schemaText), `"PLACED", "PAID", "REFUNDED"`, `"PLACED", "PAID"`, 1), true, "has a matching body (OK)"},
		{"a value the pact does not allow", string(schemaText), false, "Expected 'REFUNDED' to match '^(PLACED|PAID)$'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			schemaPath := filepath.Join(dir, "schemas", "v1", "OrderPlaced.json")
			if err := os.MkdirAll(filepath.Dir(schemaPath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(schemaPath, []byte(c.schema), 0o644); err != nil {
				t.Fatal(err)
			}
			// The catalog is the temporary directory's own (its evctl.yaml), not
			// the repository's that holds the test.
			cfgPath := filepath.Join(dir, "evctl.yaml")
			if err := os.WriteFile(cfgPath, []byte("roots: [schemas]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			addr := serveExamples(t, pact, cfgPath, filepath.Join(dir, "schemas"))
			host, port, _ := strings.Cut(addr, ":")
			cmd := exec.Command(verifier, "-f", pact, "-h", host, "-p", port, "--no-colour")
			cmd.Env = append(os.Environ(), "PACT_DO_NOT_TRACK=true")
			out, err := cmd.CombinedOutput()
			if c.pass && err != nil {
				t.Fatalf("the verifier fails: %v\n%s", err, out)
			}
			if !c.pass && err == nil {
				t.Fatalf("the verifier passes:\n%s", out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("the verifier's output lacks %q:\n%s", c.want, out)
			}
		})
	}
}

// serveExamples runs evctl contract serve-examples on a free port until the
// test ends and returns its address.
func serveExamples(t *testing.T, pact, config, schemas string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, []string{"--config", config, "contract", "serve-examples", "--addr", "127.0.0.1:0", "--pact", pact, schemas},
			cli.IOStreams{Out: io.Discard, ErrOut: pw, Getenv: func(string) string { return "" }})
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve-examples exited %d", code)
		}
	})
	serving := regexp.MustCompile(`^serving \d+ message\(s\) on http://(\S+)$`)
	sc := bufio.NewScanner(pr)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if m := serving.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return m[1]
		}
	}
	t.Fatalf("serve-examples did not start:\n%s", strings.Join(lines, "\n"))
	return ""
}
