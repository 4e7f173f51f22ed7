package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// Example is one example event.
type Example struct {
	// Name says what the example exercises: all-fields, required-only,
	// status=REFUNDED, gift_note-absent, lines[].quantity-max, unknown-fields...
	Name string
	// JSON is the event: plain JSON for JSON Schema, Avro's JSON encoding
	// (unions as {"type": value}) for Avro.
	JSON []byte
}

// maxExampleDepth bounds recursive types.
const maxExampleDepth = 8

// variant is what one example changes from the all-fields event.
type variant struct {
	name         string
	requiredOnly bool
	unknown      bool
	path         string       // the leaf or field the variant is about
	absent       bool         // leave path out (null for Avro)
	value        *schema.Node // the value at path
}

// Examples writes schema-valid edge-case events for ev: every field present;
// only the required ones; each enum value; each optional field absent; the
// boundary values of numbers, strings and arrays; and unknown extra fields
// where the model is open (JSON Schema without additionalProperties: false).
// A value it cannot make (a pattern none of its candidates matches, with no
// examples or default in the schema) is an error naming the path.
func Examples(ev *schema.Event) ([]Example, error) {
	return examples(ev, false)
}

// PlainExamples are Examples in plain JSON for Avro events too (union values
// not wrapped), the shape a JSON consumer or a Pact message expects.
func PlainExamples(ev *schema.Event) ([]Example, error) {
	return examples(ev, true)
}

func examples(ev *schema.Event, plain bool) ([]Example, error) {
	if ev.Top == nil {
		return nil, fmt.Errorf("%s does not parse", ev.Path)
	}
	g := &exGen{avro: ev.Format == schema.Avro, plain: plain}
	vs := []variant{{name: "all-fields"}, {name: "required-only", requiredOnly: true}}
	g.collect(ev.Top, "", 0, &vs)
	if !g.avro && g.open {
		vs = append(vs, variant{name: "unknown-fields", unknown: true})
	}
	var out []Example
	base := ""
	for _, v := range vs {
		g.v = v
		n, err := g.value(ev.Top, "", 0, true)
		if err != nil {
			return nil, err
		}
		data, err := n.CompactJSON()
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := json.Indent(&b, data, "", "  "); err != nil {
			return nil, err
		}
		b.WriteByte('\n')
		if v.name == "all-fields" {
			base = b.String()
		} else if b.String() == base {
			continue // a boundary that is the typical value already
		}
		out = append(out, Example{Name: v.name, JSON: b.Bytes()})
	}
	return out, nil
}

type exGen struct {
	avro  bool
	plain bool // Avro unions unwrapped
	open  bool // some object is open to unknown fields
	v     variant
}

// collect walks the type once and lists the variants.
func (g *exGen) collect(t *schema.Type, path string, depth int, vs *[]variant) {
	if t == nil || depth > maxExampleDepth {
		return
	}
	nn := t.NonNull()
	if rec := record(t); rec != nil && !rec.Recursive {
		if !g.avro && (rec.Node == nil || !closed(rec.Node)) {
			g.open = true
		}
		for _, f := range rec.Fields {
			p := joinPath(path, f.Name)
			if optionalField(rec, f) {
				*vs = append(*vs, variant{name: p + "-absent", path: p, absent: true})
			}
			g.collect(f.Type, p, depth+1, vs)
		}
		return
	}
	if nn == nil {
		return
	}
	switch nn.Kind {
	case schema.KArray:
		if minItems(nn) == 0 {
			*vs = append(*vs, variant{name: path + "-empty", path: path, value: &schema.Node{Kind: schema.Array}})
		}
		g.collect(nn.Items, path+"[]", depth+1, vs)
		return
	}
	if syms, ok := symbols(nn); ok && len(syms) > 0 {
		for _, s := range syms[1:] {
			*vs = append(*vs, variant{name: path + "=" + s, path: path, value: str(s)})
		}
		return
	}
	if nn.Node != nil && (nn.Node.Get("const") != nil || nn.Node.Get("pattern") != nil || nn.Node.Get("format") != nil) {
		return
	}
	switch nn.Kind {
	case schema.KInt, schema.KLong, schema.KInteger, schema.KFloat, schema.KDouble, schema.KNumber:
		if nn.Logical != "" {
			return
		}
		lo, hi := bounds(nn)
		*vs = append(*vs, variant{name: path + "-min", path: path, value: num(lo)}, variant{name: path + "-max", path: path, value: num(hi)})
	case schema.KString:
		if nn.Logical != "" {
			return
		}
		minLen, maxLen := lengths(nn.Node)
		if minLen == 0 {
			*vs = append(*vs, variant{name: path + "-empty", path: path, value: str("")})
		}
		*vs = append(*vs, variant{name: path + "-long", path: path, value: str(strings.Repeat("x", min(maxLen, 1000)))})
	}
}

