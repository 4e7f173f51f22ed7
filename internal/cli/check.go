package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
)

// Rule ids of check's own findings.
const (
	ruleEventRemoved       = "event-removed"
	ruleUnneededMajor      = "unneeded-major-version"
	ruleFormatChanged      = "format-changed"
	ruleInvalidBaseline    = "invalid-baseline-schema"
	againstRegistryKeyword = "registry"
	envGitHubBaseRef       = "GITHUB_BASE_REF"
	flagAgainst            = "against"
)

type checkOptions struct {
	Paths      []string
	Against    string
	Level      string
	JSONPolicy string
	Format     string
	// Reports are the --report FORMAT=FILE flags.
	Reports []string
	// Registry holds the client flags for --against registry.
	Registry registryFlags
}

func newCheckCmd(app *App) *cobra.Command {
	opts := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [PATH...] --against SOURCE",
		Short: "The CI contract gate: lint, then compare every event with its earlier versions",
		Long: `Lint the catalog, then compare every event with its earlier versions from
SOURCE, matched by event type (v1.OrderPlaced):

  git:<ref>    blobs of a ref of the local repository (git:origin/main, git:HEAD~1);
               for *_TRANSITIVE levels, every committed version reachable from
               the ref, following renames
  dir:<path>   an older catalog on disk
  registry     the subject's registered versions (see evctl push): the local
               engine runs on them and the registry's own compatibility
               endpoint is asked too; any disagreement is an error
               (verdict-mismatch). The subject's level on the registry
               applies, with a warning when it differs from --level.

An incompatible change inside a major version is an error named by its change
type; publish v<N+1>.<Name> instead. A new event is fine. A removed event or
major version is an error (event-removed) unless compat.allow_removed in
evctl.yaml lists it with a reason. A new major version is shown as a diff
against the previous major, with a warning (unneeded-major-version) when it
is in fact compatible with it.

Without --against, check uses git:origin/$GITHUB_BASE_REF when GITHUB_BASE_REF
is set (GitHub Actions pull requests) and fails otherwise.
` + exitStatusHelp,
		Example: `  $ evctl check --against git:origin/main
  $ evctl check schemas --against git:HEAD~1 --level FULL_TRANSITIVE --format github
  $ evctl check --against dir:../release-1.4/schemas
  $ evctl check -f github --report markdown=summary.md --report sarif=evctl.sarif`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runCheck(cmd.Context(), app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Against, flagAgainst, "", "baseline: git:<ref>, dir:<path> or registry (default: git:origin/$GITHUB_BASE_REF in GitHub Actions)")
	f.StringVar(&opts.Level, flagLevel, "", "compatibility level (default: compat.level from evctl.yaml, else BACKWARD)")
	f.StringVar(&opts.JSONPolicy, flagJSONPolicy, "", "JSON Schema policy: strict or lenient")
	f.StringVarP(&opts.Format, flagFormat, "f", "text", "output format: text, json, github, sarif or markdown")
	addReportFlag(cmd, &opts.Reports)
	addRegistryFlags(cmd, &opts.Registry)
	return cmd
}

