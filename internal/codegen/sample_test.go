package codegen_test

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/evctl/evctl/internal/schema"
)

// sampleJSON builds an instance of a JSON Schema node: the example when
// there is one, else required properties (and every second optional one),
// the first enum value or oneOf/anyOf branch, format-shaped strings, and
// numbers at their bounds. It may be invalid (a pattern, say); callers keep
// what santhosh accepts.
func sampleJSON(root, n *schema.Node, depth int) any {
	if n == nil || depth > 12 {
		return nil
	}
	if n.Kind == schema.Bool {
		return map[string]any{}
	}
	if n.Kind != schema.Object {
		return nil
	}
	if ref, ok := n.Get("$ref").StringValue(); ok && strings.HasPrefix(ref, "#") {
		if t := root.Pointer(ref[1:]); t != nil {
			return sampleJSON(root, t, depth+1)
		}
		return nil
	}
	if ex := n.Get("examples"); ex != nil && ex.Kind == schema.Array && len(ex.Items) > 0 {
		return numbers(ex.Items[0].Interface())
	}
	if c := n.Get("const"); c != nil {
		return numbers(c.Interface())
	}
	if e := n.Get("enum"); e != nil && len(e.Items) > 0 {
		return numbers(e.Items[0].Interface())
	}
	if all := n.Get("allOf"); all != nil && all.Kind == schema.Array {
		out := map[string]any{}
		for _, b := range all.Items {
			if m, ok := sampleJSON(root, b, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		if len(out) > 0 || n.Get("properties") == nil {
			return out
		}
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		if br := n.Get(kw); br != nil && br.Kind == schema.Array && len(br.Items) > 0 {
			return sampleJSON(root, br.Items[0], depth+1)
		}
	}
	nonNull, null := typesOf(n)
	typ := ""
	switch {
	case len(nonNull) > 0:
		typ = nonNull[0]
	case n.Get("properties") != nil:
		typ = "object"
	case null:
		return nil
	}
	switch typ {
	case "object":
		out := map[string]any{}
		req := map[string]bool{}
		if r := n.Get("required"); r != nil {
			for _, it := range r.Items {
				req[it.Str] = true
			}
		}
		if props := n.Get("properties"); props != nil {
			for i, m := range props.Members {
				if req[m.Key] || i%2 == 0 {
					out[m.Key] = sampleJSON(root, m.Value, depth+1)
				}
			}
		}
		return out
	case "array":
		k := 1
		if v, ok := intOf(n.Get("minItems")); ok && v > 1 && v < 5 {
			k = int(v)
		}
		out := []any{}
		if it := n.Get("items"); it != nil && it.Kind == schema.Object {
			for i := 0; i < k; i++ {
				out = append(out, sampleJSON(root, it, depth+1))
			}
		}
		return out
	case "string":
		f, _ := n.Get("format").StringValue()
		s := map[string]string{"date-time": "2026-01-02T03:04:05Z", "date": "2026-01-02", "time": "03:04:05Z", "uuid": "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f",
			"email": "a@example.com", "uri": "https://example.com/x", "uri-reference": "/x", "hostname": "example.com", "ipv4": "10.0.0.1", "ipv6": "::1",
			"byte": "YQ==", "int64": "1", "uint64": "1", "duration": "P1D"}[f]
		if s == "" {
			s = "x"
		}
		if v, ok := intOf(n.Get("minLength")); ok && int(v) > len([]rune(s)) && v < 64 {
			s += strings.Repeat("x", int(v)-len([]rune(s)))
		}
		return s
	case "integer":
		if v, ok := intOf(n.Get("minimum")); ok {
			return json.Number(big.NewInt(v).String())
		}
		return json.Number("1")
	case "number":
		if m := n.Get("minimum"); m != nil && m.Kind == schema.Number {
			return json.Number(m.Str)
		}
		return json.Number("1.5")
	case "boolean":
		return true
	}
	return nil
}

func intOf(n *schema.Node) (int64, bool) {
	if n == nil || n.Kind != schema.Number {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(n.Str)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// numbers turns float64 values from Node.Interface into json.Number texts.
func numbers(v any) any {
	b, _ := json.Marshal(v)
	var out any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}

// typesOf returns the non-null types of a node and whether null is one.
func typesOf(n *schema.Node) (nonNull []string, null bool) {
	tn := n.Get("type")
	if tn == nil {
		return nil, false
	}
	if tn.Kind == schema.String {
		if tn.Str == "null" {
			return nil, true
		}
		return []string{tn.Str}, false
	}
	for _, it := range tn.Items {
		if it.Str == "null" {
			null = true
		} else {
			nonNull = append(nonNull, it.Str)
		}
	}
	return nonNull, null
}
