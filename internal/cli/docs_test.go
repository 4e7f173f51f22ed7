package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/lint"
)

// TestDocsEveryCommand runs `evctl docs` and checks that every command of
// the tree, completion included, has a man page and a markdown page that
// describe it, and that the rule reference lists every rule.
func TestDocsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SOURCE_DATE_EPOCH": "1795000000"} // Nov 2026
	code, out, errOut := runCLI(t, dir, env, "docs", "--out", "ref")
	if code != ExitOK {
		t.Fatalf("docs: exit %d\n%s%s", code, out, errOut)
	}
	root := newRootCmd(&App{})
	root.InitDefaultCompletionCmd()
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c != root || c.IsAdditionalHelpTopicCommand() {
			return
		}
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(cmds) < 20 {
		t.Fatalf("only %d commands in the tree", len(cmds))
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		path := c.CommandPath()
		man := filepath.Join(dir, "ref", "man", strings.ReplaceAll(path, " ", "-")+".1")
		md := filepath.Join(dir, "ref", "markdown", strings.ReplaceAll(path, " ", "_")+".md")
		seen[filepath.Base(man)], seen[filepath.Base(md)] = true, true
		for _, f := range []string{man, md} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			// roff escapes hyphens; compare the first words of Short.
			short := strings.Fields(c.Short)
			if len(short) > 3 {
				short = short[:3]
			}
			if !bytes.Contains(b, []byte(strings.Join(short, " "))) {
				t.Errorf("%s does not describe %q (%q)", f, path, c.Short)
			}
			if bytes.Contains(b, []byte("Auto generated")) {
				t.Errorf("%s has cobra's auto-generated tag", f)
			}
		}
		if b, err := os.ReadFile(man); err == nil && !bytes.Contains(b, []byte(`"Nov 2026"`)) {
			t.Errorf("%s is not dated from SOURCE_DATE_EPOCH:\n%s", man, b[:min(len(b), 200)])
		}
	}
	for _, sub := range []string{"man", "markdown"} {
		ents, err := os.ReadDir(filepath.Join(dir, "ref", sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !seen[e.Name()] && e.Name() != "rules.md" {
				t.Errorf("%s/%s is not a command's page", sub, e.Name())
			}
		}
	}
	for _, want := range []string{"evctl-registry-health.1", "evctl_docs.md", "evctl-completion-bash.1"} {
		if !seen[want] {
			t.Errorf("no page %s", want)
		}
	}
	rules, err := os.ReadFile(filepath.Join(dir, "ref", "markdown", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lint.All() {
		if !bytes.Contains(rules, []byte("\n## "+r.ID+"\n")) {
			t.Errorf("rules.md has no section for %s", r.ID)
		}
	}

	// The same inputs give the same bytes.
	code, _, errOut = runCLI(t, dir, env, "docs", "--out", "again")
	if code != ExitOK {
		t.Fatalf("docs again: exit %d: %s", code, errOut)
	}
	for _, f := range []string{"man/evctl-check.1", "markdown/evctl_check.md"} {
		a, _ := os.ReadFile(filepath.Join(dir, "ref", f))
		b, _ := os.ReadFile(filepath.Join(dir, "again", f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", f)
		}
	}
}

func TestDocsErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		code int
		want string
	}{
		{nil, []string{"docs"}, ExitUsage, "docs needs --out DIR"},
		{map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, []string{"docs", "--out", "x"}, ExitUsage, "invalid SOURCE_DATE_EPOCH"},
		{nil, []string{"docs", "--out", "file"}, ExitInput, "docs:"},
		{nil, []string{"docs", "extra", "--out", "x"}, ExitUsage, "unknown command"},
	} {
		code, _, errOut := runCLI(t, dir, tc.env, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("evctl %s: exit %d, want %d with %q:\n%s", strings.Join(tc.args, " "), code, tc.code, tc.want, errOut)
		}
	}
}

// docs/rules.md in the repository is what `evctl docs` writes; regenerate
// it with EVCTL_UPDATE=1.
func TestRulesReferenceUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "rules.md")
	want := RulesMarkdown()
	if os.Getenv("EVCTL_UPDATE") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run EVCTL_UPDATE=1 go test ./internal/cli -run TestRulesReferenceUpToDate)", err)
	}
	if string(got) != want {
		t.Errorf("docs/rules.md is stale: run EVCTL_UPDATE=1 go test ./internal/cli -run TestRulesReferenceUpToDate")
	}
}
