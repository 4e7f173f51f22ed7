package lint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// lintArchive extracts the schema files of a case into dir, loads them with
// the archive's evctl.yaml (or the default config) and returns the text
// output of the given rule (every rule when rule is ""), with paths relative
// to dir.
func lintArchive(t testing.TB, dir string, a *txtar.Archive, rule string) string {
	t.Helper()
	cfg := config.Default()
	for _, f := range a.Files {
		if f.Name == "want" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if f.Name == config.FileName {
			c, err := config.Parse(p, f.Data)
			if err != nil {
				t.Fatalf("config: %v", err)
			}
			if err := ValidateConfig(c); err != nil {
				t.Fatalf("config: %v", err)
			}
			cfg = c
		}
	}
	cat, err := schema.Load([]string{filepath.Join(dir, "schemas")}, schema.LoadOptions{})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, e := range cat.Errors {
		t.Errorf("schema does not load: %v", e)
	}
	ds := Run(cat, cfg)
	kept := ds[:0]
	for _, d := range ds {
		if rule == "" || d.Rule == rule {
			kept = append(kept, d)
		}
	}
	var buf bytes.Buffer
	if err := (diag.Printer{Format: "text"}).Print(&buf, kept, diag.Summarize(kept, cat.Files)); err != nil {
		t.Fatal(err)
	}
	prefix := filepath.ToSlash(dir) + "/"
	return strings.ReplaceAll(buf.String(), prefix, "")
}

// TestRules runs every case under testdata/<rule-id>/: the diagnostics of
// that rule must equal the case's "want" section. Good cases (named good-*)
// must want nothing and bad cases at least one finding. Set EVCTL_UPDATE=1
// to rewrite the want sections.
func TestRules(t *testing.T) {
	update := os.Getenv("EVCTL_UPDATE") == "1"
	for _, r := range All() {
		files, err := filepath.Glob(filepath.Join("testdata", r.ID, "*.txtar"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".txtar")
			t.Run(r.ID+"/"+name, func(t *testing.T) {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				a := txtar.Parse(data)
				got := lintArchive(t, t.TempDir(), a, r.ID)
				wantIdx := -1
				for i, f := range a.Files {
					if f.Name == "want" {
						wantIdx = i
					}
				}
				if update {
					if wantIdx < 0 {
						a.Files = append(a.Files, txtar.File{Name: "want"})
						wantIdx = len(a.Files) - 1
					}
					a.Files[wantIdx].Data = []byte(got)
					if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if wantIdx < 0 {
					t.Fatalf("%s has no want section", file)
				}
				want := string(a.Files[wantIdx].Data)
				switch {
				case strings.HasPrefix(name, "good") && got != "":
					t.Errorf("good case has findings:\n%s", got)
				case strings.HasPrefix(name, "bad") && got == "":
					t.Errorf("bad case has no finding")
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: diagnostics differ (-want +got):\n%s", file, diff)
				}
			})
		}
	}
}

// TestRuleCaseCoverage checks that every rule has at least three bad and
// three good cases in Avro and in JSON Schema.
func TestRuleCaseCoverage(t *testing.T) {
	for _, r := range All() {
		files, _ := filepath.Glob(filepath.Join("testdata", r.ID, "*.txtar"))
		count := map[string]int{}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			kind := strings.SplitN(filepath.Base(file), "-", 2)[0]
			formats := map[string]bool{}
			for _, f := range txtar.Parse(data).Files {
				if fm, _, ok := schema.FormatOf(f.Name); ok && strings.HasPrefix(f.Name, "schemas/") {
					formats[string(fm)] = true
				}
			}
			for f := range formats {
				count[kind+"/"+f]++
			}
		}
		avro, js := string(schema.Avro), string(schema.JSONSchema)
		for _, k := range []string{"bad/" + avro, "bad/" + js, "good/" + avro, "good/" + js} {
			if r == ClosedContentModel && k == "bad/"+avro {
				continue // the rule applies to JSON Schema only
			}
			if count[k] < 3 {
				t.Errorf("rule %s has %d %s cases, want at least 3", r.ID, count[k], k)
			}
		}
	}
}

