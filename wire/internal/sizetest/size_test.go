// Package sizetest compares the code gen go writes with --optimize speed
// and with --optimize size through the wire runtime. It is a test binary
// of its own: hamba/avro keeps one registry of named Avro types per
// process, in which the size packages' types replace the speed packages'
// (the same Avro names), so the other wire tests must not import them.
package sizetest_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/bundledsize"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/internal/codegen/gentest/catalogsize"
	"github.com/evctl/evctl/internal/codegen/gentest/samples"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
	"github.com/evctl/evctl/wire/validate"
)

// TestOptimizeSize compares every event of the bundled catalog and of
// testdata/catalog generated with --optimize speed (bundled, catalog) and
// with --optimize size (bundledsize, catalogsize), on the same values
// against one registry: the valid samples, then seeded random fills copied
// field by field. The two must frame the same event (the size code through
// hamba/avro and encoding/json: the same bytes for JSON, the same decoded
// value for Avro, see sameFrame), fail to encode the same values, give
// Validate the same verdict, and Prepare the same message, the size code's
// envelope being read from its evctl struct tags.
func TestOptimizeSize(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	now := time.Date(2026, 11, 29, 1, 2, 3, 456_000_000, time.UTC)
	p := &wire.Preparer{Registry: reg, AutoRegister: true, Now: func() time.Time { return now }}
	type pair struct{ speed, size wire.Event }
	var pairs []pair
	for _, ev := range []wire.Event{samples.OrderPlaced(), samples.OrderShipped(), samples.AvroAll()} {
		pairs = append(pairs, pair{ev, sizeTwin(t, ev)})
	}
	valid := len(pairs)
	r := rand.New(rand.NewPCG(29, 11))
	for _, c := range []struct {
		types     []string
		speed, sz func(string) wire.Event
	}{
		{bundled.EventTypes, func(s string) wire.Event { return bundled.NewEvent(s) }, func(s string) wire.Event { return bundledsize.NewEvent(s) }},
		{catalog.EventTypes, func(s string) wire.Event { return catalog.NewEvent(s) }, func(s string) wire.Event { return catalogsize.NewEvent(s) }},
	} {
		for _, typ := range c.types {
			for range 40 {
				e, s := c.speed(typ), c.sz(typ)
				fill(r, reflect.ValueOf(e).Elem(), 0)
				copyValue(reflect.ValueOf(s).Elem(), reflect.ValueOf(e).Elem())
				pairs = append(pairs, pair{e, s})
			}
		}
	}
	var encoded, accepted, prepared int
	for i, pr := range pairs {
		typ := pr.speed.EventType()
		if pr.size.EventType() != typ || pr.size.Subject() != pr.speed.Subject() || pr.size.Schema() != pr.speed.Schema() || pr.size.SchemaType() != pr.speed.SchemaType() {
			t.Fatalf("%s: the size type has other metadata", typ)
		}
		ss, err := p.Serializer(ctx, pr.speed)
		if err != nil {
			t.Fatal(err)
		}
		sz, err := p.Serializer(ctx, pr.size)
		if err != nil {
			t.Fatal(err)
		}
		if ss.ID() != sz.ID() {
			t.Fatalf("%s: schema ids %d and %d", typ, ss.ID(), sz.ID())
		}
		a, aerr := ss.AppendUnchecked(nil, pr.speed)
		b, berr := sz.AppendUnchecked(nil, pr.size)
		if (aerr == nil) != (berr == nil) || !sameFrame(t, reg, typ, a, b) {
			t.Errorf("%s #%d: speed frame %q (%v), size frame %q (%v)", typ, i, a, aerr, b, berr)
			continue
		}
		if aerr == nil {
			encoded++
		}
		va, vb := pr.speed.Validate(), pr.size.Validate()
		if aerr != nil && pr.speed.SchemaType() == "JSON" {
			// The size Validate checks what encoding/json writes: nothing.
			if vb == nil {
				t.Errorf("%s #%d: the size Validate accepts a value that does not encode (%v)", typ, i, aerr)
			}
			continue
		}
		if (va == nil) != (vb == nil) {
			t.Errorf("%s #%d: Validate speed %v, size %v", typ, i, va, vb)
			continue
		}
		if va != nil || aerr != nil {
			continue
		}
		accepted++
		// Prepare fills the same envelope: clear it on both and compare.
		ma, erra := p.Prepare(wire.WithCorrelationID(ctx, "corr-size"), clearEnvelope(pr.speed))
		mb, errb := p.Prepare(wire.WithCorrelationID(ctx, "corr-size"), clearEnvelope(pr.size))
		if errors.Is(erra, wire.ErrNoEnvelope) && errors.Is(errb, wire.ErrNoEnvelope) {
			continue
		}
		if erra != nil || errb != nil {
			t.Errorf("%s #%d: Prepare speed %v, size %v", typ, i, erra, errb)
			continue
		}
		if !validate.UUID(mb.EventID) || mb.EventID == ma.EventID || field(pr.size, "event-id") != mb.EventID {
			t.Errorf("%s #%d: Prepare set the size event's id to %q, the message's is %q", typ, i, field(pr.size, "event-id"), mb.EventID)
		}
		// The event ids are new random ids: set the size one to the speed
		// one and prepare again (a retry keeps the id).
		setField(pr.size, "event-id", ma.EventID)
		if mb, errb = p.Prepare(wire.WithCorrelationID(ctx, "corr-size"), pr.size); errb != nil {
			t.Fatal(errb)
		}
		if !sameFrame(t, reg, typ, ma.Value, mb.Value) || ma.EventID != mb.EventID || ma.CorrelationID != "corr-size" || mb.CorrelationID != "corr-size" ||
			!ma.OccurredAt.Equal(mb.OccurredAt) || !mb.OccurredAt.Equal(now) || string(ma.Key) != string(mb.Key) || ma.GroupID != mb.GroupID ||
			!reflect.DeepEqual(ma.Headers, mb.Headers) {
			t.Errorf("%s #%d: Prepare differs:\n speed %+v\n size  %+v", typ, i, ma, mb)
		}
		if len(ma.Key) == 0 && typ != "v1.AvroAll" {
			t.Errorf("%s: no partition key", typ)
		}
		// The Decoder reads the envelope of the size type too.
		d := &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event {
			if e := bundledsize.NewEvent(s); e != nil {
				return e
			}
			if e := catalogsize.NewEvent(s); e != nil {
				return e
			}
			return nil
		}}
		got := &wire.Message{Value: mb.Value, Headers: append(wire.Headers(nil), mb.Headers...)}
		if _, _, err := d.Decode(ctx, got); err != nil || got.EventID != mb.EventID || got.CorrelationID != "corr-size" || !got.OccurredAt.Equal(now) {
			t.Errorf("%s #%d: decode the size message: %v, %+v", typ, i, err, got)
		}
		prepared++
	}
	t.Logf("%d values (%d valid samples): %d encode, %d of them valid, %d prepared and decoded alike", len(pairs), valid, encoded, accepted, prepared)
	if encoded < len(pairs)/4 || accepted < valid || prepared < 2 {
		t.Errorf("compared too little: %d encoded, %d valid, %d prepared", encoded, accepted, prepared)
	}
}

