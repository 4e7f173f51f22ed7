package codegen_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/codegen"
	"github.com/evctl/evctl/internal/codegen/gentest/bench"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/internal/codegen/gentest/cdevents"
	"github.com/evctl/evctl/internal/codegen/gentest/names"
	"github.com/evctl/evctl/internal/codegen/gentest/wikimedia"
	"github.com/evctl/evctl/internal/schema"
)

// TestGenerateFailsClearly: inputs that would give code that does not
// compile (or cannot be represented) fail the generation with a message
// naming the problem.
func TestGenerateFailsClearly(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"event types give one Go name", map[string]string{
			"v1/order_placed.json": `{"type":"object","properties":{"x":{"type":"string"}}}`,
			"v1/OrderPlaced.json":  `{"type":"object","properties":{"x":{"type":"string"}}}`},
			`Go name V1OrderPlaced is generated for event`},
		{"empty property name", map[string]string{"v1/A.json": `{"type":"object","properties":{"":{"type":"string"}}}`},
			`property "" cannot be a json struct tag`},
		{"property name with a comma", map[string]string{"v1/A.json": `{"type":"object","properties":{"a,b":{"type":"string"}}}`},
			`property "a,b" cannot be a json struct tag`},
		{"required without schema", map[string]string{"v1/A.json": `{"type":"object","required":["x"],"properties":{"y":{"type":"string"}}}`},
			`required property "x" has no schema under properties`},
		{"top level not an object", map[string]string{"v1/A.json": `{"type":"string"}`},
			`top-level schema must be`},
		{"avro fixed decimal union branch", map[string]string{"v1/A.avsc": `{"type":"record","name":"A","fields":[{"name":"u","type":["string",{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":4}]}]}`},
			`a fixed decimal as a branch of a union with several non-null branches is not supported`},
		{"avro duration union branch", map[string]string{"v1/A.avsc": `{"type":"record","name":"A","fields":[{"name":"u","type":["string",{"type":"fixed","name":"D","size":12,"logicalType":"duration"}]}]}`},
			`a duration as a branch of a union with several non-null branches is not supported`},
		{"avro record holding itself", map[string]string{"v1/A.avsc": `{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"self","type":"A"}]}`},
			`field "self" of Avro record A holds record V1A by value, which contains this field: no finite value of A exists`},
		{"avro records holding each other", map[string]string{"v1/A.avsc": `{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":["A"]}]}}]}`},
			`field "a" of Avro record B holds record V1A by value`},
		{"anchor in another file", map[string]string{
			"v1/A.json":        `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"x":{"$ref":"../common/Defs.json#X"}}}`,
			"common/Defs.json": `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"X":{"$anchor":"X","type":"string"}}}`},
			`$ref "../common/Defs.json#X" uses an anchor; gen go follows JSON pointers only`},
		{"avro top level not a record", map[string]string{"v1/A.avsc": `{"type":"enum","name":"E","symbols":["A"]}`},
			`top-level Avro schema must be a record`},
		{"oneOf root with a branch that is not an object", map[string]string{"v1/A.json": `{"oneOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"type":"string"}]}`},
			`top-level schema must be of type object, or have properties, or allOf/oneOf/anyOf of such schemas`},
		{"$ref chain too long", map[string]string{"v1/A.json": refChain(40)}, `$ref chain too long`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var srcs []schema.FileSource
			for p, d := range c.files {
				srcs = append(srcs, schema.FileSource{Path: p, Data: []byte(d)})
			}
			cat := schema.LoadSources(srcs)
			if len(cat.Errors) > 0 {
				t.Fatalf("catalog: %v", cat.Errors[0])
			}
			_, _, err := codegen.Generate(cat, codegen.Options{Package: "p"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Generate error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, _, err := codegen.Generate(&schema.Catalog{}, codegen.Options{Package: "func"}); err == nil {
		t.Errorf("a keyword as package name was accepted")
	}
}

// refChain is an event whose property $refs a definition that $refs the
// next, n times, ending in a string.
func refChain(n int) string {
	var sb strings.Builder
	sb.WriteString(`{"type":"object","properties":{"x":{"$ref":"#/definitions/d0"}},"definitions":{`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `"d%d":{"$ref":"#/definitions/d%d"},`, i, i+1)
	}
	fmt.Fprintf(&sb, `"d%d":{"type":"string"}}}`, n)
	return sb.String()
}

// TestRefToFileOutsideCatalog: a catalog loaded without checks (the loader
// refuses such a $ref itself) with a $ref to a file that is not part of it
// is refused by gen go, naming the $ref.
func TestRefToFileOutsideCatalog(t *testing.T) {
	cat := schema.LoadSourcesWith([]schema.FileSource{{Path: "v1/A.json", Data: []byte(`{"type":"object","properties":{"x":{"$ref":"../common/other.json"}}}`)}},
		schema.LoadOptions{Unchecked: true})
	if len(cat.Errors) > 0 {
		t.Fatal(cat.Errors[0])
	}
	_, _, err := codegen.Generate(cat, codegen.Options{Package: "p"})
	if want := `$ref "../common/other.json" names no file of the catalog; pass the referenced files to gen go too`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Generate error = %v, want it to contain %q", err, want)
	}
}