// TestRegistry audits the rule registry.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %q", r.ID)
		}
		seen[r.ID] = true
		if !isKebab(r.ID) {
			t.Errorf("rule id %q is not kebab-case", r.ID)
		}
		if ByID(r.ID) != r {
			t.Errorf("ByID(%q) does not return the rule", r.ID)
		}
		doc := strings.TrimSpace(r.Doc)
		if doc == "" {
			t.Errorf("rule %s has no doc", r.ID)
		}
		if !strings.HasSuffix(doc, ".") || strings.Count(strings.TrimSuffix(doc, "."), ". ") > 0 {
			t.Errorf("rule %s doc is not one sentence: %q", r.ID, doc)
		}
		if r.Doc != "" && (r.Doc[0] < 'A' || r.Doc[0] > 'Z') {
			t.Errorf("rule %s doc does not start with a capital: %q", r.ID, r.Doc)
		}
		want := diag.Error
		switch r.ID {
		case "closed-content-model":
			want = diag.Warning
		case "verb-last":
			// An optional house style.
			want = diag.Off
		}
		if r.Default != want {
			t.Errorf("rule %s default severity %q, want %q", r.ID, r.Default, want)
		}
		if r.Run == nil {
			t.Errorf("rule %s has no Run", r.ID)
		}
		if files, _ := filepath.Glob(filepath.Join("testdata", r.ID, "*.txtar")); len(files) == 0 {
			t.Errorf("rule %s has no testdata", r.ID)
		}
	}
	if len(seen) != 8 {
		t.Errorf("registry has %d rules, want 8", len(seen))
	}
}

func isKebab(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// exampleArchive places a rule example in a catalog file named after its
// declared name.
func exampleArchive(t *testing.T, text string) *txtar.Archive {
	t.Helper()
	n, err := schema.ParseJSON([]byte(text))
	if err != nil {
		t.Fatalf("example is not JSON: %v", err)
	}
	if typ, _ := n.Get("type").StringValue(); typ == "record" {
		name, _ := n.Get("name").StringValue()
		return &txtar.Archive{Files: []txtar.File{{Name: "schemas/v1/" + name + ".avsc", Data: []byte(text)}}}
	}
	title, _ := n.Get("title").StringValue()
	_, stem, _ := strings.Cut(title, ".")
	return &txtar.Archive{Files: []txtar.File{{Name: "schemas/v1/" + stem + ".json", Data: []byte(text)}}}
}

// TestExamples checks that each rule's Bad example triggers it and its Good
// example is clean under every rule.
func TestExamples(t *testing.T) {
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			bad := exampleArchive(t, r.Bad)
			if r.Default == diag.Off {
				// An optional rule is judged turned on.
				bad.Files = append(bad.Files, txtar.File{Name: config.FileName, Data: []byte("lint:\n  rules:\n    " + r.ID + ": warning\n")})
			}
			if got := lintArchive(t, t.TempDir(), bad, r.ID); got == "" {
				t.Errorf("Bad example does not trigger %s", r.ID)
			}
			if got := lintArchive(t, t.TempDir(), exampleArchive(t, r.Good), ""); got != "" {
				t.Errorf("Good example has findings:\n%s", got)
			}
		})
	}
}

// TestBundledCatalog checks that the repository's schemas/ lint clean.
func TestBundledCatalog(t *testing.T) {
	root := filepath.Join("..", "..", "schemas")
	cat, err := schema.Load([]string{root}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Errors {
		t.Errorf("bundled schema does not load: %v", e)
	}
	if len(cat.Events) < 5 {
		t.Fatalf("bundled catalog has %d events, want the whole catalog", len(cat.Events))
	}
	for _, d := range Run(cat, config.Default()) {
		t.Errorf("%s:%d:%d: %s: %s (%s)", d.File, d.Line, d.Column, d.Severity, d.Message, d.Rule)
	}
}