// sameFrame reports whether two frames of typ are the same: the same
// bytes for JSON; for Avro, the same value decoded (hamba/avro, which
// encodes the size code, writes each array and map block with its byte
// size, a negative count, as the Avro specification allows; the generated
// AppendAvro writes the count alone).
func sameFrame(t *testing.T, reg wire.Registry, typ string, a, b []byte) bool {
	t.Helper()
	if bytes.Equal(a, b) {
		return true
	}
	// Both frames decode into the size types: hamba/avro resolves union
	// branches through one registry of named types per process, where the
	// size packages, initialised last, registered theirs.
	nf := func(s string) wire.Event {
		if e := bundledsize.NewEvent(s); e != nil {
			return e
		}
		return catalogsize.NewEvent(s)
	}
	x, y := nf(typ), nf(typ)
	if x == nil || x.SchemaType() != "AVRO" {
		return false
	}
	d := wire.NewDeserializer(reg)
	if err := d.Deserialize(context.Background(), a, x); err != nil {
		t.Errorf("%s: decode the speed frame: %v", typ, err)
		return false
	}
	if err := d.Deserialize(context.Background(), b, y); err != nil {
		t.Errorf("%s: decode the size frame: %v", typ, err)
		return false
	}
	return cmp.Equal(x, y, cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 }), cmpopts.EquateNaNs())
}

// sizeTwin returns the bundledsize or catalogsize value of ev's type
// holding ev's value.
func sizeTwin(t testing.TB, ev wire.Event) wire.Event {
	t.Helper()
	s := wire.Event(bundledsize.NewEvent(ev.EventType()))
	if reflect.TypeOf(ev).Elem().PkgPath() == reflect.TypeFor[catalog.V1AvroAll]().PkgPath() {
		s = catalogsize.NewEvent(ev.EventType())
	}
	copyValue(reflect.ValueOf(s).Elem(), reflect.ValueOf(ev).Elem())
	return s
}

