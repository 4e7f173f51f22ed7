package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/wire"
)

// TestWireDecodeRuntimeFrames: frames written by the wire runtime (the
// generated AppendAvro encoder, hamba/avro, and encoding/json) decode with
// `evctl wire decode` to the event that was sent.
func TestWireDecodeRuntimeFrames(t *testing.T) {
	srv, _ := startRecordingRegistry(t)
	reg, err := wire.NewSRRegistry(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	coupon := "WELCOME"
	placed := &bundled.V1OrderPlaced{EventID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", OccurredAt: time.UnixMilli(1764151200123).UTC(),
		CorrelationID: "c-1", OrderID: "ord-1", CustomerID: "cust-1", TotalCents: 4200, Currency: "EUR",
		Lines:           []bundled.V1OrderPlacedOrderLine{{SKU: "sku-1", Quantity: 2, UnitPriceCents: 2100}},
		ShippingAddress: bundled.V1OrderPlacedAddress{Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL"},
		CouponCode:      &coupon}
	shipped := &bundled.V1OrderShipped{EventID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", OccurredAt: "2026-11-26T10:00:00Z",
		CorrelationID: "c-1", OrderID: "ord-1", Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "JD0001", PackageWeightG: "1200"}
	dir := t.TempDir()
	for _, c := range []struct {
		name     string
		ev       wire.Event
		useHamba bool
	}{{"avro-generated", placed, false}, {"avro-hamba", placed, true}, {"json", shipped, false}} {
		t.Run(c.name, func(t *testing.T) {
			s, err := wire.NewSerializer(context.Background(), reg, c.ev, wire.SerializerOptions{AutoRegister: true, UseHamba: c.useHamba})
			if err != nil {
				t.Fatal(err)
			}
			frame, err := s.Serialize(c.ev)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, c.name+".bin")
			if err := os.WriteFile(file, frame, 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, dir, map[string]string{"EVCTL_REGISTRY_URL": srv.URL}, "wire", "decode", file)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%v: %s", err, stdout)
			}
			want := map[string]any{"event_id": "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "correlation_id": "c-1", "order_id": "ord-1"}
			if c.name == "json" {
				want["occurred_at"], want["carrier"], want["package_weight_g"] = "2026-11-26T10:00:00Z", "dhl", 1200.0
			} else {
				want["occurred_at"], want["coupon_code"], want["total_cents"] = "2025-11-26T10:00:00.123Z", "WELCOME", 4200.0
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}