func TestSubjectOption(t *testing.T) {
	cat := schema.LoadSources([]schema.FileSource{{Path: "v1/A.json", Data: []byte(`{"type":"object","properties":{"x":{"type":"string"}}}`)}})
	files, _, err := codegen.Generate(cat, codegen.Options{Package: "p", Subject: func(ev *schema.Event) string { return "orders-" + ev.Type + "-value" }})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(files["v1_a.go"]), `return "orders-v1.A-value"`) {
		t.Errorf("Subject option not used:\n%s", files["v1_a.go"])
	}
}

func TestCheckReportsStaleFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"a.go": []byte(codegen.Header + "\npackage p\n"), "b.go": []byte(codegen.Header + "\npackage p\n// b\n")}
	write := func(n, s string) {
		t.Helper()
		if err := writeFile(dir, n, s); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", string(files["a.go"]))
	write("b.go", "package p // edited\n")
	write("old.go", codegen.Header+"\npackage p\n")
	write("hand.go", "package p\n")
	stale, err := codegen.Check(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(stale, ","), "b.go,old.go"; got != want {
		t.Errorf("stale = %s, want %s", got, want)
	}
	stale, err = codegen.Check(dir+"/missing", files)
	if err != nil || strings.Join(stale, ",") != "a.go,b.go" {
		t.Errorf("missing dir: stale = %v, %v", stale, err)
	}
}

// TestSchemaIsSourceText: Schema() returns the file bytes exactly.
func TestSchemaIsSourceText(t *testing.T) {
	for _, g := range goldens {
		if g.optimize != "" {
			// wire/internal/sizetest compares their metadata with the
			// speed code's (a test binary of its own: see there).
			continue
		}
		cat := load(t, g.catalog)
		for _, ev := range cat.Events {
			var e interface{ Schema() string }
			switch g.name {
			case "bundled":
				e = bundled.NewEvent(ev.Type)
			case "names":
				e = names.NewEvent(ev.Type)
			case "bench":
				e = bench.NewEvent(ev.Type)
			case "cdevents":
				e = cdevents.NewEvent(ev.Key)
			case "wikimedia":
				e = wikimedia.NewEvent(ev.Key)
			default:
				e = catalog.NewEvent(ev.Type)
			}
			if e == nil {
				t.Fatalf("no generated type for %s", ev.Type)
			}
			if e.Schema() != string(ev.Source) {
				t.Errorf("%s: Schema() differs from the file", ev.Type)
			}
		}
	}
}

// TestValidateDoesNotAllocate: Validate on a valid event costs no
// allocation, for every bundled event and the testdata events without
// fallbacks.
func TestValidateDoesNotAllocate(t *testing.T) {
	cases := map[string]interface{ Validate() error }{}
	for _, typ := range bundled.EventTypes {
		e := bundled.NewEvent(typ)
		fill(t, e)
		cases["bundled "+typ] = e
	}
	cat := load(t, "testdata/catalog")
	ev := cat.ByKey("v1.Everything")
	b, _ := json.Marshal(ev.Root.Get("examples").Items[0].Interface())
	everything := catalog.NewEvent("v1.Everything")
	if err := json.Unmarshal(b, everything); err != nil {
		t.Fatal(err)
	}
	cases["v1.Everything"] = everything
	for name, e := range cases {
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(200, func() { _ = e.Validate() }); n != 0 {
			t.Errorf("%s: Validate allocates %v times on a valid event", name, n)
		}
	}
}

// TestYAMLRegistrySchema: for JSON Schema written in YAML, RegistrySchema
// is compact JSON equal to the YAML document.
func TestYAMLRegistrySchema(t *testing.T) {
	cat := load(t, "testdata/catalog")
	ev := cat.ByKey("v1.Yamlish")
	e, ok := catalog.NewEvent("v1.Yamlish").(interface{ RegistrySchema() string })
	if !ok {
		t.Fatal("no RegistrySchema on a YAML event")
	}
	var got any
	if err := json.Unmarshal([]byte(e.RegistrySchema()), &got); err != nil {
		t.Fatalf("RegistrySchema is not JSON: %v", err)
	}
	wantB, _ := json.Marshal(ev.Root.Interface())
	gotB, _ := json.Marshal(got)
	if string(gotB) != string(wantB) {
		t.Errorf("RegistrySchema = %s\nwant the YAML document %s", gotB, wantB)
	}
	if !strings.HasPrefix(e.RegistrySchema(), `{"$schema":`) {
		t.Errorf("keys are not in source order: %.40s", e.RegistrySchema())
	}
	if _, ok := catalog.NewEvent("v1.Everything").(interface{ RegistrySchema() string }); ok {
		t.Errorf("a JSON event has RegistrySchema")
	}
}

// TestRenamedFieldsKeepTheirKeys: renamed fields encode under the exact
// property names.
func TestRenamedFieldsKeepTheirKeys(t *testing.T) {
	one, two := json.Number("1"), json.Number("-1")
	s := "s"
	v := &names.V1Names{SchemaField: &s, SubjectField: "subj", Plus1: one, Minus1: &two, OrderID2: &s, Field: &s}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"s","subject":"subj","+1":1,"-1":-1,"orderId":"s","!":"s"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if v.Subject() != "Names" || v.Schema() == "" {
		t.Errorf("methods shadowed")
	}
}
