package compat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evctl/evctl/internal/compat"
	_ "github.com/evctl/evctl/internal/compat/avro" // registers AVRO
)

const (
	recF1        = `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"}]}`
	recF1F2Def   = `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"string","default":"foo"}]}`
	recF1F2      = `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"string"}]}`
	recF1Int     = `{"type":"record","name":"R","fields":[{"name":"f1","type":"int"}]}`
	recBadDefult = `{"type":"record","name":"R","fields":[{"name":"f1","type":"string"},{"name":"f2","type":"int","default":"x"}]}`
)

func docs(texts ...string) []compat.Doc {
	out := make([]compat.Doc, len(texts))
	for i, t := range texts {
		out[i] = compat.Doc{Name: "v" + string(rune('1'+i)), Text: []byte(t)}
	}
	return out
}

// summary is a Change without its message.
type summary struct {
	Type, Path, Against string
	Direction           compat.Direction
	Compatible          bool
}

func summarize(cs []compat.Change) []summary {
	var out []summary
	for _, c := range cs {
		out = append(out, summary{c.Type, c.Path, c.Against, c.Direction, c.Compatible})
	}
	return out
}

func TestCheckAvroLevels(t *testing.T) {
	missing := func(against string, dir compat.Direction) summary {
		return summary{"READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", against, dir, false}
	}
	mismatch := func(against string, dir compat.Direction) summary {
		return summary{"TYPE_MISMATCH", "/fields/0/type", against, dir, false}
	}
	tests := []struct {
		name     string
		level    compat.Level
		newDoc   string
		previous []string
		want     bool
		changes  []summary
	}{
		{"none ignores everything", compat.None, recF1Int, []string{recF1F2}, true, nil},
		{"no previous versions", compat.FullTransitive, recF1F2, nil, true, nil},
		{"backward compares the latest only", compat.Backward, recF1F2, []string{recF1, recF1F2Def}, true, nil},
		{"backward fails against the latest", compat.Backward, recF1F2, []string{recF1F2Def, recF1}, false, []summary{missing("v2", compat.DirBackward)}},
		{"backward transitive finds the old version", compat.BackwardTransitive, recF1F2, []string{recF1, recF1F2Def}, false, []summary{missing("v1", compat.DirBackward)}},
		{"transitive stops at the newest failing version", compat.BackwardTransitive, recF1Int, []string{recF1, recF1, recF1F2Def}, false, []summary{mismatch("v3", compat.DirBackward)}},
		{"forward: old reader lacks default", compat.Forward, recF1, []string{recF1F2}, false, []summary{missing("v1", compat.DirForward)}},
		{"forward transitive", compat.ForwardTransitive, recF1, []string{recF1F2, recF1F2Def}, false, []summary{missing("v1", compat.DirForward)}},
		{"full runs forward then backward", compat.Full, recF1Int, []string{recF1}, false, []summary{
			{"TYPE_MISMATCH", "/fields/0/type", "v1", compat.DirForward, false},
			{"TYPE_MISMATCH", "/fields/0/type", "v1", compat.DirBackward, false},
		}},
		{"full: backward only", compat.Full, recF1F2, []string{recF1}, false, []summary{missing("v1", compat.DirBackward)}},
		{"full transitive compatible", compat.FullTransitive, recF1F2Def, []string{recF1, recF1F2Def}, true, nil},
		{"previous versions parse leniently", compat.Backward, recF1, []string{recBadDefult}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := compat.Check(compat.Avro, tt.level, compat.Doc{Name: "new", Text: []byte(tt.newDoc)}, docs(tt.previous...), compat.Options{})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if res.Level != tt.level || res.Compatible != tt.want {
				t.Errorf("level %s compatible %v, want %s %v", res.Level, res.Compatible, tt.level, tt.want)
			}
			if diff := cmp.Diff(tt.changes, summarize(res.Changes)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			for _, c := range res.Changes {
				if c.Message == "" {
					t.Errorf("change without message: %+v", c)
				}
			}
		})
	}
}

func TestCheckForwardMessagesTalkAboutTheOldSchema(t *testing.T) {
	res, err := compat.Check(compat.Avro, compat.Forward, compat.Doc{Name: "new", Text: []byte(recF1)}, docs(recF1F2), compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.Contains(res.Changes[0].Message, "of the old schema") {
		t.Errorf("changes = %+v", res.Changes)
	}
}

func TestCheckErrors(t *testing.T) {
	good := compat.Doc{Name: "good.avsc", Text: []byte(recF1)}
	tests := []struct {
		name      string
		format    compat.Format
		level     compat.Level
		newDoc    compat.Doc
		previous  []compat.Doc
		parseName string // "" when the error must not be a ParseError
	}{
		{"bad new schema", compat.Avro, compat.Backward, compat.Doc{Name: "new.avsc", Text: []byte(`{"type":"record"}`)}, nil, "new.avsc"},
		{"bad new schema under NONE", compat.Avro, compat.None, compat.Doc{Name: "new.avsc", Text: []byte(`nope`)}, nil, "new.avsc"},
		{"invalid default in new schema", compat.Avro, compat.Backward, compat.Doc{Name: "new.avsc", Text: []byte(recBadDefult)}, docs(recF1), "new.avsc"},
		{"bad previous schema", compat.Avro, compat.Backward, good, []compat.Doc{{Name: "old.avsc", Text: []byte(`[`)}}, "old.avsc"},
		{"unknown level", compat.Avro, compat.Level("SIDEWAYS"), good, nil, ""},
		{"unknown format", compat.Format("PROTOBUF"), compat.Backward, good, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compat.Check(tt.format, tt.level, tt.newDoc, tt.previous, compat.Options{})
			if err == nil {
				t.Fatal("Check succeeded")
			}
			var pe *compat.ParseError
			isParse := errors.As(err, &pe)
			if isParse != (tt.parseName != "") || compat.IsParseError(err) != isParse {
				t.Fatalf("error %v: ParseError = %v, want %v", err, isParse, tt.parseName != "")
			}
			if isParse && (pe.Name != tt.parseName || pe.Err == nil || !strings.Contains(err.Error(), tt.parseName)) {
				t.Errorf("ParseError %+v, want name %q", pe, tt.parseName)
			}
		})
	}
}

