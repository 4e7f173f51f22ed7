package schema

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/evctl/evctl/internal/avroparse"
)

// hambaEdgeCases are documents on which hamba's decoding or constructors
// decide: invalid names, duplicates, defaults, logical types, aliases,
// keys in other letter case, unusual JSON types.
var hambaEdgeCases = []string{
	`"int"`, `"nope"`, `null`, `["null","string"]`, `["null","null"]`, `[]`, `[["int"]]`, `5`, `true`,
	`{"type":"int","logicalType":"date"}`, `{"type":"long","logicalType":"date"}`, `{"type":"string","logicalType":"uuid","x":1}`,
	`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`,
	`{"type":"bytes","logicalType":"decimal","precision":4,"scale":5}`,
	`{"type":"bytes","logicalType":"decimal","precision":0}`,
	`{"type":"bytes","logicalType":"decimal","precision":"4"}`,
	`{"type":"bytes","logicalType":"decimal","precision":4.5}`,
	`{"type":"bytes","logicalType":"decimal","Precision":4}`,
	`{"type":"fixed","name":"F","size":16,"logicalType":"decimal","precision":4}`,
	`{"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":40}`,
	`{"type":"fixed","name":"F","size":12,"logicalType":"duration"}`,
	`{"type":"fixed","name":"F","size":11,"logicalType":"duration"}`,
	`{"type":"fixed","name":"F"}`, `{"type":"fixed","size":4}`, `{"type":"fixed","name":"F","size":-1}`,
	`{"type":"fixed","name":"F","size":4.5}`, `{"type":"fixed","name":"F","size":"4"}`, `{"type":"fixed","name":"F","size":4,"doc":"d"}`,
	`{"type":"enum","name":"E","symbols":["A","B"]}`, `{"type":"enum","name":"E","symbols":["A","A"]}`,
	`{"type":"enum","name":"E","symbols":["1A"]}`, `{"type":"enum","name":"E","symbols":[]}`, `{"type":"enum","name":"E"}`,
	`{"type":"enum","name":"E","symbols":["A"],"default":"B"}`, `{"type":"enum","name":"E","symbols":["A"],"default":"A"}`,
	`{"type":"enum","name":"E","symbols":["A"],"default":null}`, `{"type":"enum","name":"E","symbols":"A"}`,
	`{"type":"enum","name":"E","symbols":["A"],"aliases":["F"]}`,
	`{"type":"record","name":"R","fields":[]}`, `{"type":"record","name":"R"}`, `{"type":"record","fields":[]}`,
	`{"type":"record","name":"","fields":[]}`, `{"type":"record","name":null,"fields":[]}`, `{"type":"record","name":"1R","fields":[]}`,
	`{"type":"record","name":"R","namespace":"a..b","fields":[]}`, `{"type":"record","name":"a.b.R","fields":[]}`,
	`{"type":"record","name":"R","fields":{}}`, `{"type":"record","name":"R","fields":[1]}`, `{"type":"record","name":"R","fields":null}`,
	`{"type":"record","name":"R","Fields":[]}`, `{"type":"record","NAME":"R","fields":[]}`, `{"type":"error","name":"R","fields":[]}`,
	`{"type":"record","name":"R","aliases":["S","1T"],"fields":[]}`, `{"type":"record","name":"R","aliases":"S","fields":[]}`,
	`{"type":"record","name":"R","doc":5,"fields":[]}`, `{"type":"record","name":"R","fields":[],"x-custom":{"a":[1,2.5,null,true]}}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a"}]}`, `{"type":"record","name":"R","fields":[{"type":"int"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":null}]}`, `{"type":"record","name":"R","fields":[{"name":"1a","type":"int"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1.5}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"1"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":3000000000}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"long","default":9223372036854775807}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1e308}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"double","default":1e400}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":null}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":1}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":["int","null"],"default":null}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2},"default":"ab"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"F","size":2},"default":"abc"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]},"default":"Y"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":[1,2]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"map","values":"int"},"default":{"k":"v"}}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"bytes","default":"\u00ff"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":"\ud800"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"descending"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"sideways"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":1}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int","Default":1}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"R"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":["null","R"],"default":null}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"R"},"default":[]}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"R"},"default":[{"a":[]}]}]}`,
	`{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":{"type":"record","name":"S","fields":[]}},{"name":"b","type":"S"},{"name":"c","type":"n.S"},{"name":"d","type":"m.S"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"E","aliases":["EA"],"symbols":["X"]}},{"name":"b","type":"EA"},{"name":"c","type":"E"}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S","aliases":["SA"],"fields":[{"name":"x","type":"int"}]},"default":{"x":1}},{"name":"b","type":"SA","default":{"x":2}}]}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},"default":{}}]}`,
	`{"type":"array"}`, `{"type":"array","items":"x"}`, `{"type":"map"}`, `{"type":"map","values":"int","x":[1]}`,
	`{"type":["int","string"]}`, `{"type":"string","Type":"int"}`, `{"type":5}`, `{}`, `{"type":"com.Foo"}`,
	`{"type":"record","name":"R","fields":[{"name":"a","type":"int"}],"name2":1e400}`,
}

