package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/validate"
)

// Run all in one process so that the ratios hold:
//
//	go test ./internal/codegen/gentest/bench/ -run '^$' -bench . -benchmem -count 5

func event() *V1CheckoutStarted {
	return &V1CheckoutStarted{
		EventID: "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", OccurredAt: "2026-11-26T10:00:00.123456789Z",
		CorrelationID: "corr-7f3a91", CartID: "cart-1029384", CustomerID: "cust-55021", TotalCents: "12999", ItemCount: 3,
		Currency: "EUR", Channel: V1CheckoutStartedChannelIos, PaymentMethod: V1CheckoutStartedPaymentMethodBankTransfer,
		Tier: V1CheckoutStartedTierPremium,
	}
}

var notHex = func() (t [256]uint8) {
	for c := range t {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			t[c] = 1
		}
	}
	return t
}()

// handValidate is the lower bound: the same checks written by hand as byte
// loops (no paths, no error values).
func handValidate(v *V1CheckoutStarted) bool {
	s := v.EventID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	if notHex[s[0]]|notHex[s[1]]|notHex[s[2]]|notHex[s[3]]|notHex[s[4]]|notHex[s[5]]|notHex[s[6]]|notHex[s[7]]|
		notHex[s[9]]|notHex[s[10]]|notHex[s[11]]|notHex[s[12]]|notHex[s[14]]|notHex[s[15]]|notHex[s[16]]|notHex[s[17]]|
		notHex[s[19]]|notHex[s[20]]|notHex[s[21]]|notHex[s[22]]|notHex[s[24]]|notHex[s[25]]|notHex[s[26]]|notHex[s[27]]|
		notHex[s[28]]|notHex[s[29]]|notHex[s[30]]|notHex[s[31]]|notHex[s[32]]|notHex[s[33]]|notHex[s[34]]|notHex[s[35]] != 0 {
		return false
	}
	if !handDateTime(v.OccurredAt) {
		return false
	}
	if n := v.TotalCents; len(n) == 0 || len(n) > 18 || n[0] == '-' || notDigits(string(n)) {
		return false // a plain non-negative integer (the bound skips 1.0, 1e2 and big forms)
	}
	if v.ItemCount < 1 || v.ItemCount > 1000 {
		return false
	}
	c := v.Currency
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z' {
		return false
	}
	switch v.Channel {
	case "web", "ios", "android", "store", "partner":
	default:
		return false
	}
	switch v.PaymentMethod {
	case "card", "paypal", "klarna", "bank_transfer", "gift_card":
	default:
		return false
	}
	switch v.Tier {
	case "basic", "plus", "premium":
	default:
		return false
	}
	return true
}

func notDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return true
		}
	}
	return false
}

func d2(s string, i int) int {
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return -1
	}
	return int(a)*10 + int(b)
}

// handDateTime is a byte loop for RFC 3339 date-times, as JSON Schema
// reads them (days per month, leap years, leap seconds only at 23:59:60
// UTC, fractions, Z or an offset, lowercase t and z).
func handDateTime(s string) bool {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10]|0x20 != 't' || s[13] != ':' || s[16] != ':' {
		return false
	}
	y1, y2, mo, d, h, mi, se := d2(s, 0), d2(s, 2), d2(s, 5), d2(s, 8), d2(s, 11), d2(s, 14), d2(s, 17)
	if y1|y2|mo|d|h|mi|se < 0 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60 {
		return false
	}
	y := y1*100 + y2
	dim := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mo]
	if mo == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		dim = 29
	}
	if d > dim {
		return false
	}
	i := 19
	if s[i] == '.' {
		i++
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j || i == len(s) {
			return false
		}
	}
	off := 0
	switch {
	case s[i]|0x20 == 'z' && i+1 == len(s):
	case (s[i] == '+' || s[i] == '-') && i+6 == len(s) && s[i+3] == ':':
		oh, om := d2(s, i+1), d2(s, i+4)
		if oh|om < 0 || oh > 23 || om > 59 {
			return false
		}
		off = oh*60 + om
		if s[i] == '+' {
			off = -off
		}
	default:
		return false
	}
	if se == 60 { // a leap second is 23:59:60 in UTC
		m := (h*60 + mi + off + 1440) % 1440
		return m == 23*60+59
	}
	return true
}

