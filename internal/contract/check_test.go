package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/schema"
)

// TestCheckGolden runs the engine on each archive of testdata/check: the
// schemas under old/ (the baseline; absent for a lint-style run) and new/,
// the contracts under contracts/, and compares the diagnostics with the
// archive's "want" file (EVCTL_UPDATE=1 rewrites it).
func TestCheckGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/check/*.txtar")
	if len(files) < 6 {
		t.Fatalf("only %d golden archives", len(files))
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want := -1
			for i, f := range ar.Files {
				if f.Name == "want" {
					want = i
					continue
				}
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			got := runGolden(t)
			if os.Getenv("EVCTL_UPDATE") != "" {
				if want < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					want = len(ar.Files) - 1
				}
				ar.Files[want].Data = []byte(got)
				if err := os.WriteFile(filepath.Join(wd, file), txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want < 0 {
				t.Fatalf("%s has no want file; run with EVCTL_UPDATE=1", file)
			}
			if w := string(ar.Files[want].Data); got != w {
				t.Errorf("%s:\n--- got\n%s--- want\n%s", file, got, w)
			}
		})
	}
}

func runGolden(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("producer"); err == nil {
		return runVerifyGolden(t)
	}
	cur, err := schema.Load([]string{"new"}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur.Errors) > 0 {
		t.Fatalf("new/ does not load: %v", cur.Errors[0])
	}
	var base *schema.Catalog
	if _, err := os.Stat("old"); err == nil {
		base, err = schema.Load([]string{"old"}, schema.LoadOptions{})
		if err != nil || len(base.Errors) > 0 {
			t.Fatalf("old/ does not load: %v %v", err, base.Errors)
		}
	}
	set, err := LoadDir("contracts", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if data, err := os.ReadFile("evctl.yaml"); err == nil {
		cfg, err = config.Parse("evctl.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
	}
	fs, errs := Check(set, cur, base)
	ds := Diagnostics(cfg, fs, append(set.Errors, errs...))
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s (%s)\n", d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule)
	}
	if b.Len() == 0 {
		return "no findings\n"
	}
	return b.String()
}

// TestIssueCasesAreRegistryCompatible shows why contracts are needed: the
// changes of avro-issue and json-issue pass the registry's BACKWARD check,
// yet break email-service (see their want files).
func TestIssueCasesAreRegistryCompatible(t *testing.T) {
	for _, c := range []struct {
		archive, file string
		format        compat.Format
	}{
		{"avro-issue", "v1/OrderPlaced.avsc", compat.Avro},
		{"json-issue", "v1/OrderPlaced.json", compat.JSONSchema},
	} {
		ar, err := txtar.ParseFile("testdata/check/" + c.archive + ".txtar")
		if err != nil {
			t.Fatal(err)
		}
		docs := map[string][]byte{}
		for _, f := range ar.Files {
			docs[f.Name] = f.Data
		}
		oldDoc := compat.Doc{Name: "old/" + c.file, Text: docs["old/"+c.file]}
		newDoc := compat.Doc{Name: "new/" + c.file, Text: docs["new/"+c.file]}
		if oldDoc.Text == nil || newDoc.Text == nil {
			t.Fatalf("%s: missing old/new %s", c.archive, c.file)
		}
		res, err := compat.Check(c.format, compat.Backward, newDoc, []compat.Doc{oldDoc}, compat.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Compatible {
			t.Errorf("%s: the registry's BACKWARD check rejects the change (%+v); the case no longer shows what contracts add", c.archive, res.Changes)
		}
		if want := string(docs["want"]); !strings.Contains(want, "consumer-enum-unhandled") {
			t.Errorf("%s: want file has no consumer-enum-unhandled finding", c.archive)
		}
	}
}

// runVerifyGolden verifies contracts/ against the catalog under producer/,
// from the consumer's side.
func runVerifyGolden(t *testing.T) string {
	cat, err := schema.Load([]string{"producer"}, schema.LoadOptions{})
	if err != nil || len(cat.Errors) > 0 {
		t.Fatalf("producer/ does not load: %v %v", err, cat.Errors)
	}
	set, err := LoadDir("contracts", false)
	if err != nil {
		t.Fatal(err)
	}
	ds := ConsumerDiagnostics(config.Default(), Verify(set, cat, "git:producer/main"), set.Errors)
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s (%s)\n", d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule)
	}
	if b.Len() == 0 {
		return "no findings\n"
	}
	return b.String()
}
