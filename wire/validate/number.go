package validate

import (
	"encoding/json"
	"math"
	"math/big"
)

// A JSON Schema "integer" or "number" whose bounds do not keep every valid
// value inside int64 (or a finite float64) is generated as json.Number: the
// text as received ("1.0", "1e2", "18446744073709551616" stay as written),
// which encoding/json writes back unchanged. The checks below judge that
// text by exact decimal arithmetic, as santhosh-tekuri/jsonschema does, and
// do not allocate for numbers written with at most 18 digits and no
// exponent.

// numText is the parsed form of a JSON number's text.
type numText struct {
	neg  bool
	ip   string // integer digits
	fp   string // fraction digits (without '.')
	exp  int64  // decimal exponent, saturated at ±1<<40
	zero bool   // every digit is 0
}

// parseNumber parses s by the JSON number grammar; "" (what encoding/json
// writes as 0) is zero.
func parseNumber(s string) (numText, bool) {
	var n numText
	if s == "" {
		n.ip, n.zero = "0", true
		return n, true
	}
	i := 0
	if s[0] == '-' {
		n.neg = true
		i++
	}
	start := i
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return n, false
	}
	n.ip = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == fs {
			return n, false
		}
		n.fp = s[fs:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			if n.exp < 1<<40 {
				n.exp = n.exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == es {
			return n, false
		}
		if eneg {
			n.exp = -n.exp
		}
	}
	if i != len(s) {
		return n, false
	}
	n.zero = allZero(n.ip) && allZero(n.fp)
	return n, true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// integral reports whether the number has no nonzero digit after the
// decimal point once the exponent is applied.
func (n numText) integral() bool {
	if n.zero {
		return true
	}
	// Digits ip+fp with the point after len(ip)+exp of them.
	point := int64(len(n.ip)) + n.exp
	all := int64(len(n.ip) + len(n.fp))
	for k := max(point, 0); k < all; k++ {
		var c byte
		if k < int64(len(n.ip)) {
			c = n.ip[k]
		} else {
			c = n.fp[k-int64(len(n.ip))]
		}
		if c != '0' {
			return false
		}
	}
	return true
}

// small returns the value when the number is a plain integer of at most 18
// digits (no fraction, no exponent).
func (n numText) small() (int64, bool) {
	if n.fp != "" || n.exp != 0 || len(n.ip) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(n.ip); i++ {
		v = v*10 + int64(n.ip[i]-'0')
	}
	if n.neg {
		v = -v
	}
	return v, true
}

// Number reports whether s is a JSON number (or "", which encoding/json
// writes as 0): what a json.Number field must hold for encoding/json to
// marshal it.
func Number(s json.Number) bool {
	_, ok := parseNumber(string(s))
	return ok
}

// Integer reports whether s is a JSON number with an integral value, as
// JSON Schema's "integer" type counts them: 1, 1.0, 1e2, -0 and integers of
// any size are; 1.5 and 1e-2 are not.
func Integer(s json.Number) bool {
	n, ok := parseNumber(string(s))
	return ok && n.integral()
}

// bound is a decimal bound (minimum, maximum, exclusiveMinimum,
// exclusiveMaximum) compared exactly with json.Number values.
type bound struct {
	r *big.Rat
	// ceil and floor of the bound when both fit in int64 (fast path).
	ceil, floor int64
	fast        bool
}

// newBound returns the bound of the decimal literal lit; it panics on a
// literal that is not a number (generated code passes schema numbers).
func newBound(lit string) *bound {
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		panic("validate: not a number: " + lit)
	}
	b := &bound{r: r}
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	fl := new(big.Int).Set(q)
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.IsInt64() && fl.IsInt64() {
		b.ceil, b.floor, b.fast = q.Int64(), fl.Int64(), true
	}
	return b
}