func minItems(t *schema.Type) int {
	if t.Node == nil {
		return 0
	}
	n := t.Node.Get("minItems")
	if n == nil {
		return 0
	}
	k, _ := strconv.Atoi(n.Str)
	return k
}

// errNoFiniteValue is returned for a required recursive reference: the
// field that holds it must be left out.
var errNoFiniteValue = errors.New("no finite value")

// optionalField reports whether an example may leave f out: it is not
// required (or is nullable), and no other property requires it
// (dependentRequired, or the array form of draft-7 dependencies).
func optionalField(rec *schema.Type, f *schema.Field) bool {
	if f.Required && !f.Type.Nullable() {
		return false
	}
	if rec.Node != nil {
		for _, kw := range []string{"dependentRequired", "dependencies"} {
			dep := rec.Node.Get(kw)
			if dep == nil {
				continue
			}
			for _, m := range dep.Members {
				for _, it := range m.Value.Items {
					if it.Kind == schema.String && it.Str == f.Name {
						return false
					}
				}
			}
		}
	}
	return true
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func closed(n *schema.Node) bool {
	ap := n.Get("additionalProperties")
	up := n.Get("unevaluatedProperties")
	return (ap != nil && ap.Kind == schema.Bool && !ap.Bool) || (up != nil && up.Kind == schema.Bool && !up.Bool)
}

func str(s string) *schema.Node { return &schema.Node{Kind: schema.String, Str: s} }

func num(s string) *schema.Node { return &schema.Node{Kind: schema.Number, Str: s} }

// bounds returns the least and greatest values of a numeric type, as JSON
// numbers: the JSON Schema minimum and maximum when given, else the
// type's range (Avro) or the range of integers a double holds exactly.
func bounds(t *schema.Type) (string, string) {
	lo, hi := "-9007199254740991", "9007199254740991"
	switch t.Kind {
	case schema.KInt:
		return strconv.Itoa(math.MinInt32), strconv.Itoa(math.MaxInt32)
	case schema.KLong:
		return strconv.FormatInt(math.MinInt64, 10), strconv.FormatInt(math.MaxInt64, 10)
	case schema.KFloat:
		return "-3.4028234e+38", "3.4028234e+38"
	case schema.KDouble:
		return "-1.7976931348623157e+308", "1.7976931348623157e+308"
	case schema.KNumber:
		lo, hi = "-1e+308", "1e+308"
	}
	if t.Node == nil {
		return lo, hi
	}
	if n := t.Node.Get("minimum"); n != nil && n.Kind == schema.Number {
		lo = n.Str
	}
	if n := t.Node.Get("maximum"); n != nil && n.Kind == schema.Number {
		hi = n.Str
	}
	if n := t.Node.Get("exclusiveMinimum"); n != nil && n.Kind == schema.Number {
		lo = step(n.Str, t.Kind == schema.KInteger, 1)
	}
	if n := t.Node.Get("exclusiveMaximum"); n != nil && n.Kind == schema.Number {
		hi = step(n.Str, t.Kind == schema.KInteger, -1)
	}
	l, _ := strconv.ParseFloat(lo, 64)
	h, _ := strconv.ParseFloat(hi, 64)
	if m := multipleOf(t); m > 0 {
		l, h = max(l, -1e12*m), min(h, 1e12*m)
		lo = times(t, math.Ceil(l/m))
		hi = times(t, math.Floor(h/m))
	} else if t.Kind == schema.KInteger {
		lo, hi = formatNum(math.Ceil(l)), formatNum(math.Floor(h))
	}
	return lo, hi
}

func multipleOf(t *schema.Type) float64 {
	if t.Node == nil {
		return 0
	}
	n := t.Node.Get("multipleOf")
	if n == nil || n.Kind != schema.Number {
		return 0
	}
	m, err := strconv.ParseFloat(n.Str, 64)
	if err != nil || m <= 0 {
		return 0
	}
	return m
}

// times returns k times the multipleOf of t, exactly.
func times(t *schema.Type, k float64) string {
	m, ok := new(big.Rat).SetString(t.Node.Get("multipleOf").Str)
	if !ok {
		return formatNum(k * multipleOf(t))
	}
	v := new(big.Rat).Mul(m, new(big.Rat).SetInt64(int64(k)))
	if v.IsInt() {
		return v.RatString()
	}
	out := strings.TrimRight(v.FloatString(20), "0")
	return strings.TrimSuffix(out, ".")
}

func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// fit moves a typical value into the type's range and onto its multipleOf.
func fit(t *schema.Type, v float64) string {
	lo, hi := bounds(t)
	l, _ := strconv.ParseFloat(lo, 64)
	h, _ := strconv.ParseFloat(hi, 64)
	if m := multipleOf(t); m > 0 {
		k := math.Ceil(v / m)
		if k*m < l {
			return lo
		}
		if k*m > h {
			return hi
		}
		return times(t, k)
	}
	if v < l {
		return lo
	}
	if v > h {
		return hi
	}
	return formatNum(v)
}

// step moves a bound just inside an exclusive limit.
func step(s string, integer bool, dir float64) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if integer {
		return strconv.FormatFloat(math.Floor(f)+dir, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Nextafter(f, f+dir), 'g', -1, 64)
}

func lengths(n *schema.Node) (int, int) {
	lo, hi := 0, 1000
	if n == nil {
		return lo, hi
	}
	if v := n.Get("minLength"); v != nil && v.Kind == schema.Number {
		lo, _ = strconv.Atoi(v.Str)
	}
	if v := n.Get("maxLength"); v != nil && v.Kind == schema.Number {
		hi, _ = strconv.Atoi(v.Str)
	}
	return lo, hi
}

// value makes the value of t at path under the current variant.
func (g *exGen) value(t *schema.Type, path string, depth int, first bool) (*schema.Node, error) {
	if first && g.v.path == path && g.v.value != nil {
		return g.wrap(t, g.v.value), nil
	}
	if t == nil {
		return str("example"), nil
	}
	if t.Kind == schema.KUnion {
		nn := t.NonNull()
		if t.Nullable() && (depth > maxExampleDepth || (nn != nil && nn.Recursive)) {
			return &schema.Node{Kind: schema.Null}, nil
		}
		if nn == t { // more than one non-null branch: take the first
			for _, b := range t.Branches {
				if b.Kind != schema.KNull {
					nn = b
					break
				}
			}
		}
		if nn == nil || nn.Kind == schema.KUnion {
			return &schema.Node{Kind: schema.Null}, nil
		}
		if !g.avro && len(nn.Symbols) == 0 && len(t.Symbols) > 0 {
			cp := *nn
			cp.Symbols = t.Symbols
			nn = &cp
		}
		v, err := g.value(nn, path, depth, first)
		if err != nil {
			return nil, err
		}
		return g.branch(nn, v), nil
	}
	if n := t.Node; n != nil && !g.avro {
		for _, kw := range []string{"const", "default"} {
			if c := n.Get(kw); c != nil && c.Kind != schema.Object {
				return c, nil
			}
		}
		if ex := n.Get("examples"); ex != nil && ex.Kind == schema.Array && len(ex.Items) > 0 && ex.Items[0].Kind != schema.Object {
			return ex.Items[0], nil
		}
		if en := n.Get("enum"); en != nil && en.Kind == schema.Array && len(en.Items) > 0 {
			return en.Items[0], nil
		}
	}
	if syms, ok := symbols(t); ok && len(syms) > 0 {
		return str(syms[0]), nil
	}
	switch t.Kind {
	case schema.KNull:
		return &schema.Node{Kind: schema.Null}, nil
	case schema.KBoolean:
		return &schema.Node{Kind: schema.Bool, Bool: true}, nil
	case schema.KInt, schema.KLong, schema.KInteger:
		switch t.Logical {
		case "timestamp-millis", "local-timestamp-millis":
			return num("1767323045000"), nil
		case "timestamp-micros", "local-timestamp-micros":
			return num("1767323045000000"), nil
		case "date":
			return num("20455"), nil
		case "time-millis":
			return num("45296000"), nil
		case "time-micros":
			return num("45296000000"), nil
		}
		return num(fit(t, 1)), nil
	case schema.KFloat, schema.KDouble, schema.KNumber:
		return num(fit(t, 1.5)), nil
	case schema.KBytes, schema.KFixed:
		size := 1
		if t.Kind == schema.KFixed && t.Node != nil {
			if s := t.Node.Get("size"); s != nil {
				size, _ = strconv.Atoi(s.Str)
			}
		}
		return str(strings.Repeat("\u0001", size)), nil
	case schema.KString:
		return g.stringValue(t, path)
	case schema.KArray:
		if depth > maxExampleDepth {
			return &schema.Node{Kind: schema.Array}, nil
		}
		it, err := g.value(t.Items, path+"[]", depth+1, true)
		if errors.Is(err, errNoFiniteValue) && minItems(t) == 0 {
			return &schema.Node{Kind: schema.Array}, nil
		}
		if err != nil {
			return nil, err
		}
		n := &schema.Node{Kind: schema.Array, Items: []*schema.Node{it}}
		if t.Node != nil {
			if m := t.Node.Get("minItems"); m != nil {
				k, _ := strconv.Atoi(m.Str)
				for len(n.Items) < k {
					n.Items = append(n.Items, it)
				}
			}
		}
		return n, nil
	case schema.KMap:
		v, err := g.value(t.Values, path+".key", depth+1, false)
		if err != nil {
			return nil, err
		}
		return &schema.Node{Kind: schema.Object, Members: []schema.Member{{Key: "key", Value: v}}}, nil
	case schema.KRecord:
		return g.record(t, path, depth)
	}
	return str("example"), nil
}

func (g *exGen) record(t *schema.Type, path string, depth int) (*schema.Node, error) {
	n := &schema.Node{Kind: schema.Object}
	if t.Recursive || depth > maxExampleDepth {
		return nil, errNoFiniteValue
	}
	for _, f := range t.Fields {
		p := joinPath(path, f.Name)
		optional := optionalField(t, f)
		if optional && (g.v.requiredOnly || (g.v.absent && g.v.path == p)) {
			if g.avro || f.Required {
				n.Members = append(n.Members, schema.Member{Key: f.Name, Value: &schema.Node{Kind: schema.Null}})
			}
			continue
		}
		v, err := g.value(f.Type, p, depth+1, true)
		if errors.Is(err, errNoFiniteValue) && optional {
			if g.avro || f.Required {
				n.Members = append(n.Members, schema.Member{Key: f.Name, Value: &schema.Node{Kind: schema.Null}})
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		n.Members = append(n.Members, schema.Member{Key: f.Name, Value: v})
	}
	if g.v.unknown && !g.avro && (t.Node == nil || !closed(t.Node)) {
		n.Members = append(n.Members, schema.Member{Key: "x_evctl_unknown_field", Value: str("a field this version of the schema does not define")})
	}
	return n, nil
}

// wrap puts an override value into the union branch it belongs to (Avro).
func (g *exGen) wrap(t *schema.Type, v *schema.Node) *schema.Node {
	if t == nil || t.Kind != schema.KUnion {
		return v
	}
	nn := t.NonNull()
	if nn == nil || nn.Kind == schema.KUnion {
		return v
	}
	return g.branch(nn, v)
}

// branch wraps a union value as Avro's JSON encoding does: {"type": value}.
func (g *exGen) branch(t *schema.Type, v *schema.Node) *schema.Node {
	if !g.avro || g.plain || v.Kind == schema.Null {
		return v
	}
	name := string(t.Kind)
	switch t.Kind {
	case schema.KRecord, schema.KEnum, schema.KFixed:
		name = t.Name
		if t.Namespace != "" && !strings.Contains(name, ".") {
			name = t.Namespace + "." + name
		}
	}
	return &schema.Node{Kind: schema.Object, Members: []schema.Member{{Key: name, Value: v}}}
}

var stringCandidates = []string{"example", "EXAMPLE", "USD", "a", "A", "1", "x-1", "ABC-123", "2026-01-02", "00000000-0000-4000-8000-000000000001"}

func (g *exGen) stringValue(t *schema.Type, path string) (*schema.Node, error) {
	switch t.Logical {
	case "uuid":
		return str("00000000-0000-4000-8000-000000000001"), nil
	}
	switch t.Format {
	case "uuid":
		return str("00000000-0000-4000-8000-000000000001"), nil
	case "date-time":
		return str("2026-01-02T03:04:05Z"), nil
	case "date":
		return str("2026-01-02"), nil
	case "time":
		return str("03:04:05Z"), nil
	case "email":
		return str("someone@example.com"), nil
	case "uri", "iri", "uri-reference":
		return str("https://example.com/x"), nil
	case "hostname":
		return str("example.com"), nil
	case "ipv4":
		return str("192.0.2.1"), nil
	case "ipv6":
		return str("2001:db8::1"), nil
	case "duration":
		return str("PT1H"), nil
	}
	minLen, maxLen := lengths(t.Node)
	var pattern *regexp.Regexp
	if t.Node != nil {
		if p, ok := t.Node.Get("pattern").StringValue(); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: cannot make a value for pattern %q: %v; add examples: to the schema", path, p, err)
			}
			pattern = re
		}
	}
	candidates := stringCandidates
	if pattern != nil {
		if c, ok := fromPattern(pattern.String(), minLen); ok {
			candidates = append([]string{c}, candidates...)
		}
	}
	for _, c := range candidates {
		for len([]rune(c)) < minLen {
			c += "x"
		}
		if len([]rune(c)) > maxLen {
			continue
		}
		if pattern == nil || pattern.MatchString(c) {
			return str(c), nil
		}
	}
	return nil, fmt.Errorf("%s: cannot make a string matching %q of length %d to %d; add examples: to the schema", path, pattern, minLen, maxLen)
}
