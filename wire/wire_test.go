package wire_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
	"github.com/evctl/evctl/internal/codegen/gentest/samples"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
	"github.com/evctl/evctl/wire/validate"
)

func orderPlaced() *bundled.V1OrderPlaced { return samples.OrderPlaced() }

func orderShipped() *bundled.V1OrderShipped { return samples.OrderShipped() }

func TestBufferPool(t *testing.T) {
	var bp wire.BufferPool
	b := bp.Get()
	if len(*b) != 0 || cap(*b) == 0 {
		t.Fatalf("Get = len %d cap %d", len(*b), cap(*b))
	}
	*b = append(*b, "frame"...)
	bp.Put(b)
	if c := bp.Get(); len(*c) != 0 {
		t.Errorf("a reused buffer is not empty: %q", *c)
	}
	huge := make([]byte, 0, 1<<20)
	bp.Put(&huge) // dropped, must not panic
	bp.Put(nil)
}

func TestSplitFrame(t *testing.T) {
	for _, frame := range [][]byte{nil, {0}, {0, 0, 0, 1}, {1, 0, 0, 0, 1}, {0xff, 0, 0, 0, 1, 2}} {
		if _, _, err := wire.SplitFrame(frame); !errors.Is(err, wire.ErrBadFrame) {
			t.Errorf("SplitFrame(%x) = %v, want ErrBadFrame", frame, err)
		}
	}
	id, payload, err := wire.SplitFrame([]byte{0, 0x01, 0x02, 0x03, 0x04, 'x'})
	if err != nil || id != 0x01020304 || string(payload) != "x" {
		t.Errorf("SplitFrame = %d %q %v", id, payload, err)
	}
	if got := wire.AppendHeader([]byte("k"), 0x01020304); !bytes.Equal(got, []byte{'k', 0, 1, 2, 3, 4}) {
		t.Errorf("AppendHeader = %x", got)
	}
}

