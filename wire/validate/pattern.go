package validate

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// BytePattern matches the anchored patterns that are a sequence of ASCII
// characters and ASCII character classes with counts ("^[A-Z]{3}$",
// "^[a-z0-9-]+\.[a-z]{2,}$" is not one: see CompileBytePattern) with a
// loop over bytes, allocation-free and several times faster than regexp.
// It gives the same answer as Go's regexp (RE2, the engine
// santhosh-tekuri/jsonschema uses) for every input.
type BytePattern struct {
	items []patItem
	// pos holds, for a pattern of only fixed counts ("^[A-Z]{3}$"), the
	// class of every position: a match is a length check and one lookup
	// per byte.
	pos []*[256]bool
	re  *regexp.Regexp // set by BytePatternOf for a pattern without a byte loop
}

// BytePatternOf is what generated code calls for a pattern evctl compiled
// to a byte loop at generation time. Should the runtime not accept the
// pattern (another evctl version), it matches with regexp instead; a
// pattern regexp rejects never matches.
func BytePatternOf(pattern string) *BytePattern {
	if p, ok := CompileBytePattern(pattern); ok {
		return p
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		re = regexp.MustCompile(`[^\x00-\x{10FFFF}]`) // matches nothing
	}
	return &BytePattern{re: re}
}

type patItem struct {
	set      [256]bool
	min, max int // max < 0: unbounded
}

// CompileBytePattern compiles pattern when it is anchored at both ends
// (^...$) and consists of literal ASCII characters and ASCII classes
// (no negation reaching beyond ASCII, no case folding, no alternation),
// each repeated a fixed or variable number of times, where every
// variable-length item's class is disjoint from the classes of all items
// after it, so that matching greedily without backtracking is exact. It
// reports false for any other pattern.
func CompileBytePattern(pattern string) (*BytePattern, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return nil, false
	}
	subs := re.Sub
	if subs[0].Op != syntax.OpBeginText || subs[len(subs)-1].Op != syntax.OpEndText {
		return nil, false
	}
	p := &BytePattern{}
	for _, s := range subs[1 : len(subs)-1] {
		if !p.add(s) {
			return nil, false
		}
	}
	for i, it := range p.items {
		if it.min == it.max {
			continue
		}
		for _, later := range p.items[i+1:] {
			for c := 0; c < 256; c++ {
				if it.set[c] && later.set[c] {
					return nil, false
				}
			}
		}
	}
	fixed := 0
	for _, it := range p.items {
		if it.min != it.max {
			fixed = -1
			break
		}
		fixed += it.min
	}
	if fixed >= 0 && fixed <= 256 {
		for k := range p.items {
			for n := 0; n < p.items[k].min; n++ {
				p.pos = append(p.pos, &p.items[k].set)
			}
		}
		if p.pos == nil {
			p.pos = []*[256]bool{}
		}
	}
	return p, true
}

func (p *BytePattern) add(re *syntax.Regexp) bool {
	if re.Flags&syntax.FoldCase != 0 {
		return false
	}
	switch re.Op {
	case syntax.OpCapture:
		return len(re.Sub) == 1 && p.add(re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !p.add(s) {
				return false
			}
		}
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			var it patItem
			if r >= utf8.RuneSelf {
				return false
			}
			it.set[r] = true
			it.min, it.max = 1, 1
			p.items = append(p.items, it)
		}
		return true
	case syntax.OpCharClass:
		it, ok := classItem(re)
		if !ok {
			return false
		}
		it.min, it.max = 1, 1
		p.items = append(p.items, it)
		return true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if len(re.Sub) != 1 {
			return false
		}
		var it patItem
		sub := re.Sub[0]
		for sub.Op == syntax.OpCapture && len(sub.Sub) == 1 {
			sub = sub.Sub[0]
		}
		if sub.Flags&syntax.FoldCase != 0 {
			return false
		}
		switch {
		case sub.Op == syntax.OpCharClass:
			var ok bool
			if it, ok = classItem(sub); !ok {
				return false
			}
		case sub.Op == syntax.OpLiteral && len(sub.Rune) == 1 && sub.Rune[0] < utf8.RuneSelf:
			it.set[sub.Rune[0]] = true
		default:
			return false
		}
		switch re.Op {
		case syntax.OpStar:
			it.min, it.max = 0, -1
		case syntax.OpPlus:
			it.min, it.max = 1, -1
		case syntax.OpQuest:
			it.min, it.max = 0, 1
		default:
			it.min, it.max = re.Min, re.Max
		}
		p.items = append(p.items, it)
		return true
	}
	return false
}

// classItem is the byte set of an ASCII-only class.
func classItem(re *syntax.Regexp) (patItem, bool) {
	var it patItem
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= utf8.RuneSelf {
			return it, false // the class matches non-ASCII runes
		}
		for c := lo; c <= hi; c++ {
			it.set[c] = true
		}
	}
	return it, true
}

// Positions returns, for a pattern of only fixed counts ("^[A-Z]{3}$"),
// the set of bytes allowed at each position of a match, which has exactly
// len(sets) bytes; ok is false for any other pattern. evctl gen writes
// such a pattern as an inline condition on the bytes.
func (p *BytePattern) Positions() (sets []*[256]bool, ok bool) {
	return p.pos, p.pos != nil && p.re == nil
}

// Only reports whether every byte a matching string can hold satisfies
// ok (false for a pattern matched by regexp).
func (p *BytePattern) Only(ok func(byte) bool) bool {
	if p.re != nil {
		return false
	}
	for k := range p.items {
		for c := 0; c < 256; c++ {
			if p.items[k].set[c] && !ok(byte(c)) {
				return false
			}
		}
	}
	return true
}

// MatchString reports whether s matches the pattern. A byte of a
// multi-byte UTF-8 sequence is never in an ASCII class, just as regexp
// never matches such a rune with one.
func (p *BytePattern) MatchString(s string) bool {
	if p.re != nil {
		return p.re.MatchString(s)
	}
	if p.pos != nil {
		if len(s) != len(p.pos) {
			return false
		}
		for i, set := range p.pos {
			if !set[s[i]] {
				return false
			}
		}
		return true
	}
	i := 0
	for k := range p.items {
		it := &p.items[k]
		n := 0
		for i < len(s) && (it.max < 0 || n < it.max) && it.set[s[i]] {
			i++
			n++
		}
		if n < it.min {
			return false
		}
	}
	return i == len(s)
}
