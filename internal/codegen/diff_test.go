package codegen_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/wire/validate"
)

// instancesPerEvent is how many generated and mutated instances the
// differential test checks for each JSON Schema event.
const instancesPerEvent = 10000

// TestDifferential checks, for every JSON Schema event of testdata/catalog,
// that the generated Validate and santhosh-tekuri/jsonschema (on the JSON
// the struct encodes to) agree on valid/invalid for every instance, and
// that the error Validate reports is one santhosh reports too (same
// instance location and keyword location).
func TestDifferential(t *testing.T) {
	cat := load(t, "testdata/catalog")
	n := 0
	for _, ev := range cat.Events {
		if ev.Format != schema.JSONSchema {
			continue
		}
		n++
		t.Run(ev.Type, func(t *testing.T) { differential(t, ev) })
	}
	if n < 3 {
		t.Fatalf("want at least 3 JSON Schema events in testdata/catalog, found %d", n)
	}
}

func differential(t *testing.T, ev *schema.Event) {
	ex := ev.Root.Get("examples")
	if ex == nil || len(ex.Items) == 0 {
		t.Fatalf("%s has no examples to start from", ev.Path)
	}
	base, err := json.Marshal(ex.Items[0].Interface())
	if err != nil {
		t.Fatal(err)
	}
	differentialFrom(t, ev, base, func(typ string) validator {
		if e := catalog.NewEvent(typ); e != nil {
			return e
		}
		return nil
	}, instancesPerEvent, true)
}

// validator is a generated event.
type validator interface{ Validate() error }

// differentialFrom runs the differential from the instance base, on the
// generated package's events made by newEvent (by event key). When base is
// valid, both verdicts must occur in at least 5% of the instances.
func differentialFrom(t *testing.T, ev *schema.Event, base []byte, newEvent func(string) validator, instances int, baseValid bool) {
	if newEvent(ev.Key) == nil {
		t.Fatalf("no generated type for %s", ev.Key)
	}
	pools := newPools(ev.Root)
	r := rand.New(rand.NewPCG(uint64(len(ev.Type)), 42))
	valid, invalid := 0, 0
	for i := 0; i < instances; i++ {
		e := newEvent(ev.Key)
		if err := json.Unmarshal(base, e); err != nil {
			t.Fatalf("decode the example: %v", err)
		}
		if i > 0 {
			for k := 1 + r.IntN(2); k > 0; k-- {
				mutate(r, reflect.ValueOf(e).Elem(), pools)
			}
		}
		ours := e.Validate()
		doc, merr := json.Marshal(e)
		var theirs error
		if merr != nil {
			theirs = merr
		} else {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			theirs = ev.JSON.Validate(inst)
		}
		if (ours == nil) != (theirs == nil) {
			t.Fatalf("instance %d: generated Validate says %v, santhosh says %v\ninstance: %s", i, ours, theirs, doc)
		}
		if i == 0 && ours != nil && baseValid {
			t.Fatalf("the example is invalid: %v", ours)
		}
		if ours == nil {
			valid++
			continue
		}
		invalid++
		checkLocation(t, i, ours, theirs, doc)
	}
	t.Logf("%d valid, %d invalid", valid, invalid)
	if baseValid && (valid < instances/20 || invalid < instances/20) {
		t.Errorf("unbalanced instances: %d valid, %d invalid", valid, invalid)
	}
}

func checkLocation(t *testing.T, i int, ours, theirs error, doc []byte) {
	t.Helper()
	var oe *validate.Error
	if !errors.As(ours, &oe) {
		t.Fatalf("instance %d: Validate returned %T, want *validate.Error", i, ours)
	}
	var ve *jsonschema.ValidationError
	if !errors.As(theirs, &ve) {
		return // json.Marshal failed: there is no santhosh location
	}
	var seen []string
	for _, leaf := range validate.Leaves(ve) {
		in := validate.JSONPointer(leaf.InstanceLocation)
		kw := validate.KeywordLocation(leaf)
		if in == oe.InstanceLocation && kw == oe.KeywordLocation {
			return
		}
		seen = append(seen, in+" "+kw)
	}
	t.Fatalf("instance %d: Validate reports %s %s, santhosh reports only %v\ninstance: %s", i, oe.InstanceLocation, oe.KeywordLocation, seen, doc)
}

