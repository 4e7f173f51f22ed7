// Package findings owns the registry of every finding id evctl can print:
// the lint rules, the ids of check and of the registry comparison, the
// input errors, and every Confluent change type of both formats. Each has a
// doc, so that `evctl rules explain ID` works for all of them, SARIF rules
// carry help text, and config severities apply to every id.
package findings

import (
	"fmt"
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/config"

	"github.com/evctl/evctl/internal/compat/avro"
	"github.com/evctl/evctl/internal/compat/jsonschema"
	"github.com/evctl/evctl/internal/contract"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint"
	"github.com/evctl/evctl/internal/suggest"
)

// Kind says where a finding comes from.
type Kind string

// Kinds.
const (
	KindLint      Kind = "lint rule"
	KindCheck     Kind = "check"
	KindInput     Kind = "input error"
	KindJSON      Kind = "JSON Schema change type (Confluent)"
	KindAvro      Kind = "Avro incompatibility type (Confluent)"
	KindAvroDiff  Kind = "Avro change type (evctl diff)"
	KindException Kind = "exception"
	KindContract  Kind = "consumer contract"
)

// Ids of findings that are not lint rules or change types.
const (
	InvalidSchema        = "invalid-schema"
	InvalidBaseline      = "invalid-baseline-schema"
	EventRemoved         = "event-removed"
	UnneededMajor        = "unneeded-major-version"
	FormatChanged        = "format-changed"
	UnstableEvent        = "unstable-event"
	StaleException       = lint.RuleStaleException
	RegistryVerdict      = "registry-verdict"
	VerdictMismatch      = "verdict-mismatch"
	RegistryLevelDiffers = "registry-level-differs"
	ReferenceUnpushed    = "reference-not-registered"
	GlueRefused          = "glue-refused"
	GlueDisabled         = "glue-disabled"
)

// Info documents one finding id.
type Info struct {
	ID   string
	Kind Kind
	// Doc says what the finding means and how to fix it.
	Doc string
	// Default is the severity when the config says nothing.
	Default diag.Severity
	// Rule is the lint rule, for lint findings.
	Rule *lint.Rule
}

var own = []Info{
	{ID: GlueRefused, Kind: KindInput, Default: diag.Error, Doc: "AWS Glue Schema Registry would not accept the schema (a name outside [a-zA-Z0-9-_$#.]+ or over 255 characters, JSON Schema other than drafts 4, 6 and 7, $refs to other files, a definition over 170,000 bytes); refused before any call. Rename the schema or change its draft."},
	{ID: GlueDisabled, Kind: KindCheck, Default: diag.Error, Doc: "The Glue schema's compatibility is DISABLED: it accepts no new version. Enable a compatibility mode in Glue, or publish a new major version."},
	{ID: InvalidSchema, Kind: KindInput, Default: diag.Error, Doc: "The file is not a valid schema of its format (syntax, Avro parse, JSON Schema metaschema, an unresolvable $ref or named type, a duplicate event type in a domain); the run exits 3. Fix the file at the position given."},
	{ID: InvalidBaseline, Kind: KindInput, Default: diag.Error, Doc: "An earlier version (from git, a directory or the registry) does not parse, so it cannot be compared; the run exits 3. Fix or restore the earlier version, or compare against another baseline."},
	{ID: EventRemoved, Kind: KindCheck, Default: diag.Error, Doc: "An event of the baseline is gone from the catalog; consumers may still read it. Restore it, or accept the removal under compat.allow_removed in evctl.yaml with a reason."},
	{ID: UnneededMajor, Kind: KindCheck, Default: diag.Warning, Doc: "A new major version v<N+1> is compatible with v<N>: a new major version is not needed; evolve v<N> instead."},
	{ID: FormatChanged, Kind: KindCheck, Default: diag.Error, Doc: "An event changed its format (Avro to JSON Schema or back); a registry rejects another schema type under the same subject. Publish a new major version instead."},
	{ID: UnstableEvent, Kind: KindCheck, Default: diag.Info, Doc: "The event is marked x-evctl-stability: unstable (or matched by compat.unstable): it is linted but not compatibility-checked. Remove the mark once consumers depend on it."},
	{ID: StaleException, Kind: KindException, Default: diag.Warning, Doc: "An exception (compat.allow, compat.allow_removed, x-evctl-ignore, a lint baseline entry) no longer matches anything, or names no rule: remove it (for a baseline, rewrite it with evctl lint --write-baseline)."},
	{ID: RegistryVerdict, Kind: KindCheck, Default: diag.Info, Doc: "check --against registry: the local verdict and the registry's own, which agree."},
	{ID: VerdictMismatch, Kind: KindCheck, Default: diag.Error, Doc: "check --against registry: evctl and the registry disagree on a schema's compatibility. Report it: evctl's verdicts are meant to equal Confluent's."},
	{ID: RegistryLevelDiffers, Kind: KindCheck, Default: diag.Warning, Doc: "check --against registry: the subject's level on the registry differs from --level (or compat.level); the registry's level applies."},
	{ID: ReferenceUnpushed, Kind: KindCheck, Default: diag.Warning, Doc: "check --against registry: a schema references a file not registered yet, so the registry cannot judge it; run evctl push first."},
}

