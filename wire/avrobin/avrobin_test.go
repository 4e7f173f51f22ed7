package avrobin_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/wire/avrobin"
)

// TestPrimitivesMatchHamba compares the encodings of single values with
// hamba/avro's, byte for byte.
func TestPrimitivesMatchHamba(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ints := []int64{0, 1, -1, 63, 64, -64, -65, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	for i := 0; i < 200; i++ {
		ints = append(ints, int64(r.Uint64()))
	}
	check := func(schema string, v any, got []byte) {
		t.Helper()
		want, err := avro.Marshal(avro.MustParse(schema), v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("%s %v: got %x, hamba %x", schema, v, got, want)
		}
	}
	for _, n := range ints {
		check(`"long"`, n, avrobin.AppendLong(nil, n))
		check(`"int"`, int32(n), avrobin.AppendInt(nil, int32(n)))
		check(`"double"`, math.Float64frombits(uint64(n)), avrobin.AppendDouble(nil, math.Float64frombits(uint64(n))))
		check(`"float"`, math.Float32frombits(uint32(n)), avrobin.AppendFloat(nil, math.Float32frombits(uint32(n))))
		tm := time.Unix(n%(1<<40), n%1e9).UTC()
		check(`{"type":"long","logicalType":"timestamp-millis"}`, tm, avrobin.AppendTimestampMillis(nil, tm))
		check(`{"type":"long","logicalType":"timestamp-micros"}`, tm, avrobin.AppendTimestampMicros(nil, tm))
		check(`{"type":"long","logicalType":"local-timestamp-millis"}`, tm, avrobin.AppendLocalTimestampMillis(nil, tm))
		check(`{"type":"long","logicalType":"local-timestamp-micros"}`, tm, avrobin.AppendLocalTimestampMicros(nil, tm))
		check(`{"type":"int","logicalType":"date"}`, tm, avrobin.AppendDate(nil, tm))
		d := time.Duration(n % (1 << 40))
		check(`{"type":"int","logicalType":"time-millis"}`, d, avrobin.AppendTimeMillis(nil, d))
		check(`{"type":"long","logicalType":"time-micros"}`, d, avrobin.AppendTimeMicros(nil, d))
		rat := big.NewRat(n%1e9, 100)
		got, err := avrobin.AppendDecimalBytes(nil, rat, 12, 2)
		if err != nil {
			t.Fatal(err)
		}
		check(`{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}`, rat, got)
		got, err = avrobin.AppendDecimalFixed(nil, rat, 12, 2, 8)
		if err != nil {
			t.Fatal(err)
		}
		check(`{"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":12,"scale":2}`, rat, got)
	}
	for _, s := range []string{"", "a", "日本語", string(make([]byte, 300))} {
		check(`"string"`, s, avrobin.AppendString(nil, s))
		check(`"bytes"`, []byte(s), avrobin.AppendBytes(nil, []byte(s)))
	}
	check(`"boolean"`, true, avrobin.AppendBool(nil, true))
	check(`"boolean"`, false, avrobin.AppendBool(nil, false))
	dur := avro.LogicalDuration{Months: 1, Days: 2, Milliseconds: 3}
	check(`{"type":"fixed","name":"D","size":12,"logicalType":"duration"}`, dur, avrobin.AppendDuration(nil, dur))
	if _, err := avrobin.AppendDecimalBytes(nil, big.NewRat(1234567, 1), 6, 0); err == nil {
		t.Errorf("a decimal over its precision encoded")
	}
	if _, err := avrobin.AppendDecimalFixed(nil, big.NewRat(1<<40, 1), 20, 0, 2); err == nil {
		t.Errorf("a decimal over its fixed size encoded")
	}
}

var ratCmp = cmp.Comparer(func(a, b *big.Rat) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 })

// TestGeneratedEncodersDecodeWithHamba: for random valid values of every
// generated Avro event, hamba decodes AppendAvro's bytes to the value
// hamba decodes from its own encoding.
func TestGeneratedEncodersDecodeWithHamba(t *testing.T) {
	type appender interface {
		AppendAvro([]byte) ([]byte, error)
		Schema() string
		Validate() error
	}
	var events []func() appender
	for _, typ := range bundled.EventTypes {
		if e, ok := bundled.NewEvent(typ).(appender); ok && e != nil {
			typ := typ
			events = append(events, func() appender { return bundled.NewEvent(typ).(appender) })
		}
	}
	events = append(events, func() appender { return catalog.NewEvent("v1.AvroAll").(appender) })
	if len(events) < 5 {
		t.Fatalf("found %d Avro events", len(events))
	}
	r := rand.New(rand.NewPCG(5, 6))
	encoded := 0
	for _, mk := range events {
		sch := avro.MustParse(mk().Schema())
		for i := 0; i < 300; i++ {
			ev := mk()
			fill(r, reflect.ValueOf(ev).Elem(), 0)
			ours, err := ev.AppendAvro(nil)
			theirs, herr := avro.Marshal(sch, ev)
			if (err == nil) != (herr == nil) {
				if ev.Validate() == nil {
					t.Fatalf("%T: AppendAvro error %v, hamba error %v", ev, err, herr)
				}
				continue
			}
			if err != nil {
				continue
			}
			a, b := mk(), mk()
			if err := avro.Unmarshal(sch, ours, a); err != nil {
				t.Fatalf("%T: hamba cannot decode AppendAvro's bytes: %v", ev, err)
			}
			if err := avro.Unmarshal(sch, theirs, b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b, a, ratCmp); diff != "" {
				t.Fatalf("%T: decoded values differ (-hamba +ours):\n%s", ev, diff)
			}
			encoded++
		}
	}
	if encoded < 500 {
		t.Errorf("only %d values encoded", encoded)
	}
}

var symbols = []string{"NEW", "DONE", "in_progress", "WEB", "APP", "STORE", "CUSTOMER_REQUEST", "OTHER", "nope"}

// fill gives v random contents.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.UnixMicro(r.Int64N(1 << 50)).UTC()))
		return
	case reflect.TypeFor[*big.Rat]():
		v.Set(reflect.ValueOf(big.NewRat(r.Int64N(2e5)-1e5, 100)))
		return
	case reflect.TypeFor[time.Duration]():
		v.SetInt(r.Int64N(1<<31) * int64(time.Microsecond))
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.Type().Name() != "string" {
			v.SetString(symbols[r.IntN(len(symbols))])
			return
		}
		v.SetString(string(rune('a' + r.IntN(26))))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> uint(r.IntN(64)))
		if v.Kind() == reflect.Int32 {
			v.SetInt(int64(int32(v.Int())))
		}
	case reflect.Uint32:
		v.SetUint(uint64(r.Uint32()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(r.NormFloat64())
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(r, v.Index(i), depth+1)
		}
	case reflect.Slice:
		n := r.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := r.IntN(3); i > 0; i-- {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e, depth+1)
			m.SetMapIndex(reflect.ValueOf(string(rune('a'+i))), e)
		}
		v.Set(m)
	case reflect.Pointer:
		if r.IntN(3) == 0 || depth > 4 {
			v.SetZero()
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(r, v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type().Name() != "" && len(v.Type().Name()) > 5 && v.Type().Name()[len(v.Type().Name())-5:] == "Union" {
			// A tagged union: set exactly one branch.
			f := v.Field(r.IntN(v.NumField()))
			f.Set(reflect.New(f.Type().Elem()))
			fill(r, f.Elem(), depth+1)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i), depth+1)
		}
	}
}
