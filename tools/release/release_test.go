package release

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/goreleaser/goreleaser/v2/pkg/config"
)

// repoRoot is the evctl checkout this module sits in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".goreleaser.yaml")); err != nil {
		t.Fatalf("no .goreleaser.yaml at the repository root: %v", err)
	}
	return root
}

// goreleaser builds the pinned goreleaser (go tool caches the binary) and
// returns its path.
func goreleaser(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "tool", "-n", "goreleaser").Output()
	if err != nil {
		t.Fatalf("go tool -n goreleaser: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// run runs goreleaser in the repository root and returns its output.
func run(t *testing.T, bin, root string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGoreleaserCheck runs `goreleaser check` on the repository's config,
// and on a copy with a typo that it must reject.
func TestGoreleaserCheck(t *testing.T) {
	root := repoRoot(t)
	bin := goreleaser(t)
	if out, err := run(t, bin, root, "check", "--config", ".goreleaser.yaml"); err != nil {
		t.Fatalf("goreleaser check: %v\n%s", err, out)
	}
	src, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(src), "\nchecksum:", "\nchecksums:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, bin, root, "check", "--config", bad); err == nil {
		t.Fatalf("goreleaser check accepts an unknown key:\n%s", out)
	}
}

// TestGoreleaserTargets loads the config with goreleaser's own loader and
// checks what the release promises: the six platforms the Makefile's
// release target also builds, static builds, a stamped version, checksums.
func TestGoreleaserTargets(t *testing.T) {
	root := repoRoot(t)
	p, err := config.Load(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(p.Builds))
	}
	b := p.Builds[0]
	if b.Main != "./cmd/evctl" || b.Binary != "evctl" {
		t.Errorf("build main %q binary %q", b.Main, b.Binary)
	}
	var targets []string
	for _, os := range b.Goos {
		for _, arch := range b.Goarch {
			targets = append(targets, os+"/"+arch)
		}
	}
	slices.Sort(targets)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PLATFORMS\s*:?=\s*(.+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no PLATFORMS in the Makefile")
	}
	makeTargets := strings.Fields(string(m[1]))
	slices.Sort(makeTargets)
	want := []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64"}
	if !slices.Equal(targets, want) {
		t.Errorf("goreleaser targets %v, want %v", targets, want)
	}
	if !slices.Equal(makeTargets, want) {
		t.Errorf("make release targets %v, want %v", makeTargets, want)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %v lacks CGO_ENABLED=0", b.Env)
	}
	if !slices.Contains([]string(b.Flags), "-trimpath") {
		t.Errorf("build flags %v lack -trimpath", b.Flags)
	}
	if !strings.Contains(strings.Join(b.Ldflags, " "), "-X github.com/evctl/evctl/internal/version.stamped=") {
		t.Errorf("ldflags %v do not stamp the version", b.Ldflags)
	}
	if p.Checksum.Disable || p.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v, want sha256", p.Checksum)
	}
}

// TestGoreleaserSnapshotBuild builds the host's target with goreleaser
// (snapshot, nothing published) and checks the binary: static, and
// stamped with goreleaser's snapshot version.
func TestGoreleaserSnapshotBuild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the static-binary check reads ELF; run it on linux (GOOS=%s)", runtime.GOOS)
	}
	root := repoRoot(t)
	bin := goreleaser(t)
	src, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	cfg := filepath.Join(dir, "goreleaser.yaml")
	if err := os.WriteFile(cfg, append(src, []byte("\ndist: "+dist+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, bin, root, "build", "--snapshot", "--clean", "--single-target", "--config", cfg)
	if err != nil {
		t.Fatalf("goreleaser build: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dist, "evctl_linux_"+runtime.GOARCH+"*", "evctl"))
	if len(matches) != 1 {
		t.Fatalf("built binaries %v, want one; goreleaser said:\n%s", matches, out)
	}
	f, err := elf.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", matches[0])
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs %v", matches[0], libs)
	}
	f.Close()
	v, err := exec.Command(matches[0], "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^evctl v\d+\.\d+\.\d+-snapshot\n$`).Match(v) {
		t.Errorf("evctl version = %q, want the stamped snapshot version", v)
	}
}
