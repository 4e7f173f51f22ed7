package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/version"
)

// ruleInvalidSchema is the id of findings for files that cannot be parsed.
const ruleInvalidSchema = "invalid-schema"

type lintOptions struct {
	Paths  []string
	Format string
}

func newLintCmd(app *App) *cobra.Command {
	opts := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Check event definitions against the design rules",
		Long: `Lint every event definition under PATH (files or directories, searched
recursively; default: the schema roots from evctl.yaml, else ./schemas).

Events are Avro (.avsc) and JSON Schema (.json, .yaml, .yml) files, one event
per file. The version comes from the nearest enclosing v<N> directory and the
event type is v<N>.<FileStem>. Files that cannot be parsed are reported with
their position under the rule id invalid-schema and make the exit status 3.

Formats: text (file:line:col: severity: message (rule-id)), json, github
(workflow annotations), sarif (SARIF 2.1.0) and markdown.
` + exitStatusHelp,
		Example: `  $ evctl lint
  $ evctl lint schemas/v2 --format json
  $ evctl lint --format github`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runLint(cmd.Context(), app, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, flagFormat, "f", "text", "output format: text, json, github, sarif or markdown")
	return cmd
}

func checkFormat(f string, allowed []string) error {
	if !slices.Contains(allowed, f) {
		return usageError("invalid --format %q (want %s)", f, strings.Join(allowed, ", "))
	}
	return nil
}

// catalogPaths are the catalog paths as given, or the config roots.
func catalogPaths(cfg *config.Config, paths []string) []string {
	if len(paths) > 0 {
		return paths
	}
	var out []string
	for _, r := range cfg.Roots {
		if cfg.Path != "" && !filepath.IsAbs(r) {
			r = filepath.Join(cfg.Dir, r)
		}
		out = append(out, r)
	}
	return out
}

// loadCatalog resolves the paths (default: config roots) and loads them.
func loadCatalog(app *App, cfg *config.Config, paths []string) (*schema.Catalog, error) {
	paths = catalogPaths(cfg, paths)
	skip := func(p string) bool {
		for _, g := range cfg.Lint.Ignore {
			if config.MatchGlob(g, p) {
				return true
			}
		}
		return false
	}
	cat, err := schema.Load(paths, schema.LoadOptions{Skip: skip})
	if err != nil {
		return nil, inputError(err)
	}
	return cat, nil
}

func parseDiagnostics(cat *schema.Catalog) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, e := range cat.Errors {
		ds = append(ds, diag.Diagnostic{Rule: ruleInvalidSchema, Severity: diag.Error, File: e.Path, Line: e.Pos.Line, Column: e.Pos.Col, Message: e.Msg})
	}
	return ds
}

func toolInfo() diag.Tool {
	t := diag.Tool{Name: "evctl", Version: version.String(), URI: "https://github.com/evctl/evctl"}
	for _, r := range lint.All() {
		t.Rules = append(t.Rules, diag.RuleInfo{ID: r.ID, Doc: r.Doc})
	}
	t.Rules = append(t.Rules, diag.RuleInfo{ID: ruleInvalidSchema, Doc: "The file is not a valid schema of its format."})
	t.Rules = append(t.Rules, contractRuleInfo()...)
	return t
}

func runLint(_ context.Context, app *App, opts *lintOptions) error {
	if err := checkFormat(opts.Format, diag.Formats); err != nil {
		return err
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	if err := lint.ValidateConfig(cfg); err != nil {
		return err
	}
	cat, err := loadCatalog(app, cfg, opts.Paths)
	if err != nil {
		return err
	}
	ds := append(parseDiagnostics(cat), lint.Run(cat, cfg)...)
	ctds, badContract, err := contractDiagnostics(cfg, len(opts.Paths) > 0, cat, nil)
	if err != nil {
		return err
	}
	ds = diag.Sort(append(ds, ctds...))
	sum := diag.Summarize(ds, cat.Files)
	p := diag.Printer{Format: opts.Format, Color: app.UseColor(), Tool: toolInfo(), Title: "evctl lint"}
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" && (sum.Errors > 0 || sum.Warnings > 0) {
		fmt.Fprintf(app.IO.ErrOut, "%d error(s), %d warning(s) in %d file(s)\n", sum.Errors, sum.Warnings, sum.Files)
	}
	if cat.Files == 0 {
		fmt.Fprintf(app.IO.ErrOut, "evctl: no schema files found in %s\n", strings.Join(orDefault(opts.Paths, cfg.Roots), ", "))
		return silentExit(ExitInput)
	}
	switch {
	case len(cat.Errors) > 0 || badContract:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}

func orDefault(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
