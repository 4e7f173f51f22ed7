package codegen_test

import (
	"encoding/json"
	"testing"

	"github.com/evctl/evctl/internal/codegen/gentest/catalog"
)

// BenchmarkSumTypeUnmarshalJSON measures a sum type's UnmarshalJSON, which
// selects the branch by validating the text against each branch's
// subschema with santhosh-tekuri/jsonschema: the oneOf of v1.Payment's
// method (two branches kept apart by a const discriminator).
func BenchmarkSumTypeUnmarshalJSON(b *testing.B) {
	data := []byte(`{"kind":"card","last4":"4242","expires":"2027-01-31"}`)
	var m catalog.V1PaymentMethod
	if err := m.UnmarshalJSON(data); err != nil || m.Card == nil || m.Card.Last4 != "4242" {
		b.Fatalf("%v %+v", err, m)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.UnmarshalJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSumTypeDiscriminator: a oneOf whose branches each require "kind"
// with a distinct const decodes the branch the text's kind names when that
// branch validates, and fails otherwise, exactly as santhosh judges the
// oneOf: the branch is found by the discriminator, then validated.
func TestSumTypeDiscriminator(t *testing.T) {
	for _, c := range []struct {
		doc, want string // want: the branch set, or "" for an error
	}{
		{`{"kind":"card","last4":"4242"}`, "card"},
		{` {"last4":"4242" , "kind" : "card"}`, "card"},
		{`{"kind":"c\u0061rd","last4":"4242"}`, "card"},
		{`{"kind":"transfer","iban":"DE89370400440532013000"}`, "transfer"},
		{`{"kind":"transfer","last4":"4242"}`, ""},
		{`{"kind":"card","last4":"42"}`, ""},
		{`{"kind":"card","last4":"4242","extra":1}`, ""},
		{`{"kind":"CARD","last4":"4242"}`, ""},
		{`{"kind":null,"last4":"4242"}`, ""},
		{`{"last4":"4242"}`, ""},
		{`{"kind":"transfer","kind":"card","last4":"4242"}`, "card"},
		{`[]`, ""},
	} {
		var m catalog.V1PaymentMethod
		err := json.Unmarshal([]byte(c.doc), &m)
		got := ""
		switch {
		case err != nil:
		case m.Card != nil && m.Transfer == nil:
			got = "card"
		case m.Transfer != nil && m.Card == nil:
			got = "transfer"
		default:
			got = "?"
		}
		if got != c.want {
			t.Errorf("%s: branch %q (err %v), want %q", c.doc, got, err, c.want)
		}
	}
}
