package jsonschema

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evctl/evctl/internal/compat/change"
)

func mustParse(t testing.TB, text string, refs map[string][]byte) *Schema {
	t.Helper()
	s, err := Parse([]byte(text), false, refs)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

func changeList(cs []change.Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Type+" "+c.Path)
	}
	sort.Strings(out)
	return out
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat(`{"not":`, maxDepth+5) + "{}" + strings.Repeat("}", maxDepth+5)
	tests := []struct {
		name, text, want string
	}{
		{"not json", `{"type":`, "json"},
		{"trailing data", `{} {}`, "after the schema"},
		{"schema is a number", `42`, "must be an object or a boolean"},
		{"unknown type", `{"type":"strin"}`, "unknown type"},
		{"type not a string", `{"type":3}`, "type must be"},
		{"negative maxLength", `{"maxLength":-1}`, "non-negative integer"},
		{"properties not an object", `{"properties":[]}`, "properties must be an object"},
		{"required not an array", `{"required":"a"}`, "required must be an array"},
		{"anyOf not an array", `{"anyOf":{}}`, "must be an array"},
		{"bad multipleOf", `{"multipleOf":0}`, "greater than 0"},
		{"dangling local ref", `{"properties":{"a":{"$ref":"#/definitions/missing"}}}`, "cannot resolve $ref"},
		{"unknown external ref", `{"$ref":"Other.json"}`, "not in the schema's references"},
		{"too deep", deep, "deeper than"},
		{"boolean schema in draft-04", `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":true}}`, "draft-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.text), false, nil)
			if err == nil {
				t.Fatalf("Parse succeeded (%v), want an error containing %q", s, tt.want)
			}
			if !errors.Is(err, ErrInvalidSchema) {
				t.Errorf("error %v does not wrap ErrInvalidSchema", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestDeepNesting(t *testing.T) {
	nest := func(n int, leaf string) string {
		return strings.Repeat(`{"properties":{"a":`, n) + leaf + strings.Repeat(`}}`, n)
	}
	old := mustParse(t, nest(maxDepth-10, `{"type":"string"}`), nil)
	new := mustParse(t, nest(maxDepth-10, `{"type":"integer"}`), nil)
	got := changeList(CanRead(new, old, change.Strict))
	want := []string{"TYPE_CHANGED #/" + strings.TrimSuffix(strings.Repeat("properties/a/", maxDepth-10), "/")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestParseYAMLMatchesJSON(t *testing.T) {
	js := mustParse(t, `{"type":"object","required":["a"],"properties":{"a":{"type":"string","maxLength":3},"b":{"enum":[1,2.5,"x"]}}}`, nil)
	ys, err := Parse([]byte("type: object\nrequired: [a]\nproperties:\n  a: {type: string, maxLength: 3}\n  b:\n    enum: [1, 2.5, x]\n"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := changeList(Diff(js, ys)); len(got) != 0 {
		t.Errorf("YAML and JSON forms differ: %v", got)
	}
	if got := changeList(Diff(ys, js)); len(got) != 0 {
		t.Errorf("JSON and YAML forms differ: %v", got)
	}
}

func TestModel(t *testing.T) {
	tests := []struct {
		name, text string
		kind       kind
		criterion  string
		subs       int
	}{
		{"empty", `{}`, kindEmpty, "", 0},
		{"true", `true`, kindTrue, "", 0},
		{"false", `false`, kindFalse, "", 0},
		{"annotations only", `{"title":"t","x-foo":1,"nullable":true}`, kindEmpty, "", 0},
		{"integer is a number", `{"type":"integer"}`, kindNumber, "", 0},
		{"sniffed object", `{"properties":{}}`, kindObject, "", 0},
		{"sniffed string", `{"maxLength":3}`, kindString, "", 0},
		{"type array is anyOf", `{"type":["string","null"]}`, kindCombined, anyOf, 2},
		{"one-element type array is a singleton anyOf", `{"type":["string"]}`, kindCombined, anyOf, 1},
		{"enum with type is a synthetic allOf", `{"type":"string","enum":["a"]}`, kindCombined, allOf, 2},
		{"two combined keywords", `{"anyOf":[{}],"oneOf":[{}]}`, kindCombined, allOf, 2},
		{"combined keywords sit beside the type", `{"type":"string","anyOf":[{}],"oneOf":[{}]}`, kindCombined, allOf, 3},
		{"ref siblings ignored in draft-07", `{"definitions":{"s":{"type":"string"}},"$ref":"#/definitions/s","type":"integer"}`, kindString, "", 0},
		{"ref siblings kept in 2020-12", `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2}`, kindCombined, allOf, 2},
		{"const is not draft-04", `{"$schema":"http://json-schema.org/draft-04/schema#","const":1}`, kindEmpty, "", 0},
		{"conditional", `{"if":{"type":"string"},"then":{"maxLength":1}}`, kindConditional, "", 0},
		{"$defs found through definitions", `{"definitions":{"s":{"type":"null"}},"$ref":"#/$defs/s"}`, kindNull, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.text, nil).resolved()
			if s.kind != tt.kind {
				t.Fatalf("kind = %v, want %v", s.kind, tt.kind)
			}
			if s.criterion != tt.criterion || len(s.subschemas) != tt.subs {
				t.Errorf("combined = %s/%d, want %s/%d", s.criterion, len(s.subschemas), tt.criterion, tt.subs)
			}
		})
	}
}

func TestExternalRefs(t *testing.T) {
	refs := map[string][]byte{
		"Address.json": []byte(`{"$id":"https://example.com/address.json","type":"object","properties":{"city":{"$ref":"#/definitions/city"}},"definitions":{"city":{"type":"string"}}}`),
		"Money.yaml":   []byte(`{"type":"number","minimum":0}`),
	}
	old := mustParse(t, `{"type":"object","properties":{"a":{"$ref":"Address.json"},"m":{"$ref":"Money.yaml"}}}`, refs)
	byID := mustParse(t, `{"type":"object","properties":{"a":{"$ref":"https://example.com/address.json"},"m":{"$ref":"Money.yaml"}}}`, refs)
	if got := changeList(Diff(old, byID)); len(got) != 0 {
		t.Errorf("ref by name and by $id differ: %v", got)
	}
	inline := mustParse(t, `{"type":"object","properties":{"a":{"$id":"https://example.com/address.json","type":"object","properties":{"city":{"type":"string","maxLength":3}}},"m":{"type":"number"}}}`, nil)
	want := []string{"MAX_LENGTH_ADDED #/properties/a/properties/city/maxLength", "MINIMUM_REMOVED #/properties/m/minimum"}
	if diff := cmp.Diff(want, changeList(Diff(old, inline))); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestExternalRefChains(t *testing.T) {
	refs := map[string][]byte{
		"Address.json": []byte(`{"type":"object","properties":{"country":{"$ref":"Country.json"}},"definitions":{"zip":{"type":"string","pattern":"^[0-9]+$"}}}`),
		"Country.json": []byte(`{"enum":["NL","DE"]}`),
	}
	old := mustParse(t, `{"properties":{"a":{"$ref":"Address.json"},"z":{"$ref":"Address.json#/definitions/zip"}}}`, refs)
	new := mustParse(t, `{"properties":{"a":{"properties":{"country":{"enum":["NL"]}}},"z":{"type":"string"}}}`, nil)
	want := []string{
		"ENUM_ARRAY_NARROWED #/properties/a/properties/country/enum",
		"PATTERN_REMOVED #/properties/z/pattern",
	}
	if diff := cmp.Diff(want, changeList(Diff(old, new))); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestRecursiveSchemasTerminate(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{
			name: "self reference",
			old:  `{"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"string"}}}`,
			new:  `{"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"string","maxLength":4}}}`,
			// The second entry comes from the fixed-point pass: the cycle
			// through "next" re-enters a pair known to be incompatible.
			want: []string{"MAX_LENGTH_ADDED #/properties/next/properties/v/maxLength", "MAX_LENGTH_ADDED #/properties/v/maxLength"},
		},
		{
			name: "mutual recursion",
			old:  `{"$ref":"#/definitions/a","definitions":{"a":{"type":"object","properties":{"b":{"$ref":"#/definitions/b"}}},"b":{"type":"object","properties":{"a":{"$ref":"#/definitions/a"},"n":{"type":"integer"}}}}}`,
			new:  `{"$ref":"#/definitions/a","definitions":{"a":{"type":"object","properties":{"b":{"$ref":"#/definitions/b"}}},"b":{"type":"object","properties":{"a":{"$ref":"#/definitions/a"},"n":{"type":"number"}}}}}`,
			want: []string{"TYPE_EXTENDED #/properties/b/properties/n"},
		},
		{
			name: "ref cycle without a schema",
			old:  `{"$ref":"#/definitions/a","definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}}}`,
			new:  `{"type":"string"}`,
			want: []string{"TYPE_CHANGED #/"},
		},
		{
			name: "union of itself",
			old:  `{"type":"string"}`,
			new:  `{"anyOf":[{"$ref":"#"},{"$ref":"#"},{"type":"integer"}]}`,
			want: []string{"SUM_TYPE_EXTENDED #/"},
		},
	}
	// A chain of definitions, each an anyOf of two $refs to the next one:
	// 2^40 paths, which only terminates because pairs are memoised.
	var defs []string
	for i := 0; i < 40; i++ {
		defs = append(defs, fmt.Sprintf(`"d%d":{"anyOf":[{"$ref":"#/definitions/d%d"},{"$ref":"#/definitions/d%d"}]}`, i, i+1, i+1))
	}
	defs = append(defs, `"d40":{"type":"integer"}`)
	tests = append(tests, struct {
		name, old, new string
		want           []string
	}{
		name: "shared definitions",
		old:  `{"type":"string"}`,
		new:  `{"$ref":"#/definitions/d0","definitions":{` + strings.Join(defs, ",") + `}}`,
		want: []string{"TYPE_CHANGED #/"},
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := mustParse(t, tt.old, nil), mustParse(t, tt.new, nil)
			if diff := cmp.Diff(tt.want, changeList(CanRead(new, old, change.Strict))); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCanReadDirection(t *testing.T) {
	narrow := mustParse(t, `{"type":"integer"}`, nil)
	wide := mustParse(t, `{"type":"number"}`, nil)
	if cs := CanRead(wide, narrow, change.Strict); !Compatible(cs) {
		t.Errorf("a number reader cannot read integers: %v", changeList(cs))
	}
	if cs := CanRead(narrow, wide, change.Strict); Compatible(cs) {
		t.Errorf("an integer reader can read numbers: %v", changeList(cs))
	}
}

func TestMessages(t *testing.T) {
	old := mustParse(t, `{"type":"object","properties":{"id":{"type":"string"}}}`, nil)
	new := mustParse(t, `{"type":"object","properties":{"id":{"type":"integer"},"foo":{"type":"string"}}}`, nil)
	cs := CanRead(new, old, change.Strict)
	if len(cs) != 2 {
		t.Fatalf("changes = %v, want 2", changeList(cs))
	}
	for _, c := range cs {
		if c.Message == "" || strings.Contains(c.Message, "\n") {
			t.Errorf("%s: message %q is not one line", c.Type, c.Message)
		}
		switch c.Type {
		case "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL":
			for _, frag := range []string{`"foo"`, "open content model", "additionalProperties: false"} {
				if !strings.Contains(c.Message, frag) {
					t.Errorf("message %q lacks %q", c.Message, frag)
				}
			}
		case "TYPE_CHANGED":
			if !strings.Contains(c.Message, "#/properties/id") {
				t.Errorf("message %q does not name the path", c.Message)
			}
		}
	}
	if a, b := message("MAX_LENGTH_DECREASED", "#/x"), message("MAX_LENGTH_INCREASED", "#/x"); a == b {
		t.Errorf("tightening and relaxing get the same message %q", a)
	}
}

func TestPolicyDrivesSubDecisions(t *testing.T) {
	old := mustParse(t, `{"type":"object","additionalProperties":{"type":"object"}}`, nil)
	new := mustParse(t, `{"type":"object","additionalProperties":{"type":"object"},"properties":{"n":{"type":"object","properties":{"z":{}}}}}`, nil)
	// z has an empty schema, so n is covered under both policies.
	for _, p := range []change.Policy{change.Strict, change.Lenient, ""} {
		got := changeList(CanRead(new, old, p))
		want := []string{
			"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/n",
			"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/n",
			"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/properties/n/properties/z",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("policy %q (-want +got):\n%s", p, diff)
		}
	}
}

func FuzzCanRead(f *testing.F) {
	seeds := []string{
		`{}`, `true`, `false`,
		`{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
		`{"type":["string","null"],"maxLength":3}`,
		`{"anyOf":[{"$ref":"#"},{"type":"integer"}]}`,
		`{"$ref":"#/definitions/n","definitions":{"n":{"type":"object","properties":{"c":{"type":"array","items":{"$ref":"#/definitions/n"}}}}}}`,
		`{"allOf":[{"type":"string"},{"enum":["a","b"]}],"not":{"const":"c"}}`,
		`{"type":"array","items":[{"type":"string"},false],"additionalItems":{"type":"integer"}}`,
		`{"patternProperties":{"^x":{"type":"string"}},"dependencies":{"a":["b"],"c":{"required":["d"]}}}`,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{}],"items":false,"unevaluatedProperties":{"type":"string"}}`,
		strings.Repeat(`{"items":`, 50) + `{}` + strings.Repeat(`}`, 50),
		strings.Repeat(`{"not":`, maxDepth-1) + `{"type":"string"}` + strings.Repeat(`}`, maxDepth-1),
		strings.Repeat(`{"anyOf":[`, 300) + `{"$ref":"#"}` + strings.Repeat(`]}`, 300),
	}
	for i, a := range seeds {
		f.Add(a, seeds[(i+3)%len(seeds)], i%2 == 0, false)
	}
	f.Add("type: object\nproperties:\n  a: {type: string}\n", "type: [string, 'null']\n", false, true)
	f.Add("&a [*a]", "{a: &b {c: *b}}", true, true)
	f.Fuzz(func(t *testing.T, a, b string, lenient, asYAML bool) {
		sa, errA := Parse([]byte(a), asYAML, nil)
		sb, errB := Parse([]byte(b), asYAML, nil)
		if errA != nil || errB != nil {
			return
		}
		p := change.Strict
		if lenient {
			p = change.Lenient
		}
		for _, c := range CanRead(sa, sb, p) {
			if c.Type == "" || !strings.HasPrefix(c.Path, "#/") || c.Message == "" {
				t.Fatalf("malformed change %+v", c)
			}
		}
		// A schema can always read its own data.
		if cs := CanRead(sa, sa, p); !Compatible(cs) {
			t.Fatalf("schema cannot read itself: %v", changeList(cs))
		}
	})
}

// twentyFields builds an object schema with 20 typed properties.
func twentyFields(variant int) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","additionalProperties":false,"required":["f0","f1"],"properties":{`)
	for i := 0; i < 20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, `"f%d":{"type":"string","maxLength":%d}`, i, 10+variant)
		case 1:
			fmt.Fprintf(&b, `"f%d":{"type":"integer","minimum":0}`, i)
		case 2:
			fmt.Fprintf(&b, `"f%d":{"type":["string","null"]}`, i)
		case 3:
			fmt.Fprintf(&b, `"f%d":{"type":"array","items":{"type":"number"}}`, i)
		case 4:
			fmt.Fprintf(&b, `"f%d":{"enum":["a","b","c%d"]}`, i, variant)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

func BenchmarkCanRead20Fields(b *testing.B) {
	writer := mustParse(b, twentyFields(0), nil)
	reader := mustParse(b, twentyFields(1), nil)
	if n := len(CanRead(reader, writer, change.Strict)); n == 0 {
		b.Fatal("benchmark schemas do not differ")
	}
	b.ReportAllocs()
	for b.Loop() {
		CanRead(reader, writer, change.Strict)
	}
}

func TestExclusiveMaximumQuirk(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"decrease without maximum", `{"exclusiveMaximum":10}`, `{"exclusiveMaximum":5}`,
			[]string{"EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum"}},
		{"decrease below a larger maximum is not seen", `{"exclusiveMaximum":10}`, `{"exclusiveMaximum":5,"maximum":20}`,
			[]string{"MAXIMUM_ADDED #/maximum"}},
		{"decrease above a smaller maximum", `{"exclusiveMaximum":10}`, `{"exclusiveMaximum":5,"maximum":8}`,
			[]string{"EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum", "MAXIMUM_ADDED #/maximum"}},
		{"increase", `{"exclusiveMaximum":5}`, `{"exclusiveMaximum":10}`,
			[]string{"EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changeList(Diff(mustParse(t, tt.old, nil), mustParse(t, tt.new, nil)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
		})
	}
}