// compare compares the number s with the bound: -1 when s is smaller, 0
// when equal, +1 when greater. s must satisfy Number; an invalid s
// compares as 0 (callers check Number first).
func (b *bound) compare(s json.Number) int {
	n, ok := parseNumber(string(s))
	if !ok {
		return 0
	}
	if b.fast {
		if v, ok := n.small(); ok {
			switch {
			case v < b.ceil:
				return -1
			case v > b.floor:
				return 1
			}
			return 0
		}
	}
	if n.zero {
		return -b.r.Sign()
	}
	// An exponent too large to expand: the magnitude is beyond or below
	// any schema bound (whose own exponent is at most a few hundred).
	if mag := n.exp + int64(len(n.ip)); mag > 4000 || mag < -4000 {
		sign := 1
		if n.neg {
			sign = -1
		}
		if mag > 0 {
			return sign
		}
		// A magnitude below 10^-4000: compares like 0, except to 0 itself.
		if c := -b.r.Sign(); c != 0 {
			return c
		}
		return sign
	}
	r, ok := new(big.Rat).SetString(string(s))
	if !ok {
		return 0
	}
	return r.Cmp(b.r)
}

// digit returns digit k of the number's digits (integer then fraction).
func (n *numText) digit(k int) byte {
	if k < len(n.ip) {
		return n.ip[k]
	}
	return n.fp[k-len(n.ip)]
}

// significant returns the range [lo, hi) of the digits without leading
// and trailing zeros, and the position of the decimal point relative to lo.
func (n *numText) significant() (lo, hi int, point int64) {
	all := len(n.ip) + len(n.fp)
	for lo < all && n.digit(lo) == '0' {
		lo++
	}
	hi = all
	for hi > lo && n.digit(hi-1) == '0' {
		hi--
	}
	return lo, hi, int64(len(n.ip)) + n.exp - int64(lo)
}

// equalNumbers reports whether two valid number texts are the same number
// (1, 1.0, 10e-1 and 0.1e1 are).
func equalNumbers(a, b *numText) bool {
	if a.zero || b.zero {
		return a.zero == b.zero
	}
	if a.neg != b.neg {
		return false
	}
	alo, ahi, ap := a.significant()
	blo, bhi, bp := b.significant()
	if ap != bp || ahi-alo != bhi-blo {
		return false
	}
	for k := 0; k < ahi-alo; k++ {
		if a.digit(alo+k) != b.digit(blo+k) {
			return false
		}
	}
	return true
}

