package codegen_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/codegen/gentest/cdevents"
	"github.com/evctl/evctl/internal/codegen/gentest/wikimedia"
	"github.com/evctl/evctl/internal/schema"
)

// sharedInstances is how many instances the differential checks for each
// event of the real multi-file catalogs.
const sharedInstances = 1000

// TestDifferentialSharedCatalogs runs the differential on every event of
// the two real multi-file catalogs (CDEvents: 48 events $ref-ing shared
// link files by $id; Wikimedia: 20 events in domains built from shared
// fragments by allOf): the generated Validate, whose shared types are
// generated once in their own files, against santhosh-tekuri/jsonschema
// with the whole catalog. An event starts from its first example (with
// jsonschema-tools' "$schema: {$ref: '#/$id'}" placeholder replaced by the
// $id it stands for) or, without one, from an instance built from the
// compiled schema.
func TestDifferentialSharedCatalogs(t *testing.T) {
	for _, c := range []struct {
		name     string
		dir      string
		events   int
		newEvent func(string) validator
	}{
		{"cdevents", "../../cmd/evctl/testdata/catalogs/cdevents/schemas", 48, func(k string) validator {
			if e := cdevents.NewEvent(k); e != nil {
				return e
			}
			return nil
		}},
		{"wikimedia", "../../cmd/evctl/testdata/catalogs/wikimedia/schemas", 20, func(k string) validator {
			if e := wikimedia.NewEvent(k); e != nil {
				return e
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cat := load(t, c.dir)
			if len(cat.Events) != c.events || len(cat.Shared) == 0 {
				t.Fatalf("%d events and %d shared files, want %d events and shared files", len(cat.Events), len(cat.Shared), c.events)
			}
			var invalidStart []string
			defer func() {
				// Wikimedia's unmaterialized schemas combine allOf with
				// additionalProperties: false, which rejects their own
				// examples; those events are checked from an invalid start.
				t.Logf("%d of %d events start from an invalid instance: %v", len(invalidStart), len(cat.Events), invalidStart)
				if len(invalidStart) > len(cat.Events)/4 {
					t.Errorf("too many events without a valid start instance")
				}
			}()
			for _, ev := range cat.Events {
				t.Run(ev.Key, func(t *testing.T) {
					base, ok := startInstance(t, ev)
					if !ok {
						invalidStart = append(invalidStart, ev.Key)
					}
					differentialFrom(t, ev, base, c.newEvent, sharedInstances, ok)
				})
			}
		})
	}
}

// startInstance returns the first example or a built instance, and
// whether it is valid.
func startInstance(t *testing.T, ev *schema.Event) ([]byte, bool) {
	t.Helper()
	var cands []any
	if ex := ev.Root.Get("examples"); ex != nil && len(ex.Items) > 0 {
		inst := ex.Items[0].Interface()
		if m, ok := inst.(map[string]any); ok {
			if _, isObj := m["$schema"].(map[string]any); isObj {
				id, _ := ev.Root.Get("$id").StringValue()
				m["$schema"] = id
			}
		}
		cands = append(cands, inst)
	}
	cands = append(cands, sampleOf(ev.JSON, 0))
	var first []byte
	for _, inst := range cands {
		b, err := json.Marshal(inst)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		}
		parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if ev.JSON.Validate(parsed) == nil {
			return b, true
		}
	}
	return first, false
}

