package codegen_test

import "testing"

// TestRegressions generates, builds, vets and runs code for schemas that
// once gave code that panicked, let invalid data through or did not
// compile. All packages build in one go command.
func TestRegressions(t *testing.T) {
	buildModule(t, map[string]genPackage{
		// Validate on an array of arrays reused the loop variable i.
		"nestedarrays": {files: map[string]string{
			"v1/Grid.json": `{"type":"object","required":["rows"],"properties":{"rows":{"type":"array","items":{"type":"array","items":{"type":"string","minLength":2}}}}}`,
			"v1/Cube.avsc": `{"type":"record","name":"Cube","fields":[{"name":"cells","type":{"type":"array","items":{"type":"array","items":{"type":"array","items":{"type":"enum","name":"Color","symbols":["RED","BLUE"]}}}}},
				{"name":"m","type":{"type":"map","values":{"type":"map","values":{"type":"string","logicalType":"uuid"}}}}]}`,
		}, tests: map[string]string{"nestedarrays_test.go": `package nestedarrays

import "testing"

func TestNested(t *testing.T) {
	g := &V1Grid{Rows: [][]string{{"ab"}, {"cd", "ef", "gh"}}}
	if err := g.Validate(); err != nil {
		t.Fatalf("valid grid: %v", err)
	}
	g.Rows[0] = append(g.Rows[0], "x")
	if err := g.Validate(); err == nil {
		t.Fatal("invalid grid accepted")
	}
	c := &V1Cube{Cells: [][][]V1CubeColor{{}, {{V1CubeColorRed}, {V1CubeColorBlue, V1CubeColorRed, V1CubeColorBlue}}}}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid cube: %v", err)
	}
	c.Cells[1][0] = append(c.Cells[1][0], "GREEN")
	if err := c.Validate(); err == nil {
		t.Fatal("invalid cube accepted")
	}
	c.Cells[1][0] = c.Cells[1][0][:1]
	c.M = map[string]map[string]string{"a": {"b": "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid map: %v", err)
	}
	c.M["a"]["c"] = "nope"
	if err := c.Validate(); err == nil {
		t.Fatal("invalid map accepted")
	}
	if _, err := c.AppendAvro(nil); err != nil {
		t.Fatal(err)
	}
}
`}},
		// Single-branch unions did not compile.
		"singleunion": {files: map[string]string{
			"v1/One.avsc": `{"type":"record","name":"One","fields":[{"name":"a","type":["int"]},{"name":"b","type":[{"type":"record","name":"B","fields":[{"name":"x","type":["string"]}]}]},{"name":"c","type":{"type":"array","items":["long"]}}]}`,
		}, tests: map[string]string{"singleunion_test.go": `package singleunion

import "testing"

func TestOne(t *testing.T) {
	v := &V1One{A: 7, B: V1OneB{X: "x"}, C: []int64{1}}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := v.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	// a: branch 0, 7; b: branch 0, its x: branch 0, "x"; c: one block of one item (branch 0, 1), end.
	want := []byte{0, 14, 0, 0, 2, 'x', 2, 0, 2, 0}
	if string(b) != string(want) {
		t.Fatalf("got % x, want % x", b, want)
	}
}
`}},
		// A decimal as an array item or map value did not compile.
		"decimals": {files: map[string]string{
			"v1/Prices.avsc": `{"type":"record","name":"Prices","fields":[
				{"name":"list","type":{"type":"array","items":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}}},
				{"name":"byKey","type":{"type":"map","values":{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":10,"scale":2}}},
				{"name":"opt","type":{"type":"array","items":["null",{"type":"bytes","logicalType":"decimal","precision":4,"scale":1}]}}]}`,
		}, tests: map[string]string{"decimals_test.go": `package decimals

import (
	"math/big"
	"testing"
)

func TestDecimals(t *testing.T) {
	v := &V1Prices{List: []*big.Rat{big.NewRat(125, 100)}, ByKey: map[string]*big.Rat{"a": big.NewRat(1, 4)}}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.AppendAvro(nil); err != nil {
		t.Fatal(err)
	}
	v.List = append(v.List, big.NewRat(1, 3))
	if err := v.Validate(); err == nil {
		t.Fatal("1/3 fits decimal(6,2)?")
	}
}
`}},
		// Union branches of array, map, fixed and logical types; null
		// fields; a record of fixed fields only (no avrobin import).
		"unions": {files: map[string]string{
			"v1/Mixed.avsc": `{"type":"record","name":"Mixed","namespace":"ex","fields":[
				{"name":"u","type":["null","string",{"type":"array","items":"int"},{"type":"map","values":"string"},{"type":"fixed","name":"Four","size":4},{"type":"long","logicalType":"timestamp-millis"},{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}]},
				{"name":"n","type":"null"},
				{"name":"ns","type":{"type":"array","items":"null"}},
				{"name":"only","type":["null"]},
				{"name":"fx","type":{"type":"record","name":"Fx","fields":[{"name":"a","type":"Four"}]}}]}`,
			"v1/FixedOnly.avsc": `{"type":"record","name":"FixedOnly","fields":[{"name":"a","type":{"type":"fixed","name":"Two","size":2}}]}`,
		}, tests: map[string]string{"unions_test.go": `package unions

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
)

func TestBranches(t *testing.T) {
	sch := avro.MustParse(new(V1Mixed).Schema())
	ts := time.UnixMilli(1700000000123).UTC()
	for i, u := range []*V1MixedUUnion{
		nil,
		{String: ptr("s")},
		{Array: &[]int32{1, -2, 3}},
		{Map: &map[string]string{"k": "v"}},
		{Four: &[4]byte{1, 2, 3, 4}},
		{Long: &ts},
		{Bytes: ptr(big.NewRat(-12345, 100))},
	} {
		v := &V1Mixed{U: u, Ns: []struct{}{{}, {}}, Fx: V1MixedFx{A: [4]byte{9, 9, 9, 9}}}
		if err := v.Validate(); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		ours, err := v.AppendAvro(nil)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		// hamba/avro decodes our bytes back to the same value and writes the same bytes.
		var back V1Mixed
		if err := avro.Unmarshal(sch, ours, &back); err != nil {
			t.Fatalf("%d: hamba decode: %v", i, err)
		}
		if u != nil && u.Bytes != nil {
			if back.U == nil || back.U.Bytes == nil || (*back.U.Bytes).Cmp(*u.Bytes) != 0 {
				t.Fatalf("%d: decimal round trip: %+v", i, back.U)
			}
		} else if !reflect.DeepEqual(back.U, v.U) {
			t.Fatalf("%d: round trip: got %+v, want %+v", i, back.U, v.U)
		}
		theirs, err := avro.Marshal(sch, v)
		if err != nil {
			t.Fatalf("%d: hamba encode: %v", i, err)
		}
		// hamba may write blocks with byte sizes; the decoded values agree.
		var back2 V1Mixed
		if err := avro.Unmarshal(sch, theirs, &back2); err != nil {
			t.Fatalf("%d: hamba decode of hamba: %v", i, err)
		}
		if (u == nil || u.Bytes == nil) && !reflect.DeepEqual(back2, back) {
			t.Fatalf("%d: hamba's bytes decode to %+v, ours to %+v", i, back2, back)
		}
	}
	bad := &V1Mixed{U: &V1MixedUUnion{Bytes: ptr(big.NewRat(1, 3))}}
	if err := bad.Validate(); err == nil {
		t.Fatal("1/3 accepted as decimal(5,2)")
	}
	two := &V1MixedUUnion{String: ptr("a"), Array: &[]int32{}}
	if err := (&V1Mixed{U: two}).Validate(); err == nil {
		t.Fatal("two branches set accepted")
	}
}

func ptr[T any](v T) *T { return &v }
`}},
		// Composition: allOf folded, oneOf over objects as a sum type, nullable $ref as a pointer, $ref with
		// annotation siblings followed, additionalProperties false on a map.
		"composition": {files: map[string]string{
			"v1/Folded.json": `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"Base":{"type":"object","required":["id"],"properties":{"id":{"type":"string","format":"uuid"}}}},
				"allOf":[{"$ref":"#/definitions/Base"},{"type":"object","required":["n"],"properties":{"n":{"type":"integer","minimum":1}}}]}`,
			"v1/Either.json": `{"$schema":"https://json-schema.org/draft/2020-12/schema","oneOf":[
				{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}},
				{"type":"object","required":["b"],"properties":{"b":{"type":"integer"}}}]}`,
			"v1/Refs.json": `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","$defs":{
				"Addr":{"type":"object","required":["city"],"properties":{"city":{"type":"string","minLength":1}}},
				"When":{"type":"string","format":"date-time"}},
				"required":["home"],
				"properties":{
					"home":{"oneOf":[{"$ref":"#/$defs/Addr"},{"type":"null"}]},
					"work":{"anyOf":[{"type":"null"},{"$ref":"#/$defs/Addr","description":"the office"}]},
					"when":{"$ref":"#/$defs/When","description":"when it happened","title":"When"},
					"tags":{"type":"object","additionalProperties":false}}}`,
		}, tests: map[string]string{"composition_test.go": `package composition

import (
	"encoding/json"
	"testing"
)

func TestComposition(t *testing.T) {
	f := &V1Folded{ID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", N: "2"}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	f.N = "0"
	if err := f.Validate(); err == nil {
		t.Fatal("n = 0 accepted")
	}
	// oneOf over objects: a sum type, exactly one branch set.
	one := &V1EitherOption1{A: "x"}
	two := &V1EitherOption2{B: "1"}
	for _, c := range []struct {
		e     V1Either
		valid bool
	}{{V1Either{Option1: one}, true}, {V1Either{Option2: two}, true}, {V1Either{Option1: one, Option2: two}, false}, {V1Either{}, false},
		{V1Either{Option2: &V1EitherOption2{B: "1.5"}}, false}} {
		err := c.e.Validate()
		if (err == nil) != c.valid {
			t.Errorf("%+v: Validate = %v, want valid %v", c.e, err, c.valid)
		}
		got, aerr := c.e.AppendJSON(nil)
		want, merr := json.Marshal(c.e)
		if (aerr == nil) != (merr == nil) || string(got) != string(want) {
			t.Errorf("%+v: AppendJSON %s, %v; json.Marshal %s, %v", c.e, got, aerr, want, merr)
		}
	}
	for in, want := range map[string]string{
		` + "`" + `{"b":2e0}` + "`" + `:         "option2 2e0",
		` + "`" + `{"a":"y","c":1}` + "`" + `:   "option1 y",
		` + "`" + `{"a":"y","b":1}` + "`" + `:   "error", // both branches match: not oneOf
		` + "`" + `{}` + "`" + `:                "error",
		` + "`" + `{"a":1}` + "`" + `:           "error",
	} {
		var e V1Either
		err := json.Unmarshal([]byte(in), &e)
		got := "error"
		switch {
		case err != nil:
		case e.Option1 != nil && e.Option2 == nil:
			got = "option1 " + e.Option1.A
		case e.Option2 != nil && e.Option1 == nil:
			got = "option2 " + string(e.Option2.B)
		default:
			got = "both set"
		}
		if got != want {
			t.Errorf("json.Unmarshal(%s) = %q (%v), want %q", in, got, err, want)
		}
		if err == nil && (e.ValidateJSON([]byte(in)) != nil || e.Validate() != nil) {
			t.Errorf("%s decodes but does not validate", in)
		}
	}
	// 2020-12: format is an annotation, so a date-time stays text.
	when := "not checked"
	r := &V1Refs{Home: nil, Work: &V1RefsAddr{City: "c"}, When: &when}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.Home = &V1RefsAddr{}
	if err := r.Validate(); err == nil {
		t.Fatal("empty city accepted")
	}
	r.Home = nil
	r.Tags = map[string]any{"x": 1}
	if err := r.Validate(); err == nil {
		t.Fatal("additional property accepted")
	}
}
`}},
	})
}