func TestCheckAvroReferences(t *testing.T) {
	refs := map[string][]byte{"com.acme.Address": []byte(`{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}`)}
	oldDoc := compat.Doc{Name: "v1", Text: []byte(`{"type":"record","name":"User","fields":[{"name":"home","type":"com.acme.Address"}]}`), References: refs}
	newDoc := compat.Doc{Name: "v2", Text: []byte(`{"type":"record","name":"User","fields":[{"name":"home","type":"com.acme.Address"},{"name":"age","type":"int"}]}`), References: refs}
	res, err := compat.Check(compat.Avro, compat.Backward, newDoc, []compat.Doc{oldDoc}, compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]summary{{"READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", "v1", compat.DirBackward, false}}, summarize(res.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	newDoc.References = nil
	if _, err := compat.Check(compat.Avro, compat.Backward, newDoc, []compat.Doc{oldDoc}, compat.Options{}); !compat.IsParseError(err) {
		t.Errorf("missing reference: err = %v, want a ParseError", err)
	}
}

func TestDiffAvro(t *testing.T) {
	changes, err := compat.Diff(compat.Avro, compat.Doc{Name: "old", Text: []byte(recF1)}, compat.Doc{Name: "new", Text: []byte(recF1F2)}, compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]summary{{"FIELD_ADDED", "/fields/1", "old", compat.DirBackward, false}}, summarize(changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if _, err := compat.Diff(compat.Avro, compat.Doc{Name: "old", Text: []byte(`x`)}, compat.Doc{Name: "new", Text: []byte(recF1)}, compat.Options{}); !compat.IsParseError(err) {
		t.Errorf("bad old schema: err = %v", err)
	}
}

func TestDirections(t *testing.T) {
	want := map[compat.Level][]compat.Direction{
		compat.None:               nil,
		compat.Backward:           {compat.DirBackward},
		compat.BackwardTransitive: {compat.DirBackward},
		compat.Forward:            {compat.DirForward},
		compat.ForwardTransitive:  {compat.DirForward},
		compat.Full:               {compat.DirForward, compat.DirBackward},
		compat.FullTransitive:     {compat.DirForward, compat.DirBackward},
	}
	for _, l := range compat.Levels {
		if diff := cmp.Diff(want[l], compat.Directions(l)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", l, diff)
		}
	}
}

func TestCheckJSONSchemaDispatch(t *testing.T) {
	open := `{"type":"object","properties":{"a":{"type":"string"}}}`
	closed := `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
	// Closing an open content model is incompatible for readers: the new
	// schema rejects properties the old one allowed.
	res, err := compat.Check(compat.JSONSchema, compat.Backward, compat.Doc{Name: "new", Text: []byte(closed)}, []compat.Doc{{Name: "v1", Text: []byte(open)}}, compat.Options{Policy: compat.Strict})
	if err != nil {
		t.Fatal(err)
	}
	if res.Compatible || len(res.Changes) == 0 {
		t.Fatalf("result = %+v, want incompatible", res)
	}
	for _, c := range res.Changes {
		if c.Against != "v1" || c.Direction != compat.DirBackward {
			t.Errorf("change %+v lacks Against/Direction", c)
		}
	}
	res, err = compat.Check(compat.JSONSchema, compat.Forward, compat.Doc{Name: "new", Text: []byte(closed)}, []compat.Doc{{Name: "v1", Text: []byte(open)}}, compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Compatible {
		t.Errorf("forward result = %+v, want compatible", res)
	}
	yamlDoc := compat.Doc{Name: "new.yaml", Text: []byte("type: object\nproperties:\n  a:\n    type: string\n"), YAML: true}
	if res, err := compat.Check(compat.JSONSchema, compat.Full, yamlDoc, []compat.Doc{{Name: "v1", Text: []byte(open)}}, compat.Options{}); err != nil || !res.Compatible {
		t.Errorf("yaml: %+v, %v", res, err)
	}
	if _, err := compat.Check(compat.JSONSchema, compat.Backward, compat.Doc{Name: "bad.json", Text: []byte(`{`)}, nil, compat.Options{}); !compat.IsParseError(err) {
		t.Errorf("bad json schema: err = %v", err)
	}
	changes, err := compat.Diff(compat.JSONSchema, compat.Doc{Name: "old", Text: []byte(open)}, compat.Doc{Name: "new", Text: []byte(closed)}, compat.Options{})
	if err != nil || len(changes) == 0 {
		t.Errorf("Diff = %+v, %v", changes, err)
	}
}
