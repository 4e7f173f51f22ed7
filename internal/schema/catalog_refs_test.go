package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDomainOf(t *testing.T) {
	t.Parallel()
	roots := []string{"schemas", "events/"}
	tests := map[string]string{
		"schemas/v1":              "",
		"schemas/billing/v1":      "billing",
		"schemas/a/b/v2":          "a/b",
		"events/shipping/v1":      "shipping",
		"other/billing/v1":        "",
		"schemasx/billing/v1":     "",
		"schemas/billing/v1/sub2": "billing/v1",
	}
	for vdir, want := range tests {
		if got := domainOf(vdir, roots); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", vdir, got, want)
		}
	}
	if got := domainOf("x/y/v1", []string{"."}); got != "x/y" {
		t.Errorf("domainOf under root . = %q", got)
	}
}

func TestCatalogSharedDomainsAndRefs(t *testing.T) {
	t.Parallel()
	cat := LoadSourcesWith([]FileSource{
		{Path: "schemas/common/Address.avsc", Data: []byte(`{"type":"record","name":"Address","namespace":"com.acme.common","fields":[{"name":"city","type":"string"}]}`)},
		{Path: "schemas/common/Geo.avsc", Data: []byte(`{"type":"record","name":"Geo","namespace":"com.acme.common","fields":[{"name":"at","type":"com.acme.common.Address"}]}`)},
		{Path: "schemas/shipping/v1/OrderShipped.avsc", Data: []byte(`{"type":"record","name":"OrderShipped","namespace":"com.acme.shipping.v1","fields":[{"name":"to","type":"com.acme.common.Geo"}]}`)},
		{Path: "schemas/billing/v1/OrderShipped.json", Data: []byte(`{"$id":"https://x.example/billing/v1/OrderShipped","title":"v1.OrderShipped","properties":{"m":{"$ref":"../../common/money"}}}`)},
		{Path: "schemas/common/Money.json", Data: []byte(`{"$id":"https://x.example/common/money","type":"integer"}`)},
	}, LoadOptions{Roots: []string{"schemas"}})
	if len(cat.Errors) > 0 {
		t.Fatalf("errors: %v", cat.Errors)
	}
	var keys, shared []string
	for _, e := range cat.Events {
		keys = append(keys, e.Key)
	}
	for _, e := range cat.Shared {
		shared = append(shared, e.Path)
	}
	if diff := cmp.Diff([]string{"billing/v1.OrderShipped", "shipping/v1.OrderShipped"}, keys); diff != "" {
		t.Errorf("event keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"schemas/common/Address.avsc", "schemas/common/Geo.avsc", "schemas/common/Money.json"}, shared); diff != "" {
		t.Errorf("shared (-want +got):\n%s", diff)
	}
	// Avro: named types through another file, dependencies first.
	avro := cat.ByKey("shipping/v1.OrderShipped")
	if diff := cmp.Diff([]Ref{{Name: "schemas/common/Address.avsc", Path: "schemas/common/Address.avsc"}, {Name: "schemas/common/Geo.avsc", Path: "schemas/common/Geo.avsc"}}, cat.RefsOf(avro)); diff != "" {
		t.Errorf("Avro refs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Ref{{Name: "schemas/common/Geo.avsc", Path: "schemas/common/Geo.avsc"}}, cat.DirectRefs(avro)); diff != "" {
		t.Errorf("Avro direct refs (-want +got):\n%s", diff)
	}
	if f := avro.Top.Fields[0].Type; f.Name != "Geo" || len(f.Fields) != 1 {
		t.Errorf("field type from another file not built: %+v", f)
	}
	// JSON Schema: a $ref resolved against the $id.
	js := cat.ByKey("billing/v1.OrderShipped")
	if diff := cmp.Diff([]Ref{{Name: "../../common/money", Path: "schemas/common/Money.json"}}, cat.RefsOf(js)); diff != "" {
		t.Errorf("JSON refs (-want +got):\n%s", diff)
	}
}

func TestCatalogAvroUnknownNamedType(t *testing.T) {
	t.Parallel()
	cat := LoadSources([]FileSource{
		{Path: "schemas/v1/A.avsc", Data: []byte(`{"type":"record","name":"A","fields":[{"name":"x","type":"com.acme.Nope"}]}`)},
	})
	if len(cat.Errors) != 1 || cat.Errors[0].Pos != (Pos{1, 58}) {
		t.Fatalf("errors = %v, want one at 1:58", cat.Errors)
	}
}

func TestCatalogDuplicateWithinDomain(t *testing.T) {
	t.Parallel()
	cat := LoadSourcesWith([]FileSource{
		{Path: "schemas/billing/v1/A.json", Data: []byte(`{"type":"object"}`)},
		{Path: "schemas/billing/v1/x/A.json", Data: []byte(`{"type":"object"}`)},
		{Path: "schemas/shipping/v1/A.json", Data: []byte(`{"type":"object"}`)},
	}, LoadOptions{Roots: []string{"schemas"}})
	if len(cat.Errors) != 1 || cat.Errors[0].Path != "schemas/billing/v1/x/A.json" || len(cat.Events) != 2 {
		t.Fatalf("errors = %v, events = %d", cat.Errors, len(cat.Events))
	}
}

// TestRelativeIDsChain: shared files whose relative $ids ("common/a.json"
// in common/, as octokit's webhook schemas) $ref each other by those ids.
// A document found by its $id is served with the $id resolved once, so the
// chain compiles and validates to its last file.
func TestRelativeIDsChain(t *testing.T) {
	t.Parallel()
	cat := LoadSources([]FileSource{
		{Path: "common/a.json", Data: []byte(`{"$id":"common/a.json","type":"object","required":["b"],"properties":{"b":{"$ref":"b.json"}}}`)},
		{Path: "common/b.json", Data: []byte(`{"$id":"common/b.json","type":"object","required":["c"],"properties":{"c":{"$ref":"c.json"}}}`)},
		{Path: "common/c.json", Data: []byte(`{"$id":"common/c.json","type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}`)},
		{Path: "v1/E.json", Data: []byte(`{"$id":"e","type":"object","properties":{"a":{"$ref":"../common/a.json"}}}`)},
	})
	if len(cat.Errors) > 0 {
		t.Fatal(cat.Errors[0])
	}
	if len(cat.Events) != 1 || cat.Events[0].JSON == nil {
		t.Fatalf("events %v", cat.Events)
	}
	ok := map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"n": 1}}}}
	bad := map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"n": "x"}}}}
	if err := cat.Events[0].JSON.Validate(ok); err != nil {
		t.Errorf("valid instance: %v", err)
	}
	if err := cat.Events[0].JSON.Validate(bad); err == nil {
		t.Errorf("an instance failing the last file's type passed")
	}
}
