package codegen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evctl/evctl/wire/validate"
)

// maxInlinePositions bounds the patterns written as inline conditions:
// longer fixed-length patterns are matched by a validate.BytePattern.
const maxInlinePositions = 16

// patternCondition returns a Go condition on the string expression x (a
// field or a conversion: evaluated more than once) that is true exactly
// when x does not match pattern, for an anchored pattern of at most
// maxInlinePositions fixed positions whose classes are each at most three
// byte ranges ("^[A-Z]{3}$" gives len(x) != 3 || x[0]-'A' > 25 || ...).
// ok is false for any other pattern. TestPatternConditionMatchesRegexp
// compiles the conditions and compares them with regexp.
func patternCondition(pattern, x string) (string, bool) {
	p, ok := validate.CompileBytePattern(pattern)
	if !ok {
		return "", false
	}
	sets, ok := p.Positions()
	if !ok || len(sets) > maxInlinePositions {
		return "", false
	}
	conds := []string{fmt.Sprintf("len(%s) != %d", x, len(sets))}
	for i, set := range sets {
		rs := byteRanges(set)
		if len(rs) == 0 || len(rs) > 3 {
			return "", false
		}
		c := fmt.Sprintf("%s[%d]", x, i)
		var in []string
		for _, r := range rs {
			switch {
			case r[0] == r[1]:
				in = append(in, c+" == "+byteLit(r[0]))
			case r[0] == 0:
				in = append(in, fmt.Sprintf("%s <= %s", c, byteLit(r[1])))
			default: // one comparison: bytes below r[0] wrap around to large values
				in = append(in, fmt.Sprintf("%s-%s <= %d", c, byteLit(r[0]), r[1]-r[0]))
			}
		}
		if len(in) == 1 {
			conds = append(conds, negate(in[0]))
		} else {
			conds = append(conds, "!("+strings.Join(in, " || ")+")")
		}
	}
	return strings.Join(conds, " || "), true
}

// byteRanges returns the runs of set as [lo, hi] pairs.
func byteRanges(set *[256]bool) [][2]int {
	var rs [][2]int
	for c := 0; c < 256; c++ {
		if !set[c] {
			continue
		}
		if n := len(rs); n > 0 && rs[n-1][1] == c-1 {
			rs[n-1][1] = c
		} else {
			rs = append(rs, [2]int{c, c})
		}
	}
	return rs
}

// byteLit is the Go rune literal of the ASCII byte c, such as 'A' or
// '\x00' (quotes and backslashes escaped).
func byteLit(c int) string { return strconv.QuoteRuneToASCII(rune(c)) }

// negate turns "a == b" into "a != b" and "a <= b" into "a > b".
func negate(cond string) string {
	if strings.Contains(cond, " == ") {
		return strings.Replace(cond, " == ", " != ", 1)
	}
	return strings.Replace(cond, " <= ", " > ", 1)
}
