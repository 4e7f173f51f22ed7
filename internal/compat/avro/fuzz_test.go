package avro

import (
	"fmt"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	`"int"`, `"long"`, `[]`, `["null","string"]`, `["int","string","long"]`,
	`{"type":"array","items":"int"}`, `{"type":"map","values":["null","double"]}`,
	`{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`,
	`{"type":"fixed","name":"F","size":4}`,
	`{"type":"record","name":"List","fields":[{"name":"head","type":"int"},{"name":"tail","type":["null","List"]}]}`,
	`{"type":"record","name":"List","fields":[{"name":"head","type":"long"},{"name":"tail","type":["null","List"]}]}`,
	`{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["X"],"default":"X"}}]}`,
	nest(MaxDepth, `{"type":"array","items":`, `}`),
	nest(MaxDepth+5, `[{"type":"map","values":`, `}]`),
}

// FuzzCanRead checks that parsing and comparing arbitrary schemas never
// panics and always terminates, and that the results are well formed.
func FuzzCanRead(f *testing.F) {
	for _, a := range fuzzSeeds {
		for _, b := range fuzzSeeds[:5] {
			f.Add(a, b)
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, errA := Parse([]byte(a), nil)
		rb, errB := Parse([]byte(b), nil)
		if errA != nil || errB != nil {
			return
		}
		for _, pair := range [][2]*Schema{{ra, rb}, {rb, ra}, {ra, ra}} {
			changes := CanRead(pair[0], pair[1])
			for _, c := range changes {
				if c.Compatible || c.Type == "" || !strings.HasPrefix(c.Path, "/") || c.Message == "" {
					t.Fatalf("malformed change %+v", c)
				}
			}
		}
		// A schema always reads its own data.
		again, err := Parse([]byte(a), nil)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		if changes := CanRead(ra, again); len(changes) != 0 {
			t.Fatalf("schema cannot read itself: %+v", changes)
		}
		// The canonical form parses back to the same canonical form.
		pcf := Canonical(ra)
		back, err := Parse([]byte(pcf), nil)
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", pcf, err)
		}
		if Canonical(back) != pcf {
			t.Fatalf("canonical form not stable: %s vs %s", Canonical(back), pcf)
		}
	})
}

func record20(name string, typ func(i int) string) string {
	fields := make([]string, 20)
	for i := range fields {
		fields[i] = fmt.Sprintf(`{"name":"f%d","type":%s}`, i, typ(i))
	}
	return fmt.Sprintf(`{"type":"record","name":%q,"namespace":"com.acme","fields":[%s]}`, name, strings.Join(fields, ","))
}

func BenchmarkCanRead20Fields(b *testing.B) {
	oldS := mustParse(b, record20("Event", func(i int) string {
		switch i % 4 {
		case 0:
			return `"int"`
		case 1:
			return `["null","string"]`
		case 2:
			return `{"type":"enum","name":"E` + fmt.Sprint(i) + `","symbols":["A","B","C"]}`
		}
		return `{"type":"array","items":"float"}`
	}))
	newS := mustParse(b, record20("Event", func(i int) string {
		switch i % 4 {
		case 0:
			return `"long"`
		case 1:
			return `["null","string","bytes"]`
		case 2:
			return `{"type":"enum","name":"E` + fmt.Sprint(i) + `","symbols":["A","B","C","D"]}`
		}
		return `{"type":"array","items":"double"}`
	}))
	if c := CanRead(newS, oldS); len(c) != 0 {
		b.Fatalf("benchmark pair is incompatible: %+v", c)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		CanRead(newS, oldS)
	}
}
