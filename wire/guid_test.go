package wire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
)

func TestParseGUID(t *testing.T) {
	g, err := wire.ParseGUID("0F1E2D3C-4B5A-6978-8796-a5b4c3d2e1f0")
	if err != nil {
		t.Fatal(err)
	}
	if g.String() != "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" || g[0] != 0x0f || g[15] != 0xf0 {
		t.Errorf("ParseGUID = %s (% x)", g, g[:])
	}
	for _, bad := range []string{"", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fz"} {
		if _, err := wire.ParseGUID(bad); err == nil {
			t.Errorf("ParseGUID(%q) accepted", bad)
		}
	}
	if !(wire.GUID{}).IsZero() || g.IsZero() {
		t.Error("IsZero")
	}
}

// TestSplitDual follows Confluent's DualSchemaIDDeserializer: a header
// that parses wins; an empty or unparsable one falls back to the prefix.
func TestSplitDual(t *testing.T) {
	g := wire.GUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	hdr := wire.AppendGUIDHeader(nil, g)
	if len(hdr) != wire.GUIDHeaderSize || hdr[0] != 0x01 || !bytes.Equal(hdr[1:], g[:]) {
		t.Fatalf("AppendGUIDHeader = % x", hdr)
	}
	prefixed := wire.AppendHeader(nil, 42)
	prefixed = append(prefixed, 'p')
	cases := []struct {
		name         string
		header, data []byte
		want         wire.SchemaRef
		payload      string
		err          bool
	}{
		{"guid header", hdr, []byte("p"), wire.SchemaRef{GUID: g, IsGUID: true}, "p", false},
		{"guid header over a prefix", hdr, prefixed, wire.SchemaRef{GUID: g, IsGUID: true}, string(prefixed), false},
		{"id header", []byte{0, 0, 0, 0, 7}, []byte("p"), wire.SchemaRef{ID: 7}, "p", false},
		{"no header", nil, prefixed, wire.SchemaRef{ID: 42}, "p", false},
		{"empty header", []byte{}, prefixed, wire.SchemaRef{ID: 42}, "p", false},
		{"bad header, prefix", []byte{9, 9}, prefixed, wire.SchemaRef{ID: 42}, "p", false},
		{"guid prefix", nil, append(append([]byte(nil), hdr...), 'p'), wire.SchemaRef{GUID: g, IsGUID: true}, "p", false},
		{"short guid header, no prefix", hdr[:10], []byte("p"), wire.SchemaRef{}, "", true},
		{"no header, no prefix", nil, []byte(`{"a":1}`), wire.SchemaRef{}, "", true},
		{"short guid prefix", nil, hdr[:16], wire.SchemaRef{}, "", true},
		{"empty", nil, nil, wire.SchemaRef{}, "", true},
	}
	for _, c := range cases {
		ref, payload, err := wire.SplitDual(c.header, c.data)
		if c.err {
			if !errors.Is(err, wire.ErrBadFrame) {
				t.Errorf("%s: err = %v, want ErrBadFrame", c.name, err)
			}
			continue
		}
		if err != nil || ref != c.want || string(payload) != c.payload {
			t.Errorf("%s: %v %q %v, want %v %q", c.name, ref, payload, err, c.want, c.payload)
		}
	}
}

// TestHeaderMode: a header-mode serializer writes the bare payload and a
// __value_schema_id header holding 0x01 and the GUID the registry gave the
// schema; the deserializer reads it, the prefix frame and a GUID-prefixed
// frame alike.
func TestHeaderMode(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	ev := orderPlaced()
	hs, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hs.ID() != ps.ID() || hs.GUID().IsZero() || !ps.GUID().IsZero() || ps.HeaderKey() != "" || ps.HeaderValue() != nil {
		t.Fatalf("header mode id %d guid %s, prefix mode id %d guid %s %q", hs.ID(), hs.GUID(), ps.ID(), ps.GUID(), ps.HeaderKey())
	}
	if hs.HeaderKey() != "__value_schema_id" || !bytes.Equal(hs.HeaderValue(), wire.AppendGUIDHeader(nil, hs.GUID())) {
		t.Fatalf("header %s = % x", hs.HeaderKey(), hs.HeaderValue())
	}
	// The GUID is the registry's: /schemas/guids/{guid} serves the schema.
	typ, text, err := reg.SchemaByGUID(ctx, hs.GUID())
	if err != nil || typ != "AVRO" || text == "" {
		t.Fatalf("SchemaByGUID = %q %v", typ, err)
	}
	payload, err := hs.Serialize(ev)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := ps.Serialize(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, frame[wire.HeaderSize:]) {
		t.Fatalf("header-mode payload % x is not the prefix frame's payload % x", payload[:8], frame[:8])
	}
	guidFrame := append(append([]byte(nil), hs.HeaderValue()...), payload...)
	d := wire.NewDeserializer(reg)
	d.Validate = true
	for name, in := range map[string][2][]byte{
		"header":             {hs.HeaderValue(), payload},
		"prefix":             {nil, frame},
		"prefix, bad header": {{0x07}, frame},
		"guid prefix":        {nil, guidFrame},
	} {
		var got bundled.V1OrderPlaced
		if err := d.DeserializeHeader(ctx, in[0], in[1], &got); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if diff := cmp.Diff(ev, &got); diff != "" {
			t.Errorf("%s (-sent +got):\n%s", name, diff)
		}
	}
	var got bundled.V1OrderPlaced
	if err := d.Deserialize(ctx, payload, &got); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("header-mode payload without its header: %v, want ErrBadFrame", err)
	}
	unknown := wire.AppendGUIDHeader(nil, wire.GUID{0xde, 0xad})
	if err := d.DeserializeHeader(ctx, unknown, payload, &got); !errors.Is(err, wire.ErrUnknownSchemaID) {
		t.Errorf("unknown guid: %v, want ErrUnknownSchemaID", err)
	}

	ks, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{SchemaIDHeader: true, Key: true})
	if err != nil {
		t.Fatal(err)
	}
	if ks.HeaderKey() != "__key_schema_id" || ks.GUID() != hs.GUID() {
		t.Errorf("key serializer header %s guid %s", ks.HeaderKey(), ks.GUID())
	}
}