// clearEnvelope empties the envelope fields of ev (both kinds of code name
// them alike) so that Prepare fills them.
func clearEnvelope(ev wire.Event) wire.Event {
	v := reflect.ValueOf(ev).Elem()
	for _, name := range []string{"EventID", "CorrelationID", "OccurredAt"} {
		if f := v.FieldByName(name); f.IsValid() {
			f.SetZero()
		}
	}
	return ev
}

// field returns the string field tagged evctl:tag of ev.
func field(ev wire.Event, tag string) string {
	v := reflect.ValueOf(ev).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("evctl") == tag {
			return v.Field(i).String()
		}
	}
	return ""
}

// setField sets the string field tagged evctl:tag of ev.
func setField(ev wire.Event, tag, value string) {
	v := reflect.ValueOf(ev).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("evctl") == tag {
			v.Field(i).SetString(value)
		}
	}
}

var fillStrings = []string{"", "a", "<&>", "\u2028", "\xff", "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00.5+01:00",
	"NEW", "DONE", "IN_PROGRESS", "dhl", "ups", "EUR", "USD", "NL", "sku-1", "ord-1", "1200", "1.5", "1e2", "-1", "x"}

// fill sets every exported field of v from a seeded source: strings from
// a pool of valid and invalid values, numbers at the edges, times across
// zones, nil, empty and full slices, maps and pointers.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fillStrings[r.IntN(len(fillStrings))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Type() == reflect.TypeFor[time.Duration]() {
			v.SetInt(int64(r.IntN(86400)) * int64(time.Millisecond))
			return
		}
		v.SetInt([]int64{0, 1, -1, 42, 2100, math.MaxInt32, math.MinInt32}[r.IntN(7)])
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, 0.5, -1.25, 1e21, math.NaN(), math.Inf(1)}[r.IntN(6)])
	case reflect.Uint8:
		v.SetUint(uint64(r.IntN(256)))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(r, v.Index(i), depth+1)
		}
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[time.Time]():
			tm := time.UnixMilli(1764151200123 + r.Int64N(1e9)).UTC()
			if r.IntN(3) == 0 {
				tm = tm.In(time.FixedZone("", 3600))
			}
			v.Set(reflect.ValueOf(tm))
			return
		case reflect.TypeFor[big.Rat]():
			v.Set(reflect.ValueOf(*big.NewRat(int64(r.IntN(100000))-50000, []int64{1, 8, 100, 3}[r.IntN(4)])))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth > 4 || r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 4 || r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), r.IntN(3), 3)
		for i := 0; i < s.Len(); i++ {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if depth > 4 || r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		for n := r.IntN(3); n > 0; n-- {
			k := reflect.New(v.Type().Key()).Elem()
			fill(r, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		if r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(fillStrings[r.IntN(len(fillStrings))]))
		}
	}
}

// copyValue copies src into dst, a value of the same shape generated in
// another package: structs field by field, named types by conversion.
func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		if src.Type() == dst.Type() {
			dst.Set(src)
			return
		}
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).IsExported() {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(dst.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		s := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			copyValue(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Array:
		for i := 0; i < src.Len(); i++ {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		m := reflect.MakeMapWithSize(dst.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(dst.Type().Key()).Elem()
			copyValue(k, it.Key())
			e := reflect.New(dst.Type().Elem()).Elem()
			copyValue(e, it.Value())
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Interface:
		if !src.IsNil() {
			dst.Set(src.Elem())
		}
	default:
		dst.Set(src.Convert(dst.Type()))
	}
}

// BenchmarkSerialize is the price of --optimize size on the publish path:
// wire.Serializer.Append (validate, encode, frame) of a valid event of the
// bundled catalog generated both ways, into a reused buffer.
//
//	go test ./wire/internal/sizetest -run '^$' -bench Serialize -count 5
func BenchmarkSerialize(b *testing.B) {
	ctx := context.Background()
	_, reg := wiretest.Registry(b)
	for _, ev := range []wire.Event{samples.OrderPlaced(), samples.OrderShipped()} {
		for _, c := range []struct {
			name string
			ev   wire.Event
		}{{"speed", ev}, {"size", sizeTwin(b, ev)}} {
			b.Run(ev.SchemaType()+"/"+c.name, func(b *testing.B) {
				s, err := wire.NewSerializer(ctx, reg, c.ev, wire.SerializerOptions{AutoRegister: true})
				if err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, 0, 1024)
				b.ReportAllocs()
				for b.Loop() {
					if buf, err = s.Append(buf[:0], c.ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