// pools are candidate values: generic boundary values plus every literal
// and bound found in the schema.
type pools struct {
	strs   []string
	ints   []int64
	floats []float64
	times  []time.Time
}

func newPools(root *schema.Node) *pools {
	p := &pools{
		strs: []string{"", "a", "ab", "abcdefgh", "abcdefghi", "é", "日本語", "日本語日本語日本", "\xff", "AB12", "ab12", "AB123",
			"6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "6F1C2A4E-8B3D-4C1A-9E2F-0A1B2C3D4E5F", "6f1c2a4e8b3d4c1a9e2f0a1b2c3d4e5f", "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5g",
			"2026-11-26T10:00:00Z", "2026-11-26t10:00:00.5+01:00", "2026-13-26T10:00:00Z", "2026-11-26 10:00:00Z", "2026-11-26", "2026-02-30", "10:00:00Z", "23:59:60Z", "2016-12-31T23:59:60Z", "2016-12-31t23:59:60.25z", "2017-01-01T00:59:60+01:00", "2016-12-31T22:59:60Z", "2026-11-26T10:00:00+00:00", "10:00:60Z", "24:00:00Z", "10:00:00+25:00",
			"a.b@example.com", "a..b@example.com", "@example.com", "a@[10.0.0.1]", "a@[IPv6:::1]", "example.com", "-bad.com", "a_b.com",
			"10.0.0.1", "10.0.0.256", "010.0.0.1", "1.2.3", "::1", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "P1D", "PT", "P1W", "PT1H2M", "P1H", "P1DT",
			"abc-1", "ABC-1", "abc-", "r1", "r", "https://example.com/x", "://bad", "x", "X", "bad", "good", "1234", "12345", "alpha", "Alpha", "beta", "gamma-ray", "gamma_ray", "b"},
		ints:   []int64{-1, 0, 1, 2, 3, 4, 5, 10, 15, 49, 50, 55, 99, 100, 101, 1000, 1001, math.MaxInt64, math.MinInt64, 1 << 53, 1<<53 + 1},
		floats: []float64{0, math.Copysign(0, -1), 0.1, 0.25, 0.49999999999999994, 0.5, 0.75, 1.25, 1.5, 2.5, 2.5000000000000004, -1.5, -1.4999999999999998, 999.9999999999999, 1000, 1e300, -90, -90.00000000000001, 90, 180, 180.1, math.NaN(), math.Inf(1)},
		times: []time.Time{
			time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600+30*60)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -24*3600)),
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 23*3600+59*60)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 45)),
		},
	}
	var walk func(n *schema.Node)
	walk = func(n *schema.Node) {
		switch n.Kind {
		case schema.String:
			p.strs = append(p.strs, n.Str, strings.ToUpper(n.Str))
		case schema.Number:
			var f float64
			fmt.Sscan(n.Str, &f)
			p.floats = append(p.floats, f, math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1)))
			i := int64(math.Floor(f))
			p.ints = append(p.ints, i-1, i, i+1, i*2, i*3)
			for l := i - 1; l <= i+1 && l >= 0 && l < 64; l++ {
				p.strs = append(p.strs, strings.Repeat("x", int(l)), strings.Repeat("é", int(l)))
			}
		case schema.Array:
			for _, it := range n.Items {
				walk(it)
			}
		case schema.Object:
			for _, m := range n.Members {
				p.strs = append(p.strs, m.Key)
				walk(m.Value)
			}
		}
	}
	walk(root)
	return p
}

var timeType = reflect.TypeFor[time.Time]()

