package cli

import (
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
)

// validateConfig checks the finding ids and severities of the config.
func validateConfig(c *config.Config) error { return findings.ValidateConfig(c) }

// applySeverities applies lint.rules severities and lint.ignore_only globs
// to the findings that are not lint rules' (lint applies its own): check
// ids and change types. Allowed findings stay as they are.
func applySeverities(c *config.Config, ds []diag.Diagnostic) []diag.Diagnostic {
	out := ds[:0]
	for _, d := range ds {
		if d.Allowed || lint.ByID(d.Rule) != nil {
			out = append(out, d)
			continue
		}
		ignored := false
		for _, g := range c.Lint.IgnoreOnly[d.Rule] {
			if config.MatchGlob(g, d.File) {
				ignored = true
			}
		}
		if ignored {
			continue
		}
		if s, ok := c.Lint.Rules[d.Rule]; ok {
			sev, _ := diag.ParseSeverity(s)
			if sev == diag.Off {
				continue
			}
			d.Severity = sev
		}
		out = append(out, d)
	}
	return out
}
