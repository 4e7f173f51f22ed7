package codegen_test

import (
	"reflect"
	"testing"

	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/codegen/gentest/wikimedia"
)

// TestNewEvent checks the generated NewEvent, a binary search over the
// sorted event types and a table of nil pointers: every listed type gives
// a fresh zero value of its own Go type, and any other name gives nil.
func TestNewEvent(t *testing.T) {
	type catalog struct {
		name  string
		types []string
		new   func(string) interface{ EventType() string }
	}
	for _, c := range []catalog{
		{"bundled", bundled.EventTypes, func(s string) interface{ EventType() string } {
			if e := bundled.NewEvent(s); e != nil {
				return e
			}
			return nil
		}},
		{"wikimedia", wikimedia.EventTypes, func(s string) interface{ EventType() string } {
			if e := wikimedia.NewEvent(s); e != nil {
				return e
			}
			return nil
		}},
	} {
		if len(c.types) < 2 {
			t.Fatalf("%s: %d event types, want a catalog of several", c.name, len(c.types))
		}
		seen := map[reflect.Type]string{}
		for _, typ := range c.types {
			a, b := c.new(typ), c.new(typ)
			if a == nil || b == nil {
				t.Fatalf("%s: NewEvent(%q) = nil", c.name, typ)
			}
			if got := a.EventType(); got != typ {
				t.Errorf("%s: NewEvent(%q).EventType() = %q", c.name, typ, got)
			}
			rv := reflect.ValueOf(a)
			if rv.Kind() != reflect.Pointer || !rv.Elem().IsZero() {
				t.Errorf("%s: NewEvent(%q) = %#v, want a pointer to a zero value", c.name, typ, a)
			}
			if reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() && rv.Elem().Type().Size() > 0 {
				t.Errorf("%s: NewEvent(%q) returned the same value twice", c.name, typ)
			}
			if prev, ok := seen[rv.Type()]; ok {
				t.Errorf("%s: %q and %q share the Go type %v", c.name, prev, typ, rv.Type())
			}
			seen[rv.Type()] = typ
		}
		first, last := c.types[0], c.types[len(c.types)-1]
		// EventTypes is a copy: changing it does not change NewEvent.
		c.types[0] = "v0.Changed"
		if c.new(first) == nil || c.new("v0.Changed") != nil {
			t.Errorf("%s: changing EventTypes changed NewEvent", c.name)
		}
		c.types[0] = first
		for _, bad := range []string{"", "a", first[:len(first)-1], first + "x", last + "x", "zzzz", "V1.OrderPlaced"} {
			if e := c.new(bad); e != nil {
				t.Errorf("%s: NewEvent(%q) = %T, want nil", c.name, bad, e)
			}
		}
	}
}