func TestSerializerLookupThenAutoRegister(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	if _, err := wire.NewSerializer(ctx, reg, &bundled.V1OrderPlaced{}, wire.SerializerOptions{}); !errors.Is(err, wire.ErrNotRegistered) {
		t.Fatalf("NewSerializer without registration = %v, want ErrNotRegistered", err)
	}
	s1, err := wire.NewSerializer(ctx, reg, &bundled.V1OrderPlaced{}, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := wire.NewSerializer(ctx, reg, &bundled.V1OrderPlaced{}, wire.SerializerOptions{})
	if err != nil {
		t.Fatalf("lookup after registration: %v", err)
	}
	if s1.ID() != s2.ID() || s1.ID() == 0 {
		t.Errorf("ids: registered %d, looked up %d", s1.ID(), s2.ID())
	}
	if s1.Subject() != "com.acme.orders.v1.OrderPlaced" {
		t.Errorf("subject = %q", s1.Subject())
	}
	typ, text, err := reg.SchemaByID(ctx, int(s1.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if typ != "AVRO" {
		t.Errorf("schema type = %q", typ)
	}
	// The registry stores the schema text it was given (our source, with
	// its doc and defaults), possibly compacted.
	if !bytes.Contains([]byte(text), []byte("Idempotency key.")) {
		t.Errorf("registered schema lost its doc: %s", text)
	}
}

func roundTrip[T wire.Event](t *testing.T, ev T, into T) {
	t.Helper()
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	s, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("keep")
	frame, err := s.Append(prefix, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(frame, []byte("keep")) {
		t.Fatalf("Append dropped the caller's bytes")
	}
	frame = frame[len("keep"):]
	if frame[0] != 0 || int(frame[1])<<24|int(frame[2])<<16|int(frame[3])<<8|int(frame[4]) != int(s.ID()) {
		t.Fatalf("frame header %x, want 00 + id %d", frame[:5], s.ID())
	}
	d := wire.NewDeserializer(reg)
	d.Validate = true
	if err := d.Deserialize(ctx, frame, into); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, into, cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("round trip (-sent +received):\n%s", diff)
	}
}

func TestRoundTripAvro(t *testing.T) {
	roundTrip(t, orderPlaced(), &bundled.V1OrderPlaced{})
}

// TestUseHamba: the generated encoder and hamba/avro give frames that
// decode to the same event.
func TestUseHamba(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	ev := avroAll()
	fast, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{UseHamba: true})
	if err != nil {
		t.Fatal(err)
	}
	d := wire.NewDeserializer(reg)
	var got [2]catalog.V1AvroAll
	for i, s := range []*wire.Serializer{fast, slow} {
		frame, err := s.Serialize(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Deserialize(ctx, frame, &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(got[1], got[0], cmp.Comparer(func(a, b *big.Rat) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("generated encoder vs hamba (-hamba +generated):\n%s", diff)
	}
}

func TestRoundTripJSON(t *testing.T) {
	roundTrip(t, orderShipped(), &bundled.V1OrderShipped{})
}

func avroAll() *catalog.V1AvroAll { return samples.AvroAll() }

func TestRoundTripAvroAllTypes(t *testing.T) {
	ev := avroAll()
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, ev, &catalog.V1AvroAll{})
	long := int64(5)
	ev2 := avroAll()
	ev2.Payload = &catalog.V1AvroAllPayloadUnion{Long: &long}
	ev2.Maybe = nil
	roundTrip(t, ev2, &catalog.V1AvroAll{})
	small := int32(-3)
	ev3 := avroAll()
	ev3.Payload = &catalog.V1AvroAllPayloadUnion{String: &ev3.Label}
	ev3.Maybe = &catalog.V1AvroAllMaybeUnion{Int: &small}
	ev3.SecondHome, ev3.Nickname, ev3.OptAmount = nil, nil, nil
	roundTrip(t, ev3, &catalog.V1AvroAll{})
}

func TestAvroValidate(t *testing.T) {
	long := int64(5)
	s := "x"
	for _, c := range []struct {
		name    string
		mut     func(*catalog.V1AvroAll)
		inst    string
		keyword string
	}{
		{"uuid", func(e *catalog.V1AvroAll) { e.EventID = "nope" }, "/event_id", "logicalType"},
		{"enum", func(e *catalog.V1AvroAll) { e.Status = "LATER" }, "/status", "symbols"},
		{"nested enum", func(e *catalog.V1AvroAll) { e.Home.Status = "x" }, "/home/status", "symbols"},
		{"array enum", func(e *catalog.V1AvroAll) { e.Statuses = append(e.Statuses, "y") }, "/statuses/1", "symbols"},
		{"decimal precision", func(e *catalog.V1AvroAll) { e.Amount = big.NewRat(1000000, 1) }, "/amount", "precision"},
		{"decimal scale", func(e *catalog.V1AvroAll) { e.Amount = big.NewRat(1, 1000) }, "/amount", "precision"},
		{"fixed decimal", func(e *catalog.V1AvroAll) { e.FixedAmount = big.NewRat(1, 3) }, "/fixed_amount", "precision"},
		{"nil decimal", func(e *catalog.V1AvroAll) { e.Amount = nil }, "/amount", "precision"},
		{"union none", func(e *catalog.V1AvroAll) { e.Payload = &catalog.V1AvroAllPayloadUnion{} }, "/payload", "type"},
		{"union two", func(e *catalog.V1AvroAll) { e.Payload = &catalog.V1AvroAllPayloadUnion{Long: &long, String: &s} }, "/payload", "type"},
		{"union nil", func(e *catalog.V1AvroAll) { e.Payload = nil }, "/payload", "type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := avroAll()
			c.mut(ev)
			err := ev.Validate()
			var ve *validate.Error
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want *validate.Error", err)
			}
			if ve.InstanceLocation != c.inst || ve.Keyword != c.keyword {
				t.Errorf("error at %s keyword %s (%v), want %s %s", ve.InstanceLocation, ve.Keyword, ve, c.inst, c.keyword)
			}
		})
	}
}

func TestInvalidEvent(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	s, err := wire.NewSerializer(ctx, reg, &bundled.V1OrderShipped{}, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := orderShipped()
	ev.PackageWeightG = "-1"
	dst := []byte("x")
	out, err := s.Append(dst, ev)
	if !errors.Is(err, wire.ErrInvalidEvent) {
		t.Fatalf("Append = %v, want ErrInvalidEvent", err)
	}
	var ve *validate.Error
	if !errors.As(err, &ve) || ve.InstanceLocation != "/package_weight_g" || ve.KeywordLocation != "#/properties/package_weight_g/minimum" {
		t.Errorf("validation error = %#v", ve)
	}
	if string(out) != "x" {
		t.Errorf("Append changed dst on error: %q", out)
	}
	if _, err := s.Append(nil, orderPlaced()); err == nil {
		t.Errorf("a serializer for v1.OrderShipped accepted a v1.OrderPlaced")
	}
}

func TestDeserializeUnknownIDAndBadFrame(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	d := wire.NewDeserializer(reg)
	err := d.Deserialize(ctx, []byte{0, 0, 0, 0x30, 0x39, 1}, &bundled.V1OrderPlaced{})
	if !errors.Is(err, wire.ErrUnknownSchemaID) {
		t.Errorf("unknown id: %v, want ErrUnknownSchemaID", err)
	}
	if err := d.Deserialize(ctx, []byte{0, 0, 0}, &bundled.V1OrderPlaced{}); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("short frame: %v, want ErrBadFrame", err)
	}
	if err := d.Deserialize(ctx, []byte{2, 0, 0, 0, 1, 1}, &bundled.V1OrderPlaced{}); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("bad magic: %v, want ErrBadFrame", err)
	}
}

// TestWriterReaderResolution writes with an older schema (no coupon_code,
// an extra field) and reads into the generated v1.OrderPlaced.
func TestWriterReaderResolution(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	writer := `{"type":"record","name":"OrderPlaced","namespace":"com.acme.orders.v1","fields":[
	  {"name":"event_id","type":{"type":"string","logicalType":"uuid"}},
	  {"name":"occurred_at","type":{"type":"long","logicalType":"timestamp-millis"}},
	  {"name":"correlation_id","type":"string"},
	  {"name":"order_id","type":"string"},
	  {"name":"customer_id","type":"string"},
	  {"name":"total_cents","type":"long"},
	  {"name":"currency","type":"string"},
	  {"name":"lines","type":{"type":"array","items":{"type":"record","name":"OrderLine","fields":[
	    {"name":"sku","type":"string"},{"name":"quantity","type":"int"},{"name":"unit_price_cents","type":"long"}]}}},
	  {"name":"shipping_address","type":{"type":"record","name":"Address","fields":[
	    {"name":"street","type":"string"},{"name":"city","type":"string"},{"name":"postal_code","type":"string"},{"name":"country","type":"string"}]}},
	  {"name":"legacy","type":"string"}]}`
	id, err := reg.Register(ctx, "older", "AVRO", writer)
	if err != nil {
		t.Fatal(err)
	}
	want := orderPlaced()
	want.CouponCode = nil
	sch := avro.MustParse(writer)
	payload, err := avro.Marshal(sch, map[string]any{
		"event_id": want.EventID, "occurred_at": want.OccurredAt, "correlation_id": want.CorrelationID,
		"order_id": want.OrderID, "customer_id": want.CustomerID, "total_cents": want.TotalCents, "currency": want.Currency,
		"lines":            []any{map[string]any{"sku": "sku-1", "quantity": int32(2), "unit_price_cents": int64(2100)}},
		"shipping_address": map[string]any{"street": "Main 1", "city": "Amsterdam", "postal_code": "1000AA", "country": "NL"},
		"legacy":           "gone",
	})
	if err != nil {
		t.Fatal(err)
	}
	frame := append(wire.AppendHeader(nil, uint32(id)), payload...)
	got := &bundled.V1OrderPlaced{CouponCode: new(string)}
	if err := wire.NewDeserializer(reg).Deserialize(ctx, frame, got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved decode (-want +got):\n%s", diff)
	}
}

// TestDeserializeChecksReceivedJSON: with Validate set, a JSON event is
// judged on the bytes received, so what decoding into a struct would hide
// (an explicit null, a missing required property, an unknown property) is
// rejected, and integral numbers written as 1.2e3, 1200.0 or beyond int64,
// and RFC 3339 leap seconds and lowercase t/z, are accepted and decoded
// keeping their text.
func TestDeserializeChecksReceivedJSON(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	s, err := wire.NewSerializer(ctx, reg, &bundled.V1OrderShipped{}, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	frame := func(payload string) []byte {
		id := s.ID()
		return append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}, payload...)
	}
	const base = `"event_id":"6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f","occurred_at":"2026-11-26T10:00:00Z","correlation_id":"c","order_id":"o","carrier":"dhl","tracking_number":"T1"`
	d := wire.NewDeserializer(reg)
	d.Validate = true
	for _, c := range []struct {
		name, payload string
		valid         bool
	}{
		{"valid", `{` + base + `,"package_weight_g":1200}`, true},
		{"exponent form", `{` + base + `,"package_weight_g":1.2e3}`, true},
		{"fraction form", `{` + base + `,"package_weight_g":1200.0}`, true},
		{"beyond int64", `{` + base + `,"package_weight_g":18446744073709551616}`, true},
		{"leap second", `{` + strings.Replace(base, "2026-11-26T10:00:00Z", "2016-12-31T23:59:60Z", 1) + `,"package_weight_g":1}`, true},
		{"lowercase t and z", `{` + strings.Replace(base, "2026-11-26T10:00:00Z", "2026-11-26t10:00:00z", 1) + `,"package_weight_g":1}`, true},
		{"leap second not at 23:59 UTC", `{` + strings.Replace(base, "2026-11-26T10:00:00Z", "2016-12-31T22:59:60Z", 1) + `,"package_weight_g":1}`, false},
		{"explicit null", `{` + base + `,"package_weight_g":null}`, false},
		{"missing required", `{` + base + `}`, false},
		{"unknown property", `{` + base + `,"package_weight_g":1,"extra":1}`, false},
		{"not an integer", `{` + base + `,"package_weight_g":1.5}`, false},
		{"huge exponent", `{` + base + `,"package_weight_g":1e999999999}`, false},
	} {
		var got bundled.V1OrderShipped
		err := d.Deserialize(ctx, frame(c.payload), &got)
		switch {
		case c.valid && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.valid && !strings.Contains(c.payload, `"package_weight_g":`+string(got.PackageWeightG)+`}`):
			t.Errorf("%s: package_weight_g = %s, not the text received", c.name, got.PackageWeightG)
		case c.valid && !strings.Contains(c.payload, `"occurred_at":"`+got.OccurredAt+`"`):
			t.Errorf("%s: occurred_at = %s, not the text received", c.name, got.OccurredAt)
		case !c.valid && !errors.Is(err, wire.ErrInvalidEvent):
			t.Errorf("%s: err = %v, want ErrInvalidEvent", c.name, err)
		}
	}
}
