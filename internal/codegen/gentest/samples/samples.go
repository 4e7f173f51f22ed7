// Package samples holds valid events of the generated test packages
// bundled and catalog, which the tests of the wire runtime send.
package samples

import (
	"math/big"
	"time"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
)

// OrderPlaced is a valid v1.OrderPlaced of the bundled catalog (Avro).
func OrderPlaced() *bundled.V1OrderPlaced {
	coupon := "WELCOME"
	return &bundled.V1OrderPlaced{
		EventID:       "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f",
		OccurredAt:    time.UnixMilli(1764151200123).UTC(),
		CorrelationID: "corr-1",
		OrderID:       "ord-1",
		CustomerID:    "cust-1",
		TotalCents:    4200,
		Currency:      "EUR",
		Lines:         []bundled.V1OrderPlacedOrderLine{{SKU: "sku-1", Quantity: 2, UnitPriceCents: 2100}},
		ShippingAddress: bundled.V1OrderPlacedAddress{
			Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL",
		},
		CouponCode: &coupon,
	}
}

// OrderShipped is a valid v1.OrderShipped of the bundled catalog (JSON
// Schema).
func OrderShipped() *bundled.V1OrderShipped {
	return &bundled.V1OrderShipped{
		EventID:        "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f",
		OccurredAt:     "2026-11-26T10:00:00Z",
		CorrelationID:  "corr-1",
		OrderID:        "ord-1",
		Carrier:        bundled.V1OrderShippedCarrierDhl,
		TrackingNumber: "JD0001",
		PackageWeightG: "1200",
	}
}

// AvroAll is a valid v1.AvroAll of testdata/catalog: every Avro type.
func AvroAll() *catalog.V1AvroAll {
	nick := "nick"
	opt := big.NewRat(-125, 10)
	return &catalog.V1AvroAll{
		EventID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", Flag: true, Small: -7, Big: 1 << 40, Ratio: 0.5, Precise: 1.25,
		Blob: []byte{1, 2}, Label: "l", Status: catalog.V1AvroAllStatusInProgress, Digest: [4]byte{1, 2, 3, 4},
		Numbers: []int32{1, 2}, Attrs: map[string]string{"a": "b"},
		Home:       catalog.V1AvroAllAddress{Street: "s", Status: catalog.V1AvroAllStatusDone},
		Work:       catalog.V1AvroAllComAcmeWorkAddress{Floor: 3},
		SecondHome: &catalog.V1AvroAllAddress{Street: "t", Status: catalog.V1AvroAllStatusNew},
		Nickname:   &nick,
		Payload:    &catalog.V1AvroAllPayloadUnion{ComAcmeWorkAddress: &catalog.V1AvroAllComAcmeWorkAddress{Floor: 9}},
		Maybe:      &catalog.V1AvroAllMaybeUnion{String: &nick},
		Amount:     big.NewRat(123456, 100), FixedAmount: big.NewRat(1, 8), OptAmount: &opt,
		Day:     time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		ClockMs: 90 * time.Second, ClockUs: 1500 * time.Microsecond,
		AtMs: time.UnixMilli(1764151200123).UTC(), AtUs: time.UnixMicro(1764151200123456).UTC(),
		LocalMs:  time.UnixMilli(1764151200123).UTC(),
		Statuses: []catalog.V1AvroAllStatus{catalog.V1AvroAllStatusNew},
		Scores:   map[string]*float64{"x": nil},
	}
}
