package compat_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/compat/avro"
)

type javaIncompat struct {
	Type     string `json:"type"`
	Message  string `json:"message"`
	Location string `json:"location"`
}

type avroCase struct {
	Description string            `json:"description"`
	Level       string            `json:"level"`
	Reader      json.RawMessage   `json:"reader"`
	Writer      json.RawMessage   `json:"writer"`
	NewSchema   json.RawMessage   `json:"new_schema"`
	Previous    []json.RawMessage `json:"previous"`
	Compatible  bool              `json:"compatible"`
	Derived     bool              `json:"derived"`
	PyLocations []string          `json:"py_expected_locations"`
	Java        []javaIncompat    `json:"java_expected_incompatibilities"`
}

func loadAvroCases(t *testing.T) []avroCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, "avro-cases.json"))
	if err != nil {
		t.Fatalf("read avro cases: %v", err)
	}
	var cases []avroCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("decode avro cases: %v", err)
	}
	return cases
}

func mustParseAvro(t *testing.T, text []byte) *avro.Schema {
	t.Helper()
	s, err := avro.Parse(text, nil)
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s
}

func TestAvroConformance(t *testing.T) {
	cases := loadAvroCases(t)
	if len(cases) == 0 {
		t.Fatal("no avro conformance cases")
	}
	var agree, detailed, detailedAgree int
	for i, c := range cases {
		name := fmt.Sprintf("%03d", i)
		ok := t.Run(name, func(t *testing.T) {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("case %d: %s (%s)", i, c.Description, c.Level)
				}
			})
			if c.Level == "reader_writer" {
				reader := mustParseAvro(t, c.Reader)
				writer := mustParseAvro(t, c.Writer)
				changes := avro.CanRead(reader, writer)
				if got := len(changes) == 0; got != c.Compatible {
					t.Fatalf("compatible = %v, want %v; changes: %v", got, c.Compatible, changes)
				}
				for _, ch := range changes {
					if ch.Compatible || ch.Type == "" || ch.Path == "" || ch.Message == "" {
						t.Errorf("malformed change %+v", ch)
					}
				}
				if c.Java != nil {
					var got []javaIncompat
					for _, in := range avro.Incompatibilities(reader, writer) {
						got = append(got, javaIncompat{Type: in.Type, Message: in.Detail, Location: in.Location})
					}
					if diff := cmp.Diff(c.Java, got); diff != "" {
						t.Errorf("java incompatibilities (-want +got):\n%s", diff)
					}
				}
				if c.PyLocations != nil {
					var got []string
					for _, ch := range changes {
						got = append(got, ch.Path)
					}
					want := append([]string(nil), c.PyLocations...)
					sort.Strings(got)
					sort.Strings(want)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("locations (-want +got):\n%s", diff)
					}
				}
				return
			}
			level, err := compat.ParseLevel(c.Level)
			if err != nil {
				t.Fatal(err)
			}
			var prev []compat.Doc
			for j, p := range c.Previous {
				prev = append(prev, compat.Doc{Name: fmt.Sprintf("v%d", j+1), Text: p})
			}
			res, err := compat.Check(compat.Avro, level, compat.Doc{Name: "new", Text: c.NewSchema}, prev, compat.Options{})
			if err != nil {
				t.Fatalf("check: %v", err)
			}
			if res.Compatible != c.Compatible {
				t.Fatalf("compatible = %v, want %v; changes: %+v", res.Compatible, c.Compatible, res.Changes)
			}
			// The case's reader/writer pair is the latest version in the
			// level's primary direction.
			pairOK := len(avro.CanRead(mustParseAvro(t, c.Reader), mustParseAvro(t, c.Writer))) == 0
			if !level.Transitive() && level != compat.Full && pairOK != c.Compatible {
				t.Errorf("reader/writer pair compatible = %v, want %v", pairOK, c.Compatible)
			}
		})
		if ok {
			agree++
		}
		if c.Java != nil || c.PyLocations != nil {
			detailed++
			if ok {
				detailedAgree++
			}
		}
	}
	t.Logf("avro conformance: %d/%d verdicts agree", agree, len(cases))
	t.Logf("avro conformance: %d/%d cases with expected incompatibility details agree on type and location", detailedAgree, detailed)
}

// describeAvroDirection renders one direction's verdict and changes.
func describeAvroDirection(b *strings.Builder, dir string, changes []compat.Change) {
	verdict := "compatible"
	if len(changes) > 0 {
		verdict = "incompatible"
	}
	fmt.Fprintf(b, "%s: %s\n", dir, verdict)
	for _, c := range changes {
		fmt.Fprintf(b, "%s %s\n", c.Type, c.Path)
	}
}

// TestAvroChangeKinds runs testdata/avro/*.txtar: each holds old.avsc,
// new.avsc and want, the backward (new reads old) and forward (old reads
// new) verdicts with one "TYPE path" line per incompatibility. Set
// EVCTL_UPDATE=1 to rewrite want.
func TestAvroChangeKinds(t *testing.T) {
	update := os.Getenv("EVCTL_UPDATE") == "1"
	paths, err := filepath.Glob(filepath.Join("testdata", "avro", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/avro/*.txtar cases")
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			files := ar.Files
			get := func(name string) []byte {
				for _, f := range files {
					if f.Name == name {
						return f.Data
					}
				}
				t.Fatalf("%s: no %q section", path, name)
				return nil
			}
			oldS := mustParseAvro(t, get("old.avsc"))
			newS := mustParseAvro(t, get("new.avsc"))
			var b strings.Builder
			describeAvroDirection(&b, "backward", avro.CanRead(newS, oldS))
			describeAvroDirection(&b, "forward", avro.CanRead(oldS, newS))
			got := b.String()
			if update {
				for i := range files {
					if files[i].Name == "want" {
						files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(get("want")), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s\n(run with EVCTL_UPDATE=1 to accept)", path, diff)
			}
		})
	}
}
