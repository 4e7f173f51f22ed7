package codegen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/schema"
)

// genPackage is one generated package of a buildModule run: the catalog
// sources, and Go test files to run beside the generated code.
type genPackage struct {
	files map[string]string // catalog path -> schema text
	tests map[string]string // extra file name -> Go source (package name: the package)
	// split is Options.Split (the import path is the module's, below).
	split int
	// optimize is Options.Optimize.
	optimize string
}

// generateSplit runs Generate on in-memory schema files, with
// Options.Split (0: one package), the package being
// example.com/evctlgen/PKG (the module buildModule writes).
func generateSplit(t *testing.T, pkg string, files map[string]string, split int) (map[string][]byte, error) {
	t.Helper()
	return generateOpts(t, pkg, files, codegen.Options{Split: split})
}

// generateOpts is generateSplit with more options (Package and
// ImportPath are set here).
func generateOpts(t *testing.T, pkg string, files map[string]string, opts codegen.Options) (map[string][]byte, error) {
	t.Helper()
	var srcs []schema.FileSource
	for p, d := range files {
		srcs = append(srcs, schema.FileSource{Path: p, Data: []byte(d)})
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Path < srcs[j].Path })
	cat := schema.LoadSources(srcs)
	if len(cat.Errors) > 0 {
		t.Fatalf("catalog %s: %v", pkg, cat.Errors[0])
	}
	opts.Package, opts.ImportPath = pkg, "example.com/evctlgen/"+pkg
	out, _, err := codegen.Generate(cat, opts)
	return out, err
}

// buildModule generates every package into one temporary module that
// requires evctl through a replace directive, then runs `go vet` and `go
// test` once over all of them (one go command per call keeps CI fast).
func buildModule(t *testing.T, pkgs map[string]genPackage) {
	t.Helper()
	buildModuleWith(t, pkgs, nil)
}

// buildModuleWith is buildModule with extra files (path in the module ->
// source), such as helper packages and tests at the module root.
func buildModuleWith(t *testing.T, pkgs map[string]genPackage, extra map[string]string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for name, p := range pkgs {
		files, err := generateOpts(t, name, p.files, codegen.Options{Split: p.split, Optimize: p.optimize})
		if err != nil {
			t.Fatalf("Generate %s: %v", name, err)
		}
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for n, s := range p.tests {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for p, src := range extra {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tmp, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, p), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gomod, err := os.ReadFile("testdata/ownmodule/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gomod = bytes.ReplaceAll(gomod, []byte("REPO_ROOT"), []byte(root))
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command(gocmd, args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