// sampleOf builds a small valid instance of a compiled schema: required
// properties only, the first enum value or const, the first anyOf/oneOf
// branch, minimal lengths and counts, and a valid value of each format
// the catalogs use.
func sampleOf(s *jsonschema.Schema, depth int) any {
	if s == nil || depth > 24 {
		return nil
	}
	if s.Ref != nil {
		return sampleOf(s.Ref, depth+1)
	}
	if s.Const != nil {
		return *s.Const
	}
	if s.Enum != nil && len(s.Enum.Values) > 0 {
		return s.Enum.Values[0]
	}
	obj := map[string]any{}
	merge := func(v any) any {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				obj[k] = x
			}
			return obj
		}
		return v
	}
	var out any
	for _, a := range s.AllOf {
		out = merge(sampleOf(a, depth+1))
	}
	if len(s.AnyOf) > 0 {
		out = merge(sampleOf(s.AnyOf[0], depth+1))
	}
	if len(s.OneOf) > 0 {
		out = merge(sampleOf(s.OneOf[0], depth+1))
	}
	types := []string{}
	if s.Types != nil {
		types = s.Types.ToStrings()
	}
	switch {
	case len(s.Properties) > 0 || len(s.Required) > 0 || slices.Contains(types, "object"):
		req := append([]string(nil), s.Required...)
		sort.Strings(req)
		for _, k := range req {
			obj[k] = sampleOf(s.Properties[k], depth+1)
		}
		return obj
	case out != nil:
		return out
	case slices.Contains(types, "string"):
		str := "x"
		if s.Format != nil {
			str = map[string]string{"date-time": "2026-11-26T10:00:00Z", "uri": "https://example.com/x", "uri-reference": "/x",
				"uuid": "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "date": "2026-11-26", "email": "a@example.com"}[s.Format.Name]
			if str == "" {
				str = "x"
			}
		}
		return str
	case slices.Contains(types, "integer"):
		if s.Minimum != nil {
			return new(big.Rat).Set(s.Minimum).Num().Int64()
		}
		return 1
	case slices.Contains(types, "number"):
		return 1.5
	case slices.Contains(types, "boolean"):
		return true
	case slices.Contains(types, "array"):
		n := 0
		if s.MinItems != nil {
			n = *s.MinItems
		}
		arr := []any{}
		for i := 0; i < n; i++ {
			if it, ok := s.Items.(*jsonschema.Schema); ok {
				arr = append(arr, sampleOf(it, depth+1))
			} else {
				arr = append(arr, sampleOf(s.Items2020, depth+1))
			}
		}
		return arr
	case slices.Contains(types, "null"):
		return nil
	}
	return obj
}

