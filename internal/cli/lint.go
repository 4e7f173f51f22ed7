package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/version"
)

type lintOptions struct {
	Paths  []string
	Format string
	// WriteBaseline is the file to record the current findings in.
	WriteBaseline string
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
	cmd.Flags().StringVar(&opts.WriteBaseline, "write-baseline", "", "record the current findings in `FILE` (then set lint.baseline: FILE) so that only new findings fail")
	return cmd
}

func checkFormat(f string, allowed []string) error {
	if !slices.Contains(allowed, f) {
		return usageError("invalid --format %q (want %s)", f, strings.Join(allowed, ", "))
	}
	return nil
}

// catalogPaths are the paths to load (relative to the catalog root): the
// config roots that exist and the command-line paths. scope is the
// command-line paths, the only ones reported on (buf's --path semantics:
// the whole catalog is loaded for context); nil means everything.
func catalogPaths(ws workspace, cfg *config.Config, args []string) (paths []string, scope pathScope) {
	for _, r := range cfg.Roots {
		r = filepath.ToSlash(filepath.Clean(r))
		if len(args) > 0 {
			if _, err := os.Stat(filepath.Join(ws.root, filepath.FromSlash(r))); err != nil {
				continue
			}
		}
		paths = append(paths, r)
	}
	for _, a := range args {
		p := ws.fromArg(a)
		scope = append(scope, p)
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths, scope
}

// pathScope lists the catalog paths (files or directories) a command
// reports on; empty means all.
type pathScope []string

func (s pathScope) has(p string) bool {
	if len(s) == 0 {
		return true
	}
	for _, x := range s {
		if x == "." || p == x || strings.HasPrefix(p, x+"/") {
			return true
		}
	}
	return false
}

// filter keeps the findings on files in scope, and those on events that use
// a file in scope (a shared file's change is reported at its events).
func (s pathScope) filter(ds []diag.Diagnostic, cat *schema.Catalog) []diag.Diagnostic {
	if len(s) == 0 {
		return ds
	}
	out := ds[:0:0]
	for _, d := range ds {
		if s.has(d.File) || s.usedBy(d.Event, cat) {
			out = append(out, d)
		}
	}
	return out
}

func (s pathScope) usedBy(key string, cat *schema.Catalog) bool {
	if key == "" || cat == nil {
		return false
	}
	e := cat.ByKey(key)
	if e == nil {
		return false
	}
	if s.has(e.Path) {
		return true
	}
	for _, r := range cat.RefsOf(e) {
		if s.has(r.Path) {
			return true
		}
	}
	return false
}

// files counts the catalog's files in scope.
func (s pathScope) files(cat *schema.Catalog) int {
	if len(s) == 0 {
		return cat.Files
	}
	n := 0
	for _, e := range cat.All() {
		if s.has(e.Path) {
			n++
		}
	}
	for _, e := range cat.Errors {
		if s.has(e.Path) {
			n++
		}
	}
	return n
}

// catalog narrows a catalog to the events in scope or using a file in
// scope; every shared file stays.
func (s pathScope) catalog(cat *schema.Catalog) *schema.Catalog {
	if len(s) == 0 {
		return cat
	}
	out := &schema.Catalog{Shared: cat.Shared, Errors: cat.Errors, Files: cat.Files}
	for _, e := range cat.Events {
		if s.usedBy(e.Key, cat) {
			out.Events = append(out.Events, e)
		}
	}
	return out
}

// scopedErrors tells whether a file in scope could not be loaded.
func (s pathScope) scopedErrors(cat *schema.Catalog) bool {
	for _, e := range cat.Errors {
		if s.has(e.Path) {
			return true
		}
	}
	return false
}

// loadOptions are the catalog's load options: paths relative to the root,
// the config's schema roots and shared globs.
func loadOptions(ws workspace, cfg *config.Config) schema.LoadOptions {
	return schema.LoadOptions{Dir: ws.root, Roots: cfg.Roots, Shared: cfg.Shared}
}

// loadCatalog loads the catalog: the config roots and the command-line
// paths. lint.ignore does not leave files out: they are still referenced.
func loadCatalog(app *App, cfg *config.Config, args []string) (*schema.Catalog, pathScope, error) {
	ws, err := app.Workspace()
	if err != nil {
		return nil, nil, err
	}
	paths, scope := catalogPaths(ws, cfg, args)
	cat, err := loadCatalogAt(ws, cfg, paths)
	return cat, scope, err
}

// loadCatalogAt loads catalog paths (relative to the root).
func loadCatalogAt(ws workspace, cfg *config.Config, paths []string) (*schema.Catalog, error) {
	cat, err := schema.Load(paths, loadOptions(ws, cfg))
	if err != nil {
		return nil, inputError(err)
	}
	return cat, nil
}

// printer returns a diagnostics printer for the run, mapping catalog paths
// for display.
func (a *App) printer(format, title string) diag.Printer {
	p := diag.Printer{Format: format, Color: a.UseColor(), Tool: toolInfo(), Title: title}
	if ws, err := a.Workspace(); err == nil {
		p.Display, p.Repo = ws.display, ws.repo
	}
	return p
}

func parseDiagnostics(cat *schema.Catalog) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, e := range cat.Errors {
		ds = append(ds, diag.Diagnostic{Rule: findings.InvalidSchema, Severity: diag.Error, File: e.Path, Line: e.Pos.Line, Column: e.Pos.Col, Message: e.Msg})
	}
	return ds
}