func runCheck(ctx context.Context, app *App, opts *checkOptions) error {
	if err := checkFormat(opts.Format, diag.Formats); err != nil {
		return err
	}
	reports, err := parseReports(opts.Reports)
	if err != nil {
		return err
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	if err := lint.ValidateConfig(cfg); err != nil {
		return err
	}
	level, err := resolveLevel(app, opts.Level)
	if err != nil {
		return err
	}
	policy, err := resolvePolicy(app, opts.JSONPolicy)
	if err != nil {
		return err
	}
	against := opts.Against
	if against == "" {
		if base := app.IO.Getenv(envGitHubBaseRef); base != "" {
			against = "git:origin/" + base
		} else {
			return withHint(usageError("check needs --against (git:<ref>, dir:<path> or registry)"),
				"in CI pass the pull request's base, e.g. --against git:origin/main; in GitHub Actions it defaults to git:origin/$GITHUB_BASE_REF")
		}
	}
	if against == againstRegistryKeyword {
		return runCheckRegistry(ctx, app, cfg, opts, reports, level, policy)
	}
	src, err := parseSource(against)
	if err != nil {
		return err
	}
	paths := catalogPaths(cfg, opts.Paths)
	baseFiles, err := src.Files(ctx, paths)
	if err != nil {
		return err
	}
	// A path that is gone from the working tree but had schemas in the
	// baseline was removed: compare against an empty catalog so that every
	// event of it is reported as removed.
	var present []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil || len(baseFiles) == 0 {
			present = append(present, p)
		}
	}
	cur := &schema.Catalog{}
	if len(present) > 0 {
		cur, err = loadCatalog(app, cfg, present)
		if err != nil {
			return err
		}
	}
	if cur.Files == 0 && len(baseFiles) == 0 {
		fmt.Fprintf(app.IO.ErrOut, "evctl: no schema files found in %s or in %s\n", strings.Join(paths, ", "), src.Describe())
		return silentExit(ExitInput)
	}
	base := schema.LoadSourcesUnchecked(baseFiles)

	ds := append(parseDiagnostics(cur), lint.Run(cur, cfg)...)
	inputProblem := len(cur.Errors) > 0
	for _, e := range base.Errors {
		inputProblem = true
		ds = append(ds, diag.Diagnostic{Rule: ruleInvalidBaseline, Severity: diag.Error, File: src.Describe() + ":" + e.Path, Line: e.Pos.Line, Column: e.Pos.Col,
			Message: "the earlier version does not parse, so it cannot be compared: " + e.Msg})
	}
	cds, err := compareCatalogs(ctx, cfg, cur, base, src, level, policy)
	if err != nil {
		return err
	}
	ctds, badContract, err := contractDiagnostics(cfg, len(opts.Paths) > 0, cur, base)
	if err != nil {
		return err
	}
	inputProblem = inputProblem || badContract
	ds = diag.Sort(append(append(ds, cds...), ctds...))
	sum := diag.Summarize(ds, cur.Files)
	p := diag.Printer{Format: opts.Format, Color: app.UseColor(), Tool: toolInfo(), Title: "evctl check against " + src.Describe()}
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if err := writeReports(reports, p, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" {
		fmt.Fprintf(app.IO.ErrOut, "checked %d event(s) against %s under %s: %d error(s), %d warning(s)\n", len(cur.Events), src.Describe(), level, sum.Errors, sum.Warnings)
	}
	switch {
	case inputProblem:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}

func formatOf(e *schema.Event) compat.Format {
	if e.Format == schema.Avro {
		return compat.Avro
	}
	return compat.JSONSchema
}

// eventDoc turns an event into a compat document, resolving file $refs
// against the other files of its catalog.
func eventDoc(e *schema.Event, name string, cat *schema.Catalog) compat.Doc {
	d := compat.Doc{Name: name, Text: e.Source, YAML: e.YAML}
	if e.Format == schema.JSONSchema {
		d.References = catalogRefs(e.Root, e.Path, cat)
	}
	return d
}

// catalogRefs resolves the file $refs of the document at path against cat.
func catalogRefs(root *schema.Node, path string, cat *schema.Catalog) map[string][]byte {
	return fileRefs(root, filepath.Dir(path), func(p string) []byte {
		if o := cat.ByPath(p); o != nil {
			return o.Source
		}
		return nil
	})
}

func allowedRemoval(cfg *config.Config, e *schema.Event) (string, bool) {
	for _, a := range cfg.Compat.AllowRemoved {
		if a.Event == e.Type || a.Event == fmt.Sprintf("v%d", e.Version) {
			return a.Reason, true
		}
	}
	return "", false
}

func compareCatalogs(ctx context.Context, cfg *config.Config, cur, base *schema.Catalog, src source, level compat.Level, policy compat.Policy) ([]diag.Diagnostic, error) {
	opts := compat.Options{Policy: policy}
	results := make([][]diag.Diagnostic, len(cur.Events))
	errs := make([]error, len(cur.Events))
	var wg sync.WaitGroup
	n := max(1, min(runtime.GOMAXPROCS(0), len(cur.Events)))
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(cur.Events); i += n {
				results[i], errs[i] = compareEvent(ctx, cur, base, base.ByType(cur.Events[i].Type), cur.Events[i], src, level, opts)
			}
		}(w)
	}
	wg.Wait()
	var ds []diag.Diagnostic
	for i := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		ds = append(ds, results[i]...)
	}
	for _, b := range base.Events {
		if cur.ByType(b.Type) != nil {
			continue
		}
		if reason, ok := allowedRemoval(cfg, b); ok {
			ds = append(ds, diag.Diagnostic{Rule: ruleEventRemoved, Severity: diag.Info, File: b.Path, Line: 1, Column: 1, Event: b.Type,
				Message: fmt.Sprintf("event %s was removed (allowed: %s)", b.Type, reason)})
			continue
		}
		ds = append(ds, diag.Diagnostic{Rule: ruleEventRemoved, Severity: diag.Error, File: b.Path, Line: 1, Column: 1, Event: b.Type,
			Message: fmt.Sprintf("event %s existed in %s and was removed; consumers may still read it: restore it, or allow it in evctl.yaml under compat.allow_removed with a reason", b.Type, src.Describe())})
	}
	return ds, nil
}

