package codegen_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/schema"
)

// goldens are the catalogs whose generated code is committed under gentest/.
var goldens = []struct {
	name     string // package name and directory under gentest/
	catalog  string // relative to this package
	optimize string
}{
	{"bundled", "../../schemas", ""},
	{"catalog", "testdata/catalog", ""},
	// bench is the 11-field event of the speed goals (BENCHMARKS.md).
	{"bench", "testdata/bench", ""},
	// names covers every rename rule (see fieldName and fileName).
	{"names", "testdata/names", ""},
	// cdevents and wikimedia are real multi-file catalogs: events that $ref
	// shared files (by $id), in domains (wikimedia).
	{"cdevents", "../../cmd/evctl/testdata/catalogs/cdevents/schemas", ""},
	{"wikimedia", "../../cmd/evctl/testdata/catalogs/wikimedia/schemas", ""},
	// bundledsize and catalogsize are bundled and catalog with --optimize
	// size, which the wire tests compare with them.
	{"bundledsize", "../../schemas", codegen.OptimizeSize},
	{"catalogsize", "testdata/catalog", codegen.OptimizeSize},
}

func load(t *testing.T, dir string) *schema.Catalog {
	t.Helper()
	// Load with a path relative to the catalog root, as the CLI does, so
	// that nothing machine-specific reaches the output.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(wd, dir))
	cat, err := schema.Load([]string{"."}, schema.LoadOptions{Roots: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	if len(cat.Errors) > 0 {
		t.Fatalf("catalog %s: %v", dir, cat.Errors[0])
	}
	return cat
}

func generate(t *testing.T, dir, pkg string) (map[string][]byte, []codegen.Fallback) {
	t.Helper()
	return generateWith(t, dir, codegen.Options{Package: pkg, EntityID: entityID})
}

func generateWith(t *testing.T, dir string, opts codegen.Options) (map[string][]byte, []codegen.Fallback) {
	t.Helper()
	files, fbs, err := codegen.Generate(load(t, dir), opts)
	if err != nil {
		t.Fatalf("Generate(%s): %v", dir, err)
	}
	return files, fbs
}

// TestGolden compares the generated code of the bundled catalog and of
// testdata/catalog with the committed packages under gentest/. Run with
// EVCTL_UPDATE=1 to rewrite them.
func TestGolden(t *testing.T) {
	update := os.Getenv("EVCTL_UPDATE") == "1"
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			files, _ := generateWith(t, g.catalog, codegen.Options{Package: g.name, EntityID: entityID, Optimize: g.optimize})
			out := filepath.Join("gentest", g.name)
			if update {
				if err := os.MkdirAll(out, 0o755); err != nil {
					t.Fatal(err)
				}
				stale, err := codegen.Check(out, files)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range stale {
					if files[n] == nil {
						if err := os.Remove(filepath.Join(out, n)); err != nil {
							t.Fatal(err)
						}
						continue
					}
					if err := os.WriteFile(filepath.Join(out, n), files[n], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			stale, err := codegen.Check(out, files)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range stale {
				want, _ := os.ReadFile(filepath.Join(out, n))
				t.Errorf("%s/%s is stale (rerun with EVCTL_UPDATE=1):\n%s", out, n, cmp.Diff(string(want), string(files[n])))
			}
			for n, b := range files {
				if !bytes.HasPrefix(b, []byte(codegen.Header+"\n")) {
					t.Errorf("%s does not start with the generated-code header", n)
				}
			}
		})
	}
}

// TestDeterministic generates twice, the second time from a shuffled
// catalog, and wants identical bytes.
func TestDeterministic(t *testing.T) {
	for _, g := range goldens {
		cat := load(t, g.catalog)
		a, fa, err := codegen.Generate(cat, codegen.Options{Package: "p"})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(len(cat.Events), func(i, j int) { cat.Events[i], cat.Events[j] = cat.Events[j], cat.Events[i] })
		b, fb, err := codegen.Generate(cat, codegen.Options{Package: "p"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: second run differs:\n%s", g.name, diff)
		}
		if diff := cmp.Diff(fa, fb); diff != "" {
			t.Errorf("%s: fallbacks differ:\n%s", g.name, diff)
		}
	}
}

// TestFallbacksListed checks that every subschema with keywords that are
// not compiled is reported, and nothing else.
func TestFallbacksListed(t *testing.T) {
	_, fbs := generate(t, "testdata/catalog", "catalog")
	var got []string
	for _, f := range fbs {
		got = append(got, f.Event+" #"+f.Pointer+" "+strings.Join(f.Keywords, ","))
	}
	want := []string{
		"v1.Fallbacks #/properties/amount multipleOf",
		"v1.Fallbacks #/properties/choice oneOf",
		"v1.Fallbacks #/properties/pair dependentRequired",
		"v1.Fallbacks #/properties/word not",
		"v1.Payment #/properties/limit oneOf",
		"v1.Yamlish #/properties/labels patternProperties",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fallbacks (-want +got):\n%s", diff)
	}
	_, fbs = generate(t, "../../schemas", "bundled")
	if len(fbs) != 0 {
		t.Errorf("bundled catalog: want no fallbacks, got %v", fbs)
	}
}

// TestGoldenOwnModule builds and vets the committed generated code in a
// module of its own that requires evctl through a replace directive, the
// way a user's module would.
func TestGoldenOwnModule(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, g := range goldens {
		dst := filepath.Join(tmp, g.name)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(filepath.Join("gentest", g.name))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			b, err := os.ReadFile(filepath.Join("gentest", g.name, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
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
	// The main module's go.sum covers every dependency; copying it keeps
	// the build offline (the module cache already holds the modules).
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
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command(gocmd, args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in its own module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
