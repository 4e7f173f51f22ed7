package codegen_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/wire/validate"
)

// receivedPerEvent is how many raw instances TestReceivedBytes checks per
// JSON Schema event.
const receivedPerEvent = 1500

// TestReceivedBytes is the differential of the receive path on raw bytes:
// for every JSON Schema event of the bundled catalog and testdata/catalog,
// instances made from the schema's examples and mutated as JSON text
// (explicit nulls, missing and unknown properties, wrong types, number
// forms such as 1.0, 1e2 and 2^63, date-time edge cases, strings from the
// schema) are judged by what wire.Deserializer{Validate: true} does
// (ValidateJSON on the bytes, then validate.DecodeJSON into the generated
// struct: an event is accepted only when both succeed) and by
// santhosh-tekuri/jsonschema compiled from the catalog. It prints the
// agreement and fails below 99.9%.
func TestReceivedBytes(t *testing.T) {
	type source struct {
		dir     string
		newFunc func(string) any
	}
	total, agree, validN, validateAgree := 0, 0, 0, 0
	for _, src := range []source{
		{"../../schemas", func(s string) any { return bundled.NewEvent(s) }},
		{"testdata/catalog", func(s string) any { return catalog.NewEvent(s) }},
	} {
		cat := load(t, src.dir)
		for _, ev := range cat.Events {
			if ev.Format != schema.JSONSchema {
				continue
			}
			base := exampleOf(t, ev, src.newFunc(ev.Type))
			pools := newPools(ev.Root)
			r := rand.New(rand.NewPCG(uint64(len(ev.Type)), 7))
			for i := 0; i < receivedPerEvent; i++ {
				doc := cloneJSON(base)
				if i > 0 {
					for k := 1 + r.IntN(2); k > 0; k-- {
						doc = mutateJSON(r, doc, pools)
					}
				}
				b, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				theirs := ev.JSON.Validate(inst) == nil
				e := src.newFunc(ev.Type)
				vj := e.(interface{ ValidateJSON([]byte) error }).ValidateJSON(b) == nil
				if vj == theirs {
					validateAgree++
				}
				// The receive path accepts an event when ValidateJSON passes
				// and the generated struct holds it.
				ours := vj
				var derr error
				if ours {
					derr = validate.DecodeJSON(b, e)
					ours = derr == nil
				}
				total++
				if theirs {
					validN++
				}
				if ours == theirs {
					agree++
				} else {
					t.Errorf("%s: the receive path says valid=%v (ValidateJSON %v, decode %v), santhosh says valid=%v: %s", ev.Type, ours, vj, derr, theirs, b)
				}
			}
		}
	}
	pct := 100 * float64(agree) / float64(total)
	t.Logf("received bytes: %d instances, %d valid by santhosh; ValidateJSON agrees on %d/%d; "+
		"the receive path (ValidateJSON, then DecodeJSON into the generated struct) agrees on %d/%d = %.3f%%",
		total, validN, validateAgree, total, agree, total, pct)
	if validN < total/20 || total-validN < total/20 {
		t.Errorf("unbalanced instances: %d valid of %d", validN, total)
	}
	if pct < 99.9 {
		t.Errorf("agreement %.3f%% is below the 99.9%% goal", pct)
	}
}

func exampleOf(t *testing.T, ev *schema.Event, e any) any {
	t.Helper()
	var b []byte
	var err error
	if ex := ev.Root.Get("examples"); ex != nil && len(ex.Items) > 0 {
		b, err = json.Marshal(ex.Items[0].Interface())
	} else {
		fill(t, e)
		b, err = json.Marshal(e)
	}
	if err != nil {
		t.Fatal(err)
	}
	return decodeNumbers(t, b)
}

func decodeNumbers(t *testing.T, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = cloneJSON(e)
		}
		return s
	}
	return v
}

// slot is a place in a JSON tree: a key of an object or an index of an array.
type slot struct {
	obj map[string]any
	arr []any
	key string
	idx int
}

func (s slot) get() any {
	if s.obj != nil {
		return s.obj[s.key]
	}
	return s.arr[s.idx]
}

func (s slot) set(v any) {
	if s.obj != nil {
		s.obj[s.key] = v
		return
	}
	s.arr[s.idx] = v
}

func slots(v any, out *[]slot, objs *[]map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		*objs = append(*objs, x)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			*out = append(*out, slot{obj: x, key: k})
			slots(x[k], out, objs)
		}
	case []any:
		for i := range x {
			*out = append(*out, slot{arr: x, idx: i})
			slots(x[i], out, objs)
		}
	}
}

var numberForms = []string{"0", "1", "-1", "1.0", "1e2", "1E2", "100.0", "1.5", "-0.0", "9223372036854775807", "9223372036854775808",
	"-9223372036854775809", "18446744073709551616", "1e400", "2.5e-3", "12345678901234567890.0"}

// mutateJSON changes one place of the tree (the root itself may change
// only by a key).
func mutateJSON(r *rand.Rand, doc any, p *pools) any {
	var ss []slot
	var objs []map[string]any
	slots(doc, &ss, &objs)
	switch op := r.IntN(7); {
	case op == 0 && len(ss) > 0: // explicit null
		ss[r.IntN(len(ss))].set(nil)
	case op == 1 && len(objs) > 0: // missing property
		o := objs[r.IntN(len(objs))]
		if len(o) > 0 {
			keys := make([]string, 0, len(o))
			for k := range o {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			delete(o, keys[r.IntN(len(keys))])
		}
	case op == 2 && len(objs) > 0: // unknown property
		objs[r.IntN(len(objs))]["zz_unknown"] = json.Number("1")
	case op == 3 && len(ss) > 0: // number forms
		var nums []slot
		for _, s := range ss {
			if _, ok := s.get().(json.Number); ok {
				nums = append(nums, s)
			}
		}
		if len(nums) > 0 {
			nums[r.IntN(len(nums))].set(json.Number(numberForms[r.IntN(len(numberForms))]))
		}
	case op == 4 && len(ss) > 0: // strings from the pools (formats, enums, patterns)
		var strs []slot
		for _, s := range ss {
			if _, ok := s.get().(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) > 0 {
			strs[r.IntN(len(strs))].set(p.strs[r.IntN(len(p.strs))])
		}
	case op == 5 && len(ss) > 0: // wrong type
		vals := []any{"x", json.Number("7"), true, []any{}, map[string]any{}}
		ss[r.IntN(len(ss))].set(vals[r.IntN(len(vals))])
	}
	return doc
}
