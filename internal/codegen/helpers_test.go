package codegen_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(dir, name, s string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
}

// fill gives a bundled event valid values: every string field a uuid (valid
// for uuid fields, and fine for the others that have no constraints), enums
// their first constant, and numbers 1.
func fill(t *testing.T, e any) {
	t.Helper()
	v := reflect.ValueOf(e).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)))
		case f.Type() == reflect.TypeFor[json.Number]():
			f.SetString("1")
		case f.Kind() == reflect.String && strings.HasSuffix(v.Type().Field(i).Name, "At"):
			f.SetString("2026-11-26T10:00:00Z") // a date-time
		case f.Kind() == reflect.String && f.Type().Name() != "string":
			// Enums are set below, by field name.
		case f.Kind() == reflect.String:
			f.SetString("6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f")
		case f.Kind() == reflect.Int64 || f.Kind() == reflect.Int32:
			f.SetInt(1)
		}
	}
	if c := v.FieldByName("Currency"); c.IsValid() {
		c.SetString("EUR")
	}
	setEnum := func(field, value string) {
		if f := v.FieldByName(field); f.IsValid() {
			f.SetString(value)
		}
	}
	setEnum("Carrier", "dhl")
	setEnum("FailureCode", "card_declined")
	setEnum("Reason", "OTHER")
	setEnum("Channel", "WEB")
	if t.Failed() {
		return
	}
	if err := e.(interface{ Validate() error }).Validate(); err != nil {
		t.Fatalf("%T: filled event is invalid: %v", e, err)
	}
}
