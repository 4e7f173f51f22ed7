package contract

import (
	"fmt"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
)

// Rule is one consumer-contract finding id, configured in evctl.yaml under
// lint.rules like every rule and explained by `evctl rules explain`.
type Rule struct {
	ID      string
	Doc     string
	Default diag.Severity
	// Bad and Good are a contract and a schema change that breaks it, and
	// one that does not.
	Bad, Good string
}

// The consumer-contract rules.
var (
	RuleFieldRemoved = &Rule{
		ID:      "consumer-field-removed",
		Doc:     "A field a consumer's contract reads was removed from the event, so that consumer breaks even when the registry calls the change compatible.",
		Default: diag.Error,
		Bad: `# contracts/email-service/v1.OrderPlaced.yaml
reads:
  gift_note: {type: string, optional: true}
# schemas/v1/OrderPlaced.avsc drops the field "gift_note" (BACKWARD-compatible: it had a default)`,
		Good: `# keep "gift_note" until email-service's contract no longer reads it,
# or publish v2.OrderPlaced without it and keep v1 alive while consumers move`,
	}
	RuleFieldOptional = &Rule{
		ID:      "consumer-field-optional",
		Doc:     "A field a consumer reads as always present is no longer required, or became nullable (or sits under such a field), so the consumer may meet it absent.",
		Default: diag.Error,
		Bad: `reads:
  customer_id: {type: string}
# the schema makes customer_id ["null","string"], or drops it from "required"`,
		Good: `reads:
  customer_id: {type: string, optional: true}   # the consumer copes with its absence
# or: the schema keeps customer_id required and non-null`,
	}
	RuleTypeChanged = &Rule{
		ID:      "consumer-type-changed",
		Doc:     "A field a consumer reads has a different type in the event than the contract reads it as (an integer still satisfies number).",
		Default: diag.Error,
		Bad: `reads:
  amount_cents: {type: integer}
# the schema changes amount_cents to a string`,
		Good: `reads:
  amount_cents: {type: integer}
# the schema keeps amount_cents an int or long (Avro) or integer (JSON Schema)`,
	}
	RuleEnumUnhandled = &Rule{
		ID:      "consumer-enum-unhandled",
		Doc:     "The event may carry an enum value that a consumer with unknown: fail does not list, such as a symbol added under BACKWARD (Avro) or ENUM_ARRAY_EXTENDED (JSON Schema), both registry-compatible.",
		Default: diag.Error,
		Bad: `reads:
  status: {type: string, enum: [PLACED, PAID], unknown: fail}
# the schema adds the symbol REFUNDED`,
		Good: `reads:
  status: {type: string, enum: [PLACED, PAID, REFUNDED], unknown: fail}
# the consumer handles REFUNDED first; or it declares unknown: ignore`,
	}
	RuleEventRemoved = &Rule{
		ID:      "consumer-event-removed",
		Doc:     "An event type that a consumer's contract still reads was removed from the catalog.",
		Default: diag.Error,
		Bad: `# contracts/email-service/v1.OrderPlaced.yaml exists
# schemas/v1/OrderPlaced.avsc is deleted`,
		Good: `# email-service moves to v2.OrderPlaced and deletes its v1 contract,
# then the producer removes v1.OrderPlaced`,
	}
	RuleFieldAdded = &Rule{
		ID:      "consumer-field-added",
		Doc:     "A field was added to an object read by a consumer whose contract says tolerates_new_fields: false.",
		Default: diag.Error,
		Bad: `tolerates_new_fields: false
reads:
  order_id: {type: string}
# the schema adds a field next to order_id`,
		Good: `tolerates_new_fields: true   # the consumer ignores fields it does not read`,
	}
)

// Rules returns the consumer-contract rules, sorted by id.
func Rules() []*Rule {
	return []*Rule{RuleEnumUnhandled, RuleEventRemoved, RuleFieldAdded, RuleFieldOptional, RuleFieldRemoved, RuleTypeChanged}
}

// RuleByID returns the rule with the id, or nil.
func RuleByID(id string) *Rule {
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// IDs returns the rule ids, sorted.
func IDs() []string {
	var out []string
	for _, r := range Rules() {
		out = append(out, r.ID)
	}
	return out
}

// Severity returns the configured severity of r.
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

// RuleLoad is the id of findings for contracts that cannot be used.
const RuleLoad = "invalid-contract"

// Diagnostics turns findings and contract errors into diagnostics under the
// configured severities, located at the schema position (the producer's
// side); ignore_only globs match the schema file.
func Diagnostics(c *config.Config, fs []Finding, errs []*Error) []diag.Diagnostic {
	return diagnostics(c, fs, errs, false)
}

// ConsumerDiagnostics is Diagnostics located at the contract position (the
// consumer's side), with the schema position in the message.
func ConsumerDiagnostics(c *config.Config, fs []Finding, errs []*Error) []diag.Diagnostic {
	return diagnostics(c, fs, errs, true)
}

func diagnostics(c *config.Config, fs []Finding, errs []*Error, consumer bool) []diag.Diagnostic {
	var out []diag.Diagnostic
	for _, e := range errs {
		out = append(out, diag.Diagnostic{Rule: RuleLoad, Severity: diag.Error, File: e.File, Line: e.Pos.Line, Column: e.Pos.Col, Message: e.Msg})
	}
	for _, f := range fs {
		r := RuleByID(f.Rule)
		if r == nil {
			panic(fmt.Sprintf("contract: finding with unknown rule %q", f.Rule)) // a programming error
		}
		sev := Severity(c, r)
		if sev == diag.Off || (!consumer && ignored(c, r.ID, f.File)) || (consumer && ignored(c, r.ID, f.Contract.File)) {
			continue
		}
		d := diag.Diagnostic{Rule: r.ID, Severity: sev, File: f.File, Line: f.Pos.Line, Column: f.Pos.Col, Event: f.Event, Message: f.Message}
		if consumer {
			d.File, d.Line, d.Column = f.Contract.File, f.At.Line, f.At.Col
			d.Message += fmt.Sprintf(" [schema: %s:%d:%d]", f.File, f.Pos.Line, f.Pos.Col)
		}
		out = append(out, d)
	}
	return diag.Sort(out)
}

func ignored(c *config.Config, id, path string) bool {
	if c == nil {
		return false
	}
	for _, g := range c.Lint.IgnoreOnly[id] {
		if config.MatchGlob(g, path) {
			return true
		}
	}
	return false
}
