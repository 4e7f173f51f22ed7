package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/schema"
)

var (
	benchDomains  = []string{"Retail", "Wholesale", "Marketplace", "Subscription", "Partner", "Internal", "Mobile", "Web", "Store", "Kiosk"}
	benchEntities = []string{"Order", "Payment", "Shipment", "Invoice", "Refund", "Cart", "Account", "Parcel", "Coupon", "Ticket"}
	benchVerbs    = []string{"Placed", "Paid", "Sent", "Frozen", "Held", "Read", "Reset", "Withdrawn", "Printed", "Failed",
		"Created", "Cancelled", "Shipped", "Returned", "Approved", "Rejected", "Opened", "Closed", "Updated", "Archived"}
)

// writeBenchCatalog writes n valid events (half Avro, the rest JSON Schema
// in JSON and YAML) spread over four versions, and returns the root.
func writeBenchCatalog(tb testing.TB, dir string, n int) string {
	tb.Helper()
	root := filepath.Join(dir, "schemas")
	for i := 0; i < n; i++ {
		domain := benchDomains[i%len(benchDomains)]
		entity := benchEntities[(i/len(benchDomains))%len(benchEntities)]
		verb := benchVerbs[(i/(len(benchDomains)*len(benchEntities)))%len(benchVerbs)]
		version := 1 + (i/7)%4
		stem := domain + entity + verb
		idField := snake(append(splitWords(domain+entity), "id"))
		v := fmt.Sprintf("v%d", version)
		var name, text string
		switch i % 4 {
		case 0, 1:
			name = stem + ".avsc"
			text = fmt.Sprintf(`{
  "type": "record",
  "name": %q,
  "namespace": "com.acme.%s.%s",
  "doc": "Generated benchmark event %d.",
  "fields": [
    {"name": "event_id", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "correlation_id", "type": "string"},
    {"name": %q, "type": "string"},
    {"name": "customer_id", "type": "string"},
    {"name": "total_cents", "type": "long"},
    {"name": "timeout_ms", "type": ["null", "int"], "default": null},
    {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
      {"name": "sku", "type": "string"},
      {"name": "quantity", "type": "int"},
      {"name": "unit_price_cents", "type": "long"}
    ]}}},
    {"name": "shipping_address", "type": {"type": "record", "name": "Address", "fields": [
      {"name": "street", "type": "string"},
      {"name": "city", "type": "string"},
      {"name": "postal_code", "type": "string"}
    ]}}
  ]
}
`, stem, strings.ToLower(entity), v, i, idField)
		case 2:
			name = stem + ".json"
			text = fmt.Sprintf(`{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://schemas.acme.example/%s/%s/%s.json",
  "title": "%s.%s",
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id", "occurred_at", "correlation_id", %q, "amount_cents"],
  "properties": {
    "event_id": {"type": "string", "format": "uuid"},
    "occurred_at": {"type": "string", "format": "date-time"},
    "correlation_id": {"type": "string"},
    %q: {"type": "string"},
    "amount_cents": {"type": "integer", "minimum": 0},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "retry_after_seconds": {"type": "integer"},
    "package": {
      "type": "object",
      "additionalProperties": false,
      "properties": {"weight_g": {"type": "integer"}, "carrier": {"type": "string", "enum": ["ups", "dhl"]}}
    }
  }
}
`, strings.ToLower(entity), v, stem, v, stem, idField, idField)
		default:
			name = stem + ".yaml"
			text = fmt.Sprintf(`$schema: http://json-schema.org/draft-07/schema#
title: %s.%s
type: object
additionalProperties: false
required: [event_id, occurred_at, correlation_id, %s]
properties:
  event_id: {type: string, format: uuid}
  occurred_at: {type: string, format: date-time}
  correlation_id: {type: string}
  %s: {type: string}
  refund_cents: {type: integer}
  reason: {type: string}
`, v, stem, idField, idField)
		}
		p := filepath.Join(root, v, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// BenchmarkLintCatalog2000 loads and lints a generated catalog of 2,000
// events.
func BenchmarkLintCatalog2000(b *testing.B) {
	root := writeBenchCatalog(b, b.TempDir(), 2000)
	cfg := config.Default()
	// The catalog is valid and clean, so every rule runs to the end.
	cat, err := schema.Load([]string{root}, schema.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if len(cat.Errors) > 0 || len(cat.Events) != 2000 {
		b.Fatalf("generated catalog: %d events, errors %v", len(cat.Events), cat.Errors)
	}
	if ds := Run(cat, cfg); len(ds) > 0 {
		b.Fatalf("generated catalog is not clean: %d findings, first %+v", len(ds), ds[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		cat, err := schema.Load([]string{root}, schema.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		Run(cat, cfg)
	}
}

// BenchmarkRunCatalog2000 measures the rules alone on a loaded catalog of
// 2,000 events.
func BenchmarkRunCatalog2000(b *testing.B) {
	root := writeBenchCatalog(b, b.TempDir(), 2000)
	cat, err := schema.Load([]string{root}, schema.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	b.ReportAllocs()
	for b.Loop() {
		if ds := Run(cat, cfg); len(ds) > 0 {
			b.Fatalf("%d findings", len(ds))
		}
	}
}