// mutate changes one random position inside v.
func mutate(r *rand.Rand, v reflect.Value, p *pools) {
	var spots []reflect.Value
	var collect func(v reflect.Value, depth int)
	collect = func(v reflect.Value, depth int) {
		if depth > 6 {
			return
		}
		spots = append(spots, v)
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == timeType {
				return
			}
			for i := 0; i < v.NumField(); i++ {
				collect(v.Field(i), depth+1)
			}
		case reflect.Pointer:
			if !v.IsNil() {
				collect(v.Elem(), depth+1)
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				collect(v.Index(i), depth+1)
			}
		}
	}
	collect(v, 0)
	set(r, spots[r.IntN(len(spots))], p, 0)
}

// set gives v a random value from the pools.
func set(r *rand.Rand, v reflect.Value, p *pools, depth int) {
	if !v.CanSet() {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(p.strs[r.IntN(len(p.strs))])
	case reflect.Int64, reflect.Int32:
		v.SetInt(p.ints[r.IntN(len(p.ints))])
	case reflect.Float64:
		v.SetFloat(p.floats[r.IntN(len(p.floats))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(p.times[r.IntN(len(p.times))]))
			return
		}
		if depth > 3 {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if r.IntN(2) == 0 {
				set(r, v.Field(i), p, depth+1)
			}
		}
	case reflect.Pointer:
		if !v.IsNil() && r.IntN(3) == 0 {
			v.SetZero() // an optional property goes missing
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		set(r, v.Elem(), p, depth+1)
	case reflect.Slice:
		switch k := r.IntN(5); {
		case k == 0:
			v.SetZero()
		case k == 1 && v.Len() > 0:
			v.Set(v.Slice(0, v.Len()-1))
		case k == 2 && v.Len() > 0: // duplicate an item
			v.Set(reflect.Append(v, v.Index(r.IntN(v.Len()))))
		default:
			e := reflect.New(v.Type().Elem()).Elem()
			set(r, e, p, depth+1)
			v.Set(reflect.Append(v, e))
		}
	case reflect.Map:
		if r.IntN(4) == 0 {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		e := reflect.New(v.Type().Elem()).Elem()
		set(r, e, p, depth+1)
		v.SetMapIndex(reflect.ValueOf(p.strs[r.IntN(len(p.strs))]), e)
	case reflect.Interface:
		vals := []any{nil, "ab", "abcd", "bad", 7.0, 12.0, 10.0, 1.5, true, map[string]any{"a": 1.0}, []any{"x", 2.0}, p.strs[r.IntN(len(p.strs))], float64(p.ints[r.IntN(len(p.ints))])}
		x := vals[r.IntN(len(vals))]
		if x == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(x))
		}
	}
}

// FuzzValidate decodes arbitrary JSON into the generated v1.Everything and
// wants the generated Validate and santhosh to agree on the re-encoded
// document. Run with: go test ./internal/codegen -fuzz FuzzValidate
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		`{"id":"6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f","at":"2026-11-26T10:00:00Z","name":"ab","kind":"beta","count":1,"tags":["a"],"address":{"street":"s"}}`,
		`{"name":"a","count":101,"tags":[],"step":7,"ratio":3,"nums":[1,1],"meta":{"a":-1}}`,
		`{"lines":[{"sku":"A-1","qty":0}],"note":"12345678901","email":"a@b","day":"2026-02-30"}`,
	} {
		f.Add([]byte(seed))
	}
	wd, _ := os.Getwd()
	loaded, err := schema.Load([]string{filepath.Join(wd, "testdata/catalog/v1/Everything.json")}, schema.LoadOptions{})
	if err != nil || len(loaded.Events) != 1 {
		f.Fatalf("load: %v %v", err, loaded)
	}
	ev := loaded.Events[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		e := catalog.NewEvent("v1.Everything")
		if json.Unmarshal(data, e) != nil {
			return
		}
		ours := e.Validate()
		doc, merr := json.Marshal(e)
		var theirs error
		if merr != nil {
			theirs = merr
		} else {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			theirs = ev.JSON.Validate(inst)
		}
		if (ours == nil) != (theirs == nil) {
			t.Fatalf("generated Validate says %v, santhosh says %v\ninstance: %s", ours, theirs, doc)
		}
		if ours != nil {
			checkLocation(t, 0, ours, theirs, doc)
		}
	})
}