// All returns every finding id, sorted by id.
func All() []Info {
	var out []Info
	for _, r := range lint.All() {
		out = append(out, Info{ID: r.ID, Kind: KindLint, Doc: r.Doc, Default: r.Default, Rule: r})
	}
	out = append(out, own...)
	for _, r := range contract.Rules() {
		out = append(out, Info{ID: r.ID, Kind: KindContract, Doc: r.Doc, Default: r.Default})
	}
	out = append(out, Info{ID: contract.RuleLoad, Kind: KindInput, Default: diag.Error, Doc: "The consumer contract cannot be used: it is malformed, or names an event or field path the schema never had; the run exits 3. Fix the contract at the position given."})
	for _, ct := range jsonschema.ChangeTypes() {
		verdict := "incompatible under both policies"
		switch {
		case ct.Strict:
			verdict = "compatible (STRICT and LENIENT policies)"
		case ct.Lenient:
			verdict = "incompatible under the STRICT policy, compatible under LENIENT"
		}
		out = append(out, Info{ID: ct.Type, Kind: KindJSON, Default: diag.Error,
			Doc: fmt.Sprintf("%s: %s. As evctl explains it: %s.", strings.ToLower(strings.ReplaceAll(ct.Type, "_", " ")), verdict, ct.Explain)})
	}
	for _, t := range avro.IncompatibilityTypes {
		out = append(out, Info{ID: t.Type, Kind: KindAvro, Default: diag.Error, Doc: t.Doc})
	}
	for _, t := range avro.DiffTypes {
		out = append(out, Info{ID: t.Type, Kind: KindAvroDiff, Default: diag.Info, Doc: t.Doc})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	// An id both formats use (TYPE_CHANGED, DEFAULT_CHANGED) is documented once
	// per format: merge them.
	merged := out[:0]
	for _, in := range out {
		if n := len(merged); n > 0 && merged[n-1].ID == in.ID {
			merged[n-1].Doc += "\n\n" + string(in.Kind) + ": " + in.Doc
			continue
		}
		merged = append(merged, in)
	}
	return merged
}

// Lookup returns the documentation of an id.
func Lookup(id string) (Info, bool) {
	for _, in := range All() {
		if in.ID == id {
			return in, true
		}
	}
	return Info{}, false
}

// Suggest returns "; did you mean "x"?" for the known id nearest to id, or "".
func Suggest(id string) string {
	var ids []string
	for _, in := range All() {
		ids = append(ids, in.ID)
	}
	return suggest.DidYouMean(id, ids)
}

// ValidateConfig checks the ids named under lint.rules and
// lint.ignore_only (any finding id: lint rules, check ids, change types)
// and the severities, suggesting the nearest id for an unknown one.
func ValidateConfig(c *config.Config) error {
	ids := make([]string, 0, len(c.Lint.Rules)+len(c.Lint.IgnoreOnly))
	for id := range c.Lint.Rules {
		ids = append(ids, id)
	}
	for id := range c.Lint.IgnoreOnly {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, ok := Lookup(id); !ok {
			return &config.Error{Path: c.Path, Line: c.RulePos[id].Line, Col: c.RulePos[id].Col, Msg: fmt.Sprintf("unknown rule id %q (see `evctl rules`)%s", id, Suggest(id))}
		}
		if s, ok := c.Lint.Rules[id]; ok {
			if _, ok := diag.ParseSeverity(s); !ok {
				return &config.Error{Path: c.Path, Line: c.RulePos[id].Line, Col: c.RulePos[id].Col, Msg: fmt.Sprintf("rule %q: unknown severity %q (want error, warn or off)", id, s)}
			}
		}
	}
	return nil
}
