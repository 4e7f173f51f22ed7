package validate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeJSONNumberForms(t *testing.T) {
	type ev struct {
		N int64          `json:"n"`
		F float64        `json:"f"`
		M map[string]any `json:"m"`
	}
	for _, c := range []struct {
		in      string
		want    int64
		wantErr string
	}{
		{`{"n":5}`, 5, ""},
		{`{"n":5.0,"f":1.5}`, 5, ""},
		{`{"n":5e2,"m":{"x":1.0}}`, 500, ""},
		{`{"n":-1.0E1}`, -10, ""},
		{`{"n":5.5}`, 0, "cannot unmarshal number 5.5"},
		{`{"n":9223372036854775808}`, 0, "cannot unmarshal number"},
		{`{"n":1e999999999}`, 0, "cannot unmarshal number"},
		{`{"n":"5"}`, 0, "cannot unmarshal string"},
	} {
		var v ev
		err := DecodeJSON([]byte(c.in), &v)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.wantErr == "" && v.N != c.want:
			t.Errorf("%s: n = %d, want %d", c.in, v.N, c.want)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: err = %v, want %q", c.in, err, c.wantErr)
		}
	}
	var a struct {
		A any         `json:"a"`
		N json.Number `json:"n"`
	}
	if err := DecodeJSON([]byte(`{"a":{"x":[1e400,1.0]},"n":18446744073709551616}`), &a); err != nil ||
		a.N != "18446744073709551616" || a.A.(map[string]any)["x"].([]any)[0] != json.Number("1e400") {
		t.Errorf("json.Number and any keep the text: %#v %v", a, err)
	}
	if err := DecodeJSON([]byte(`{"n":1} x`), &a); err == nil {
		t.Error("trailing data accepted")
	}
	var tm struct {
		T time.Time `json:"t"`
	}
	if err := DecodeJSON([]byte(`{"t":"2026-01-02T03:04:05Z"}`), &tm); err != nil || tm.T.Year() != 2026 {
		t.Errorf("time: %v %v", tm.T, err)
	}
}

func TestFallbackValidateJSONSeesTheBytes(t *testing.T) {
	fb := NewFallback(`{"type":"object","additionalProperties":false,"required":["a"],"properties":{"a":{"type":"integer"}}}`, "")
	for in, valid := range map[string]bool{
		`{"a":1}`: true, `{"a":1.0}`: true, `{"a":1e2}`: true, `{"a":18446744073709551616}`: true,
		`{"a":null}`: false, `{}`: false, `{"a":1,"b":2}`: false, `{"a":1.5}`: false, `[`: false,
	} {
		if err := fb.ValidateJSON(nil, []byte(in)); (err == nil) != valid {
			t.Errorf("%s: ValidateJSON = %v, want valid %v", in, err, valid)
		}
	}
}
