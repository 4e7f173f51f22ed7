package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/registry/client"
	"strings"

	"github.com/evctl/evctl/internal/check"
	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/publish"
	"github.com/evctl/evctl/internal/schema"
)

// runCheckRegistry compares the catalog with a registry's subjects. For
// every event it runs the local engine on the subject's live versions (all
// of them at a transitive level, the latest otherwise), under the level the
// registry applies to the subject, and asks the registry's compatibility
// endpoint (verbose) the same question; any disagreement is an error.
func runCheckRegistry(ctx context.Context, app *App, cfg *config.Config, opts *checkOptions, reports []report, level compat.Level, policy compat.Policy) error {
	cur, scope, err := loadCatalog(app, cfg, opts.Paths)
	if err != nil {
		return err
	}
	cur = scope.catalog(cur)
	items, err := publish.Plan(cfg, cur)
	if err != nil {
		return err
	}
	if cfg.Registry.Kind == "glue" {
		return runCheckGlue(ctx, app, cfg, opts, cur, items, level, policy)
	}
	c, err := app.registryClient(cfg, &opts.Registry)
	if err != nil {
		return err
	}
	ds := append(parseDiagnostics(cur), lint.Run(cur, cfg)...)
	ctds, badContract, err := contractDiagnostics(cfg, len(opts.Paths) > 0, cur, nil)
	if err != nil {
		return err
	}
	ds = append(ds, ctds...)
	for _, it := range items {
		ids, err := checkRegistryItem(ctx, c, cur, it, level, policy)
		if err != nil {
			var re *client.Error
			if errors.As(err, &re) {
				return registryError(err)
			}
			return err
		}
		ds = append(ds, ids...)
	}
	ds = diag.Sort(applySeverities(cfg, ds))
	sum := diag.Summarize(ds, cur.Files)
	p := app.printer(opts.Format, "evctl check against registry "+c.URL())
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if err := writeReports(reports, p, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" {
		fmt.Fprintf(app.IO.ErrOut, "checked %d event(s) against registry %s: %d error(s), %d warning(s)\n", len(cur.Events), c.URL(), sum.Errors, sum.Warnings)
	}
	switch {
	case len(cur.Errors) > 0 || badContract:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}

// checkRegistryItem judges one event both ways. It also records whether
// the event's schema is registered (for the events that reference it).
func checkRegistryItem(ctx context.Context, c *client.Client, cur *schema.Catalog, it *publish.Item, level compat.Level, policy compat.Policy) ([]diag.Diagnostic, error) {
	e := it.Event
	at := func(rule string, sev diag.Severity, format string, args ...any) diag.Diagnostic {
		return diag.Diagnostic{Rule: rule, Severity: sev, File: e.Path, Line: 1, Column: 1, Event: e.Type, Message: fmt.Sprintf(format, args...)}
	}
	allKnown := it.FillRefs()
	if allKnown {
		r, found, err := c.Lookup(ctx, it.Subject, it.Schema)
		if err != nil {
			return nil, err
		}
		if found {
			it.ID, it.Version, it.Known = r.ID, r.Version, true
		}
	}
	versions, err := c.Versions(ctx, it.Subject)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return []diag.Diagnostic{at(findings.RegistryVerdict, diag.Info,
			"subject %s is not in the registry yet: compatible (its first version may be anything)", it.Subject)}, nil
	}
	lvlName, _, err := c.Level(ctx, it.Subject)
	if err != nil {
		return nil, err
	}
	regLevel, err := compat.ParseLevel(lvlName)
	if err != nil {
		return nil, fmt.Errorf("registry answered an unknown compatibility level for %s: %w", it.Subject, err)
	}
	var ds []diag.Diagnostic
	if regLevel != level {
		ds = append(ds, at(findings.RegistryLevelDiffers, diag.Warning,
			"subject %s is at %s in the registry, not %s: both verdicts below are under %s, the level the registry enforces", it.Subject, regLevel, level, regLevel))
	}
	compared := versions
	if !regLevel.Transitive() {
		compared = versions[len(versions)-1:]
	}
	if regLevel == compat.None {
		compared = nil
	}

	// The local engine, on the fetched versions.
	newDoc := check.EventDoc(e, e.Path, cur)
	var prev []compat.Doc
	localOK, localKnown := true, true
	var localWhy []string
	for _, v := range compared {
		r, err := c.Version(ctx, it.Subject, v)
		if err != nil {
			return nil, err
		}
		if r.Type != it.Schema.Type {
			localOK = false
			localWhy = append(localWhy, fmt.Sprintf("version %d is %s, not %s", v, r.Type, it.Schema.Type))
			ds = append(ds, at(findings.FormatChanged, diag.Error, "%s: version %d of subject %s is %s but the file is %s; a registry rejects a different schema type; publish v%d.%s instead",
				e.Type, v, it.Subject, r.Type, it.Schema.Type, e.Version+1, e.Stem))
			continue
		}
		refs, err := c.ReferenceTexts(ctx, r.References)
		if err != nil {
			return nil, err
		}
		prev = append(prev, compat.Doc{Name: fmt.Sprintf("registry:%s@%d", it.Subject, v), Text: []byte(r.Text), References: refs})
	}
	if localOK && len(prev) > 0 {
		res, err := compat.Check(e.Format, regLevel, newDoc, prev, compat.Options{Policy: policy})
		switch {
		case err != nil && compat.IsParseError(err):
			localKnown = false
			ds = append(ds, at(findings.InvalidBaseline, diag.Error, "%s: cannot compare with subject %s: %v", e.Type, it.Subject, err))
		case err != nil:
			return nil, err
		case !res.Compatible:
			localOK = false
			ds = append(ds, localChangeDiags(e, res)...)
			for _, ch := range res.Changes {
				if !ch.Compatible {
					localWhy = append(localWhy, ch.Type+" "+ch.Path)
				}
			}
		}
	}

	// The registry's own verdict.
	if !allKnown {
		var missing []string
		for _, d := range it.Deps {
			if !d.Target.Known {
				missing = append(missing, d.Target.Event.Path)
			}
		}
		ds = append(ds, at(findings.ReferenceUnpushed, diag.Warning,
			"the registry cannot judge %s: it references %s, not registered yet; push them first (evctl: %s)", it.Subject, strings.Join(missing, ", "), verdictWord(localOK)))
		return ds, nil
	}
	regOK, msgs, err := c.CheckCompatibility(ctx, it.Subject, it.Schema)
	if err != nil {
		return nil, err
	}
	reasons := publish.ReasonLines(msgs)
	verdict := fmt.Sprintf("subject %s under %s against version(s) %s: evctl says %s; the registry says %s",
		it.Subject, regLevel, joinInts(compared), verdictWord(localOK), verdictWord(regOK))
	if !regOK && len(reasons) > 0 {
		verdict += ": " + strings.Join(reasons, "; ")
	}
	ds = append(ds, at(findings.RegistryVerdict, diag.Info, "%s", verdict))
	if localKnown && localOK != regOK {
		why := ""
		if len(localWhy) > 0 {
			why = " (evctl found " + strings.Join(localWhy, ", ") + ")"
		}
		advice := "one of the two engines is wrong, please report it"
		if e.Format == schema.JSONSchema && policy != compat.Strict {
			advice = fmt.Sprintf("evctl judged JSON Schema under %s, while registries judge under STRICT unless configured otherwise", policy)
		}
		ds = append(ds, at(findings.VerdictMismatch, diag.Error,
			"evctl and the registry disagree on subject %s under %s: evctl says %s, the registry says %s%s; %s",
			it.Subject, regLevel, verdictWord(localOK), verdictWord(regOK), why, advice))
	}
	return ds, nil
}

// localChangeDiags are the incompatible changes the local engine found,
// at the position the engine found in the file.
func localChangeDiags(e *schema.Event, res compat.Result) []diag.Diagnostic {
	var ds []diag.Diagnostic
	for _, ch := range res.Changes {
		if ch.Compatible {
			continue
		}
		line, col := check.At(ch)
		ds = append(ds, diag.Diagnostic{Rule: ch.Type, Severity: diag.Error, File: e.Path, Line: line, Column: col, Event: e.Key,
			Message: fmt.Sprintf("%s; checked %s against %s; if the break is intended, publish v%d.%s instead", check.ChangeText(ch), ch.Direction, ch.Against, e.Version+1, e.Stem)})
	}
	return ds
}

func verdictWord(ok bool) string {
	if ok {
		return "compatible"
	}
	return "incompatible"
}

func joinInts(vs []int) string {
	if len(vs) == 0 {
		return "none"
	}
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
