package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/evctl/evctl/internal/check"
	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/glue"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/publish"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/version"
)

// Rule ids of the Glue target.
const (
	ruleGlueRefused  = "glue-refused"
	ruleGlueDisabled = "glue-disabled"
)

// glueJSONNote labels evctl's JSON Schema verdicts for Glue: Glue's JSON
// Schema checker is closed and its users report contradicting verdicts.
const glueJSONNote = "JSON Schema verdict by evctl's engine, not verified against Glue"

// glueMaxWait bounds the polling of a PENDING version.
const glueMaxWait = 2 * time.Minute

// glueTarget builds the Glue client from evctl.yaml, flags and the AWS
// environment.
func (a *App) glueTarget(cfg *config.Config, rf *registryFlags) (*glue.Target, error) {
	r := cfg.Registry
	if r.RegistryName == "" {
		return nil, withHint(usageError("registry.kind glue needs registry.registry_name"), "set registry.registry_name in evctl.yaml to the Glue registry's name")
	}
	region, err := glue.ResolveRegion(r.Region, a.IO.Getenv)
	if err != nil {
		return nil, usageError("%w", err)
	}
	creds, _, err := glue.LoadCredentials(a.IO.Getenv)
	if err != nil {
		return nil, withHint(usageError("%w", err), "evctl reads AWS credentials from the environment and the shared credentials and config files (AWS_PROFILE)")
	}
	endpoint := rf.Endpoint
	if endpoint == "" {
		endpoint = r.Endpoint
	}
	timeout := rf.Timeout
	if timeout == 0 && r.Timeout != "" {
		if timeout, err = time.ParseDuration(r.Timeout); err != nil {
			return nil, usageError("registry.timeout: %w", err)
		}
	}
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	retries := 3
	if r.Retries != nil {
		retries = *r.Retries
	}
	if rf.NoRetries {
		retries = 0
	}
	c := &glue.Client{Endpoint: endpoint, Region: region, Creds: creds, HTTP: &http.Client{Timeout: timeout}, UserAgent: "evctl/" + version.String(), Retries: retries}
	return &glue.Target{C: c, Registry: r.RegistryName, MaxWait: glueMaxWait}, nil
}

func glueItems(items []*publish.Item) []glue.Item {
	out := make([]glue.Item, len(items))
	for i, it := range items {
		out[i] = glue.Item{Name: it.Subject, File: it.Event.Path, Format: it.Schema.Type, Definition: it.Schema.Text, HasRefs: len(it.Deps) > 0}
	}
	return out
}

// refuseGlue prints why Glue would not take some items and returns the
// input error; nil when all may be sent.
func refuseGlue(app *App, registryName string, items []glue.Item) error {
	errs := glue.Refuse(registryName, items)
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs {
		fmt.Fprintf(app.IO.ErrOut, "evctl: %v (%s)\n", e, ruleGlueRefused)
	}
	return withHint(inputError(fmt.Errorf("%d problem(s) Glue would refuse; nothing was sent to Glue", len(errs))),
		"Glue takes names matching [a-zA-Z0-9-_$#.]+ of at most 255 characters, JSON Schema drafts 4, 6 and 7, and no $refs to other files")
}

func glueFailure(err error) error {
	if errors.Is(err, glue.ErrRefused) {
		return &exitError{code: ExitFindings, err: err}
	}
	if errors.Is(err, glue.ErrNoCredentials) {
		return usageError("%w", err)
	}
	return registryError(err)
}

