// Package fill is copied into the module TestRandomAvro builds: it fills
// generated Avro events with random valid values guided by their schemas,
// encodes them with AppendAvro, and writes each case (schema, bytes, the
// value in the form check.py compares) for Apache Avro's Python decoder.
package fill

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Event is what the generated events offer here.
type Event interface {
	Schema() string
	Validate() error
	AppendAvro([]byte) ([]byte, error)
}

type filler struct {
	r     *rand.Rand
	named map[string]map[string]any
}

// Run fills perEvent values of every event and writes the cases to out.
func Run(events map[string]func() Event, perEvent int, seed uint64, out string) error {
	names := make([]string, 0, len(events))
	for n := range events {
		names = append(names, n)
	}
	sort.Strings(names)
	type tcase struct {
		Name   string `json:"name"`
		Schema string `json:"schema"`
		Hex    string `json:"hex"`
		Want   any    `json:"want"`
	}
	var cases []tcase
	for i, n := range names {
		for k := 0; k < perEvent; k++ {
			e := events[n]()
			var sch any
			dec := json.NewDecoder(strings.NewReader(e.Schema()))
			dec.UseNumber()
			if err := dec.Decode(&sch); err != nil {
				return err
			}
			f := &filler{r: rand.New(rand.NewPCG(seed, uint64(i*1000+k))), named: map[string]map[string]any{}}
			f.register(sch, "")
			want := f.fill(sch, "", reflect.ValueOf(e).Elem(), 0)
			if err := e.Validate(); err != nil {
				return fmt.Errorf("%s #%d: the filled value is invalid: %w", n, k, err)
			}
			b, err := e.AppendAvro(nil)
			if err != nil {
				return fmt.Errorf("%s #%d: AppendAvro: %w", n, k, err)
			}
			cases = append(cases, tcase{Name: fmt.Sprintf("%s#%d", n, k), Schema: e.Schema(), Hex: hex.EncodeToString(b), Want: want})
		}
	}
	b, err := json.Marshal(cases)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

func fullName(def map[string]any, ns string) (string, string) {
	name, _ := def["name"].(string)
	if i := strings.LastIndex(name, "."); i >= 0 {
		return name, name[:i]
	}
	if n, ok := def["namespace"].(string); ok {
		ns = n
	}
	if ns == "" {
		return name, ""
	}
	return ns + "." + name, ns
}

func (f *filler) register(t any, ns string) {
	switch v := t.(type) {
	case []any:
		for _, x := range v {
			f.register(x, ns)
		}
	case map[string]any:
		switch tt := v["type"].(type) {
		case string:
			switch tt {
			case "record", "error":
				full, rns := fullName(v, ns)
				f.named[full] = v
				for _, fl := range v["fields"].([]any) {
					f.register(fl.(map[string]any)["type"], rns)
				}
			case "enum", "fixed":
				full, _ := fullName(v, ns)
				f.named[full] = v
			case "array":
				f.register(v["items"], ns)
			case "map":
				f.register(v["values"], ns)
			}
		default:
			f.register(tt, ns)
		}
	}
}

func (f *filler) lookup(name, ns string) (map[string]any, string) {
	if !strings.Contains(name, ".") && ns != "" {
		if d, ok := f.named[ns+"."+name]; ok {
			return d, ns
		}
	}
	d := f.named[name]
	_, dns := fullName(d, "")
	return d, dns
}

func nonNull(u []any) (branches []any, null bool) {
	for _, b := range u {
		if s, ok := b.(string); ok && s == "null" {
			null = true
			continue
		}
		branches = append(branches, b)
	}
	return branches, null
}

// fill sets v to a random valid value of schema t and returns that value
// in check.py's canonical form.
func (f *filler) fill(t any, ns string, v reflect.Value, depth int) any {
	switch s := t.(type) {
	case string:
		switch s {
		case "null":
			return nil
		case "boolean":
			b := f.r.IntN(2) == 0
			v.SetBool(b)
			return b
		case "int":
			x := int64(int32(f.r.Uint32()))
			v.SetInt(x)
			return x
		case "long":
			x := int64(f.r.Uint64())
			if f.r.IntN(2) == 0 {
				x = int64(f.r.IntN(1000)) - 500
			}
			v.SetInt(x)
			return x
		case "float":
			x := float32(f.r.NormFloat64() * 1000)
			v.SetFloat(float64(x))
			return float64(x)
		case "double":
			x := f.r.NormFloat64() * 1e6
			v.SetFloat(x)
			return x
		case "bytes":
			b := make([]byte, f.r.IntN(6))
			for i := range b {
				b[i] = byte(f.r.IntN(256))
			}
			v.SetBytes(b)
			return "hex:" + hex.EncodeToString(b)
		case "string":
			x := []string{"", "a", "héllo", "日本", "with space", "x\"y\\z"}[f.r.IntN(6)]
			v.SetString(x)
			return x
		}
		d, dns := f.lookup(s, ns)
		return f.fill(d, dns, v, depth)
	case []any:
		branches, null := nonNull(s)
		switch {
		case len(branches) == 0: // ["null"]: any, nil
			return nil
		case len(branches) == 1 && !null: // [T]: the value itself
			return f.fill(branches[0], ns, v, depth)
		case len(branches) == 1: // ["null", T]: a pointer
			if f.r.IntN(4) == 0 || depth > 3 {
				v.Set(reflect.Zero(v.Type()))
				return nil
			}
			p := reflect.New(v.Type().Elem())
			want := f.fill(branches[0], ns, p.Elem(), depth+1)
			v.Set(p)
			return want
		}
		// A union struct: one pointer field per non-null branch, in order.
		if null && (f.r.IntN(4) == 0 || depth > 3) {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		u := reflect.New(v.Type().Elem())
		i := f.r.IntN(len(branches))
		field := u.Elem().Field(i)
		p := reflect.New(field.Type().Elem())
		want := f.fill(branches[i], ns, p.Elem(), depth+1)
		field.Set(p)
		v.Set(u)
		return want
	case map[string]any:
		typ, ok := s["type"].(string)
		if !ok {
			return f.fill(s["type"], ns, v, depth)
		}
		logical, _ := s["logicalType"].(string)
		switch typ {
		case "record", "error":
			_, rns := fullName(s, ns)
			out := map[string]any{}
			for _, fl := range s["fields"].([]any) {
				fm := fl.(map[string]any)
				name := fm["name"].(string)
				fv := fieldByTag(v, name)
				out[name] = f.fill(fm["type"], rns, fv, depth+1)
			}
			return out
		case "enum":
			syms := s["symbols"].([]any)
			x := syms[f.r.IntN(len(syms))].(string)
			v.SetString(x)
			return x
		case "fixed":
			size, _ := s["size"].(json.Number).Int64()
			if logical == "decimal" {
				return f.decimal(s, v, size)
			}
			b := make([]byte, size)
			for i := range b {
				b[i] = byte(f.r.IntN(256))
				v.Index(i).SetUint(uint64(b[i]))
			}
			return "hex:" + hex.EncodeToString(b)
		case "array":
			n := f.r.IntN(4)
			if depth > 3 {
				n = 0
			}
			sl := reflect.MakeSlice(v.Type(), n, n)
			out := []any{}
			for i := 0; i < n; i++ {
				out = append(out, f.fill(s["items"], ns, sl.Index(i), depth+1))
			}
			v.Set(sl)
			return out
		case "map":
			n := f.r.IntN(4)
			if depth > 3 {
				n = 0
			}
			m := reflect.MakeMap(v.Type())
			out := map[string]any{}
			for i := 0; i < n; i++ {
				k := fmt.Sprintf("k%d", i)
				e := reflect.New(v.Type().Elem()).Elem()
				out[k] = f.fill(s["values"], ns, e, depth+1)
				m.SetMapIndex(reflect.ValueOf(k), e)
			}
			v.Set(m)
			return out
		}
		switch logical {
		case "decimal":
			return f.decimal(s, v, 0)
		case "uuid":
			x := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", f.r.Uint32(), f.r.IntN(1<<16), f.r.IntN(1<<12), f.r.IntN(1<<12), f.r.Uint64()&(1<<48-1))
			v.SetString(x)
			return x
		case "date":
			days := f.r.IntN(40000) - 10000
			tm := time.Unix(int64(days)*86400, 0).UTC()
			v.Set(reflect.ValueOf(tm))
			return "date:" + tm.Format("2006-01-02")
		case "timestamp-millis":
			tm := time.UnixMilli(f.r.Int64N(4e12) - 1e12).UTC()
			v.Set(reflect.ValueOf(tm))
			return fmt.Sprintf("ts:%d", tm.UnixMicro())
		case "timestamp-micros":
			tm := time.UnixMicro(f.r.Int64N(4e15) - 1e15).UTC()
			v.Set(reflect.ValueOf(tm))
			return fmt.Sprintf("ts:%d", tm.UnixMicro())
		case "time-millis":
			d := time.Duration(f.r.Int64N(86400000)) * time.Millisecond
			v.Set(reflect.ValueOf(d))
			return fmt.Sprintf("time:%d", d.Microseconds())
		case "time-micros":
			d := time.Duration(f.r.Int64N(86400000000)) * time.Microsecond
			v.Set(reflect.ValueOf(d))
			return fmt.Sprintf("time:%d", d.Microseconds())
		}
		return f.fill(typ, ns, v, depth)
	}
	panic(fmt.Sprintf("fill: unexpected schema %T", t))
}

// decimal sets a *big.Rat of the decimal's precision and scale.
func (f *filler) decimal(s map[string]any, v reflect.Value, _ int64) any {
	p, _ := s["precision"].(json.Number).Int64()
	var sc int64
	if n, ok := s["scale"].(json.Number); ok {
		sc, _ = n.Int64()
	}
	digits := min(p, 18)
	lim := int64(math.Pow10(int(digits))) - 1
	if digits == 18 {
		lim = 999999999999999999
	}
	unscaled := f.r.Int64N(2*lim+1) - lim
	r := new(big.Rat).SetFrac(big.NewInt(unscaled), new(big.Int).Exp(big.NewInt(10), big.NewInt(sc), nil))
	if v.Kind() == reflect.Ptr && v.Type().Elem().Kind() == reflect.Ptr { // **big.Rat
		pp := reflect.New(v.Type().Elem())
		pp.Elem().Set(reflect.ValueOf(r))
		v.Set(pp)
	} else {
		v.Set(reflect.ValueOf(r))
	}
	return "dec:" + r.FloatString(int(sc))
}

func fieldByTag(v reflect.Value, name string) reflect.Value {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("avro") == name {
			return v.Field(i)
		}
	}
	panic("fill: no field with avro tag " + name + " in " + t.String())
}
