package lint

import (
	"strings"

	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/lint/lexicon"
	"github.com/evctl/evctl/internal/schema"
)

// ExplicitUnits requires numeric quantities to state their unit.
var ExplicitUnits = &Rule{
	ID:      "explicit-units",
	Doc:     "A numeric field that measures money, time, size or another quantity states its unit by a name suffix, a unit annotation or a type that fixes it, and money is never floating point.",
	Default: diag.Error,
	Types:   true,
	Policy: `A numeric field (or the numeric branch of a union, or the numbers in an
array or map) is checked when its name measures something: money (amount,
total, price, cost, fee, tax, balance, discount, refund, net, gross,
shipping, salary...), a duration (duration, timeout, delay, ttl, age...), a
physical quantity (size, weight, length, distance, temperature, bitrate...)
or a point in time (*_at, timestamp). It passes when the unit is stated:
  - by a name suffix: amount_cents, timeout_ms, size_bytes,
    duration_in_seconds, bitrate_kbps, width_px (and lint.unit_suffixes);
  - by an annotation ("x-unit" in JSON Schema, "unit" in Avro);
  - by a type or format: an Avro timestamp or date logicalType, a JSON
    Schema format like "unix-time" or "date-time";
  - by the description: "Order total in minor units (e.g. cents)",
    "Token lifetime in seconds", "ms since the Unix epoch".
Counts are not quantities: quantity, count, number, *_count, page_size,
batch_size, orders_total, or a description saying "number of ...".
Money is never floating point, whatever the unit says: use integer minor
units or a decimal with a currency field. A suggested rename uses the unit of
the quantity measured (_cents for money, _ms or _seconds for time, _bytes for
size, _kbps for a bitrate).

Bad:  "total": {"type": "number"}, "timeout": {"type": "integer"},
      "created_at": {"oneOf": [{"type": "integer"}, {"type": "string", "format": "date-time"}]}
Good: "total_cents": {"type": "integer"},
      "total": {"type": "integer", "description": "Order total in minor units (e.g. cents)"},
      "timeout_ms": {"type": "integer"}, "page_size": {"type": "integer"}`,
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
	"charge": money, "payout": money, "revenue": money, "net": money, "gross": money,
	"shipping": money, "salary": money, "wage": money, "tip": money, "deposit": money,
	"duration": duration, "timeout": duration, "delay": duration, "interval": duration,
	"latency": duration, "elapsed": duration, "ttl": duration, "age": duration,
	"size": physical, "weight": physical, "height": physical, "width": physical,
	"length": physical, "depth": physical, "distance": physical, "volume": physical,
	"temperature": physical, "bitrate": physical, "framerate": physical,
	"timestamp": timestamp, "time": timestamp,
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
	"km", "celsius", "fahrenheit", "pct", "percent", "bps", "weeks", "months",
	"years", "px", "kbps", "mbps", "fps", "hz", "secs", "sec", "mins", "kib",
	"mib", "gib", "bits", "sats", "micros", "nanos",
}

// countSizes are words before "size" that make it a count: page_size,
// batch_size, team_size.
var countSizes = wordSet(`page batch team sample pool queue fleet group party
household family lot cluster crowd class cohort`)

// suggestedSuffix is the unit proposed for a quantity word.
var suggestedSuffix = map[string]string{
	"size": "bytes", "weight": "g", "height": "mm", "width": "mm", "length": "mm",
	"depth": "mm", "distance": "m", "temperature": "celsius", "ttl": "seconds",
	"bitrate": "kbps", "framerate": "fps", "age": "seconds", "timeout": "ms",
	"delay": "ms", "interval": "ms", "latency": "ms", "elapsed": "ms", "duration": "ms",
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
	if n := len(words); n > 1 {
		last, prev := strings.ToLower(words[n-1]), strings.ToLower(words[n-2])
		// A count noun before "total" (orders_total) or a group before
		// "size" (page_size) makes a count.
		if sing := singular(prev); last == "total" && sing != prev && quantityWords[prev] == noQuantity && (lexicon.IsNoun(sing) || lexicon.IsBase(sing)) {
			return noQuantity, -1
		}
		if last == "size" && countSizes[prev] {
			return noQuantity, -1
		}
	}
	if len(words) > 1 && strings.ToLower(words[len(words)-1]) == "at" {
		return timestamp, len(words) - 1
	}
	for i := len(words) - 1; i >= 0; i-- {
		lw := strings.ToLower(words[i])
		if q, ok := quantityWords[lw]; ok {
			return q, i
		}
		// Plurals name the numbers of an array or map: leg_durations.
		if q, ok := quantityWords[singular(lw)]; ok && i == len(words)-1 && singular(lw) != lw {
			return q, i
		}
	}
	return noQuantity, -1
}