// compareEvent compares one event of the catalog with its baseline b (nil
// when the event is new).
func compareEvent(ctx context.Context, cur, base *schema.Catalog, b, e *schema.Event, src source, level compat.Level, opts compat.Options) ([]diag.Diagnostic, error) {
	var ds []diag.Diagnostic
	if b == nil {
		ds = append(ds, majorVersionNotes(cur, base, e, level, opts)...)
		return ds, nil
	}
	if b.Format != e.Format {
		ds = append(ds, diag.Diagnostic{Rule: ruleFormatChanged, Severity: diag.Error, File: e.Path, Line: 1, Column: 1, Event: e.Type,
			Message: fmt.Sprintf("%s changed from %s to %s; a registry rejects a different schema type; publish v%d.%s instead", e.Type, b.Format, e.Format, e.Version+1, e.Stem)})
		return ds, nil
	}
	if !level.Transitive() && bytes.Equal(b.Source, e.Source) && b.Path == e.Path {
		// Unchanged text with the same $ref targets: a schema reads itself.
		if e.Format == schema.Avro || len(schema.FileRefs(e.Root)) == 0 {
			return ds, nil
		}
	}
	prev := []compat.Doc{eventDoc(b, src.Describe()+":"+b.Path, base)}
	if level.Transitive() {
		hist, err := src.History(ctx, b.Path)
		if err != nil {
			return nil, err
		}
		if len(hist) > 0 {
			prev = prev[:0]
			for _, h := range hist {
				d := compat.Doc{Name: src.Describe() + "@" + h.Path, Text: h.Data, YAML: b.YAML}
				if b.Format == schema.JSONSchema {
					if root, err := parseRoot(h.Data, b.YAML); err == nil {
						d.References = catalogRefs(root, b.Path, base)
					}
				}
				prev = append(prev, d)
			}
		}
	}
	newDoc := eventDoc(e, e.Path, cur)
	res, err := compat.Check(formatOf(e), level, newDoc, prev, opts)
	if err != nil {
		if compat.IsParseError(err) {
			ds = append(ds, diag.Diagnostic{Rule: ruleInvalidBaseline, Severity: diag.Error, File: e.Path, Line: 1, Column: 1, Event: e.Type, Message: err.Error()})
			return ds, nil
		}
		return nil, err
	}
	if res.Compatible {
		return ds, nil
	}
	byName := map[string]compat.Doc{}
	for _, p := range prev {
		byName[p.Name] = p
	}
	for _, c := range res.Changes {
		if c.Compatible {
			continue
		}
		l := locate(c, newDoc, byName[c.Against], parseDocRoot)
		if l.File != e.Path {
			l.File, l.Line, l.Column = e.Path, 1, 1
			if n := e.Root.Pointer(strings.TrimPrefix(c.Path, "#")); n != nil {
				l.Line, l.Column = n.Pos.Line, n.Pos.Col
			}
		}
		ds = append(ds, diag.Diagnostic{Rule: c.Type, Severity: diag.Error, File: l.File, Line: l.Line, Column: l.Column, Event: e.Type,
			Message: fmt.Sprintf("%s: %s (%s against %s); if the break is intended, publish v%d.%s instead", c.Path, c.Message, c.Direction, c.Against, e.Version+1, e.Stem)})
	}
	return ds, nil
}

// parseDocRoot parses a compat document for positions; nil if it does not parse.
func parseDocRoot(d compat.Doc) *schema.Node {
	n, err := parseRoot(d.Text, d.YAML)
	if err != nil {
		return nil
	}
	return n
}

// majorVersionNotes diffs a new major version against the previous major.
func majorVersionNotes(cur, base *schema.Catalog, e *schema.Event, level compat.Level, opts compat.Options) []diag.Diagnostic {
	if e.Version < 2 {
		return nil
	}
	prevType := fmt.Sprintf("v%d.%s", e.Version-1, e.Stem)
	pe := cur.ByType(prevType)
	cat := cur
	if pe == nil {
		pe, cat = base.ByType(prevType), base
	}
	if pe == nil || pe.Format != e.Format {
		return nil
	}
	if base.ByType(e.Type) != nil {
		return nil
	}
	if level == compat.None {
		level = compat.Backward
	}
	nonTransitive := compat.Level(strings.TrimSuffix(string(level), "_TRANSITIVE"))
	newDoc := eventDoc(e, e.Path, cur)
	prev := []compat.Doc{eventDoc(pe, pe.Path, cat)}
	res, err := compat.Check(formatOf(e), nonTransitive, newDoc, prev, opts)
	if err != nil {
		return nil
	}
	if res.Compatible {
		return []diag.Diagnostic{{Rule: ruleUnneededMajor, Severity: diag.Warning, File: e.Path, Line: 1, Column: 1, Event: e.Type,
			Message: fmt.Sprintf("%s is %s-compatible with %s; a new major version is not needed: evolve %s instead", e.Type, nonTransitive, prevType, pe.Path)}}
	}
	var ds []diag.Diagnostic
	for _, c := range res.Changes {
		l := locate(c, newDoc, prev[0], parseDocRoot)
		ds = append(ds, diag.Diagnostic{Rule: c.Type, Severity: diag.Info, File: l.File, Line: l.Line, Column: l.Column, Event: e.Type,
			Message: fmt.Sprintf("new major version: %s: %s (%s against %s)", c.Path, c.Message, c.Direction, prevType)})
	}
	return ds
}

func readFile(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}