// TestSharedTypesBuild generates a catalog whose events use types of shared
// files and of each other: JSON Schema $ref to a shared file's root and to
// its definitions (by path and by $id), and Avro named types (record, enum,
// fixed) defined in another .avsc. Each type is generated once, in its
// file's Go file, and used by every event; the test builds the code,
// validates through the shared types, and decodes AppendAvro's bytes with
// hamba/avro.
func TestSharedTypesBuild(t *testing.T) {
	files := map[string]string{
		"common/money.json": `{"$id":"https://acme.test/common/money.json","type":"object","required":["amount","currency"],"additionalProperties":false,
			"properties":{"amount":{"type":"integer","minimum":0},"currency":{"$ref":"#/definitions/Currency"}},
			"definitions":{"Currency":{"type":"string","enum":["EUR","USD"]},"Sku":{"type":"string","pattern":"^[A-Z]{3}-[0-9]+$","maxLength":12}}}`,
		"v1/OrderPlaced.json": `{"type":"object","required":["total","sku"],"properties":{"total":{"$ref":"../common/money.json"},
			"sku":{"$ref":"../common/money.json#/definitions/Sku"},"lines":{"type":"array","items":{"$ref":"https://acme.test/common/money.json"}}}}`,
		"v1/OrderShipped.json": `{"type":"object","required":["refund"],"properties":{"refund":{"$ref":"../common/money.json"},"currency":{"$ref":"../common/money.json#/definitions/Currency"}}}`,
		"common/Address.avsc": `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},
			{"name":"country","type":{"type":"enum","name":"Country","symbols":["DE","FR"]}},{"name":"code","type":{"type":"fixed","name":"Code","size":2}}]}`,
		"v1/CustomerMoved.avsc":  `{"type":"record","name":"CustomerMoved","namespace":"com.acme","fields":[{"name":"from","type":"Address"},{"name":"to","type":["null","com.acme.Address"],"default":null},{"name":"country","type":"com.acme.Country"}]}`,
		"v1/CustomerJoined.avsc": `{"type":"record","name":"CustomerJoined","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"},{"name":"codes","type":{"type":"array","items":"Code"}}]}`,
	}
	var sb strings.Builder
	sb.WriteString("package shared\n\nimport (\n\t\"fmt\"\n\t\"testing\"\n\n\t\"github.com/hamba/avro/v2\"\n)\n\n")
	sb.WriteString("const addressSchema = " + strconv.Quote(files["common/Address.avsc"]) + "\n")
	sb.WriteString(`
func TestShared(t *testing.T) {
	// One Go type per shared definition, used by both events.
	var m CommonMoney = CommonMoney{Amount: "5", Currency: CommonMoneyCurrencyEur}
	p := &V1OrderPlaced{Total: m, SKU: "ABC-1", Lines: []CommonMoney{m}}
	s := &V1OrderShipped{Refund: m}
	var _ *CommonMoneyCurrency = s.Currency
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Lines[0].Amount = "-1"
	if err := p.Validate(); err == nil || err.Error() == "" {
		t.Fatal("a negative amount in a shared type passed")
	} else if got := err.Error(); !strings.Contains(got, "/lines/0/amount") {
		t.Fatalf("error %q does not locate /lines/0/amount", got)
	}
	p.Lines[0].Amount = "1"
	p.SKU = "abc"
	if err := p.Validate(); err == nil {
		t.Fatal("a sku against the shared pattern passed")
	}
	s.Refund.Currency = "GBP"
	if err := s.Validate(); err == nil {
		t.Fatal("a currency outside the shared enum passed")
	}
	b, err := (&V1OrderShipped{Refund: m}).AppendJSON(nil)
	if err != nil || string(b) != ` + "`" + `{"refund":{"amount":5,"currency":"EUR"}}` + "`" + ` {
		t.Fatalf("AppendJSON: %s %v", b, err)
	}
	// ValidateJSON compiles the event with the shared file as a resource.
	if err := (*V1OrderPlaced)(nil).ValidateJSON([]byte(` + "`" + `{"total":{"amount":1,"currency":"USD"},"sku":"ABC-12"}` + "`" + `)); err != nil {
		t.Fatal(err)
	}
	if err := (*V1OrderPlaced)(nil).ValidateJSON([]byte(` + "`" + `{"total":{"amount":1,"currency":"USD","x":1},"sku":"ABC-12"}` + "`" + `)); err == nil {
		t.Fatal("ValidateJSON accepted an unknown property of the shared type")
	}

	// Avro: Address, Country and Code are defined once, in common/Address.avsc.
	a := ComAcmeAddress{Street: "Main", Country: ComAcmeCountryDe, Code: [2]byte{'a', 'b'}}
	mv := &V1CustomerMoved{From: a, To: &a, Country: ComAcmeCountryFr}
	jn := &V1CustomerJoined{Home: a, Codes: [][2]byte{{'x', 'y'}}}
	if err := mv.Validate(); err != nil {
		t.Fatal(err)
	}
	mv.Country = "XX"
	if err := mv.Validate(); err == nil {
		t.Fatal("a symbol outside the shared enum passed")
	}
	mv.Country = ComAcmeCountryFr
	if _, err := avro.Parse(addressSchema); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ev interface {
			Schema() string
			AppendAvro([]byte) ([]byte, error)
		}
		want string
	}{
		{mv, "map[country:FR from:map[code:[97 98] country:DE street:Main] to:map[com.acme.Address:map[code:[97 98] country:DE street:Main]]]"},
		{jn, "map[codes:[[120 121]] home:map[code:[97 98] country:DE street:Main]]"},
	} {
		sch, err := avro.Parse(c.ev.Schema())
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.ev.AppendAvro(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := avro.Unmarshal(sch, b, &got); err != nil {
			t.Fatalf("hamba cannot decode %T: %v", c.ev, err)
		}
		if s := fmt.Sprint(got); s != c.want {
			t.Fatalf("%T: hamba decodes %s, want %s", c.ev, s, c.want)
		}
	}
}
`)
	test := strings.Replace(sb.String(), "import (\n", "import (\n\t\"strings\"\n", 1)
	buildModule(t, map[string]genPackage{"shared": {files: files, tests: map[string]string{"shared_test.go": test}}})
}