func checkUnitField(p *Pass, rec *schema.Type, f *schema.Field, suffixes []unitForm) {
	ft := numericOf(f.Type.NonNull(), 0)
	if ft == nil {
		return
	}
	words := splitWords(f.Name)
	q, at := measure(words)
	if q == noQuantity {
		return
	}
	doc := f.Doc
	if doc == "" {
		doc = nodeString(ft.Node, "description")
	}
	if doc != "" && countDoc(doc) {
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
	if f.Unit != "" || unitLogicalType(ft.Logical) || suffix != "" || unitFormat(ft.Format) || doc != "" && docUnit(doc) {
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

// numericOf returns the numeric type a field holds: the type itself, the
// numeric branch of a union (an integer or a date-time string), or the
// items of an array or the values of a map that are numbers; nil when the
// field holds no number.
func numericOf(t *schema.Type, depth int) *schema.Type {
	if t == nil || depth > 4 {
		return nil
	}
	switch {
	case t.Numeric():
		return t
	case t.Kind == schema.KUnion:
		for _, b := range t.Branches {
			if n := numericOf(b, depth+1); n != nil {
				return n
			}
		}
	case t.Kind == schema.KArray:
		return numericOf(t.Items, depth+1)
	case t.Kind == schema.KMap:
		return numericOf(t.Values, depth+1)
	}
	return nil
}

// unitFormat reports a JSON Schema format that fixes the unit of a number.
func unitFormat(f string) bool {
	switch strings.ToLower(f) {
	case "unix-time", "unix-timestamp", "utc-millisec", "timestamp", "epoch", "date-time", "duration":
		return true
	}
	return false
}

// docUnits are unit words that, in a field's description, state its unit:
// "Amount charged, in minor units (e.g. cents)", "Token lifetime in seconds".
var docUnits = wordSet(`cents cent minor pence satoshis sats seconds second secs sec
milliseconds millisecond millis ms microseconds microsecond micros
nanoseconds nanosecond ns minutes minute mins hours hour days day weeks week
months month years year bytes byte kilobytes kb kib megabytes mb mib
gigabytes gb gib bits kbps mbps bps fps hz khz mhz px pixels pixel grams gram
kilograms kilogram kg pounds lbs lb ounces oz meters meter metres metre km
kilometers kilometres miles mile cm mm inches celsius fahrenheit kelvin
percent percentage epoch`)

// docUnit reports whether a description names a unit: a unit word after
// "in", "of", "as", "per", "unix" or "e.g." ("in minor units (e.g. cents)",
// "lifetime in seconds"), a "%" or "ISO 8601".
func docUnit(doc string) bool {
	words := strings.FieldsFunc(strings.ToLower(doc), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '%')
	})
	for i, w := range words {
		if w == "%" || w == "iso" && i+1 < len(words) && words[i+1] == "8601" {
			return true
		}
		if i > 0 && docUnits[w] {
			switch words[i-1] {
			case "in", "of", "as", "per", "unix", "g":
				return true
			}
		}
	}
	return false
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

// countDoc reports a description that calls the field a count: "Total
// number of products", "count of retries".
func countDoc(doc string) bool {
	d := strings.ToLower(doc)
	return strings.Contains(d, "number of ") || strings.Contains(d, "count of ") || strings.HasPrefix(d, "how many ")
}

// nodeString returns the string value of a schema keyword, or "".
func nodeString(n *schema.Node, key string) string {
	v, _ := n.Get(key).StringValue()
	return v
}
