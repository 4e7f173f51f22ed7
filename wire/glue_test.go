package wire_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/internal/wiretest"
)

func TestGlueVersionID(t *testing.T) {
	const s = "b7b4a7f0-9c0d-4a7a-8a1e-2f3c4d5e6f70"
	id, err := wire.ParseGlueVersionID(s)
	if err != nil {
		t.Fatal(err)
	}
	if id[0] != 0xb7 || id[15] != 0x70 || id.String() != s {
		t.Errorf("ParseGlueVersionID(%q) = %x, String %q", s, id, id.String())
	}
	if up, err := wire.ParseGlueVersionID(strings.ToUpper(s)); err != nil || up != id {
		t.Errorf("upper case: %x %v", up, err)
	}
	for _, bad := range []string{"", "b7b4a7f09c0d4a7a8a1e2f3c4d5e6f70", "b7b4a7f0-9c0d-4a7a-8a1e-2f3c4d5e6f7", "g7b4a7f0-9c0d-4a7a-8a1e-2f3c4d5e6f70", "b7b4a7f0+9c0d-4a7a-8a1e-2f3c4d5e6f70"} {
		if _, err := wire.ParseGlueVersionID(bad); err == nil {
			t.Errorf("ParseGlueVersionID(%q) accepted", bad)
		}
	}
}

func TestGlueFrame(t *testing.T) {
	id, _ := wire.ParseGlueVersionID("00112233-4455-6677-8899-aabbccddeeff")
	payload := []byte("the payload, long enough to compress: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	plain, err := wire.AppendGlueFrame([]byte("k"), id, false, payload)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{'k', 3, 0, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, payload...)
	if !bytes.Equal(plain, want) {
		t.Fatalf("AppendGlueFrame = %x\nwant %x", plain, want)
	}
	z, err := wire.AppendGlueFrame(nil, id, true, payload)
	if err != nil {
		t.Fatal(err)
	}
	if z[0] != 3 || z[1] != 5 || !bytes.Equal(z[2:18], id[:]) {
		t.Fatalf("compressed header = %x", z[:18])
	}
	zr, err := zlib.NewReader(bytes.NewReader(z[18:]))
	if err != nil {
		t.Fatal(err)
	}
	var inflated bytes.Buffer
	if _, err := inflated.ReadFrom(zr); err != nil || !bytes.Equal(inflated.Bytes(), payload) {
		t.Fatalf("the zlib body inflates to %q, %v", inflated.Bytes(), err)
	}
	for _, frame := range [][]byte{plain[1:], z} {
		gotID, got, err := wire.SplitGlueFrame(frame)
		if err != nil || gotID != id || !bytes.Equal(got, payload) {
			t.Errorf("SplitGlueFrame(%x) = %x %q %v", frame[:2], gotID, got, err)
		}
	}
}

func TestSplitGlueFrameRejects(t *testing.T) {
	hdr := func(v, c byte) []byte { return append([]byte{v, c}, make([]byte, 16)...) }
	var bomb bytes.Buffer
	zw := zlib.NewWriter(&bomb)
	zw.Write(make([]byte, wire.MaxGlueInflated+1))
	zw.Close()
	for name, frame := range map[string][]byte{
		"empty":            nil,
		"short":            hdr(3, 0)[:17],
		"header version":   hdr(2, 0),
		"confluent":        append([]byte{0}, hdr(3, 0)...),
		"compression":      hdr(3, 1),
		"bad zlib":         append(hdr(3, 5), 1, 2, 3),
		"truncated zlib":   append(hdr(3, 5), bomb.Bytes()[:20]...),
		"inflates too far": append(hdr(3, 5), bomb.Bytes()...),
	} {
		if _, _, err := wire.SplitGlueFrame(frame); !errors.Is(err, wire.ErrBadFrame) {
			t.Errorf("%s: SplitGlueFrame = %v, want ErrBadFrame", name, err)
		}
	}
}

func TestGlueSerializerAndDualDeserializer(t *testing.T) {
	ctx := context.Background()
	greg := wiretest.GlueRegistry(t)
	if _, err := wire.NewGlueSerializer(ctx, greg, orderPlaced(), wire.GlueSerializerOptions{}); !errors.Is(err, wire.ErrNotRegistered) {
		t.Fatalf("without AutoRegister: %v", err)
	}
	_, creg := wiretest.Registry(t)
	conf, err := wire.NewSerializer(ctx, creg, orderPlaced(), wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	dual := wire.NewDualDeserializer(greg, creg)
	for _, compress := range []bool{false, true} {
		for _, ev := range []wire.Event{orderPlaced(), orderShipped()} {
			ser, err := wire.NewGlueSerializer(ctx, greg, ev, wire.GlueSerializerOptions{AutoRegister: true, Compress: compress})
			if err != nil {
				t.Fatal(err)
			}
			if again, err := wire.NewGlueSerializer(ctx, greg, ev, wire.GlueSerializerOptions{}); err != nil || again.VersionID() != ser.VersionID() {
				t.Fatalf("lookup after registration: %v %v", again, err)
			}
			frame, err := ser.Append([]byte("prefix"), ev)
			if err != nil {
				t.Fatal(err)
			}
			frame = frame[len("prefix"):]
			id, payload, err := wire.SplitGlueFrame(frame)
			if err != nil || id != ser.VersionID() || (frame[1] == 5) != compress {
				t.Fatalf("frame %x: %x %v", frame, id, err)
			}
			if ev.SchemaType() == "JSON" && !strings.HasPrefix(string(payload), `{"`) {
				t.Errorf("JSON payload %q", payload)
			}
			into := newOf(ev)
			if err := dual.Deserialize(ctx, frame, into); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ev, into); diff != "" {
				t.Errorf("compress=%v %s round trip (-want +got):\n%s", compress, ev.EventType(), diff)
			}
		}
	}
	// The same Deserializer reads Confluent frames.
	if f, err := conf.Serialize(orderPlaced()); err != nil || f[0] != 0 {
		t.Fatalf("Confluent frame %x %v", f, err)
	}
	cf, err := conf.Serialize(orderPlaced())
	if err != nil {
		t.Fatal(err)
	}
	var got bundled.V1OrderPlaced
	if err := dual.Deserialize(ctx, cf, &got); err != nil || got.OrderID != "ord-1" {
		t.Fatalf("Confluent frame through the dual deserializer: %v %+v", err, got)
	}
	// A Glue frame needs a Glue registry, a Confluent frame a Confluent one.
	gf, _ := wire.AppendGlueFrame(nil, wire.GlueVersionID{1, 0xee}, false, []byte{0})
	if gs, err := wire.NewGlueSerializer(ctx, greg, orderPlaced(), wire.GlueSerializerOptions{}); err != nil {
		t.Fatal(err)
	} else if gf2, err := gs.Serialize(orderPlaced()); err != nil || gf2[0] != 3 {
		t.Fatalf("Serialize = %x %v", gf2, err)
	}
	if err := wire.NewDeserializer(creg).Deserialize(ctx, gf, &got); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("Glue frame without a Glue registry: %v", err)
	}
	if err := wire.NewDualDeserializer(greg, nil).Deserialize(ctx, cf, &got); !errors.Is(err, wire.ErrBadFrame) {
		t.Errorf("Confluent frame without a Confluent registry: %v", err)
	}
	unknown, _ := wire.AppendGlueFrame(nil, wire.GlueVersionID{0x99}, false, []byte{0})
	if err := dual.Deserialize(ctx, unknown, &got); !errors.Is(err, wire.ErrUnknownSchemaID) {
		t.Errorf("unknown version id: %v", err)
	}
}