// idOnly is a Registry without GUID support.
type idOnly struct{ wire.Registry }

func TestHeaderModeNeedsGUIDRegistry(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	_, err := wire.NewSerializer(ctx, idOnly{reg}, orderPlaced(), wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
	if err == nil {
		t.Fatal("header mode accepted a registry without guids")
	}
	hs, err := wire.NewSerializer(ctx, reg, orderPlaced(), wire.SerializerOptions{AutoRegister: true, SchemaIDHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := hs.Serialize(orderPlaced())
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.NewDeserializer(idOnly{reg}).DeserializeHeader(ctx, hs.HeaderValue(), payload, &bundled.V1OrderPlaced{}); err == nil {
		t.Error("a guid decoded through a registry without guids")
	}
}

// TestPrepareDecodeHeaderMode: Prepare in header mode puts the GUID
// header beside the evctl headers and the bare payload in Value; Decode
// reads it back.
func TestPrepareDecodeHeaderMode(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	p := &wire.Preparer{Registry: reg, AutoRegister: true, SchemaIDHeader: true}
	m, err := p.Prepare(ctx, orderPlaced())
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaGUID.IsZero() || m.Value[0] == 0 || !bytes.Equal(m.Payload(), m.Value) {
		t.Fatalf("message guid %s value % x", m.SchemaGUID, m.Value[:4])
	}
	if h := m.Headers.Get(wire.ValueSchemaIDHeader); h != string(wire.AppendGUIDHeader(nil, m.SchemaGUID)) {
		t.Fatalf("%s header = % x", wire.ValueSchemaIDHeader, h)
	}
	d := &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: newBundled}
	got := &wire.Message{Value: m.Value, Headers: append(wire.Headers(nil), m.Headers...)}
	ev, _, err := d.Decode(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if op, ok := ev.(*bundled.V1OrderPlaced); !ok || op.OrderID != "ord-1" || got.SchemaGUID != m.SchemaGUID || got.SchemaID != m.SchemaID {
		t.Fatalf("decoded %T, message %+v", ev, got)
	}
	// Without its header the bare payload is not a frame.
	noHeader := &wire.Message{Value: m.Value, Headers: wire.Headers{{wire.HeaderEventType, "v1.OrderPlaced"}}}
	if _, _, err := d.Decode(ctx, noHeader); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("payload without header: %v, want ErrBadFrame", err)
	}
}

// TestHeaderModeJSON: in header mode a JSON Schema event's payload is the
// bare JSON document on every encoding path (validated append, unchecked
// append, encoding/json), never a prefixed frame.
func TestHeaderModeJSON(t *testing.T) {
	ctx := context.Background()
	_, reg := wiretest.Registry(t)
	ev := orderShipped()
	for _, opts := range []wire.SerializerOptions{
		{AutoRegister: true, SchemaIDHeader: true},
		{AutoRegister: true, SchemaIDHeader: true, UseEncodingJSON: true},
	} {
		hs, err := wire.NewSerializer(ctx, reg, ev, opts)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := hs.Serialize(ev)
		if err != nil {
			t.Fatal(err)
		}
		unchecked, err := hs.AppendUnchecked(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(payload, want) || !bytes.Equal(unchecked, want) {
			t.Fatalf("std json %v: header-mode payload %q / unchecked %q, want the bare document %q", opts.UseEncodingJSON, payload, unchecked, want)
		}
		d := wire.NewDeserializer(reg)
		d.Validate = true
		var got bundled.V1OrderShipped
		if err := d.DeserializeHeader(ctx, hs.HeaderValue(), payload, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ev, &got); diff != "" {
			t.Errorf("(-sent +got):\n%s", diff)
		}
	}
}
