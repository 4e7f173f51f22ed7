package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/schema"
)

// TestExamplesAreSchemaValid generates the examples of every event of the
// bundled catalog, the code generator's feature catalog and the golden
// archives' producer schemas, and validates each: JSON Schema events with
// santhosh-tekuri/jsonschema (the compiled schema of the catalog), Avro
// events by encoding them with hamba/avro.
func TestExamplesAreSchemaValid(t *testing.T) {
	var events []*schema.Event
	for _, dir := range []string{"../../schemas", "../codegen/testdata/catalog", "testdata/examples"} {
		cat, err := schema.Load([]string{dir}, schema.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cat.Errors {
			t.Fatalf("%s: %s", e.Path, e.Msg)
		}
		events = append(events, cat.Events...)
	}
	total := 0
	for _, ev := range events {
		exs, err := Examples(ev)
		if err != nil {
			t.Errorf("%s: %v", ev.Path, err)
			continue
		}
		names := map[string]bool{}
		for _, ex := range exs {
			total++
			names[ex.Name] = true
			if err := validateExample(ev, ex.JSON); err != nil {
				t.Errorf("%s: example %s is not valid: %v\n%s", ev.Path, ex.Name, err, ex.JSON)
			}
		}
		if !names["all-fields"] {
			t.Errorf("%s: no all-fields example", ev.Path)
		}
	}
	if total < 50 {
		t.Errorf("only %d examples", total)
	}
}

// TestExamplesCoverEdgeCases checks the examples of the event: each
// enum value, each optional field absent, the boundaries, unknown fields.
func TestExamplesCoverEdgeCases(t *testing.T) {
	cat, err := schema.Load([]string{"testdata/examples"}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ev := range cat.Events {
		exs, err := Examples(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			got[ev.Type+" "+ex.Name] = string(ex.JSON)
		}
	}
	for name, want := range map[string]string{
		"v1.OrderPlaced all-fields":           `"gift_note": {`,
		"v1.OrderPlaced status=PAID":          `"status": "PAID"`,
		"v1.OrderPlaced status=REFUNDED":      `"status": "REFUNDED"`,
		"v1.OrderPlaced gift_note-absent":     `"gift_note": null`,
		"v1.OrderPlaced lines[].quantity-max": `"quantity": 2147483647`,
		"v1.OrderPlaced lines[].quantity-min": `"quantity": -2147483648`,
		"v1.OrderPlaced lines-empty":          `"lines": []`,
		"v1.OrderPlaced order_id-empty":       `"order_id": ""`,
		"v1.OrderShipped unknown-fields":      `"x_evctl_unknown_field"`,
		"v1.OrderShipped status=LOST":         `"status": "LOST"`,
		"v1.OrderShipped weight_g-max":        `"weight_g": 99999`,
	} {
		ex, ok := got[name]
		if !ok {
			t.Errorf("no example %q", name)
			continue
		}
		if !strings.Contains(ex, want) {
			t.Errorf("example %q lacks %s:\n%s", name, want, ex)
		}
	}
	if ex, ok := got["v1.OrderShipped note-absent"]; !ok || strings.Contains(ex, `"note"`) {
		t.Errorf("v1.OrderShipped note-absent: %q", ex)
	}
	if ex := got["v1.OrderShipped required-only"]; strings.Contains(ex, `"note"`) || !strings.Contains(ex, `"order_id"`) {
		t.Errorf("v1.OrderShipped required-only: %s", ex)
	}
}

func validateExample(ev *schema.Event, data []byte) error {
	if ev.Format == schema.JSONSchema {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return err
		}
		return ev.JSON.Validate(inst)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	native, err := avroNative(ev.Avro, v)
	if err != nil {
		return err
	}
	_, err = avro.Marshal(ev.Avro, native)
	return err
}

// avroNative turns a value in Avro's JSON encoding into the Go values
// hamba/avro encodes, without checking more than the shape: the encoder
// does the checking.
func avroNative(s avro.Schema, v any) (any, error) {
	switch s := s.(type) {
	case *avro.RefSchema:
		return avroNative(s.Schema(), v)
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object, got %T", s.FullName(), v)
		}
		out := map[string]any{}
		for _, f := range s.Fields() {
			fv, present := m[f.Name()]
			if !present {
				return nil, fmt.Errorf("%s: field %s missing", s.FullName(), f.Name())
			}
			n, err := avroNative(f.Type(), fv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name(), err)
			}
			out[f.Name()] = n
		}
		if len(m) != len(s.Fields()) {
			return nil, fmt.Errorf("%s: %d fields in the example, %d in the schema", s.FullName(), len(m), len(s.Fields()))
		}
		return out, nil
	case *avro.UnionSchema:
		if v == nil {
			return nil, nil
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, fmt.Errorf("union: want {\"type\": value}, got %v", v)
		}
		for k, bv := range m {
			for _, b := range s.Types() {
				if r, ok := b.(*avro.RefSchema); ok {
					b = r.Schema()
				}
				name := string(b.Type())
				if n, ok := b.(avro.NamedSchema); ok {
					name = n.FullName()
				}
				if name == k {
					n, err := avroNative(b, bv)
					if err != nil {
						return nil, err
					}
					// hamba names a logical-type branch type.logicalType.
					if l, ok := b.(avro.LogicalTypeSchema); ok && l.Logical() != nil {
						k += "." + string(l.Logical().Type())
					}
					return map[string]any{k: n}, nil
				}
			}
			return nil, fmt.Errorf("union has no branch %q", k)
		}
	case *avro.ArraySchema:
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("want an array, got %T", v)
		}
		out := make([]any, len(a))
		for i, it := range a {
			n, err := avroNative(s.Items(), it)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want a map, got %T", v)
		}
		out := map[string]any{}
		for k, it := range m {
			n, err := avroNative(s.Values(), it)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case *avro.EnumSchema:
		return v, nil
	case *avro.FixedSchema:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("fixed: want a string, got %T", v)
		}
		arr := reflect.New(reflect.ArrayOf(s.Size(), reflect.TypeOf(byte(0)))).Elem()
		b := latin1(str)
		if len(b) != s.Size() {
			return nil, fmt.Errorf("fixed: %d bytes, want %d", len(b), s.Size())
		}
		reflect.Copy(arr, reflect.ValueOf(b))
		return arr.Interface(), nil
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Int:
			n, err := strconv.ParseInt(string(v.(json.Number)), 10, 32)
			return int32(n), err
		case avro.Long:
			return strconv.ParseInt(string(v.(json.Number)), 10, 64)
		case avro.Float:
			f, err := strconv.ParseFloat(string(v.(json.Number)), 32)
			return float32(f), err
		case avro.Double:
			return strconv.ParseFloat(string(v.(json.Number)), 64)
		case avro.Bytes:
			str, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("bytes: want a string, got %T", v)
			}
			return latin1(str), nil
		default:
			return v, nil
		}
	}
	return v, nil
}

func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}
