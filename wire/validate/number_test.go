package validate

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// randNumberText makes JSON number texts and near misses: signs, leading
// zeros, fractions with trailing zeros, exponents of every size.
func randNumberText(r *rand.Rand) string {
	digits := func(n int) string {
		var sb strings.Builder
		for ; n > 0; n-- {
			sb.WriteByte(byte('0' + r.IntN(10)))
		}
		return sb.String()
	}
	var sb strings.Builder
	if r.IntN(3) == 0 {
		sb.WriteByte('-')
	}
	switch r.IntN(4) {
	case 0:
		sb.WriteString("0")
	default:
		sb.WriteString(digits(1 + r.IntN(22)))
	}
	if r.IntN(3) == 0 {
		sb.WriteByte('.')
		sb.WriteString(strings.Repeat("0", r.IntN(3)) + digits(r.IntN(4)))
	}
	if r.IntN(3) == 0 {
		sb.WriteString([]string{"e", "E", "e+", "e-"}[r.IntN(4)])
		sb.WriteString(digits(r.IntN(4)))
	}
	if r.IntN(30) == 0 {
		sb.WriteString([]string{"x", " ", "."}[r.IntN(3)])
	}
	return sb.String()
}

func TestNumberAndIntegerMatchExactArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bounds := []string{"0", "1", "-1", "0.5", "-0.5", "1000", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e30", "2.5e-3", "100.0"}
	for _, lit := range []string{"", "0", "-0", "1.0", "1e2", "1E+2", "1e-2", "100e-2", "1.50e1", "18446744073709551616", "1e400", "-1e400", "1e-400", "1e1000000000", "01", "1.", ".5", "-", "1e", "+1"} {
		check(t, lit, bounds)
	}
	for i := 0; i < 20000; i++ {
		check(t, randNumberText(r), bounds)
	}
}

func check(t *testing.T, s string, bounds []string) {
	t.Helper()
	valid := s == "" || json.Valid([]byte(s)) && s[0] != ' ' && s[len(s)-1] != ' ' && !strings.ContainsAny(s, "\"[{tfn")
	if got := Number(json.Number(s)); got != valid {
		t.Fatalf("Number(%q) = %v, want %v", s, got, valid)
	}
	if !valid {
		return
	}
	text := s
	if text == "" {
		text = "0"
	}
	if strings.Contains(text, "e1000000000") {
		return // too large for big.Rat; covered by the magnitude rule
	}
	want, _ := new(big.Rat).SetString(text)
	if got := Integer(json.Number(s)); got != want.IsInt() {
		t.Fatalf("Integer(%q) = %v, want %v", s, got, want.IsInt())
	}
	for _, bl := range bounds {
		b, _ := new(big.Rat).SetString(bl)
		if got, w := newBound(bl).compare(json.Number(s)), want.Cmp(b); got != w {
			t.Fatalf("newBound(%s).compare(%q) = %d, want %d", bl, s, got, w)
		}
	}
}

func TestNumberChecksDoNotAllocate(t *testing.T) {
	rg := NewRange(true, "0", "", "", "")
	n := json.Number("12999")
	if a := testing.AllocsPerRun(100, func() {
		if !Integer(n) || rg.Check(n) != "" {
			t.Fatal("wrong")
		}
	}); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

func TestDuplicateNumberComparesValues(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		a, b := randNumberText(r), randNumberText(r)
		if r.IntN(4) == 0 {
			b = a + []string{"0", ".0", "e0", "e-0"}[r.IntN(4)]
		}
		if !Number(json.Number(a)) || !Number(json.Number(b)) || strings.Contains(a+b, "e1000") {
			continue
		}
		ra, _ := new(big.Rat).SetString(map[bool]string{true: "0", false: a}[a == ""])
		rb, _ := new(big.Rat).SetString(map[bool]string{true: "0", false: b}[b == ""])
		_, _, dup := DuplicateNumber([]json.Number{json.Number(a), json.Number(b)})
		if dup != (ra.Cmp(rb) == 0) {
			t.Fatalf("DuplicateNumber(%q, %q) = %v, want %v", a, b, dup, ra.Cmp(rb) == 0)
		}
	}
}

