package interop_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/evctl/evctl/interop/internal/evctltest"
	"github.com/evctl/evctl/wire"
)

// decodeWithCLI runs `evctl wire decode` on frame and returns the event.
func decodeWithCLI(t *testing.T, url string, frame []byte, args ...string) map[string]any {
	t.Helper()
	file := filepath.Join(t.TempDir(), "frame.bin")
	if err := os.WriteFile(file, frame, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(evctltest.Binary(t), append(append([]string{"wire", "decode", "--registry-url", url}, args...), file)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("evctl wire decode: %v\n%s", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return got
}

// TestCLIDecodesConfluentFrames: `evctl wire decode` reads frames written by
// confluent-kafka-go's Avro and JSON Schema serializers (schema id prefix
// mode) and by the wire runtime, against evctl's registry.
func TestCLIDecodesConfluentFrames(t *testing.T) {
	ctx := context.Background()
	url, reg := evctltest.Registry(t)
	placed := orderPlaced()
	shipped := orderShipped()
	frames := map[string][]byte{}
	for _, ev := range []wire.Event{placed, shipped} {
		s, err := wire.NewSerializer(ctx, reg, ev, wire.SerializerOptions{AutoRegister: true})
		if err != nil {
			t.Fatal(err)
		}
		if frames["wire "+ev.EventType()], err = s.Serialize(ev); err != nil {
			t.Fatal(err)
		}
	}
	aser, jser := confluentSerializers(t, url, placed, shipped)
	var err error
	if frames["confluent avro"], err = aser.Serialize(topic, placed); err != nil {
		t.Fatalf("confluent avro: %v", err)
	}
	if frames["confluent json"], err = jser.Serialize(topic, shipped); err != nil {
		t.Fatalf("confluent json: %v", err)
	}

	for name, frame := range frames {
		got := decodeWithCLI(t, url, frame)
		want := map[string]any{"event_id": placed.EventID, "order_id": "ord-1", "correlation_id": "corr-1", "occurred_at": "2025-11-26T10:00:00.123Z"}
		if name == "confluent json" || name == "wire v1.OrderShipped" {
			want["carrier"], want["package_weight_g"] = "dhl", 1200.0
		} else {
			want["coupon_code"], want["total_cents"] = "WELCOME", 4200.0
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, got[k], v)
			}
		}
	}
}
