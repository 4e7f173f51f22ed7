package codegen_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"slices"
	"sort"
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
