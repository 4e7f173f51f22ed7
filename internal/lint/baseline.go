package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/evctl/evctl/internal/diag"
)

// Baseline is a recorded set of accepted findings, for adopting evctl on an
// existing catalog: findings in it are allowed, only new ones fail.
// Entries match by rule, file, event and message (not by position, which
// moves with unrelated edits).
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding.
type BaselineEntry struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Event   string `json:"event,omitempty"`
	Message string `json:"message"`
}

// WriteBaseline records the findings of error and warning severity.
func WriteBaseline(w io.Writer, ds []diag.Diagnostic) error {
	b := Baseline{Version: 1, Findings: []BaselineEntry{}}
	for _, d := range ds {
		if d.Allowed || (d.Severity != diag.Error && d.Severity != diag.Warning) || d.Rule == RuleStaleException {
			continue
		}
		b.Findings = append(b.Findings, BaselineEntry{Rule: d.Rule, File: d.File, Event: d.Event, Message: d.Message})
	}
	sort.SliceStable(b.Findings, func(i, j int) bool {
		x, y := b.Findings[i], b.Findings[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Message < y.Message
	})
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// ReadBaseline decodes a baseline file.
func ReadBaseline(data []byte) (*Baseline, error) {
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("not a baseline written by evctl lint --write-baseline: %w", err)
	}
	if b.Version != 1 {
		return nil, fmt.Errorf("unsupported baseline version %d (want 1)", b.Version)
	}
	return &b, nil
}

// Apply allows the findings the baseline records (each entry once) and
// returns a warning at file for the entries that matched nothing: fixed
// findings whose entries can go.
func (b *Baseline) Apply(ds []diag.Diagnostic, file string) []diag.Diagnostic {
	left := map[BaselineEntry]int{}
	for _, e := range b.Findings {
		left[e]++
	}
	for i := range ds {
		d := &ds[i]
		if d.Allowed || (d.Severity != diag.Error && d.Severity != diag.Warning) {
			continue
		}
		k := BaselineEntry{Rule: d.Rule, File: d.File, Event: d.Event, Message: d.Message}
		if left[k] > 0 {
			left[k]--
			d.Allow("in the baseline " + file)
		}
	}
	stale := 0
	for _, n := range left {
		stale += n
	}
	if stale > 0 {
		ds = append(ds, diag.Diagnostic{Rule: RuleStaleException, Severity: diag.Warning, File: file, Line: 1, Column: 1,
			Message: fmt.Sprintf("%d finding(s) of the baseline no longer occur; shrink it with evctl lint --write-baseline %s", stale, file)})
	}
	return ds
}
