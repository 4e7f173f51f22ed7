package configschema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type Base struct {
	// Name is documented.
	Name string `yaml:"name" validate:"required"`
}

type kinds struct {
	Base  `yaml:",inline"`
	Wait  time.Duration     `yaml:"wait"`
	Any   any               `yaml:"any"`
	On    bool              `yaml:"on"`
	Ratio float64           `yaml:"ratio"`
	Count int64             `yaml:"count" validate:"min=1"`
	By    map[string]Base   `yaml:"by"`
	Sev   map[string]string `yaml:"sev" validate:"keys=rule,enum=a|b"`
	Skip  string            `yaml:"-"`
}

// TestKinds: the generator covers the kinds a new config field may have,
// inline structs included, and refuses the ones it cannot describe.
func TestKinds(t *testing.T) {
	t.Parallel()
	g := &generator{docs: map[string]string{"Base.Name": "Name is documented."}, ruleIDs: []string{"r1", "r2"}}
	got, err := g.object(reflect.TypeOf(kinds{}), reflect.ValueOf(kinds{Wait: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := encode(got)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"name"},
		"properties": map[string]any{
			"name":  map[string]any{"type": "string", "minLength": 1.0, "description": "Name is documented."},
			"wait":  map[string]any{"type": "string", "pattern": durationPattern, "default": "10s"},
			"any":   map[string]any{},
			"on":    map[string]any{"type": "boolean"},
			"ratio": map[string]any{"type": "number"},
			"count": map[string]any{"type": "integer", "minimum": 1.0},
			"by": map[string]any{"type": "object", "additionalProperties": map[string]any{
				"type": "object", "additionalProperties": false, "required": []any{"name"},
				"properties": map[string]any{"name": map[string]any{"type": "string", "minLength": 1.0, "description": "Name is documented."}},
			}},
			"sev": map[string]any{"type": "object", "propertyNames": map[string]any{"enum": []any{"r1", "r2"}},
				"additionalProperties": map[string]any{"type": "string", "enum": []any{"a", "b"}}},
		},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	type bad struct {
		C chan int `yaml:"c"`
	}
	if _, err := g.object(reflect.TypeOf(bad{}), reflect.Value{}); err == nil || !strings.Contains(err.Error(), "no JSON Schema for Go kind chan") {
		t.Errorf("a chan field: %v", err)
	}
}
