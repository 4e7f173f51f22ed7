package contract

import (
	"regexp/syntax"
	"strings"
	"unicode"
)

// fromPattern makes a short string that the regular expression matches, or
// "" and false when the expression uses something it does not model.
func fromPattern(p string, _ int) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !gen(&b, re.Simplify(), 0) {
		return "", false
	}
	return b.String(), true
}

func gen(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 100 {
		return false
	}
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				r = unicode.ToUpper(r)
			}
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		// Prefer a letter or digit inside the class, else its first rune.
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, want := range []rune{'a', 'A', '0'} {
				if re.Rune[i] <= want && want <= re.Rune[i+1] {
					b.WriteRune(want)
					return true
				}
			}
		}
		b.WriteRune(re.Rune[0])
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
		return true
	case syntax.OpCapture:
		return gen(b, re.Sub[0], depth+1)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !gen(b, s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		return gen(b, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpPlus:
		return gen(b, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !gen(b, re.Sub[0], depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