// TestCatalogCorpusRegressions builds the shapes the octokit webhook
// catalog (generated whole by TestCorpus) and the Avro corpus exposed:
//   - a shared file whose root is a scalar with a wide Go type (json.Number):
//     the event's file imports encoding/json, the shared file does not;
//   - shared files with relative $ids ("common/a.json" in common/, as
//     octokit's) that $ref each other by those ids: ValidateJSON serves a
//     document found by its $id with the $id resolved once, so the chain
//     reaches the last file's required property;
//   - an Avro event using another event's top-level record by name: the
//     field has that event's type, which keeps its event methods;
//   - Avro types a.b.X and a_b.X in one event, whose namespace-qualified Go
//     names are the same: the second is numbered (it was refused).
func TestCatalogCorpusRegressions(t *testing.T) {
	files := map[string]string{
		"common/count.json": `{"$schema":"http://json-schema.org/draft-07/schema","$id":"common/count.json","type":"integer","title":"Count"}`,
		"common/a.json":     `{"$schema":"http://json-schema.org/draft-07/schema","$id":"common/a.json","type":"object","required":["b"],"properties":{"b":{"$ref":"b.json"}}}`,
		"common/b.json":     `{"$schema":"http://json-schema.org/draft-07/schema","$id":"common/b.json","type":"object","required":["c"],"properties":{"c":{"$ref":"c.json"}}}`,
		"common/c.json":     `{"$schema":"http://json-schema.org/draft-07/schema","$id":"common/c.json","type":"object","required":["n"],"properties":{"n":{"$ref":"count.json"}},"additionalProperties":false}`,
		"v1/Counted.json": `{"$schema":"http://json-schema.org/draft-07/schema","$id":"counted","type":"object","required":["count","a"],
			"properties":{"count":{"$ref":"../common/count.json"},"a":{"$ref":"../common/a.json"},"extra":{"anyOf":[{"$ref":"../common/count.json"},{"type":"string","pattern":"^x"}]}}}`,
		"v1/Application.avsc": `{"type":"record","name":"Application","namespace":"app","fields":[{"name":"doc","type":"model.Document"},{"name":"docs","type":{"type":"array","items":"model.Document"}}]}`,
		"v1/Document.avsc":    `{"type":"record","name":"Document","namespace":"model","fields":[{"name":"id","type":"int"}]}`,
		"v1/ThreeX.avsc": `{"type":"record","name":"ThreeX","fields":[{"name":"x","type":{"type":"record","name":"X","fields":[{"name":"i","type":"int"}]}},
			{"name":"y","type":{"type":"record","name":"X","namespace":"a.b","fields":[{"name":"i","type":"int"}]}},
			{"name":"z","type":{"type":"enum","name":"X","namespace":"a_b","symbols":["S"]}}]}`,
	}
	gen, err := generateSplit(t, "corpusreg", files, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(gen["common_count.go"]); strings.Contains(s, `"encoding/json"`) {
		t.Errorf("the shared file of a scalar imports encoding/json it does not use:\n%s", s)
	}
	test := `package corpusreg

import (
	"encoding/json"
	"testing"
)

func TestCorpusRegressions(t *testing.T) {
	var n json.Number = (&V1Counted{}).Count
	_ = n
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{` + "`" + `{"count":1,"a":{"b":{"c":{"n":2}}}}` + "`" + `, true},
		{` + "`" + `{"count":1,"a":{"b":{"c":{}}}}` + "`" + `, false},
		{` + "`" + `{"count":1,"a":{"b":{"c":{"n":2,"x":1}}}}` + "`" + `, false},
		{` + "`" + `{"count":1,"a":{"b":{"c":{"n":2.5}}}}` + "`" + `, false},
		{` + "`" + `{"count":1,"a":{"b":{"c":{"n":2}}},"extra":"y"}` + "`" + `, false},
		{` + "`" + `{"count":1,"a":{"b":{"c":{"n":2}}},"extra":"xy"}` + "`" + `, true},
	} {
		err := (*V1Counted)(nil).ValidateJSON([]byte(c.doc))
		if (err == nil) != c.want {
			t.Errorf("ValidateJSON(%s) = %v, want valid %v", c.doc, err, c.want)
		}
	}
	// Three Avro types named X: the short name, the namespace, a number.
	three := V1ThreeX{X: V1ThreeXX{I: 1}, Y: V1ThreeXABX{I: 2}, Z: V1ThreeXABX2S}
	if err := three.Validate(); err != nil {
		t.Fatal(err)
	}
	var ev Event = &V1Document{}
	app := &V1Application{Doc: V1Document{ID: 1}, Docs: []V1Document{{ID: 2}}}
	if ev.EventType() != "v1.Document" || app.EventType() != "v1.Application" {
		t.Fatal("event types")
	}
	b, err := app.AppendAvro(nil)
	if err != nil || string(b) != "\x02\x02\x04\x00" {
		t.Fatalf("AppendAvro: %x %v", b, err)
	}
}
`
	buildModule(t, map[string]genPackage{"corpusreg": {files: files, tests: map[string]string{"corpusreg_test.go": test}}})
}