// DuplicateNumber is Duplicate for json.Number items, compared as numbers
// ("1" and "1.0" are equal, as JSON Schema's uniqueItems says). Items that
// are not numbers compare by text.
func DuplicateNumber(s []json.Number) (i, j int, dup bool) {
	for i = 0; i < len(s); i++ {
		a, aok := parseNumber(string(s[i]))
		for j = i + 1; j < len(s); j++ {
			b, bok := parseNumber(string(s[j]))
			if aok && bok && equalNumbers(&a, &b) || (!aok || !bok) && s[i] == s[j] {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// Range is the type and bounds of a json.Number field: "integer" or
// "number", then minimum, exclusiveMinimum, maximum and exclusiveMaximum
// (each optional), checked in that order, exactly.
type Range struct {
	integer bool
	kws     []string // the bound keywords present
	bounds  []*bound
	// lo and hi: the integers an integer value must lie within (fast path,
	// when every bound has int64 floor and ceiling).
	lo, hi int64
	fast   bool
	// unsigned: every non-negative integer is within the bounds (a lower
	// bound of at most 0, no upper bound): a value of only digits passes
	// without parsing.
	unsigned bool
}

// NewRange returns the range of a json.Number field: integer for "integer"
// (else "number"), and the literals of minimum, exclusiveMinimum, maximum
// and exclusiveMaximum ("" when absent).
func NewRange(integer bool, minimum, exclusiveMinimum, maximum, exclusiveMaximum string) *Range {
	r := &Range{integer: integer, lo: math.MinInt64, hi: math.MaxInt64, fast: true}
	for i, lit := range []string{minimum, exclusiveMinimum, maximum, exclusiveMaximum} {
		if lit == "" {
			continue
		}
		b := newBound(lit)
		r.kws = append(r.kws, [...]string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}[i])
		r.bounds = append(r.bounds, b)
		if !b.fast {
			r.fast = false
			continue
		}
		switch i {
		case 0: // v >= ceil
			r.lo = max(r.lo, b.ceil)
		case 1: // v > floor: v >= floor+1
			if b.floor == math.MaxInt64 {
				r.fast = false
			}
			r.lo = max(r.lo, b.floor+1)
		case 2: // v <= floor
			r.hi = min(r.hi, b.floor)
		case 3: // v < ceil: v <= ceil-1
			if b.ceil == math.MinInt64 {
				r.fast = false
			}
			r.hi = min(r.hi, b.ceil-1)
		}
	}
	r.unsigned = r.fast && r.lo <= 0 && maximum == "" && exclusiveMaximum == ""
	return r
}

// Check returns "" when s is of the range's type and within its bounds,
// else the first failing keyword ("type", "minimum", ...). A plain integer
// of up to 18 digits is checked without parsing twice, and with only a
// lower bound of at most 0 a plain non-negative integer of any length
// without parsing at all.
func (r *Range) Check(s json.Number) string {
	if r.unsigned && Plain(s) {
		return ""
	}
	if r.fast {
		if v, ok := smallInt(string(s)); ok {
			if v >= r.lo && v <= r.hi {
				return ""
			}
			return r.slow(s)
		}
	}
	return r.slow(s)
}

// Unsigned reports whether every plain non-negative integer (Plain) lies
// within the range: a lower bound of at most 0 and no upper bound. Generated
// code then checks Plain inline and calls Check only when it fails.
func (r *Range) Unsigned() bool { return r.unsigned }

// Plain reports whether s is a non-negative integer written with digits
// only and no leading zero ("0", "12999"; not "", "-1", "01", "1.0" or
// "1e2"): a valid JSON integer, and within every Unsigned range. It is
// small enough to be inlined.
func Plain(s json.Number) bool {
	if len(s) == 0 || s[0] == '0' && len(s) > 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]-'0' > 9 {
			return false
		}
	}
	return true
}

// smallInt parses a JSON integer of at most 18 digits without a fraction
// or an exponent.
func smallInt(s string) (int64, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	n := len(s) - i
	if n == 0 || n > 18 || n > 1 && s[i] == '0' {
		return 0, false
	}
	var v int64
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + int64(d)
	}
	if neg {
		v = -v
	}
	return v, true
}

func (r *Range) slow(s json.Number) string {
	n, ok := parseNumber(string(s))
	if !ok || r.integer && !n.integral() {
		return "type"
	}
	for i, b := range r.bounds {
		c := b.compare(s)
		switch r.kws[i] {
		case "minimum":
			ok = c >= 0
		case "exclusiveMinimum":
			ok = c > 0
		case "maximum":
			ok = c <= 0
		default:
			ok = c < 0
		}
		if !ok {
			return r.kws[i]
		}
	}
	return ""
}

// Fail returns the *Error for keyword kw (from Check) of the json.Number s
// at p; at is the schema location of the field ("#/properties/n").
func (r *Range) Fail(p *Path, at, kw string, s json.Number) error {
	if kw == "type" {
		want := "number"
		if r.integer {
			want = "integer"
		}
		return Fail(p, at+"/type", "got %q, want %s", string(s), want)
	}
	for i, k := range r.kws {
		if k == kw {
			op := map[string]string{"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kw]
			return Fail(p, at+"/"+kw, "must be %s %s, but got %s", op, r.bounds[i].r.RatString(), string(s))
		}
	}
	return Fail(p, at, "invalid number %q", string(s))
}
