package jsonschema

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestChangeTypesComplete checks that every difference type named in the
// checker's source is listed by ChangeTypes, with an explanation.
func TestChangeTypesComplete(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, ct := range ChangeTypes() {
		listed[ct.Type] = true
		if ct.Explain == "" {
			t.Errorf("%s has no explanation", ct.Type)
		}
	}
	re := regexp.MustCompile(`"([A-Z][A-Z_]+_(ADDED|REMOVED|CHANGED|EXTENDED|NARROWED|INCREASED|DECREASED|EXPANDED|REDUCED|MODEL))"`)
	files, _ := filepath.Glob("*.go")
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "types.go" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			found++
			if !listed[m[1]] {
				t.Errorf("%s (in %s) is not listed by ChangeTypes", m[1], f)
			}
		}
	}
	if found < 100 {
		t.Fatalf("found only %d change types in the source", found)
	}
}
