package validate

import (
	"encoding/json"
	"testing"
)

// discriminatorWant is what encoding/json reads: the last value of the key
// in the object, when it is a string.
func discriminatorWant(data []byte, key string) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return "", false
	}
	raw, has := m[key]
	if !has {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	return s, true
}

var discriminatorSeeds = []string{
	`{"kind":"card","last4":"4242"}`,
	` { "last4" : "4242" , "kind" : "transfer" } `,
	`{"kind":1}`, `{"kind":null}`, `{"kind":"a","kind":"b"}`, `{"kind":"a","kind":2}`, `{"kind":2,"kind":"a"}`,
	`{"k\u0069nd":"esc"}`, `{"kind":"caf\u00e9"}`, `{"kind":"\ud83d\ude00"}`, `{"kind":"\xff"}`, `{"kind":"a\"b"}`,
	`{"x":{"kind":"nested"},"y":[1,{"kind":"no"},"]}"],"kind":"top"}`, `{"x":"}","kind":"k"}`,
	`{}`, `[]`, `"kind"`, `null`, `{"kind":"a"`, `{"kind"}`, `{"kind":}`, `{,}`, `{"a":1,}`, `{"kind":"a"}x`,
	`{"Kind":"case"}`, `{"a":-1.5e3,"b":true,"c":false,"d":null,"kind":"after literals"}`, "{\"kind\":\"tab\there\"}",
	`{"a":[[[[]]]],"kind":"deep"}`, `{"kind" :"x" ,"z":{}}`,
}

func TestDiscriminatorMatchesEncodingJSON(t *testing.T) {
	for _, s := range discriminatorSeeds {
		checkDiscriminator(t, []byte(s), "kind")
	}
}

func FuzzDiscriminator(f *testing.F) {
	for _, s := range discriminatorSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDiscriminator(t, data, "kind")
	})
}

// checkDiscriminator: on valid JSON, Discriminator reads what encoding/json
// reads; on any input it returns without panicking.
func checkDiscriminator(t *testing.T, data []byte, key string) {
	t.Helper()
	got, ok := Discriminator(data, key)
	if !json.Valid(data) {
		return
	}
	want, wok := discriminatorWant(data, key)
	if got != want || ok != wok {
		t.Errorf("Discriminator(%q) = %q, %v; encoding/json reads %q, %v", data, got, ok, want, wok)
	}
}