// handAppend is the lower bound of AppendJSON: the bytes encoding/json
// writes for event(), assuming (not checking) that no string needs escaping.
func handAppend(b []byte, v *V1CheckoutStarted) []byte {
	b = append(b, `{"event_id":"`...)
	b = append(b, v.EventID...)
	b = append(b, `","occurred_at":"`...)
	b = append(b, v.OccurredAt...)
	b = append(b, `","correlation_id":"`...)
	b = append(b, v.CorrelationID...)
	b = append(b, `","cart_id":"`...)
	b = append(b, v.CartID...)
	b = append(b, `","customer_id":"`...)
	b = append(b, v.CustomerID...)
	b = append(b, `","total_cents":`...)
	b = append(b, v.TotalCents...)
	b = append(b, `,"item_count":`...)
	b = strconv.AppendInt(b, v.ItemCount, 10)
	b = append(b, `,"currency":"`...)
	b = append(b, v.Currency...)
	b = append(b, `","channel":"`...)
	b = append(b, v.Channel...)
	b = append(b, `","payment_method":"`...)
	b = append(b, v.PaymentMethod...)
	b = append(b, `","tier":"`...)
	b = append(b, v.Tier...)
	return append(b, `"}`...)
}

func TestHandWrittenBoundsAgree(t *testing.T) {
	ev := event()
	want, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ev.AppendJSON(nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON = %s, %v; json.Marshal %s", got, err, want)
	}
	if got, valid, err := ev.AppendValidatedJSON(nil); err != nil || !valid || !bytes.Equal(got, want) {
		t.Fatalf("AppendValidatedJSON = %s, %v, %v; json.Marshal %s", got, valid, err, want)
	}
	if hand := handAppend(nil, ev); !bytes.Equal(hand, want) {
		t.Fatalf("handAppend = %s, want %s", hand, want)
	}
	if err := ev.Validate(); err != nil || !handValidate(ev) {
		t.Fatalf("Validate = %v, handValidate = %v", err, handValidate(ev))
	}
	for _, dt := range []string{"2026-11-26T10:00:00Z", "2026-11-26t10:00:00.5z", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z",
		"2017-01-01T00:59:60+01:00", "2016-12-31T22:59:60Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2026-13-26T10:00:00Z",
		"2026-11-26 10:00:00Z", "2026-11-26T10:00:00", "2026-11-26T10:00:00+25:00", "2026-11-26T10:00:00.Z", "2026-11-26T24:00:00Z",
		"2026-11-26T10:00:00+0100", "2026-11-26T10:00:00-00:00", "0000-01-01T00:00:00Z", "2026-04-31T10:00:00Z"} {
		if handDateTime(dt) != validate.DateTime(dt) {
			t.Errorf("handDateTime(%q) = %v, validate.DateTime %v", dt, handDateTime(dt), validate.DateTime(dt))
		}
	}
	bad := event()
	bad.Tier = "gold"
	if bad.Validate() == nil || handValidate(bad) {
		t.Fatal("an out-of-enum tier passes")
	}
}

func BenchmarkValidate(b *testing.B) {
	ev := event()
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if err := ev.Validate(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if !handValidate(ev) {
				b.Fatal("invalid")
			}
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
}

func BenchmarkEncodeJSON(b *testing.B) {
	ev := event()
	buf := make([]byte, 0, 512)
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			var err error
			if buf, err = ev.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			buf = handAppend(buf[:0], ev)
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
	b.Run("encoding-json-encoder", func(b *testing.B) {
		var w bytes.Buffer
		enc := json.NewEncoder(&w)
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			w.Reset()
			if err := enc.Encode(ev); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
}

// BenchmarkPublishJSON: validate, encode and frame (wire.Serializer.Append)
// with the generated AppendJSON, with encoding/json, and the hand-written
// lower bound (handValidate, the frame header, handAppend).
func BenchmarkPublishJSON(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(filepath.Join(b.TempDir(), "registry.db"))
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.NewServer(store, server.ServerOptions{}))
	b.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	reg, err := wire.NewSRRegistry(srv.URL, srv.Client())
	if err != nil {
		b.Fatal(err)
	}
	ev := event()
	buf := make([]byte, 0, 512)
	for _, c := range []struct {
		name string
		opts wire.SerializerOptions
	}{
		{"AppendJSON", wire.SerializerOptions{AutoRegister: true}},
		{"encoding-json", wire.SerializerOptions{AutoRegister: true, UseEncodingJSON: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := wire.NewSerializer(ctx, reg, ev, c.opts)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if buf, err = s.Append(buf[:0], ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if !handValidate(ev) {
				b.Fatal("invalid")
			}
			buf = handAppend(wire.AppendHeader(buf[:0], 1), ev)
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
}
