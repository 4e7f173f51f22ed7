package jsonschema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/evctl/evctl/internal/compat/change"
)

// archiveFile returns the named file of a.
func archiveFile(a *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// render is the golden form of a comparison: both verdicts, then every
// change Confluent's BACKWARD check reports (reader = new, writer = old),
// sorted, with its STRICT compatibility.
func render(strict, lenient []change.Change) string {
	var b strings.Builder
	v := func(cs []change.Change) string {
		if Compatible(cs) {
			return "compatible"
		}
		return "incompatible"
	}
	fmt.Fprintf(&b, "STRICT %s\nLENIENT %s\n", v(strict), v(lenient))
	lines := make([]string, 0, len(strict))
	for _, c := range strict {
		ok := "incompatible"
		if c.Compatible {
			ok = "compatible"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s", c.Type, c.Path, ok))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// loadPair parses old.json/new.json (or old.yaml/new.yaml) with the files
// under ref/ as references.
func loadPair(t *testing.T, a *txtar.Archive) (old, new *Schema) {
	t.Helper()
	refs := map[string][]byte{}
	for _, f := range a.Files {
		if name, ok := strings.CutPrefix(f.Name, "ref/"); ok {
			refs[name] = f.Data
		}
	}
	parse := func(base string) *Schema {
		if data, ok := archiveFile(a, base+".json"); ok {
			s, err := Parse(data, false, refs)
			if err != nil {
				t.Fatalf("parse %s.json: %v", base, err)
			}
			return s
		}
		if data, ok := archiveFile(a, base+".yaml"); ok {
			s, err := Parse(data, true, refs)
			if err != nil {
				t.Fatalf("parse %s.yaml: %v", base, err)
			}
			return s
		}
		t.Fatalf("archive has no %s.json or %s.yaml", base, base)
		return nil
	}
	return parse("old"), parse("new")
}

// cases names the testdata archive for each major kind of change and a
// change type the archive must produce, so that a deleted or reworded
// archive cannot silently drop a kind from the suite.
var cases = []struct {
	archive string
	shows   string
}{
	{"property_added_open", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
	{"property_added_required_open", "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
	{"property_added_lenient", "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"},
	{"property_added_closed", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
	{"property_added_partially_open", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"},
	{"property_removed", "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
	{"required_added", "REQUIRED_ATTRIBUTE_ADDED"},
	{"type_changed", "TYPE_CHANGED"},
	{"type_narrowed_extended", "TYPE_NARROWED"},
	{"nullable", "SUM_TYPE_EXTENDED"},
	{"enum_changes", "ENUM_ARRAY_NARROWED"},
	{"string_limits", "MAX_LENGTH_DECREASED"},
	{"number_limits", "MULTIPLE_OF_EXPANDED"},
	{"array_limits", "MAX_ITEMS_DECREASED"},
	{"object_limits", "MAX_PROPERTIES_DECREASED"},
	{"tuple_items", "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"},
	{"combined_changes", "SUM_TYPE_NARROWED"},
	{"not_const_dependencies", "NOT_TYPE_EXTENDED"},
	{"ref_local", "MAX_LENGTH_DECREASED"},
	{"ref_external", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
	{"recursion", "TYPE_CHANGED"},
	{"yaml_source", "REQUIRED_ATTRIBUTE_ADDED"},
	{"draft2020", "ADDITIONAL_ITEMS_REMOVED"},
	{"unevaluated_2019", "UNEVALUATED_PROPERTIES_REMOVED"},
}

// TestChangeKinds checks that every kind in cases has its archive and that
// the archive's golden output shows the change.
func TestChangeKinds(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.archive, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "jsonschema", tc.archive+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			a := txtar.Parse(data)
			old, new := loadPair(t, a)
			found := false
			for _, c := range CanRead(new, old, change.Strict) {
				if c.Type == tc.shows {
					found = true
				}
			}
			if !found {
				t.Errorf("%s does not show %s", tc.archive, tc.shows)
			}
		})
	}
}

// TestChanges runs every testdata archive: old and new schema, and the
// changes a BACKWARD check reports in "want". Set EVCTL_UPDATE=1 to rewrite
// the want sections from the current output.
func TestChanges(t *testing.T) {
	update := os.Getenv("EVCTL_UPDATE") == "1"
	files, err := filepath.Glob(filepath.Join("..", "testdata", "jsonschema", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata archives in ../testdata/jsonschema")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := txtar.Parse(data)
			old, new := loadPair(t, a)
			got := render(CanRead(new, old, change.Strict), CanRead(new, old, change.Lenient))
			if update {
				replaced := false
				for i := range a.Files {
					if a.Files[i].Name == "want" {
						a.Files[i].Data = []byte(got)
						replaced = true
					}
				}
				if !replaced {
					a.Files = append(a.Files, txtar.File{Name: "want", Data: []byte(got)})
				}
				if err := os.WriteFile(path, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := archiveFile(a, "want")
			if !ok {
				t.Fatalf("%s has no want section (run with EVCTL_UPDATE=1 to create it)", path)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("changes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
