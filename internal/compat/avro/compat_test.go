package avro

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, text string) *Schema {
	t.Helper()
	s, err := Parse([]byte(text), nil)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

type inc struct{ Type, Location, Detail string }

func incs(reader, writer *Schema) []inc {
	var out []inc
	for _, in := range Incompatibilities(reader, writer) {
		out = append(out, inc{in.Type, in.Location, in.Detail})
	}
	return out
}

func TestIncompatibilitiesJavaDetails(t *testing.T) {
	tests := []struct {
		name, reader, writer string
		want                 []inc
	}{
		{"identical", `"int"`, `"int"`, nil},
		{"empty unions", `[]`, `[]`, nil},
		{"empty writer union", `"null"`, `[]`, nil},
		{"empty reader union", `[]`, `"int"`, []inc{{MissingUnionBranch, "/", "reader union lacking writer type: INT"}}},
		{"reader union vs record", `["null","string"]`, `{"type":"record","name":"R","fields":[]}`,
			[]inc{{MissingUnionBranch, "/", "reader union lacking writer type: RECORD"}}},
		{"writer union branches with locations", `{"type":"array","items":"long"}`, `{"type":"array","items":["int","string","null"]}`,
			[]inc{
				{TypeMismatch, "/items/1", "reader type: LONG not compatible with writer type: STRING"},
				{TypeMismatch, "/items/2", "reader type: LONG not compatible with writer type: NULL"},
			}},
		{"fixed name and size", `{"type":"fixed","name":"A","size":2}`, `{"type":"fixed","name":"ns.B","size":3}`,
			[]inc{{NameMismatch, "/name", "expected: ns.B"}, {FixedSizeMismatch, "/size", "expected: 3, found: 2"}}},
		{"enum symbols sorted like a TreeSet", `{"type":"enum","name":"E","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["c","B","A","a"]}`,
			[]inc{{MissingEnumSymbols, "/symbols", "[B, a, c]"}}},
		{"reader alias matches writer full name", `{"type":"record","name":"New","namespace":"ns","aliases":["Old"],"fields":[]}`, `{"type":"record","name":"Old","namespace":"ns","fields":[]}`, nil},
		{"reader alias in another namespace does not match", `{"type":"record","name":"New","namespace":"ns","aliases":["Old"],"fields":[]}`, `{"type":"record","name":"Old","namespace":"other","fields":[]}`,
			[]inc{{NameMismatch, "/name", "expected: other.Old"}}},
		{"writer aliases ignored for names", `{"type":"record","name":"New","fields":[]}`, `{"type":"record","name":"Old","aliases":["New"],"fields":[]}`,
			[]inc{{NameMismatch, "/name", "expected: Old"}}},
		{"enum default quirk", `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}}]}`, `{"type":"record","name":"R","fields":[]}`,
			[]inc{{TypeMismatch, "/fields/0/type", "reader type: ENUM not compatible with writer type: RECORD"}}},
		{"field default present (null counts)", `{"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":null}]}`, `{"type":"record","name":"R","fields":[]}`, nil},
		{"missing field reported at the field", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}`, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
			[]inc{{ReaderFieldMissingDefaultValue, "/fields/1", "b"}}},
		{"promotions", `{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"float"},{"name":"c","type":"double"},{"name":"d","type":"bytes"},{"name":"e","type":"string"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"long"},{"name":"c","type":"float"},{"name":"d","type":"string"},{"name":"e","type":"bytes"}]}`, nil},
		{"no demotions", `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"float"}]}`,
			`{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"double"}]}`,
			[]inc{
				{TypeMismatch, "/fields/0/type", "reader type: INT not compatible with writer type: LONG"},
				{TypeMismatch, "/fields/1/type", "reader type: FLOAT not compatible with writer type: DOUBLE"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := incs(mustParse(t, tt.reader), mustParse(t, tt.writer))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("incompatibilities (-want +got):\n%s", diff)
			}
		})
	}
}

// Java memoises results per (reader, writer) pair of schema objects. Named
// types are shared objects, so a second occurrence of the same pair reuses
// the first result, location included.
func TestMemoisedNamedPairReusesFirstLocation(t *testing.T) {
	reader := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}},
		{"name":"b","type":"E"}]}`)
	writer := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y"]}},
		{"name":"b","type":"E"}]}`)
	want := []inc{
		{MissingEnumSymbols, "/fields/0/type/symbols", "[Y]"},
		{MissingEnumSymbols, "/fields/0/type/symbols", "[Y]"},
	}
	if diff := cmp.Diff(want, incs(reader, writer)); diff != "" {
		t.Errorf("incompatibilities (-want +got):\n%s", diff)
	}
}

func TestAmbiguousFieldAliasIsASingleError(t *testing.T) {
	reader := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"string","aliases":["b"]},{"name":"c","type":"int"}]}`)
	writer := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}`)
	got := Incompatibilities(reader, writer)
	if len(got) != 1 || got[0].Type != AmbiguousField || got[0].Location != "/fields/0" {
		t.Fatalf("got %+v, want one %s at /fields/0", got, AmbiguousField)
	}
}

func TestRecursionTerminates(t *testing.T) {
	// Mutually recursive cycles of coprime lengths 3 and 4.
	cycle := func(n int, leaf string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `{"type":"record","name":"N%d","fields":[{"name":"v","type":%q},{"name":"next","type":`, i, leaf)
		}
		b.WriteString(`"N0"`)
		b.WriteString(strings.Repeat(`}]}`, n))
		return b.String()
	}
	r := mustParse(t, cycle(3, "long"))
	w := mustParse(t, cycle(4, "int"))
	if got := Incompatibilities(r, w); len(got) == 0 {
		t.Error("cycles with different record names reported compatible")
	}
	if got := Incompatibilities(w, r); len(got) == 0 {
		t.Error("long to int reported compatible")
	}
	// Cycles of 99 and 100 records pair up 9900 ways, nested 9900 deep:
	// the check gives up with a single TooComplex.
	got := Incompatibilities(mustParse(t, cycle(99, "long")), mustParse(t, cycle(100, "int")))
	if len(got) != 1 || got[0].Type != TooComplex {
		t.Errorf("got %d incompatibilities (last %+v), want one %s", len(got), got[len(got)-1], TooComplex)
	}
	if c := Explain(got, true); len(c) != 1 || !strings.Contains(c[0].Message, "too complex") {
		t.Errorf("changes = %+v", c)
	}
}

// Nested records that reference an incompatible named type many times
// multiply the memoised incompatibilities; the result is capped.
func TestIncompatibilityExplosionIsCapped(t *testing.T) {
	build := func(sym string) string {
		var b strings.Builder
		b.WriteString(`{"type":"record","name":"L0","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"` + sym + `]}}]}`)
		prev := b.String()
		for lvl := 1; lvl <= 12; lvl++ {
			var f []string
			f = append(f, fmt.Sprintf(`{"name":"f0","type":%s}`, prev))
			for i := 1; i < 10; i++ {
				f = append(f, fmt.Sprintf(`{"name":"f%d","type":"L%d"}`, i, lvl-1))
			}
			prev = fmt.Sprintf(`{"type":"record","name":"L%d","fields":[%s]}`, lvl, strings.Join(f, ","))
		}
		return prev
	}
	got := Incompatibilities(mustParse(t, build("")), mustParse(t, build(`,"B"`)))
	if len(got) != MaxIncompatibilities {
		t.Errorf("got %d incompatibilities, want the cap %d", len(got), MaxIncompatibilities)
	}
}

func TestCanReadMessages(t *testing.T) {
	oldS := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"}]}`)
	newS := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"string"}]}`)
	back := CanRead(newS, oldS)
	if len(back) != 1 {
		t.Fatalf("backward changes = %+v", back)
	}
	c := back[0]
	if c.Type != ReaderFieldMissingDefaultValue || c.Path != "/fields/1" || c.Compatible {
		t.Errorf("change = %+v", c)
	}
	for _, want := range []string{`"f2"`, "/fields/1", "no default", "missing in the old schema", "give it a default"} {
		if !strings.Contains(c.Message, want) {
			t.Errorf("message %q lacks %q", c.Message, want)
		}
	}
	fwd := Explain(Incompatibilities(oldS, mustParse(t, `{"type":"record","name":"R","fields":[]}`)), false)
	if len(fwd) != 1 || !strings.Contains(fwd[0].Message, "missing in the new schema") || !strings.Contains(fwd[0].Message, "keep the field") {
		t.Errorf("forward changes = %+v", fwd)
	}
	// Every incompatibility type gets its own explanation.
	for _, in := range []Incompatibility{
		{Type: TypeMismatch, Location: "/", ReaderType: "int", WriterType: "long"},
		{Type: NameMismatch, Location: "/name", ReaderName: "A", WriterName: "B"},
		{Type: FixedSizeMismatch, Location: "/fields/2/type/size", ReaderName: "F", ReaderSize: 4, WriterSize: 8},
		{Type: MissingEnumSymbols, Location: "/symbols", ReaderName: "E", Symbols: []string{"C"}},
		{Type: MissingUnionBranch, Location: "/1", WriterType: "string"},
	} {
		for _, readerIsNew := range []bool{true, false} {
			msg := message(in, readerIsNew)
			if !(strings.Contains(msg, in.Location) || strings.Contains(msg, typeAt(in.Location))) || !strings.Contains(msg, ";") || msg == in.Detail {
				t.Errorf("%s (readerIsNew=%v): message %q lacks location or fix", in.Type, readerIsNew, msg)
			}
		}
	}
}

func TestFixedSizeMessageKeepsTheOldSize(t *testing.T) {
	in := Incompatibility{Type: FixedSizeMismatch, Location: "/size", ReaderName: "F", ReaderSize: 2, WriterSize: 4}
	if msg := message(in, true); !strings.Contains(msg, "keep size 4") {
		t.Errorf("backward: %q", msg)
	}
	in.ReaderSize, in.WriterSize = 4, 2
	if msg := message(in, false); !strings.Contains(msg, "keep size 4") {
		t.Errorf("forward: %q", msg)
	}
}
