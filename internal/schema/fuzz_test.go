package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

var fuzzSeedsJSON = []string{
	`{"type":"object","title":"v1.OrderPlaced","properties":{"a":{"type":"string"}},"required":["a"]}`,
	`{"$ref":"#/definitions/a","definitions":{"a":{"$ref":"#/definitions/a"}}}`,
	`{"type":["string","null"],"anyOf":[{"minLength":1}]}`,
	`[1,2,{"a":null}]`, `"x"`, `{"a":1,"a":2}`, `{"$ref":"Other.json#/x"}`,
}

var fuzzSeedsAvro = []string{
	`{"type":"record","name":"OrderPlaced","namespace":"com.acme.v1","fields":[{"name":"a","type":"int"}]}`,
	`{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`,
	`["null","string"]`, `"int"`, `[]`, `{"type":"enum","name":"E","symbols":["A"],"default":"A"}`,
	`{"type":"fixed","name":"F","size":16,"logicalType":"decimal","precision":4}`,
	`{"type":"array","items":{"type":"map","values":"long"}}`,
}

var fuzzSeedsYAML = []string{
	"type: object\ntitle: v1.A\nproperties:\n  a: {type: string}\n",
	"a: &x [1, 2]\nb: *x\n",
	"- a\n- b: c\n",
	"? [a]\n: b\n",
	"a: 1\na: 2\n",
}

// FuzzLoadAvro checks that the Avro loader never panics.
func FuzzLoadAvro(f *testing.F) {
	for _, s := range fuzzSeedsAvro {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cat := LoadSources([]FileSource{{Path: "schemas/v1/OrderPlaced.avsc", Data: data}})
		if len(cat.Events)+len(cat.Errors) != 1 {
			t.Fatalf("want exactly one event or error, got %d events and %d errors", len(cat.Events), len(cat.Errors))
		}
	})
}

// FuzzLoadJSONSchema checks that the JSON Schema (JSON) loader never panics.
func FuzzLoadJSONSchema(f *testing.F) {
	for _, s := range fuzzSeedsJSON {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cat := LoadSources([]FileSource{{Path: "schemas/v1/OrderPlaced.json", Data: data}})
		if len(cat.Events)+len(cat.Errors) != 1 {
			t.Fatalf("want exactly one event or error, got %d events and %d errors", len(cat.Events), len(cat.Errors))
		}
	})
}

// FuzzLoadYAML checks that the JSON Schema (YAML) loader never panics.
func FuzzLoadYAML(f *testing.F) {
	for _, s := range fuzzSeedsYAML {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cat := LoadSources([]FileSource{{Path: "schemas/v1/OrderPlaced.yaml", Data: data}})
		if len(cat.Events)+len(cat.Errors) != 1 {
			t.Fatalf("want exactly one event or error, got %d events and %d errors", len(cat.Events), len(cat.Errors))
		}
	})
}

// FuzzParseJSON: a document ParseJSON accepts is valid JSON and its tree
// holds what encoding/json decodes.
func FuzzParseJSON(f *testing.F) {
	for _, s := range append(append([]string{}, fuzzSeedsJSON...), fuzzSeedsAvro...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseJSON(data)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("ParseJSON accepted what encoding/json rejects: %v", err)
		}
		if !reflect.DeepEqual(n.Interface(), want) {
			t.Fatalf("tree differs:\n got  %#v\n want %#v", n.Interface(), want)
		}
	})
}
