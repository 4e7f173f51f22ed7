package codegen_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/schema"
)

// corpusPublishers are the real-world schema sets under testdata/corpus,
// each with its SOURCE.md and LICENSE. multiFile marks the sets whose
// events refer to shared files ($ref across files).
var corpusPublishers = []struct {
	dir       string
	multiFile bool
}{
	{"cloudevents", false},
	{"google-cloudevents", false},
	{"apache-avro", false},
	{"hamba-avro", false},
	{"octokit-webhooks", true},
}

// corpusGoal is the share of valid single-file schemas that must generate
// and build.
const corpusGoal = 97.0

// TestCorpus generates Go for every valid schema of the real-world corpus,
// each event into a package of its own, and builds all packages with one
// go command. It prints, per publisher, how many schemas the loader
// accepts, how many generate and how many build, and every failure's
// reason; it fails when fewer than corpusGoal percent of the valid
// single-file schemas generate and build. Cross-file $ref (the multi-file
// set) is measured and printed, not held to the goal: gen go refuses it.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hundreds of generated packages")
	}
	start := time.Now()
	type stat struct{ files, valid, generated, built int }
	stats := map[string]*stat{}
	pkgOf := map[string]string{} // package -> publisher/event path
	pkgs := map[string]map[string][]byte{}
	var failures []string
	for _, pub := range corpusPublishers {
		st := &stat{}
		stats[pub.dir] = st
		root := filepath.Join("testdata", "corpus", pub.dir)
		var srcs []schema.FileSource
		err := filepath.WalkDir(filepath.Join(root, "v1"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			srcs = append(srcs, schema.FileSource{Path: filepath.ToSlash(rel), Data: data})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(srcs, func(i, j int) bool { return srcs[i].Path < srcs[j].Path })
		st.files = len(srcs)
		cat := schema.LoadSources(srcs)
		st.valid = len(cat.Events)
		for _, ev := range cat.Events {
			pkg := fmt.Sprintf("c%04d", len(pkgOf))
			pkgOf[pkg] = pub.dir + "/" + ev.Path
			files, _, err := codegen.Generate(&schema.Catalog{Events: []*schema.Event{ev}}, codegen.Options{Package: pkg})
			if err != nil {
				failures = append(failures, fmt.Sprintf("generate %s/%s: %v", pub.dir, ev.Path, oneLine(err.Error())))
				continue
			}
			st.generated++
			pkgs[pkg] = files
		}
	}
	failed := buildPackages(t, pkgs)
	for pkg := range pkgs {
		pub := strings.SplitN(pkgOf[pkg], "/", 2)[0]
		if msg, bad := failed[pkg]; bad {
			failures = append(failures, fmt.Sprintf("build %s: %s", pkgOf[pkg], msg))
			continue
		}
		stats[pub].built++
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Log(f)
	}
	var valid, built int
	for _, pub := range corpusPublishers {
		st := stats[pub.dir]
		t.Logf("%-20s files %4d, valid %4d, generated %4d, built %4d (%.1f%% of valid)%s", pub.dir, st.files, st.valid, st.generated, st.built,
			100*float64(st.built)/float64(max(st.valid, 1)), map[bool]string{true: " [multi-file: not held to the goal]"}[pub.multiFile])
		if !pub.multiFile {
			valid += st.valid
			built += st.built
		}
	}
	pct := 100 * float64(built) / float64(valid)
	t.Logf("single-file schemas: %d of %d valid generate and build (%.1f%%); %d packages built in one go command; test took %s",
		built, valid, pct, len(pkgs), time.Since(start).Round(time.Second))
	if pct < corpusGoal {
		t.Errorf("%.1f%% of valid single-file schemas generate and build, goal %.0f%%", pct, corpusGoal)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// buildPackages writes the packages into one temporary module and runs one
// `go build ./...`; it returns the packages that failed with their first
// error line.
func buildPackages(t *testing.T, pkgs map[string]map[string][]byte) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for name, files := range pkgs {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	gomod, err := os.ReadFile("testdata/ownmodule/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gomod = bytes.ReplaceAll(gomod, []byte("REPO_ROOT"), []byte(root))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "./...")
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	failed := map[string]string{}
	if err == nil {
		return failed
	}
	cur := ""
	for _, line := range strings.Split(string(out), "\n") {
		if pkg, ok := strings.CutPrefix(line, "# example.com/evctlgen/"); ok {
			cur = pkg
			continue
		}
		if cur != "" && failed[cur] == "" && strings.TrimSpace(line) != "" {
			failed[cur] = oneLine(line)
		}
	}
	if len(failed) == 0 {
		t.Fatalf("go build failed without naming a package: %v\n%s", err, out)
	}
	return failed
}
