package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// staticELF returns an error unless path is an ELF executable that needs no
// dynamic loader: no PT_INTERP program header and no DT_NEEDED library.
// That is what `file` reports as "statically linked".
func staticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp := make([]byte, p.Filesz)
			p.ReadAt(interp, 0)
			return fmt.Errorf("%s asks for the dynamic loader %s", path, strings.TrimRight(string(interp), "\x00"))
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(libs) > 0 {
		return fmt.Errorf("%s needs the shared libraries %v", path, libs)
	}
	return nil
}

// TestMakeBuildIsStaticAndStamped runs the Makefile's build with a VERSION,
// then checks that the binary is statically linked and that `evctl version`
// and `evctl --version` print the stamped version.
func TestMakeBuildIsStaticAndStamped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the static-binary check reads ELF; run it on linux (GOOS=%s)", runtime.GOOS)
	}
	bin := filepath.Join(t.TempDir(), "evctl")
	cmd := exec.Command("make", "-s", "build", "BIN="+bin, "VERSION=v9.8.7-test")
	cmd.Dir = filepath.Join("..", "..")
	// The Makefile, not the environment, must disable cgo.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	if err := staticELF(bin); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("evctl %v: %v", args, err)
		}
		if string(out) != "evctl v9.8.7-test\n" {
			t.Errorf("evctl %v = %q, want %q", args, out, "evctl v9.8.7-test\n")
		}
	}
}

// Without VERSION the Makefile stamps nothing and the version falls back to
// the build info, which is "(devel)" inside the checkout: "dev".
func TestMakeBuildUnstamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "evctl")
	cmd := exec.Command("make", "-s", "build", "BIN="+bin, "VERSION=")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Unstamped, the version is what Go recorded: "(devel)" shows as dev,
	// and a build in a git checkout may carry Go's pseudo-version of the
	// checked-out commit (Go 1.24+ stamps it from version control).
	head, err := exec.Command("git", "-C", filepath.Join("..", ".."), "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^evctl (dev|v0\.0\.0-\d{14}-` + strings.TrimSpace(string(head)) + `(\+dirty)?)\n$`)
	if !want.Match(out) {
		t.Errorf("evctl version = %q, want %s", out, want)
	}
}

// staticELF is not a check that cannot fail: a position-independent Go
// binary, even without cgo, asks for the dynamic loader.
func TestStaticELFRejectsDynamic(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module pie\n\ngo 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(out string, args ...string) {
		cmd := exec.Command("go", append(append([]string{"build"}, args...), "-o", out, ".")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", args, err, b)
		}
	}
	build("pie", "-buildmode=pie")
	build("static")
	if err := staticELF(filepath.Join(dir, "pie")); err == nil || !strings.Contains(err.Error(), "dynamic loader") {
		t.Errorf("staticELF(pie) = %v, want a dynamic loader error", err)
	}
	if err := staticELF(filepath.Join(dir, "static")); err != nil {
		t.Errorf("staticELF(static) = %v", err)
	}
	if err := staticELF(filepath.Join(dir, "main.go")); err == nil {
		t.Error("staticELF accepts a file that is not ELF")
	}
}
