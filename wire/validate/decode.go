package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// DecodeJSON decodes the JSON text data into v (a generated event) with
// encoding/json, numbers in fields of type any as json.Number (their text,
// which float64 could not always hold). Integral numbers written with a
// fraction or an exponent (1.0, 1e2), which JSON Schema counts as integers
// but encoding/json does not decode into Go integers, are rewritten to plain
// integers and the text decoded again. Generated types hold every value
// their schema allows (json.Number where no bound keeps an integer in int64
// or a number in float64, text for date-times), so only a value outside
// the schema can fail here.
func DecodeJSON(data []byte, v any) error {
	err := unmarshal(data, v)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) || len(te.Value) < 6 || te.Value[:6] != "number" {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return err
	}
	doc = integralNumbers(doc)
	b, merr := json.Marshal(doc)
	if merr != nil {
		return err
	}
	return unmarshal(b, v)
}

// unmarshal is json.Unmarshal with UseNumber.
func unmarshal(data []byte, v any) error {
	if !json.Valid(data) {
		return json.Unmarshal(data, v) // its syntax error
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// integralNumbers rewrites every integral json.Number to its integer form.
func integralNumbers(x any) any {
	switch v := x.(type) {
	case json.Number:
		s := string(v)
		if !bytes.ContainsAny([]byte(s), ".eE") || hugeExponent(s) {
			return v
		}
		r, ok := new(big.Rat).SetString(s)
		if ok && r.IsInt() && r.Num().BitLen() <= 64 {
			return json.Number(r.Num().String())
		}
		return v
	case []any:
		for i := range v {
			v[i] = integralNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = integralNumbers(v[k])
		}
	}
	return x
}

// hugeExponent reports an exponent too large to expand (1e1000000000 would
// take big.Rat gigabytes); such a number is left as written.
func hugeExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return false
	}
	e, err := strconv.Atoi(s[i+1:])
	return err != nil || e > 400 || e < -400
}
