package interop_test

import (
	"context"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/google/go-cmp/cmp"
	"github.com/hamba/avro/v2"

	bundled "github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/interop/internal/evctltest"
	"github.com/evctl/evctl/wire"
)

const topic = "orders"

func orderPlaced() *bundled.V1OrderPlaced {
	coupon := "WELCOME"
	return &bundled.V1OrderPlaced{
		EventID:       "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f",
		OccurredAt:    time.UnixMilli(1764151200123).UTC(),
		CorrelationID: "corr-1",
		OrderID:       "ord-1",
		CustomerID:    "cust-1",
		TotalCents:    4200,
		Currency:      "EUR",
		Lines: []bundled.V1OrderPlacedOrderLine{
			{SKU: "sku-1", Quantity: 2, UnitPriceCents: 1500},
			{SKU: "sku-2", Quantity: 1, UnitPriceCents: 1200},
		},
		ShippingAddress: bundled.V1OrderPlacedAddress{Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL"},
		CouponCode:      &coupon,
	}
}

func confluentClient(t testing.TB, url string) schemaregistry.Client {
	t.Helper()
	cl, err := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// subjectOf makes Confluent's serdes use the event's own subject (the
// record name strategy evctl registers under) instead of <topic>-value.
func subjectOf(ev wire.Event) serde.SubjectNameStrategyFunc {
	return func(string, serde.Type, schemaregistry.SchemaInfo) (string, error) { return ev.Subject(), nil }
}

// TestOurAvroDecodesWithHambaAndConfluent: a frame from our Serializer
// decodes with plain hamba/avro (payload after the 5-byte header) and with
// Confluent's avrov2 deserializer, both against evctl's registry.
func TestOurAvroDecodesWithHambaAndConfluent(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	want := orderPlaced()
	s, err := wire.NewSerializer(ctx, reg, want, wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := s.Serialize(want)
	if err != nil {
		t.Fatal(err)
	}

	var viaHamba bundled.V1OrderPlaced
	if err := avro.Unmarshal(avro.MustParse(want.Schema()), frame[wire.HeaderSize:], &viaHamba); err != nil {
		t.Fatalf("hamba: %v", err)
	}
	if diff := cmp.Diff(want, &viaHamba); diff != "" {
		t.Errorf("hamba decode (-sent +got):\n%s", diff)
	}

	deser, err := avrov2.NewDeserializer(confluentClient(t, url), serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	deser.SubjectNameStrategy = subjectOf(want)
	var viaConfluent bundled.V1OrderPlaced
	if err := deser.DeserializeInto(topic, frame, &viaConfluent); err != nil {
		t.Fatalf("confluent avrov2: %v", err)
	}
	if diff := cmp.Diff(want, &viaConfluent); diff != "" {
		t.Errorf("confluent decode (-sent +got):\n%s", diff)
	}
}

// TestConfluentAvroDecodesWithOurs: frames from Confluent's avrov2
// serializer decode with our Deserializer, both when Confluent uses the
// schema evctl registered (UseLatestVersion) and when it auto-registers
// the schema it reflects from the Go type (a different writer schema, so
// our Deserializer resolves it to the generated reader schema).
func TestConfluentAvroDecodesWithOurs(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	want := orderPlaced()
	if _, err := wire.NewSerializer(ctx, reg, want, wire.SerializerOptions{AutoRegister: true}); err != nil {
		t.Fatal(err)
	}
	client := confluentClient(t, url)

	latest := avrov2.NewSerializerConfig()
	latest.AutoRegisterSchemas = false
	latest.UseLatestVersion = true
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, latest)
	if err != nil {
		t.Fatal(err)
	}
	ser.SubjectNameStrategy = subjectOf(want)
	frame, err := ser.Serialize(topic, want)
	if err != nil {
		t.Fatalf("confluent serialize: %v", err)
	}
	got := &bundled.V1OrderPlaced{}
	if err := wire.NewDeserializer(reg).Deserialize(ctx, frame, got); err != nil {
		t.Fatalf("our deserializer: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decode of Confluent's frame (-sent +got):\n%s", diff)
	}

	// An older, compatible writer schema: no coupon_code. Confluent encodes
	// with it (UseSchemaID); our Deserializer resolves it to the generated
	// reader schema, where coupon_code defaults to null.
	older := `{"type":"record","name":"OrderPlaced","namespace":"com.acme.orders.v1","fields":[
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
	    {"name":"street","type":"string"},{"name":"city","type":"string"},{"name":"postal_code","type":"string"},{"name":"country","type":"string"}]}}]}`
	olderID, err := reg.Register(ctx, "orders-older", "AVRO", older)
	if err != nil {
		t.Fatal(err)
	}
	byID := avrov2.NewSerializerConfig()
	byID.AutoRegisterSchemas = false
	byID.UseSchemaID = olderID
	ser, err = avrov2.NewSerializer(client, serde.ValueSerde, byID)
	if err != nil {
		t.Fatal(err)
	}
	ser.SubjectNameStrategy = func(string, serde.Type, schemaregistry.SchemaInfo) (string, error) { return "orders-older", nil }
	frame, err = ser.Serialize(topic, want)
	if err != nil {
		t.Fatalf("confluent serialize with an older schema: %v", err)
	}
	if id, _, _ := wire.SplitFrame(frame); int(id) != olderID {
		t.Fatalf("Confluent framed schema %d, want %d", id, olderID)
	}
	got = &bundled.V1OrderPlaced{}
	if err := wire.NewDeserializer(reg).Deserialize(ctx, frame, got); err != nil {
		t.Fatalf("our deserializer on an older writer schema: %v", err)
	}
	wantOlder := orderPlaced()
	wantOlder.CouponCode = nil
	if diff := cmp.Diff(wantOlder, got); diff != "" {
		t.Errorf("resolved decode of Confluent's frame (-want +got):\n%s", diff)
	}
}
