// Package diag owns findings: the Diagnostic type with its position, the
// sorted and deduplicated Set, and the printers for every output format
// (text, json, github, sarif, markdown).
package diag

import (
	"sort"
)

// Severity of a finding.
type Severity string

// Severities. Off disables a rule.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	// Info is for notes that never fail a run, such as the diff of a new major version.
	Info Severity = "info"
	Off  Severity = "off"
)

// ParseSeverity accepts error, warn, warning and off.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "error":
		return Error, true
	case "warn", "warning":
		return Warning, true
	case "off":
		return Off, true
	}
	return "", false
}

// Diagnostic is one finding at a position.
type Diagnostic struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Event    string   `json:"event,omitempty"`
	Message  string   `json:"message"`
	// Allowed tells a finding accepted by an audited exception (compat.allow,
	// x-evctl-ignore, the lint baseline); Reason is the exception's reason.
	// An allowed finding has severity info and never fails a run.
	Allowed bool   `json:"allowed,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Allow marks a finding as accepted by an exception with a reason.
func (d *Diagnostic) Allow(reason string) {
	d.Allowed, d.Reason, d.Severity = true, reason, Info
}

// Sort orders diagnostics by file, line, column, rule and message, and
// removes exact duplicates.
func Sort(ds []Diagnostic) []Diagnostic {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d == ds[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Summary counts diagnostics by severity.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Files    int `json:"files"`
	// Allowed counts the findings accepted by audited exceptions.
	Allowed int `json:"allowed"`
}

// Summarize counts errors and warnings.
func Summarize(ds []Diagnostic, files int) Summary {
	s := Summary{Files: files}
	for _, d := range ds {
		if d.Allowed {
			s.Allowed++
			continue
		}
		switch d.Severity {
		case Error:
			s.Errors++
		case Warning:
			s.Warnings++
		}
	}
	return s
}
