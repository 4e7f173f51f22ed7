package lint

import (
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// ExplicitUnits requires numeric quantities to state their unit.
var ExplicitUnits = &Rule{
	ID:      "explicit-units",
	Doc:     "A numeric field that measures money, time, size or another quantity states its unit by a name suffix, a unit annotation or a type that fixes it, and money is never floating point.",
	Default: diag.Error,
	Types:   true,
	Bad: `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.OrderPlaced",
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id", "occurred_at", "correlation_id", "order_id", "total"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    "order_id": {"type": "string"},
    "total": {"type": "number"}
  }
}
`,
	Good: `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "title": "v1.OrderPlaced",
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id", "occurred_at", "correlation_id", "order_id", "total_cents"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    "order_id": {"type": "string"},
    "total_cents": {"type": "integer"}
  }
}
`,
	Run: runExplicitUnits,
}

type quantity int

const (
	noQuantity quantity = iota
	money
	duration
	physical
	timestamp
)

var quantityWords = map[string]quantity{
	"amount": money, "total": money, "subtotal": money, "price": money, "cost": money,
	"fee": money, "tax": money, "balance": money, "discount": money, "refund": money,
	"charge": money, "payout": money, "revenue": money,
	"duration": duration, "timeout": duration, "delay": duration, "interval": duration,
	"latency": duration, "elapsed": duration, "ttl": duration, "age": duration,
	"size": physical, "weight": physical, "height": physical, "width": physical,
	"length": physical, "depth": physical, "distance": physical, "volume": physical,
	"temperature": physical,
	"timestamp":   timestamp, "time": timestamp,
}

// countWords end names that count or identify rather than measure.
var countWords = map[string]bool{
	"items": true, "count": true, "quantity": true, "qty": true, "number": true, "num": true,
	"id": true, "ids": true, "code": true, "index": true, "version": true, "rank": true,
	"level": true, "seq": true, "sequence": true, "year": true, "type": true, "kind": true,
}

// defaultUnitSuffixes state a unit in a field name.
var defaultUnitSuffixes = []string{
	"cents", "minor", "micros", "ms", "millis", "seconds", "ns", "us", "minutes",
	"hours", "days", "bytes", "kb", "mb", "gb", "kg", "g", "lb", "m", "cm", "mm",
	"km", "celsius", "fahrenheit", "pct", "percent", "bps",
}

// suggestedSuffix is the unit proposed for a quantity word.
var suggestedSuffix = map[string]string{
	"size": "bytes", "weight": "g", "height": "mm", "width": "mm", "length": "mm",
	"depth": "mm", "distance": "m", "temperature": "celsius", "ttl": "seconds",
}

// unitLogicalTypes fix the unit of an Avro number.
func unitLogicalType(l string) bool {
	return strings.HasPrefix(l, "timestamp-") || strings.HasPrefix(l, "local-timestamp-") ||
		strings.HasPrefix(l, "time-") || l == "date"
}

func runExplicitUnits(p *Pass) {
	t := top(p.Event)
	if t == nil {
		return
	}
	suffixes := defaultUnitForms
	if len(p.Config.Lint.UnitSuffixes) > 0 {
		suffixes = append([]unitForm{}, defaultUnitForms...)
		for _, s := range p.Config.Lint.UnitSuffixes {
			if s = strings.ToLower(strings.TrimLeft(s, "_")); s != "" {
				suffixes = append(suffixes, newUnitForm(s))
			}
		}
	}
	checkUnits(p, t, suffixes, 0)
}

func checkUnits(p *Pass, rec *schema.Type, suffixes []unitForm, depth int) {
	if depth > 32 {
		return
	}
	for _, f := range rec.Fields {
		checkUnitField(p, rec, f, suffixes)
		for _, c := range containedRecords(f.Type, false, 0) {
			checkUnits(p, c.rec, suffixes, depth+1)
		}
	}
}

// measure finds the quantity a name denotes and the index of its word.
func measure(words []string) (quantity, int) {
	if len(words) == 0 || countWords[strings.ToLower(words[len(words)-1])] {
		return noQuantity, -1
	}
	if len(words) > 1 && strings.ToLower(words[len(words)-1]) == "at" {
		return timestamp, len(words) - 1
	}
	for i := len(words) - 1; i >= 0; i-- {
		if q, ok := quantityWords[strings.ToLower(words[i])]; ok {
			return q, i
		}
	}
	return noQuantity, -1
}

func checkUnitField(p *Pass, rec *schema.Type, f *schema.Field, suffixes []unitForm) {
	ft := f.Type.NonNull()
	if !ft.Numeric() {
		return
	}
	words := splitWords(f.Name)
	q, at := measure(words)
	if q == noQuantity {
		return
	}
	camelStyle := !strings.Contains(f.Name, "_") && (strings.ToLower(f.Name) != f.Name || usesCamel(rec))
	rename := func(ws []string, suffix string) string {
		all := append(append([]string{}, ws...), suffix)
		if camelStyle {
			return camel(all)
		}
		return snake(all)
	}
	suffix := unitSuffix(f.Name, suffixes)
	if q == money && ft.Floating() && !ratioSuffixes[suffix] {
		intType := "integer"
		if p.Event.Format == schema.Avro {
			intType = "long"
		}
		p.Reportf(f.Pos, "money field %q is a %s, which is floating point and cannot hold exact amounts; use integer minor units (%q as %s) or a decimal with a currency field", f.Name, typeName(p.Event, ft), rename(words[:at+1], "cents"), intType)
		return
	}
	if f.Unit != "" || unitLogicalType(ft.Logical) || suffix != "" {
		return
	}
	if q == money && ft.Logical == "decimal" {
		if !hasCurrencyField(rec) {
			p.Reportf(f.Pos, "decimal money field %q states no currency; add a \"currency\" field beside it, rename it %q, or %s", f.Name, rename(words, "minor"), "set "+unitAttr(p.Event))
		}
		return
	}
	annot := "set " + unitAttr(p.Event)
	switch q {
	case timestamp:
		fix := `make it a string with format "date-time"`
		if p.Event.Format == schema.Avro {
			fix = `give it logicalType "timestamp-millis"`
		}
		p.Reportf(f.Pos, "numeric field %q is a point in time but states no unit; %s, or rename it %q", f.Name, fix, rename(words, "ms"))
		return
	case money:
		p.Reportf(f.Pos, "numeric field %q is money but states no unit; rename it %q, or %s", f.Name, rename(words, "cents"), annot)
		return
	case duration:
		suf := "ms"
		if s, ok := suggestedSuffix[strings.ToLower(words[at])]; ok {
			suf = s
		}
		p.Reportf(f.Pos, "numeric field %q is a duration but states no unit; rename it %q, or %s", f.Name, rename(words, suf), annot)
		return
	}
	if suf, ok := suggestedSuffix[strings.ToLower(words[at])]; ok {
		p.Reportf(f.Pos, "numeric field %q is a physical quantity but states no unit; rename it %q, or %s", f.Name, rename(words, suf), annot)
		return
	}
	p.Reportf(f.Pos, "numeric field %q is a physical quantity but states no unit; %s", f.Name, annot)
}

// ratioSuffixes make a money word a ratio (discount_pct), not an amount.
var ratioSuffixes = map[string]bool{"pct": true, "percent": true, "bps": true}

// unitForm is a unit suffix as written in snake_case ("_cents"),
// camelCase ("Cents") and upper case ("CENTS").
type unitForm struct {
	unit, snake, camel, upper string
}

func newUnitForm(s string) unitForm {
	words := strings.Split(s, "_")
	return unitForm{unit: s, snake: "_" + s, camel: pascal(words), upper: strings.ToUpper(strings.Join(words, ""))}
}

var defaultUnitForms = func() []unitForm {
	out := make([]unitForm, len(defaultUnitSuffixes))
	for i, s := range defaultUnitSuffixes {
		out[i] = newUnitForm(s)
	}
	return out
}()

// unitSuffix returns the unit a name ends in (total_cents, totalCents,
// timeoutMS), or "".
func unitSuffix(name string, suffixes []unitForm) string {
	lower := strings.ToLower(name)
	for _, s := range suffixes {
		if strings.HasSuffix(lower, s.snake) {
			return s.unit
		}
		for _, c := range [2]string{s.camel, s.upper} {
			if len(name) > len(c) && strings.HasSuffix(name, c) {
				prev := name[len(name)-len(c)-1]
				if prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' {
					return s.unit
				}
			}
		}
	}
	return ""
}

// hasCurrencyField reports whether rec has a currency field beside its amounts.
func hasCurrencyField(rec *schema.Type) bool {
	for _, f := range rec.Fields {
		ws := splitWords(f.Name)
		if len(ws) > 0 && strings.ToLower(ws[len(ws)-1]) == "currency" {
			return true
		}
	}
	return false
}

func typeName(ev *schema.Event, t *schema.Type) string {
	if ev.Format == schema.JSONSchema {
		return "JSON number"
	}
	return string(t.Kind)
}
