package interop_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/jsonschema"
	"github.com/google/go-cmp/cmp"

	bundled "github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/interop/internal/evctltest"
	"github.com/evctl/evctl/wire"
)

func orderShipped() *bundled.V1OrderShipped {
	p := orderPlaced()
	return &bundled.V1OrderShipped{EventID: p.EventID, OccurredAt: p.OccurredAt.Format(time.RFC3339Nano), CorrelationID: "corr-1",
		OrderID: "ord-1", Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "JD0001", PackageWeightG: "1200"}
}

// confluentHeaderFrames serializes placed (Avro) and shipped (JSON Schema)
// with confluent-kafka-go in header mode (HeaderSchemaIDSerializer: the
// schema GUID in the __value_schema_id header, no payload prefix), using
// the schemas evctl registered.
func confluentHeaderFrames(t *testing.T, url string, placed *bundled.V1OrderPlaced, shipped *bundled.V1OrderShipped) (avroHdr []kafka.Header, avroPayload []byte, jsonHdr []kafka.Header, jsonPayload []byte) {
	t.Helper()
	aser, jser := confluentSerializers(t, url, placed, shipped)
	aser.SchemaIDSerializer = serde.HeaderSchemaIDSerializer
	jser.SchemaIDSerializer = serde.HeaderSchemaIDSerializer
	var err error
	if avroHdr, avroPayload, err = aser.SerializeWithHeaders(topic, placed); err != nil {
		t.Fatalf("confluent avro, header mode: %v", err)
	}
	if jsonHdr, jsonPayload, err = jser.SerializeWithHeaders(topic, shipped); err != nil {
		t.Fatalf("confluent json, header mode: %v", err)
	}
	for _, h := range [][]kafka.Header{avroHdr, jsonHdr} {
		if len(h) != 1 || h[0].Key != wire.ValueSchemaIDHeader || len(h[0].Value) != wire.GUIDHeaderSize || h[0].Value[0] != wire.MagicGUID {
			t.Fatalf("confluent-kafka-go wrote headers %v, want one %s of 0x01 and a GUID", h, wire.ValueSchemaIDHeader)
		}
	}
	return avroHdr, avroPayload, jsonHdr, jsonPayload
}

// TestConfluentHeaderModeDecodesWithOurs: records from confluent-kafka-go
// in header mode (Avro and JSON Schema) decode with wire's Deserializer,
// which finds the schema by the GUID in the header through evctl's
// registry (/schemas/guids/{guid}).
func TestConfluentHeaderModeDecodesWithOurs(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	placed, shipped := orderPlaced(), orderShipped()
	var guids []wire.GUID
	for _, ev := range []wire.Event{placed, shipped} {
		s, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
		if err != nil {
			t.Fatal(err)
		}
		guids = append(guids, s.GUID())
	}
	ah, ap, jh, jp := confluentHeaderFrames(t, url, placed, shipped)
	// Confluent names the same GUIDs evctl's registry gave the schemas.
	if !bytes.Equal(ah[0].Value[1:], guids[0][:]) || !bytes.Equal(jh[0].Value[1:], guids[1][:]) {
		t.Errorf("confluent-kafka-go header GUIDs % x, % x; registry's %s, %s", ah[0].Value[1:], jh[0].Value[1:], guids[0], guids[1])
	}
	d := wire.NewDeserializer(reg)
	d.Validate = true
	gotPlaced := &bundled.V1OrderPlaced{}
	if err := d.DeserializeHeader(ctx, ah[0].Value, ap, gotPlaced); err != nil {
		t.Fatalf("our deserializer on confluent's header-mode Avro: %v", err)
	}
	if diff := cmp.Diff(placed, gotPlaced); diff != "" {
		t.Errorf("avro (-sent +got):\n%s", diff)
	}
	gotShipped := &bundled.V1OrderShipped{}
	if err := d.DeserializeHeader(ctx, jh[0].Value, jp, gotShipped); err != nil {
		t.Fatalf("our deserializer on confluent's header-mode JSON: %v", err)
	}
	if diff := cmp.Diff(shipped, gotShipped); diff != "" {
		t.Errorf("json (-sent +got):\n%s", diff)
	}
	// Through the broker-neutral Decoder too, as an adapter hands it over.
	dec := &wire.Decoder{Deserializer: d, New: func(string) wire.Event { return &bundled.V1OrderPlaced{} }}
	m := &wire.Message{Value: ap, Headers: wire.Headers{{Key: wire.HeaderEventType, Value: "v1.OrderPlaced"}, {Key: ah[0].Key, Value: string(ah[0].Value)}}}
	if _, _, err := dec.Decode(ctx, m); err != nil || m.SchemaGUID != guids[0] {
		t.Errorf("Decoder on a header-mode record: %v, guid %s", err, m.SchemaGUID)
	}
}