func runPushGlue(ctx context.Context, app *App, cfg *config.Config, regItems []*publish.Item, level compat.Level, dryRun bool, rf *registryFlags) error {
	mode, err := glue.ModeOf(level)
	if err != nil {
		return usageError("compat.level: %w", err)
	}
	items := glueItems(regItems)
	if err := refuseGlue(app, cfg.Registry.RegistryName, items); err != nil {
		return err
	}
	t, err := app.glueTarget(cfg, rf)
	if err != nil {
		return err
	}
	plan, err := t.Plan(ctx, items, mode)
	if err != nil {
		return glueFailure(err)
	}
	tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEMA\tACTION\tMODE\tVERSION\tSTATUS\tFILE")
	counts := map[string]int{}
	json := false
	for _, p := range plan {
		ver, st := "-", "-"
		if p.Version.SchemaVersionId != "" {
			ver, st = fmt.Sprint(p.Version.VersionNumber), p.Version.Status
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Action, p.Mode, ver, st, p.File)
		counts[p.Action]++
		json = json || p.Format == glue.FormatJSON
	}
	tw.Flush()
	if json {
		fmt.Fprintf(app.IO.ErrOut, "note: %s\n", glueJSONNote)
	}
	where := fmt.Sprintf("Glue registry %s at %s", t.Registry, t.C.URL())
	if dryRun {
		fmt.Fprintf(app.IO.ErrOut, "dry run against %s: %d to create, %d new version(s), %d unchanged, %d registered as FAILURE; nothing was registered\n",
			where, counts[glue.ActionCreate], counts[glue.ActionNewVersion], counts[glue.ActionUnchanged], counts[glue.ActionFailed])
		if counts[glue.ActionFailed] > 0 {
			return silentExit(ExitFindings)
		}
		return nil
	}
	failed := 0
	done := map[string]int{}
	for _, p := range plan {
		if p.Action == glue.ActionUnchanged {
			continue
		}
		v := p.Version
		if p.Action != glue.ActionFailed {
			v, err = t.Apply(ctx, p)
			if errors.Is(err, glue.ErrRefused) {
				failed++
				fmt.Fprintf(app.IO.ErrOut, "evctl: %s (%s): %v (%s)\n", p.Name, p.File, err, ruleGlueDisabled)
				continue
			}
			if err != nil {
				return glueFailure(err)
			}
		}
		if v.Status == "AVAILABLE" {
			done[p.Action]++
			fmt.Fprintf(app.IO.Out, "%s: registered %s as version %d (%s), AVAILABLE\n", p.Name, p.File, v.VersionNumber, v.SchemaVersionId)
			for _, kv := range [][2]string{{"evctl.file", p.File}, {"evctl.version", version.String()}} {
				if err := t.C.PutSchemaVersionMetadata(ctx, v.SchemaVersionId, kv[0], kv[1]); err != nil && !glue.IsAPIError(err, "AlreadyExistsException") {
					return glueFailure(err)
				}
			}
			continue
		}
		failed++
		if err := printGlueFailure(ctx, app, t, p, v); err != nil {
			return glueFailure(err)
		}
	}
	summary := fmt.Sprintf("%d created, %d new version(s), %d unchanged", done[glue.ActionCreate], done[glue.ActionNewVersion], counts[glue.ActionUnchanged])
	if failed > 0 {
		fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s, %d failed\n", where, summary, failed)
		return silentExit(ExitFindings)
	}
	fmt.Fprintf(app.IO.ErrOut, "pushed to %s: %s\n", where, summary)
	return nil
}

// printGlueFailure explains a FAILURE version with evctl's own check under
// the schema's Glue mode, since Glue says nothing about why.
func printGlueFailure(ctx context.Context, app *App, t *glue.Target, p glue.Planned, v glue.Version) error {
	fmt.Fprintf(app.IO.ErrOut, "evctl: %s (%s): Glue marked version %d (%s) FAILURE and gives no reason\n", p.Name, p.File, v.VersionNumber, v.SchemaVersionId)
	res, prev, err := t.Explain(ctx, p, nil, v.VersionNumber, compat.Strict)
	if err != nil {
		return err
	}
	names := make([]string, len(prev))
	for i, d := range prev {
		names[i] = d.Name
	}
	against := strings.Join(names, ", ")
	if against == "" {
		against = "no AVAILABLE version"
	}
	note := ""
	if p.Format == glue.FormatJSON {
		note = " (" + glueJSONNote + ")"
	}
	if res.Compatible {
		fmt.Fprintf(app.IO.ErrOut, "evctl:   evctl's check under %s against %s finds it compatible: the verdicts disagree (%s)%s\n", p.Mode, against, findings.VerdictMismatch, note)
		return nil
	}
	fmt.Fprintf(app.IO.ErrOut, "evctl:   evctl's check under %s against %s%s:\n", p.Mode, against, note)
	for _, ch := range res.Changes {
		if !ch.Compatible {
			fmt.Fprintf(app.IO.ErrOut, "evctl:   %s %s: %s (%s against %s)\n", ch.Type, ch.Path, ch.Message, ch.Direction, ch.Against)
		}
	}
	fmt.Fprintf(app.IO.ErrOut, "evctl:   a FAILURE version stays listed and registering the same definition returns it: fix the schema, or publish a new major version\n")
	return nil
}

// runCheckGlue is check --against registry for registry.kind glue. Glue
// has no dry-run compatibility check: for a definition Glue already holds,
// its verdict is the version's status, compared with evctl's engine run
// the way Glue judges (AVAILABLE versions before it, from the checkpoint,
// under the schema's mode); for a new definition only evctl's verdict
// exists.
func runCheckGlue(ctx context.Context, app *App, cfg *config.Config, opts *checkOptions, cur *schema.Catalog, regItems []*publish.Item, level compat.Level, policy compat.Policy) error {
	items := glueItems(regItems)
	if err := refuseGlue(app, cfg.Registry.RegistryName, items); err != nil {
		return err
	}
	t, err := app.glueTarget(cfg, &opts.Registry)
	if err != nil {
		return err
	}
	mode, err := glue.ModeOf(level)
	if err != nil {
		return usageError("%w", err)
	}
	plan, err := t.Plan(ctx, items, mode)
	if err != nil {
		return glueFailure(err)
	}
	ds := append(parseDiagnostics(cur), lint.Run(cur, cfg)...)
	for i, p := range plan {
		pds, err := checkGlueItem(ctx, t, cur, regItems[i].Event, p, level, policy)
		if err != nil {
			return glueFailure(err)
		}
		ds = append(ds, pds...)
	}
	ds = diag.Sort(ds)
	sum := diag.Summarize(ds, cur.Files)
	tool := toolInfo()
	where := fmt.Sprintf("Glue registry %s at %s", t.Registry, t.C.URL())
	pr := diag.Printer{Format: opts.Format, Color: app.UseColor(), Tool: tool, Title: "evctl check against " + where}
	if err := pr.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" {
		fmt.Fprintf(app.IO.ErrOut, "checked %d event(s) against %s: %d error(s), %d warning(s)\n", len(cur.Events), where, sum.Errors, sum.Warnings)
	}
	switch {
	case len(cur.Errors) > 0:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}

