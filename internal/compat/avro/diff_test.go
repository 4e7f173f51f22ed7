package avro

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	rec := func(fields string) string {
		return `{"type":"record","name":"R","namespace":"a.v1","fields":[` + fields + `]}`
	}
	tests := []struct {
		name, old, new string
		want           []string // "TYPE path compatible"
	}{
		{"identical", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"}`), nil},
		{"field added with default", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}`),
			[]string{"FIELD_ADDED /fields/1 true"}},
		{"field added without default", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`),
			[]string{"FIELD_ADDED /fields/1 false"}},
		{"field removed", rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`), rec(`{"name":"a","type":"int"}`),
			[]string{"FIELD_REMOVED /fields/1 true"}},
		{"renamed with alias", rec(`{"name":"a","type":"int"}`), rec(`{"name":"b","aliases":["a"],"type":"int"}`),
			[]string{"FIELD_RENAMED /fields/0 true"}},
		{"promotion", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"long"}`),
			[]string{"TYPE_CHANGED /fields/0/type true"}},
		{"narrowing", rec(`{"name":"a","type":"long"}`), rec(`{"name":"a","type":"int"}`),
			[]string{"TYPE_CHANGED /fields/0/type false"}},
		{"made nullable", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":["null","int"],"default":null}`),
			[]string{"DEFAULT_ADDED /fields/0 true", "TYPE_CHANGED /fields/0/type true"}},
		{"default changed", rec(`{"name":"a","type":"int","default":1}`), rec(`{"name":"a","type":"int","default":2}`),
			[]string{"DEFAULT_CHANGED /fields/0 true"}},
		{"enum symbol added and removed", `{"type":"enum","name":"E","symbols":["A","B"]}`, `{"type":"enum","name":"E","symbols":["A","C"]}`,
			[]string{"ENUM_SYMBOL_ADDED /symbols true", "ENUM_SYMBOL_REMOVED /symbols false"}},
		{"union branch added", `["null","int"]`, `["null","int","string"]`,
			[]string{"UNION_BRANCH_ADDED /2 true"}},
		{"union branch removed", `["null","int","string"]`, `["null","int"]`,
			[]string{"UNION_BRANCH_REMOVED /2 false"}},
		{"fixed size", `{"type":"fixed","name":"F","size":4}`, `{"type":"fixed","name":"F","size":8}`,
			[]string{"FIXED_SIZE_CHANGED /size false"}},
		{"logical type ignored", `{"type":"long","logicalType":"timestamp-millis"}`, `{"type":"long","logicalType":"timestamp-micros"}`,
			[]string{"LOGICAL_TYPE_CHANGED / true"}},
		{"renamed record", `{"type":"record","name":"A","fields":[]}`, `{"type":"record","name":"B","fields":[]}`,
			[]string{"NAME_CHANGED /name false"}},
		{"nested removal reported in the old layout",
			rec(`{"name":"x","type":"int"},{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}}`),
			rec(`{"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"b","type":"int"}]}}`),
			[]string{"FIELD_REMOVED /fields/1/type/fields/0 true", "FIELD_REMOVED /fields/0 true"}},
		{"recursive", rec(`{"name":"next","type":["null","R"]}`), rec(`{"name":"next","type":["null","R"]},{"name":"n","type":"int","default":0}`),
			[]string{"FIELD_ADDED /fields/1 true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := Parse([]byte(tt.old), nil)
			if err != nil {
				t.Fatal(err)
			}
			n, err := Parse([]byte(tt.new), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range Diff(o, n) {
				got = append(got, fmt.Sprintf("%s %s %v", c.Type, c.Path, c.Compatible))
				if c.Message == "" {
					t.Errorf("%s at %s has no message", c.Type, c.Path)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}
