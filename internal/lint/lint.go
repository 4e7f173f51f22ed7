// Package lint owns the event design rules: the rule registry (one exported
// Rule value per file), the Pass a rule reports through, and Run, which applies
// the configured rules to a catalog and returns sorted diagnostics.
package lint

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/contract"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/suggest"
)

// Rule is one lint rule. Its ID is permanent and kebab-case.
type Rule struct {
	ID string
	// Doc is a one-sentence description.
	Doc string
	// Default is the severity when the config says nothing.
	Default diag.Severity
	// Formats the rule applies to; empty means every format.
	Formats []schema.Format
	// Types tells a rule about types rather than events: it also runs on
	// the catalog's shared definition files.
	Types bool
	// Policy says what the rule counts as a violation and what it does
	// not, with bad and good examples; `evctl rules explain` prints it, and
	// the corpus in testdata/corpus is labelled by it.
	Policy string
	// Bad and Good are example schemas for `evctl rules explain`.
	Bad, Good string
	// Run checks one event and reports through the pass.
	Run func(*Pass)
}

// Pass is the context of one rule on one event.
type Pass struct {
	Rule    *Rule
	Event   *schema.Event
	Catalog *schema.Catalog
	Config  *config.Config
	report  func(diag.Diagnostic)
}

// Reportf reports a finding at pos, at the rule's configured severity.
func (p *Pass) Reportf(pos schema.Pos, format string, args ...any) {
	p.reportAt("", pos, format, args...)
}

// Notef reports an info note at pos: something the rule accepted with low
// confidence. A note never fails a run, whatever the rule's severity.
func (p *Pass) Notef(pos schema.Pos, format string, args ...any) {
	p.reportAt(diag.Info, pos, format, args...)
}

func (p *Pass) reportAt(sev diag.Severity, pos schema.Pos, format string, args ...any) {
	if pos.Line == 0 {
		pos = schema.Pos{Line: 1, Col: 1}
	}
	event := p.Event.Key
	if p.Event.Shared {
		event = ""
	}
	p.report(diag.Diagnostic{
		Severity: sev,
		Rule:     p.Rule.ID,
		File:     p.Event.Path,
		Line:     pos.Line,
		Column:   pos.Col,
		Event:    event,
		Message:  fmt.Sprintf(format, args...),
	})
}

// All returns every rule, sorted by ID.
func All() []*Rule {
	rules := []*Rule{
		PastTense,
		VersionedName,
		ImmutableCorrections,
		SingleEntity,
		ExplicitUnits,
		Envelope,
		ClosedContentModel,
		VerbLast,
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

// IDs returns every rule id, sorted.
func IDs() []string {
	var ids []string
	for _, r := range All() {
		ids = append(ids, r.ID)
	}
	return ids
}

// ByID returns the rule with the given id, or nil.
func ByID(id string) *Rule {
	for _, r := range All() {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ValidateConfig reports unknown rule ids and bad severities in the config.
func ValidateConfig(c *config.Config) error {
	ids := make([]string, 0)
	for id := range c.Lint.Rules {
		ids = append(ids, id)
	}
	for id := range c.Lint.IgnoreOnly {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if ByID(id) == nil && contract.RuleByID(id) == nil {
			return &config.Error{Path: c.Path, Line: c.RulePos[id].Line, Col: c.RulePos[id].Col, Msg: fmt.Sprintf("unknown rule id %q (see `evctl rules`)%s", id, suggest.DidYouMean(id, append(IDs(), contract.IDs()...)))}
		}
	}
	for i, a := range c.Lint.PastTense.Allow {
		if len(splitWords(a)) == 0 {
			return &config.Error{Path: c.Path, Msg: fmt.Sprintf("lint.past_tense.allow[%d]: %q names no word", i, a)}
		}
	}
	for _, id := range ids {
		if s, ok := c.Lint.Rules[id]; ok {
			if _, ok := diag.ParseSeverity(s); !ok {
				return &config.Error{Path: c.Path, Line: c.RulePos[id].Line, Col: c.RulePos[id].Col, Msg: fmt.Sprintf("rule %q: unknown severity %q (want error, warn or off)", id, s)}
			}
		}
	}
	return nil
}

// Severity returns the configured severity of a rule.
func Severity(c *config.Config, r *Rule) diag.Severity {
	if c != nil {
		if s, ok := c.Lint.Rules[r.ID]; ok {
			if sev, ok := diag.ParseSeverity(s); ok {
				return sev
			}
		}
	}
	return r.Default
}

// Run applies every enabled rule to every event of the catalog. Events are
// linted in parallel on all cores; the findings of each file come in rule
// order, as if the rules ran one after the other.
func Run(cat *schema.Catalog, c *config.Config) []diag.Diagnostic {
	if c == nil {
		c = config.Default()
	}
	type enabled struct {
		rule *Rule
		sev  diag.Severity
	}
	var rules []enabled
	for _, r := range All() {
		if sev := Severity(c, r); sev != diag.Off {
			rules = append(rules, enabled{r, sev})
		}
	}
	evs := cat.All()
	results := make([][]diag.Diagnostic, len(evs))
	lintOne := func(i int) {
		ev := evs[i]
		if Ignored(c, ev.Path) {
			return
		}
		shared := i >= len(cat.Events) // a type rule's only: cat.All lists the events first
		var ds []diag.Diagnostic
		for _, er := range rules {
			r, sev := er.rule, er.sev
			if (shared && !r.Types) || !appliesTo(r, ev) || ignoredFor(c, r.ID, ev.Path) {
				continue
			}
			p := &Pass{Rule: r, Event: ev, Catalog: cat, Config: c, report: func(d diag.Diagnostic) {
				if d.Severity == "" {
					d.Severity = sev
				}
				ds = append(ds, d)
			}}
			r.Run(p)
		}
		// Inline suppressions.
		results[i] = applySuppressions(ev, ds)
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > len(evs) {
		workers = len(evs)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					return
				}
				lintOne(i)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, ds := range results {
		n += len(ds)
	}
	out := make([]diag.Diagnostic, 0, n)
	for _, ds := range results {
		out = append(out, ds...)
	}
	return diag.Sort(out)
}

func appliesTo(r *Rule, ev *schema.Event) bool {
	if len(r.Formats) == 0 {
		return true
	}
	for _, f := range r.Formats {
		if f == ev.Format {
			return true
		}
	}
	return false
}

// Ignored reports whether lint.ignore silences every finding on path. An
// ignored file stays in the catalog: references to it still resolve.
func Ignored(c *config.Config, path string) bool {
	for _, g := range c.Lint.Ignore {
		if config.MatchGlob(g, path) {
			return true
		}
	}
	return false
}

func ignoredFor(c *config.Config, id, path string) bool {
	for _, g := range c.Lint.IgnoreOnly[id] {
		if config.MatchGlob(g, path) {
			return true
		}
	}
	return false
}
