package scaffold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestRef(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		"v0.1.0":                               "v0.1.0",
		"v1.2.3-rc.1":                          "v1.2.3-rc.1",
		"dev":                                  "main",
		"(devel)":                              "main",
		"v0.0.0-20261128165624-94fff8812345":   "main",
		"v0.1.1-0.20261128165624-94fff8812345": "main",
	} {
		if got := Ref(v); got != want {
			t.Errorf("Ref(%q) = %q, want %q", v, got, want)
		}
	}
}

// TestPreCommit: the hook is appended to a block repos: list that ends the
// file, at the list's indentation, and the result is the same YAML plus the
// entry; other layouts are left alone with instructions.
func TestPreCommit(t *testing.T) {
	t.Parallel()
	const other = "https://github.com/pre-commit/pre-commit-hooks"
	tests := []struct {
		name, old string
		action    Action
	}{
		{"indented", "repos:\n  - repo: " + other + "\n    rev: v4.6.0\n    hooks:\n      - id: trailing-whitespace\n", Append},
		{"flush dashes", "default_stages: [pre-commit]\nrepos:\n- repo: " + other + "\n  rev: v4.6.0\n  hooks:\n  - id: trailing-whitespace\n", Append},
		{"no final newline", "repos:\n    - repo: " + other + "\n      rev: v4.6.0\n      hooks: [{id: check-yaml}]", Append},
		{"comment at the end", "repos:\n  - repo: " + other + "\n    rev: v4.6.0\n    hooks: [{id: check-yaml}]\n# end\n", Append},
		{"flow list", "repos: [{repo: " + other + ", rev: v4.6.0, hooks: [{id: check-yaml}]}]\n", Skip},
		{"repos not last", "repos:\n  - repo: " + other + "\n    rev: v4.6.0\n    hooks: [{id: check-yaml}]\nci:\n  autofix_prs: false\n", Skip},
		{"already there", "repos:\n  - repo: https://github.com/evctl/evctl\n    rev: v0.1.0\n    hooks: [{id: evctl-lint}]\n", Skip},
		{"not yaml", "repos: [\n", Skip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, PreCommitPath)
			if err := os.WriteFile(p, []byte(tt.old), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := planPreCommit(p, "v0.1.0")
			if err != nil {
				t.Fatal(err)
			}
			if f.Action != tt.action {
				t.Fatalf("action %d, want %d (%s)", f.Action, tt.action, f.Reason)
			}
			if err := Apply(dir, []File{f}); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if f.Action == Skip {
				if string(got) != tt.old {
					t.Errorf("a skipped file changed:\n%s", got)
				}
				return
			}
			var cfg struct {
				Repos []struct {
					Repo  string
					Rev   string
					Hooks []struct{ ID string }
				}
			}
			if err := yaml.Unmarshal(got, &cfg); err != nil {
				t.Fatalf("the result is not YAML: %v\n%s", err, got)
			}
			if len(cfg.Repos) != 2 || cfg.Repos[0].Repo != other || cfg.Repos[1].Repo != "https://github.com/evctl/evctl" ||
				cfg.Repos[1].Rev != "v0.1.0" || len(cfg.Repos[1].Hooks) != 1 || cfg.Repos[1].Hooks[0].ID != "evctl-lint" {
				t.Errorf("repos after append: %+v\n%s", cfg.Repos, got)
			}
			if !strings.HasPrefix(string(got), tt.old) {
				t.Errorf("the old content changed:\n%s", got)
			}
		})
	}
}

// TestApplyNeverOverwrites: a file that appeared after Plan is an error and
// keeps its content.
func TestApplyNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plan, err := Plan(dir, Options{Format: "json", Version: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "evctl.yaml")
	if err := os.WriteFile(p, []byte("roots: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Apply(dir, plan); err == nil {
		t.Fatal("Apply overwrote a file that appeared after Plan")
	}
	if b, _ := os.ReadFile(p); string(b) != "roots: [x]\n" {
		t.Errorf("evctl.yaml changed: %q", b)
	}
	if _, err := Plan(dir, Options{Format: "xml"}); err == nil {
		t.Error("Plan accepted format xml")
	}
}
