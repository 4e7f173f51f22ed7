package avro

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, text string
		want       Type
	}{
		{"primitive name", `"int"`, Int},
		{"primitive object", `{"type":"long","logicalType":"timestamp-millis"}`, Long},
		{"empty union", `[]`, Union},
		{"union", `["null","string"]`, Union},
		{"recursive record", `{"type":"record","name":"List","fields":[{"name":"head","type":"int"},{"name":"tail","type":["null","List"]}]}`, Record},
		{"error type", `{"type":"error","name":"Oops","fields":[]}`, Record},
		{"forward reference", `{"type":"record","name":"R","fields":[{"name":"a","type":"E"},{"name":"b","type":{"type":"enum","name":"E","symbols":["X"]}}]}`, Record},
		{"type attribute naming a type", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2}},{"name":"b","type":{"type":"F"}}]}`, Record},
		{"invalid logical type ignored", `{"type":"bytes","logicalType":"decimal","precision":-1}`, Bytes},
		{"unicode names", `{"type":"record","name":"Übung","fields":[{"name":"größe","type":"int"}]}`, Record},
		{"identical enum defined twice", `["null",{"type":"array","items":{"type":"enum","name":"E","symbols":["A"]}},{"type":"map","values":{"type":"enum","name":"E","symbols":["A"]}}]`, Union},
		{"float default given as text", `{"type":"record","name":"R","fields":[{"name":"x","type":"double","default":"NaN"}]}`, Record},
		{"null default for union", `{"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":null}]}`, Record},
		{"default matching a later union branch", `{"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":3}]}`, Record},
		{"record default", `{"type":"record","name":"R","fields":[{"name":"in","type":{"type":"record","name":"In","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]},"default":{"a":1}}]}`, Record},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.text), nil)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.Type != tt.want {
				t.Errorf("type = %v, want %v", s.Type, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
	}{
		{"not json", `{"type":`, "not valid JSON"},
		{"empty", ``, "empty document"},
		{"dangling content", `"int" "long"`, "dangling content"},
		{"number", `42`, "is not a schema"},
		{"no type", `{"name":"x"}`, "no type"},
		{"type not a string", `{"type":{"type":"int"}}`, "no type"},
		{"undefined name", `{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}`, `undefined name "Missing"`},
		{"record without fields", `{"type":"record","name":"R"}`, "no fields"},
		{"record without name", `{"type":"record","fields":[]}`, "no name"},
		{"bad record name", `{"type":"record","name":"1R","fields":[]}`, "illegal initial character"},
		{"bad namespace", `{"type":"record","name":"R","namespace":"a..b","fields":[]}`, "namespace"},
		{"bad field name", `{"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]}`, "illegal character"},
		{"field without type", `{"type":"record","name":"R","fields":[{"name":"a"}]}`, "has no type"},
		{"duplicate field", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}`, "duplicate field"},
		{"bad order", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}`, "bad order"},
		{"named after primitive", `{"type":"fixed","name":"int","size":4}`, "named after primitives"},
		{"redefinition", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]}`, "can't redefine"},
		{"enum without symbols", `{"type":"enum","name":"E"}`, "no symbols"},
		{"duplicate symbol", `{"type":"enum","name":"E","symbols":["A","A"]}`, "duplicate symbol"},
		{"bad symbol", `{"type":"enum","name":"E","symbols":["A B"]}`, "bad symbol"},
		{"enum default not a symbol", `{"type":"enum","name":"E","symbols":["A"],"default":"B"}`, "not one of its symbols"},
		{"fixed without size", `{"type":"fixed","name":"F"}`, "no valid integer size"},
		{"fixed fractional size", `{"type":"fixed","name":"F","size":1.5}`, "no valid integer size"},
		{"fixed negative size", `{"type":"fixed","name":"F","size":-1}`, "out of range"},
		{"array without items", `{"type":"array"}`, "no items"},
		{"map without values", `{"type":"map"}`, "no values"},
		{"nested union", `["null",["int"]]`, "nested union"},
		{"duplicate in union", `["int","int"]`, "duplicate in union: int"},
		{"duplicate named in union", `[{"type":"fixed","name":"F","size":1},"F"]`, "duplicate in union: F"},
		{"two arrays in union", `[{"type":"array","items":"int"},{"type":"array","items":"long"}]`, "duplicate in union: array"},
		{"aliases not an array", `{"type":"record","name":"R","aliases":"x","fields":[]}`, "not an array"},
		{"bad alias", `{"type":"record","name":"R","aliases":["9x"],"fields":[]}`, "bad alias"},
		{"bad int default", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`, `invalid default for field "a"`},
		{"int default too large", `{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":2147483648}]}`, "invalid default"},
		{"fractional long default", `{"type":"record","name":"R","fields":[{"name":"a","type":"long","default":1.5}]}`, "invalid default"},
		{"union default matching no branch", `{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":"x"}]}`, "invalid default"},
		{"record default missing a field", `{"type":"record","name":"R","fields":[{"name":"in","type":{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]},"default":{}}]}`, "invalid default"},
		{"bad double text default", `{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":"abc"}]}`, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text), nil)
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseLenientSkipsDefaults(t *testing.T) {
	text := []byte(`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"oops"}]}`)
	if _, err := Parse(text, nil); err == nil {
		t.Fatal("Parse accepted an invalid default")
	}
	s, err := ParseLenient(text, nil)
	if err != nil {
		t.Fatalf("ParseLenient: %v", err)
	}
	if !s.Fields[0].HasDefault {
		t.Error("field a lost its default")
	}
}

func nest(n int, open, close string) string {
	return strings.Repeat(open, n) + `"int"` + strings.Repeat(close, n)
}

func TestParseDepthLimit(t *testing.T) {
	ok := nest(MaxDepth, `{"type":"array","items":`, `}`)
	if _, err := Parse([]byte(ok), nil); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	deep := nest(MaxDepth+1, `{"type":"array","items":`, `}`)
	if _, err := Parse([]byte(deep), nil); err == nil || !strings.Contains(err.Error(), "nesting deeper than") {
		t.Fatalf("depth %d: err = %v, want nesting error", MaxDepth+1, err)
	}
	// Far beyond what encoding/json accepts: still an error, not a crash.
	huge := strings.Repeat("[", 200000)
	if _, err := Parse([]byte(huge), nil); err == nil {
		t.Fatal("200000 nested arrays parsed")
	}
}

func TestNamespaces(t *testing.T) {
	s, err := Parse([]byte(`{"type":"record","name":"Outer","namespace":"a.b","aliases":["Old","x.Older"],"fields":[
		{"name":"in","type":{"type":"record","name":"Inner","fields":[]}},
		{"name":"again","type":"Inner"},
		{"name":"full","type":"a.b.Inner"},
		{"name":"top","type":{"type":"enum","name":"Top","namespace":"","symbols":["A"]}},
		{"name":"topref","type":"Top"},
		{"name":"dotted","type":{"type":"fixed","name":"c.D","size":1}}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{s.FullName}
	for _, f := range s.Fields {
		got = append(got, f.Type.FullName)
	}
	want := []string{"a.b.Outer", "a.b.Inner", "a.b.Inner", "a.b.Inner", "Top", "Top", "c.D"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("full names (-want +got):\n%s", diff)
	}
	if s.Fields[0].Type != s.Fields[1].Type || s.Fields[1].Type != s.Fields[2].Type {
		t.Error("references to Inner do not share its definition")
	}
	if diff := cmp.Diff([]string{"a.b.Old", "x.Older"}, s.Aliases); diff != "" {
		t.Errorf("aliases (-want +got):\n%s", diff)
	}
}

func TestParseReferences(t *testing.T) {
	refs := map[string][]byte{
		"com.acme.Address": []byte(`{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"},{"name":"country","type":"com.acme.Country"}]}`),
		"com.acme.Country": []byte(`{"type":"enum","name":"Country","namespace":"com.acme","symbols":["DE","FR"]}`),
	}
	s, err := Parse([]byte(`{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}`), refs)
	if err != nil {
		t.Fatalf("Parse with references: %v", err)
	}
	home := s.Fields[0].Type
	if home.FullName != "com.acme.Address" || home.Fields[1].Type.Type != Enum {
		t.Errorf("home = %s with country %v", home.FullName, home.Fields[1].Type.Type)
	}
	if _, err := Parse([]byte(`{"type":"record","name":"User","fields":[{"name":"home","type":"com.acme.Address"}]}`), nil); err == nil {
		t.Error("unresolved reference parsed without refs")
	}
	refs["bad"] = []byte(`{"type":"enum"}`)
	if _, err := Parse([]byte(`"int"`), refs); err == nil || !strings.Contains(err.Error(), `reference "bad"`) {
		t.Errorf("bad reference: err = %v", err)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"int"`, `"int"`},
		{`{"type":"int","logicalType":"date"}`, `"int"`},
		{`[ "null" , {"type":"string"} ]`, `["null","string"]`},
		{`{"type":"array","items":{"type":"map","values":"long"},"x":1}`, `{"type":"array","items":{"type":"map","values":"long"}}`},
		{`{"namespace":"ns","type":"record","name":"R","doc":"d","aliases":["Q"],"fields":[
			{"name":"a","type":"int","default":1,"doc":"x","order":"descending"},
			{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
			{"name":"f","type":{"type":"fixed","name":"F","namespace":"other","size":16}},
			{"name":"self","type":["null","R"]},
			{"name":"e2","type":"E"}]}`,
			`{"name":"ns.R","type":"record","fields":[{"name":"a","type":"int"},{"name":"e","type":{"name":"ns.E","type":"enum","symbols":["A","B"]}},{"name":"f","type":{"name":"other.F","type":"fixed","size":16}},{"name":"self","type":["null","ns.R"]},{"name":"e2","type":"ns.E"}]}`},
	}
	for _, tt := range tests {
		s, err := Parse([]byte(tt.in), nil)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tt.in, err)
		}
		if got := Canonical(s); got != tt.want {
			t.Errorf("Canonical(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		again, err := Parse([]byte(Canonical(s)), nil)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v", err)
		}
		if Canonical(again) != Canonical(s) {
			t.Errorf("canonical form is not a fixed point: %s", Canonical(again))
		}
	}
}

func TestSelfReferentialDefaults(t *testing.T) {
	// The default {} of "next" needs next's own default: Java overflows its
	// stack; here it is an invalid default, found quickly.
	_, err := Parse([]byte(`{"type":"record","name":"L","fields":[{"name":"a","type":"L","default":{}},{"name":"b","type":"L","default":{}}]}`), nil)
	if err == nil || !strings.Contains(err.Error(), "invalid default") {
		t.Fatalf("err = %v, want invalid default", err)
	}
	// A chain of named types whose defaults rely on field defaults is
	// validated once per field, not once per path.
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"T0","fields":[{"name":"x","type":"int","default":1}]}`)
	prev := b.String()
	for i := 1; i <= 60; i++ {
		prev = fmt.Sprintf(`{"type":"record","name":"T%d","fields":[{"name":"a","type":%s,"default":{}},{"name":"b","type":"T%d","default":{}}]}`, i, prev, i-1)
	}
	if _, err := Parse([]byte(prev), nil); err != nil {
		t.Fatalf("chain of defaults: %v", err)
	}
}

func TestNameFallbackOnlyForKnownNames(t *testing.T) {
	// "X" from namespace ns falls back to the null-namespace X only if X is
	// already defined (Java's ParseContext.find); a later X is looked up as
	// ns.X and is undefined.
	before := `["null",{"type":"enum","name":"X","symbols":["A"]},{"type":"record","name":"R","namespace":"ns","fields":[{"name":"x","type":"X"}]}]`
	if _, err := Parse([]byte(before), nil); err != nil {
		t.Errorf("defined before: %v", err)
	}
	after := `["null",{"type":"record","name":"R","namespace":"ns","fields":[{"name":"x","type":"X"}]},{"type":"enum","name":"X","symbols":["A"]}]`
	if _, err := Parse([]byte(after), nil); err == nil || !strings.Contains(err.Error(), `undefined name "ns.X"`) {
		t.Errorf("defined after: err = %v", err)
	}
}
