package avroparse

import (
	"strings"
	"testing"

	hamba "github.com/hamba/avro/v2"
)

// TestRecursiveRecordDefaults: schemas on which hamba/avro alone panics
// (a field default holding a value of an enclosing record) parse, and a
// wrong default among them is still rejected.
func TestRecursiveRecordDefaults(t *testing.T) {
	for _, c := range []struct {
		name, schema, wantErr string
	}{
		{"array of self with a record item", `{"type":"record","name":"A","fields":[{"name":"m","type":{"type":"array","items":"A"},"default":[{"m":[]}]}]}`, ""},
		{"map of self with a record value", `{"type":"record","name":"A","fields":[{"name":"m","type":{"type":"map","values":"A"},"default":{"k":{"m":{}}}}]}`, ""},
		{"self by value has no finite default", `{"type":"record","name":"A","fields":[{"name":"kids","type":{"type":"array","items":"A"},"default":[]},{"name":"b","type":"A","default":{"kids":[]}}]}`, "invalid default for field b"},
		{"nested record holding the enclosing one", `{"type":"record","name":"A","namespace":"n","fields":[{"name":"x","type":"int"},{"name":"c","type":{"type":"record","name":"C","fields":[{"name":"a","type":{"type":"array","items":"n.A"}}]},"default":{"a":[{"x":1,"c":{"a":[]}}]}}]}`, ""},
		{"wrong default inside", `{"type":"record","name":"A","fields":[{"name":"m","type":{"type":"array","items":"A"},"default":[{"m":"nope"}]}]}`, "invalid default for field m"},
		{"union whose first branch is the record", `{"type":"record","name":"A","fields":[{"name":"next","type":["A","null"],"default":{"next":null}}]}`, "invalid default for field next"},
		{"missing field without default", `{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"m","type":{"type":"array","items":"A"},"default":[{"m":[]}]}]}`, "invalid default for field m"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sch, err := Parse([]byte(c.schema))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Parse error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if sch.Type() != hamba.Record {
				t.Fatalf("got %s", sch.Type())
			}
		})
	}
}

// TestOrdinarySchemasUnchanged: without such defaults the text goes to
// hamba as is, so its verdicts and canonical form stay.
func TestOrdinarySchemasUnchanged(t *testing.T) {
	for _, s := range []string{
		`"int"`,
		`{"type":"record","name":"A","fields":[{"name":"n","type":["null","A"],"default":null},{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"y","type":"int"}]},"default":{"y":1}}]}`,
	} {
		got, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		want, err := hamba.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fingerprint() != want.Fingerprint() {
			t.Errorf("fingerprint differs for %s", s)
		}
	}
	if _, err := Parse([]byte(`{"type":"record","name":"A","fields":[{"name":"x","type":"int","default":"s"}]}`)); err == nil {
		t.Errorf("a bad default was accepted")
	}
	if _, err := Parse([]byte(`{not json`)); err == nil {
		t.Errorf("bad JSON was accepted")
	}
}

// TestLaterUseOfAStrippedDefault: a default elsewhere that relies on a
// stripped default is stripped too, rather than rejected by hamba.
func TestLaterUseOfAStrippedDefault(t *testing.T) {
	s := `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"A","fields":[{"name":"kids","type":{"type":"array","items":"A"},"default":[]},{"name":"b","type":{"type":"array","items":"A"},"default":[{"kids":[],"b":[]}]}]}},{"name":"c","type":"A","default":{"kids":[]}}]}`
	if _, err := Parse([]byte(s)); err != nil {
		t.Fatal(err)
	}
}
