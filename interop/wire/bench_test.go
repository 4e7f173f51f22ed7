package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	confluentjson "github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"

	bundled "github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/interop/internal/evctltest"
	"github.com/evctl/evctl/wire"
)

// Run all in one process so that the ratios hold:
//
//	cd interop && go test ./wire/ -run '^$' -bench . -benchmem -count 5

// orderPlacedJSONSchema is v1.OrderPlaced (an Avro record) written as the
// equivalent draft-07 JSON Schema, so that santhosh can validate the same
// event as a decoded map: every field required, uuid and date-time formats,
// closed objects, coupon_code nullable.
const orderPlacedJSONSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object", "additionalProperties": false,
  "required": ["event_id","occurred_at","correlation_id","order_id","customer_id","total_cents","currency","lines","shipping_address","coupon_code"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    "order_id": {"type": "string"},
    "customer_id": {"type": "string"},
    "total_cents": {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807},
    "currency": {"type": "string"},
    "lines": {"type": "array", "items": {"type": "object", "additionalProperties": false,
      "required": ["sku","quantity","unit_price_cents"],
      "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
        "unit_price_cents": {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}}}},
    "shipping_address": {"type": "object", "additionalProperties": false,
      "required": ["street","city","postal_code","country"],
      "properties": {"street": {"type": "string"}, "city": {"type": "string"}, "postal_code": {"type": "string"}, "country": {"type": "string"}}},
    "coupon_code": {"type": ["string","null"]}
  }
}`

// orderPlacedDoc is the JSON form of orderPlaced() under the field names of
// the schema.
func orderPlacedDoc(ev *bundled.V1OrderPlaced) []byte {
	lines := make([]map[string]any, len(ev.Lines))
	for i, l := range ev.Lines {
		lines[i] = map[string]any{"sku": l.SKU, "quantity": l.Quantity, "unit_price_cents": l.UnitPriceCents}
	}
	b, _ := json.Marshal(map[string]any{
		"event_id": ev.EventID, "occurred_at": ev.OccurredAt, "correlation_id": ev.CorrelationID, "order_id": ev.OrderID,
		"customer_id": ev.CustomerID, "total_cents": ev.TotalCents, "currency": ev.Currency, "lines": lines,
		"shipping_address": map[string]any{"street": ev.ShippingAddress.Street, "city": ev.ShippingAddress.City,
			"postal_code": ev.ShippingAddress.PostalCode, "country": ev.ShippingAddress.Country},
		"coupon_code": ev.CouponCode,
	})
	return b
}

func paymentFailed() *bundled.V1PaymentFailed {
	retry := json.Number("30")
	// Date-times are text (RFC 3339 as sent); amounts without an upper
	// bound are json.Number.
	return &bundled.V1PaymentFailed{
		EventID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", OccurredAt: "2026-11-26T10:00:00Z",
		CorrelationID: "corr-1", PaymentID: "pay-1", OrderID: "ord-1", AmountCents: "4200", Currency: "EUR",
		FailureCode: bundled.V1PaymentFailedFailureCodeCardDeclined, RetryAfterSeconds: &retry,
	}
}

func compileSanthosh(b *testing.B, text string) *jsonschema.Schema {
	b.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		b.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("mem://bench.json", doc); err != nil {
		b.Fatal(err)
	}
	s, err := c.Compile("mem://bench.json")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func decoded(b *testing.B, doc []byte) any {
	b.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkValidate: the generated Validate against santhosh-tekuri/jsonschema
// v6 validating the same event as a decoded map.
func BenchmarkValidate(b *testing.B) {
	op := orderPlaced()
	b.Run("v1.OrderPlaced/generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := op.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("v1.OrderPlaced/santhosh-map", func(b *testing.B) {
		sch := compileSanthosh(b, orderPlacedJSONSchema)
		doc := decoded(b, orderPlacedDoc(op))
		b.ReportAllocs()
		for b.Loop() {
			if err := sch.Validate(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	pf := paymentFailed()
	b.Run("v1.PaymentFailed/generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := pf.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("v1.PaymentFailed/santhosh-map", func(b *testing.B) {
		sch := compileSanthosh(b, pf.Schema())
		raw, _ := json.Marshal(pf)
		doc := decoded(b, raw)
		b.ReportAllocs()
		for b.Loop() {
			if err := sch.Validate(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPublish: validate, encode and frame one event, our Serializer
// against Confluent's Go serializers, all against evctl's registry server
// (ids are cached after the first message in every case).
func BenchmarkPublish(b *testing.B) {
	ctx := context.Background()
	url, reg := evctltest.Registry(b)
	op, pf := orderPlaced(), paymentFailed()
	client := confluentClient(b, url)

	b.Run("avro/evctl", func(b *testing.B) {
		s, err := wire.NewSerializer(ctx, reg, op, wire.SerializerOptions{AutoRegister: true})
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			if buf, err = s.Append(buf[:0], op); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("avro/evctl-hamba", func(b *testing.B) {
		s, err := wire.NewSerializer(ctx, reg, op, wire.SerializerOptions{AutoRegister: true, UseHamba: true})
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			if buf, err = s.Append(buf[:0], op); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("avro/confluent-latest", func(b *testing.B) {
		conf := avrov2.NewSerializerConfig()
		conf.AutoRegisterSchemas = false
		conf.UseLatestVersion = true
		ser, err := avrov2.NewSerializer(client, serde.ValueSerde, conf)
		if err != nil {
			b.Fatal(err)
		}
		ser.SubjectNameStrategy = subjectOf(op)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ser.Serialize(topic, op); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("avro/confluent-autoregister", func(b *testing.B) {
		ser, err := avrov2.NewSerializer(client, serde.ValueSerde, avrov2.NewSerializerConfig())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ser.Serialize(topic, op); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json/evctl", func(b *testing.B) {
		s, err := wire.NewSerializer(ctx, reg, pf, wire.SerializerOptions{AutoRegister: true})
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			if buf, err = s.Append(buf[:0], pf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json/confluent-latest-validate", func(b *testing.B) {
		if _, err := wire.NewSerializer(ctx, reg, pf, wire.SerializerOptions{AutoRegister: true}); err != nil {
			b.Fatal(err)
		}
		conf := confluentjson.NewSerializerConfig()
		conf.AutoRegisterSchemas = false
		conf.UseLatestVersion = true
		conf.EnableValidation = true
		ser, err := confluentjson.NewSerializer(client, serde.ValueSerde, conf)
		if err != nil {
			b.Fatal(err)
		}
		ser.SubjectNameStrategy = subjectOf(pf)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ser.Serialize(topic, pf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json/confluent-autoregister", func(b *testing.B) {
		ser, err := confluentjson.NewSerializer(client, serde.ValueSerde, confluentjson.NewSerializerConfig())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ser.Serialize(topic+"-json", pf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