// TestRangeMatchesExactArithmetic: Range.Check, fast path and slow path,
// against big.Rat comparisons of every bound.
func TestRangeMatchesExactArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	lits := []string{"", "", "0", "1", "-1", "0.5", "1000", "9223372036854775807", "-9223372036854775808", "1e30", "-2.5", "0.0", "-1e30"}
	for i := 0; i < 6000; i++ {
		integer := r.IntN(2) == 0
		var ls [4]string
		for k := range ls {
			ls[k] = lits[r.IntN(len(lits))]
		}
		if i%3 == 0 { // a lower bound only: the unsigned fast path when it is at most 0
			ls[2], ls[3] = "", ""
		}
		rg := NewRange(integer, ls[0], ls[1], ls[2], ls[3])
		for j := 0; j < 20; j++ {
			s := randNumberText(r)
			if j%3 == 0 {
				fixed := []string{"0", "1", "-1", "1000", "1001", "999", "9223372036854775807", "-9223372036854775808", "123456789012345678", "-3",
					"12999", "00", "012", "-0", "0.0", "1e2", "9223372036854775808", "99999999999999999999999", "1 ", "", "+1", "١"}
				s = fixed[r.IntN(len(fixed))]
			}
			if strings.Contains(s, "e1000") {
				continue
			}
			want := ""
			if !Number(json.Number(s)) || integer && !Integer(json.Number(s)) {
				want = "type"
			} else {
				text := s
				if text == "" {
					text = "0"
				}
				v, _ := new(big.Rat).SetString(text)
				for k, kw := range []string{"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} {
					if ls[k] == "" {
						continue
					}
					b, _ := new(big.Rat).SetString(ls[k])
					c := v.Cmp(b)
					if ok := [...]bool{c >= 0, c > 0, c <= 0, c < 0}[k]; !ok {
						want = kw
						break
					}
				}
			}
			if got := rg.Check(json.Number(s)); got != want {
				t.Fatalf("NewRange(%v, %q).Check(%q) = %q, want %q", integer, ls, s, got, want)
			}
		}
	}
}

// TestPlainIsTheUnsignedIntegerGrammar: Plain accepts exactly
// ^(0|[1-9][0-9]*)$, every such text is a valid integer, and an Unsigned
// range's Check passes it.
func TestPlainIsTheUnsignedIntegerGrammar(t *testing.T) {
	re := regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	r := rand.New(rand.NewPCG(4, 4))
	ranges := []*Range{NewRange(true, "0", "", "", ""), NewRange(false, "-5", "", "", ""), NewRange(true, "", "-1", "", ""), NewRange(true, "-0.5", "", "", "")}
	for _, rg := range ranges {
		if !rg.Unsigned() {
			t.Fatalf("%+v is not Unsigned", rg)
		}
	}
	for _, c := range []struct {
		rg   *Range
		want bool
	}{
		{NewRange(true, "1", "", "", ""), false}, {NewRange(true, "0", "", "100", ""), false}, {NewRange(true, "", "0", "", ""), false},
		{NewRange(true, "1e30", "", "", ""), false}, {NewRange(true, "", "", "", "9223372036854775807"), false}, {NewRange(false, "", "", "", ""), true},
	} {
		if c.rg.Unsigned() != c.want {
			t.Fatalf("%+v: Unsigned %v, want %v", c.rg, c.rg.Unsigned(), c.want)
		}
	}
	for i := 0; i < 50000; i++ {
		s := randNumberText(r)
		if i%5 == 0 {
			s = []string{"", "0", "00", "01", "10", "-0", "+1", "1 ", " 1", "1\x00", "١", "9", ":", "/"}[r.IntN(14)]
		}
		n := json.Number(s)
		if got, want := Plain(n), re.MatchString(s); got != want {
			t.Fatalf("Plain(%q) = %v, want %v", s, got, want)
		}
		if Plain(n) {
			if !Integer(n) {
				t.Fatalf("Plain(%q) but not Integer", s)
			}
			for _, rg := range ranges {
				if kw := rg.Check(n); kw != "" {
					t.Fatalf("Plain(%q) but an Unsigned range fails it: %s", s, kw)
				}
			}
		}
	}
}
