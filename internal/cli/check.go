package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/baseline"
	"github.com/evctl/evctl/internal/check"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/schema"
)

// Keywords of check.
const (
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
	if err := validateConfig(cfg); err != nil {
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
	ws, err := app.Workspace()
	if err != nil {
		return err
	}
	src, err := baseline.Parse(against, ws.root, ws.fromArg)
	if err != nil {
		return err
	}
	paths, scope := catalogPaths(ws, cfg, opts.Paths)
	baseFiles, err := src.Files(ctx, paths)
	if err != nil {
		return err
	}
	// A path that is gone from the working tree but had schemas in the
	// baseline was removed: compare against an empty catalog so that every
	// event of it is reported as removed.
	var present []string
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(ws.root, filepath.FromSlash(p))); err == nil || len(baseFiles) == 0 {
			present = append(present, p)
		}
	}
	cur := &schema.Catalog{}
	if len(present) > 0 {
		cur, err = loadCatalogAt(ws, cfg, present)
		if err != nil {
			return err
		}
	}
	if cur.Files == 0 && len(baseFiles) == 0 {
		fmt.Fprintf(app.IO.ErrOut, "evctl: no schema files found in %s or in %s\n", strings.Join(paths, ", "), src.Describe())
		return silentExit(ExitInput)
	}
	bopts := loadOptions(ws, cfg)
	bopts.Unchecked = true
	if d, ok := src.(*baseline.Dir); ok {
		bopts.Roots = []string{d.Root()}
	}
	base := schema.LoadSourcesWith(baseFiles, bopts)

	ds := append(parseDiagnostics(cur), lint.Run(cur, cfg)...)
	inputProblem := scope.scopedErrors(cur)
	for _, e := range base.Errors {
		inputProblem = true
		ds = append(ds, diag.Diagnostic{Rule: findings.InvalidBaseline, Severity: diag.Error, File: src.Describe() + ":" + e.Path, Line: e.Pos.Line, Column: e.Pos.Col,
			Message: "the earlier version does not parse, so it cannot be compared: " + e.Msg})
	}
	x := check.NewExceptions(cfg)
	cds, err := check.Compare(ctx, cfg, x, cur, base, src, level, policy)
	if err != nil {
		return err
	}
	ctds, badContract, err := contractDiagnostics(cfg, len(scope) > 0, cur, base)
	if err != nil {
		return err
	}
	inputProblem = inputProblem || badContract
	if len(scope) == 0 {
		cds = append(cds, x.Stale(configFile(ws, cfg))...)
	}
	if ds, err = applyBaseline(ws, cfg, ds); err != nil {
		return err
	}
	ds = diag.Sort(append(scope.filter(applySeverities(cfg, append(ds, cds...)), cur), ctds...))
	sum := diag.Summarize(ds, scope.files(cur))
	p := app.printer(opts.Format, "evctl check against "+src.Describe())
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if err := writeReports(reports, p, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" {
		fmt.Fprintf(app.IO.ErrOut, "checked %d event(s) against %s under %s: %d error(s), %d warning(s)%s\n", len(cur.Events), src.Describe(), level, sum.Errors, sum.Warnings, allowedNote(sum))
	}
	switch {
	case inputProblem:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}