func newOf(ev wire.Event) wire.Event {
	switch ev.(type) {
	case *bundled.V1OrderPlaced:
		return &bundled.V1OrderPlaced{}
	case *bundled.V1OrderShipped:
		return &bundled.V1OrderShipped{}
	}
	panic("unexpected event type")
}

// TestGlueSerializerFailure: a definition Glue marks FAILURE (here a new
// required field under BACKWARD) gives no serializer.
func TestGlueSerializerFailure(t *testing.T) {
	ctx := context.Background()
	greg := wiretest.GlueRegistry(t)
	v1 := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`
	v2 := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}`
	if _, err := greg.GlueVersionID(ctx, "r", "AVRO", v1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := greg.GlueVersionID(ctx, "r", "AVRO", v2, true); err == nil || !strings.Contains(err.Error(), "FAILURE") {
		t.Fatalf("incompatible registration: %v", err)
	}
	if _, err := greg.GlueVersionID(ctx, "r", "AVRO", v2, false); err == nil || !strings.Contains(err.Error(), "FAILURE") {
		t.Fatalf("lookup of the failed version: %v", err)
	}
}

func BenchmarkGlueSerializer(b *testing.B) {
	ctx := context.Background()
	greg := wiretest.GlueRegistry(b)
	_, creg := wiretest.Registry(b)
	conf, err := wire.NewSerializer(ctx, creg, orderPlaced(), wire.SerializerOptions{AutoRegister: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("confluent", func(b *testing.B) {
		ev := orderPlaced()
		buf := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = conf.Append(buf[:0], ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, compress := range []bool{false, true} {
		ser, err := wire.NewGlueSerializer(ctx, greg, orderPlaced(), wire.GlueSerializerOptions{AutoRegister: true, Compress: compress})
		if err != nil {
			b.Fatal(err)
		}
		ev := orderPlaced()
		name := "plain"
		if compress {
			name = "zlib"
		}
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = ser.Append(buf[:0], ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