// avroDocuments collects Avro documents from the repository: .avsc files,
// .avsc sections of txtar archives, and the conformance cases.
func avroDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	for i, s := range hambaEdgeCases {
		docs["edge case "+string(rune('A'+i%26))+"/"+s] = []byte(s)
	}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".avsc"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs[p] = b
		case strings.HasSuffix(p, ".txtar"):
			a, err := txtar.ParseFile(p)
			if err != nil {
				return err
			}
			for _, f := range a.Files {
				if strings.HasSuffix(f.Name, ".avsc") {
					docs[p+":"+f.Name] = f.Data
				}
			}
		case strings.HasSuffix(p, "avro-cases.json"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var cases []map[string]json.RawMessage
			if err := json.Unmarshal(b, &cases); err != nil {
				return err
			}
			for i, c := range cases {
				for _, k := range []string{"new_schema", "reader", "writer"} {
					if c[k] != nil {
						docs[p+":"+k+":"+string(rune('0'+i%10))+string(c[k])] = c[k]
					}
				}
				var prev []json.RawMessage
				_ = json.Unmarshal(c["previous"], &prev)
				for _, pv := range prev {
					docs[p+":previous:"+string(pv)] = pv
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// compareWithHamba checks that hambaFromNode gives hamba's verdict, error
// and schema for a document, or falls back. It reports whether it fell back.
func compareWithHamba(t *testing.T, name string, doc []byte) (fellBack bool) {
	t.Helper()
	root, err := ParseJSON(doc)
	if err != nil {
		return false // never reaches hamba
	}
	got, gerr := hambaFromNode(doc, root)
	if errors.Is(gerr, errHambaFallback) {
		return true
	}
	want, werr := avroparse.Parse(doc)
	switch {
	case (gerr == nil) != (werr == nil):
		t.Errorf("%s: verdict differs: hambaFromNode error %v, hamba error %v", name, gerr, werr)
	case gerr != nil && gerr.Error() != werr.Error():
		t.Errorf("%s: error differs:\n got  %v\n want %v", name, gerr, werr)
	case gerr == nil:
		if got.String() != want.String() {
			t.Errorf("%s: schema differs:\n got  %s\n want %s", name, got.String(), want.String())
		}
		if got.Fingerprint() != want.Fingerprint() {
			t.Errorf("%s: fingerprint differs", name)
		}
	}
	return false
}

// TestHambaFromNode: on every Avro document of the repository (test data,
// conformance cases, examples) and the edge cases above, the schema built
// from the parsed tree has hamba's own verdict, error text and schema, or
// the document goes to hamba's parser.
func TestHambaFromNode(t *testing.T) {
	docs := avroDocuments(t)
	if len(docs) < 300 {
		t.Fatalf("found only %d Avro documents", len(docs))
	}
	built, fell, rejected := 0, 0, 0
	for name, doc := range docs {
		if compareWithHamba(t, name, doc) {
			fell++
			continue
		}
		built++
		if _, err := avroparse.Parse(doc); err != nil {
			rejected++
		}
	}
	t.Logf("%d documents: %d built from the tree (%d of them rejected as hamba rejects them), %d handed to hamba", len(docs), built, rejected, fell)
	if built < len(docs)*9/10 {
		t.Errorf("only %d of %d documents built from the tree", built, len(docs))
	}
	if rejected < 40 {
		t.Errorf("only %d invalid documents compared", rejected)
	}
}

// FuzzHambaFromNode compares the tree-built schema with hamba's parser on
// any input.
func FuzzHambaFromNode(f *testing.F) {
	for _, s := range append(append([]string{}, fuzzSeedsAvro...), hambaEdgeCases...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithHamba(t, "input", data)
	})
}