func checkGlueItem(ctx context.Context, t *glue.Target, cur *schema.Catalog, e *schema.Event, p glue.Planned, level compat.Level, policy compat.Policy) ([]diag.Diagnostic, error) {
	at := func(rule string, sev diag.Severity, format string, args ...any) diag.Diagnostic {
		return diag.Diagnostic{Rule: rule, Severity: sev, File: e.Path, Line: 1, Column: 1, Event: e.Type, Message: fmt.Sprintf(format, args...)}
	}
	note := ""
	if p.Format == glue.FormatJSON {
		note = " (" + glueJSONNote + ")"
	}
	if p.Action == glue.ActionCreate {
		return []diag.Diagnostic{at(findings.RegistryVerdict, diag.Info, "schema %s is not in Glue registry %s yet: compatible (its first version may be anything)", p.Name, t.Registry)}, nil
	}
	var ds []diag.Diagnostic
	if p.Mode == glue.ModeDisabled {
		if p.Action == glue.ActionNewVersion {
			return append(ds, at(ruleGlueDisabled, diag.Error, "schema %s is DISABLED in Glue: it accepts no new version; enable a compatibility mode in Glue, or publish v%d.%s instead", p.Name, e.Version+1, e.Stem)), nil
		}
		return append(ds, at(findings.RegistryVerdict, diag.Info, "schema %s is DISABLED in Glue; this definition is its version %d (%s)", p.Name, p.Version.VersionNumber, p.Version.Status)), nil
	}
	if gl, err := glue.LevelOf(p.Mode); err == nil && gl != level {
		ds = append(ds, at(findings.RegistryLevelDiffers, diag.Warning,
			"schema %s is at %s in Glue, not %s: the verdicts below are under %s, the mode Glue enforces", p.Name, p.Mode, glueModeName(level), p.Mode))
	}
	newDoc := check.EventDoc(e, e.Path, cur)
	before := int64(0)
	if p.Version.SchemaVersionId != "" {
		before = p.Version.VersionNumber
	}
	res, prev, err := t.Explain(ctx, p, &newDoc, before, policy)
	if err != nil {
		if compat.IsParseError(err) {
			return append(ds, at(findings.InvalidBaseline, diag.Error, "%s: cannot compare with Glue schema %s: %v", e.Type, p.Name, err)), nil
		}
		return nil, err
	}
	if !res.Compatible {
		ds = append(ds, localChangeDiags(e, res)...)
	}
	names := make([]string, len(prev))
	for i, d := range prev {
		names[i] = d.Name
	}
	against := strings.Join(names, ", ")
	if against == "" {
		against = "no AVAILABLE version"
	}
	if p.Version.SchemaVersionId == "" {
		ds = append(ds, at(findings.RegistryVerdict, diag.Info, "schema %s under %s against %s: evctl says %s; Glue has no dry-run check, push registers and Glue then decides%s",
			p.Name, p.Mode, against, verdictWord(res.Compatible), note))
		return ds, nil
	}
	glueOK := p.Version.Status == "AVAILABLE"
	ds = append(ds, at(findings.RegistryVerdict, diag.Info, "schema %s under %s against %s: evctl says %s; Glue registered this definition as version %d, %s%s",
		p.Name, p.Mode, against, verdictWord(res.Compatible), p.Version.VersionNumber, p.Version.Status, note))
	if p.Version.Status == "PENDING" {
		return ds, nil
	}
	if glueOK != res.Compatible {
		ds = append(ds, at(findings.VerdictMismatch, diag.Error,
			"evctl and Glue disagree on schema %s version %d under %s: evctl says %s, Glue marked it %s; report it with both schemas",
			p.Name, p.Version.VersionNumber, p.Mode, verdictWord(res.Compatible), p.Version.Status))
	} else if !glueOK {
		ds = append(ds, at(findings.RegistryVerdict, diag.Error, "Glue holds this definition as version %d with status FAILURE: consumers cannot use it; publish a fixed schema", p.Version.VersionNumber))
	}
	return ds, nil
}

func glueModeName(l compat.Level) string {
	if m, err := glue.ModeOf(l); err == nil {
		return m
	}
	return string(l)
}