func toolInfo() diag.Tool {
	t := diag.Tool{Name: "evctl", Version: version.String(), URI: "https://github.com/evctl/evctl"}
	for _, in := range findings.All() {
		t.Rules = append(t.Rules, diag.RuleInfo{ID: in.ID, Doc: in.Doc})
	}
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
	if err := validateConfig(cfg); err != nil {
		return err
	}
	ws, err := app.Workspace()
	if err != nil {
		return err
	}
	paths, scope := catalogPaths(ws, cfg, opts.Paths)
	lopts := loadOptions(ws, cfg)
	// Lint reads the trees and the model only: drop the sources and
	// compiled schemas once each file is validated.
	lopts.Lean = true
	files, err := lopts.Discover(paths)
	if err != nil {
		return inputError(err)
	}
	defer setMemoryBudget(app, len(files))()
	cat := schema.LoadFiles(files, lopts)
	ds := append(parseDiagnostics(cat), lint.Run(cat, cfg)...)
	ctds, badContract, err := contractDiagnostics(cfg, len(scope) > 0, cat, nil)
	if err != nil {
		return err
	}
	ds = diag.Sort(scope.filter(ds, cat))
	if opts.WriteBaseline != "" {
		if scope.scopedErrors(cat) {
			p := app.printer(opts.Format, "evctl lint")
			_ = p.Print(app.IO.Out, ds, diag.Summarize(ds, scope.files(cat)))
			fmt.Fprintln(app.IO.ErrOut, "evctl: no baseline written: some files do not parse")
			return silentExit(ExitInput)
		}
		return writeBaseline(app, opts.WriteBaseline, ds)
	}
	if ds, err = applyBaseline(ws, cfg, ds); err != nil {
		return err
	}
	ds = diag.Sort(append(ds, ctds...))
	sum := diag.Summarize(ds, scope.files(cat))
	p := app.printer(opts.Format, "evctl lint")
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" && (sum.Errors > 0 || sum.Warnings > 0 || sum.Allowed > 0) {
		fmt.Fprintf(app.IO.ErrOut, "%d error(s), %d warning(s) in %d file(s)%s\n", sum.Errors, sum.Warnings, sum.Files, allowedNote(sum))
	}
	if scope.files(cat) == 0 {
		fmt.Fprintf(app.IO.ErrOut, "evctl: no schema files found in %s\n", strings.Join(orDefault(opts.Paths, cfg.Roots), ", "))
		return silentExit(ExitInput)
	}
	switch {
	case scope.scopedErrors(cat) || badContract:
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

// allowedNote is the summary's note of findings accepted by exceptions.
func allowedNote(sum diag.Summary) string {
	if sum.Allowed == 0 {
		return ""
	}
	return fmt.Sprintf("; %d allowed by exceptions (listed as allowed)", sum.Allowed)
}

// setMemoryBudget bounds the heap of a run over n schema files and returns
// the function that restores the previous limit. evctl runs with a large
// GC target (GOGC=400: the heap may grow to five times the live data) to
// spend little time collecting; on a large catalog that would keep hundreds
// of megabytes of garbage. The budget, 64 MiB and 24 KiB per file on top of
// what the process already uses, makes the collector run more often only
// when the heap nears it (a soft limit: a larger catalog never fails, it
// collects more). GOMEMLIMIT in the environment takes precedence.
func setMemoryBudget(app *App, n int) (restore func()) {
	if app.IO.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	prev := debug.SetMemoryLimit(int64(ms.Sys) + 64<<20 + int64(n)*24<<10)
	return func() { debug.SetMemoryLimit(prev) }
}