// TestOurHeaderModeDecodesWithConfluent: wire's header-mode output (bare
// payload, __value_schema_id header) decodes with confluent-kafka-go's
// deserializers, whose default DualSchemaIDDeserializer reads the header
// and fetches the schema by GUID from evctl's registry. Prefix frames keep
// decoding with the same deserializer.
func TestOurHeaderModeDecodesWithConfluent(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	client := confluentClient(t, url)
	placed, shipped := orderPlaced(), orderShipped()

	as, err := wire.NewSerializer(ctx, reg, placed, wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := as.Serialize(placed)
	if err != nil {
		t.Fatal(err)
	}
	hdrs := []kafka.Header{{Key: as.HeaderKey(), Value: as.HeaderValue()}}
	adeser, err := avrov2.NewDeserializer(client, serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	adeser.SubjectNameStrategy = subjectOf(placed)
	gotPlaced := &bundled.V1OrderPlaced{}
	if err := adeser.DeserializeWithHeadersInto(topic, hdrs, payload, gotPlaced); err != nil {
		t.Fatalf("confluent avrov2 on our header-mode record: %v", err)
	}
	if diff := cmp.Diff(placed, gotPlaced); diff != "" {
		t.Errorf("avro (-sent +got):\n%s", diff)
	}
	ps, err := wire.NewSerializer(ctx, reg, placed, wire.SerializerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := ps.Serialize(placed)
	if err != nil {
		t.Fatal(err)
	}
	gotPlaced = &bundled.V1OrderPlaced{}
	if err := adeser.DeserializeWithHeadersInto(topic, nil, frame, gotPlaced); err != nil {
		t.Fatalf("confluent avrov2 on our prefix frame: %v", err)
	}

	js, err := wire.NewSerializer(ctx, reg, shipped, wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	jpayload, err := js.Serialize(shipped)
	if err != nil {
		t.Fatal(err)
	}
	jdeser, err := jsonschema.NewDeserializer(client, serde.ValueSerde, jsonschema.NewDeserializerConfig())
	if err != nil {
		t.Fatal(err)
	}
	jdeser.SubjectNameStrategy = subjectOf(shipped)
	gotShipped := &bundled.V1OrderShipped{}
	if err := jdeser.DeserializeWithHeadersInto(topic, []kafka.Header{{Key: js.HeaderKey(), Value: js.HeaderValue()}}, jpayload, gotShipped); err != nil {
		t.Fatalf("confluent jsonschema on our header-mode record: %v", err)
	}
	if diff := cmp.Diff(shipped, gotShipped); diff != "" {
		t.Errorf("json (-sent +got):\n%s", diff)
	}
}

// TestCLIDecodesConfluentHeaderMode: `evctl wire decode` reads records
// from confluent-kafka-go in header mode, given the __value_schema_id
// header with --header (hex, or base64:), and finds the schema by GUID in
// evctl's registry; auto picks confluent-header from the header.
func TestCLIDecodesConfluentHeaderMode(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	placed, shipped := orderPlaced(), orderShipped()
	for _, ev := range []wire.Event{placed, shipped} {
		if _, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true}); err != nil {
			t.Fatal(err)
		}
	}
	ah, ap, jh, jp := confluentHeaderFrames(t, url, placed, shipped)
	got := decodeWithCLI(t, url, ap, "--header", fmt.Sprintf("%s=0x%x", ah[0].Key, ah[0].Value))
	if got["order_id"] != "ord-1" || got["coupon_code"] != "WELCOME" || got["total_cents"] != 4200.0 || got["occurred_at"] != "2025-11-26T10:00:00.123Z" {
		t.Errorf("avro: %v", got)
	}
	got = decodeWithCLI(t, url, jp, "--framing", "confluent-header", "--header", ah[0].Key+"=base64:"+base64.StdEncoding.EncodeToString(jh[0].Value))
	if got["order_id"] != "ord-1" || got["carrier"] != "dhl" || got["package_weight_g"] != 1200.0 {
		t.Errorf("json: %v", got)
	}
}

// confluentSerializers returns confluent-kafka-go's Avro and JSON Schema
// serializers for placed and shipped, using the schemas evctl registered
// (UseLatestVersion under the events' own subjects), in prefix mode.
func confluentSerializers(t *testing.T, url string, placed *bundled.V1OrderPlaced, shipped *bundled.V1OrderShipped) (*avrov2.Serializer, *jsonschema.Serializer) {
	t.Helper()
	client := confluentClient(t, url)
	acfg := avrov2.NewSerializerConfig()
	acfg.AutoRegisterSchemas, acfg.UseLatestVersion = false, true
	aser, err := avrov2.NewSerializer(client, serde.ValueSerde, acfg)
	if err != nil {
		t.Fatal(err)
	}
	aser.SubjectNameStrategy = subjectOf(placed)
	jcfg := jsonschema.NewSerializerConfig()
	jcfg.AutoRegisterSchemas, jcfg.UseLatestVersion = false, true
	jser, err := jsonschema.NewSerializer(client, serde.ValueSerde, jcfg)
	if err != nil {
		t.Fatal(err)
	}
	jser.SubjectNameStrategy = subjectOf(shipped)
	return aser, jser
}
