package codegen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/evctl/evctl/wire/validate"
)

// randomFixedPattern is an anchored pattern of fixed positions: literal
// ASCII characters (quoted) and classes of one to four ranges (written
// with \x{..} escapes, so any ASCII byte can be an end), each repeated one
// to four times; sometimes \d, [[:upper:]] or an empty match.
func randomFixedPattern(r *rand.Rand) string {
	var sb strings.Builder
	sb.WriteString("^")
	for n := 1 + r.IntN(5); n > 0; n-- {
		switch r.IntN(6) {
		case 0:
			sb.WriteString(regexp.QuoteMeta(string(rune(0x20 + r.IntN(0x5f)))))
		case 1:
			sb.WriteString([]string{`\d`, `[[:upper:]]`, `[a-f0-9]`, `[\-_.]`, `\x00`, `[\x00-\x{7f}]`}[r.IntN(6)])
		default:
			sb.WriteString("[")
			for k := 1 + r.IntN(4); k > 0; k-- {
				lo := r.IntN(0x80)
				hi := min(0x7f, lo+r.IntN(30))
				if r.IntN(3) == 0 {
					hi = lo
				}
				fmt.Fprintf(&sb, `\x{%x}-\x{%x}`, lo, hi)
			}
			sb.WriteString("]")
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&sb, "{%d}", 1+r.IntN(4))
		}
	}
	sb.WriteString("$")
	return sb.String()
}

// sampleStrings are strings near the pattern's positions: a match (each
// byte an end of a range of its position, or inside one), and half the
// time one change: a byte one past an end of a range, any byte, a
// multi-byte rune, or one byte more or less.
func sampleStrings(r *rand.Rand, sets []*[256]bool, n int) []string {
	var out []string
	for ; n > 0; n-- {
		var b []byte
		var ends [][2]int
		for _, set := range sets {
			rs := byteRanges(set)
			rg := rs[r.IntN(len(rs))]
			ends = append(ends, rg)
			b = append(b, byte(rg[0]+r.IntN(rg[1]-rg[0]+1)))
			if r.IntN(2) == 0 {
				b[len(b)-1] = byte(rg[r.IntN(2)])
			}
		}
		if r.IntN(2) == 0 {
			i := 0
			if len(b) > 0 {
				i = r.IntN(len(b))
			}
			switch k := r.IntN(5); {
			case k < 2 && len(b) > 0:
				b[i] = []byte{byte(ends[i][0] - 1), byte(ends[i][1] + 1)}[r.IntN(2)]
			case k == 2 && len(b) > 0:
				b[i] = byte(r.IntN(256))
			case k == 3:
				b = append(b[:i], append([]byte("é"), b[i:]...)...)
			default:
				if len(b) > 0 && r.IntN(2) == 0 {
					b = b[:len(b)-1]
				} else {
					b = append(b, byte(r.IntN(128)))
				}
			}
		}
		out = append(out, string(b))
	}
	return out
}

// TestPatternConditionMatchesRegexp compiles the inline conditions of the
// byte-loop seeds and of random fixed-length patterns into a throwaway
// module and compares each with regexp on strings near its classes (and
// random one-byte mutations of them).
func TestPatternConditionMatchesRegexp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	r := rand.New(rand.NewPCG(9, 9))
	pats := []string{`^[A-Z]{3}$`, `^[0-9]{4}-[0-9]{2}$`, `^ord-[0-9a-f]{8}$`, `^(a|b)$`, `^$`, `^[A-Za-z0-9_]{2}$`, `^\\$`, `^'$`, `^[\x00-\x1f]$`}
	for len(pats) < 400 {
		pats = append(pats, randomFixedPattern(r))
	}
	var src strings.Builder
	src.WriteString("package patcheck\n\nimport \"regexp\"\n\nvar cases = []struct {\n\tpat string\n\tre *regexp.Regexp\n\tnot func(x string) bool\n\tsamples []string\n}{\n")
	inline, declined := 0, 0
	for _, pat := range pats {
		cond, ok := patternCondition(pat, "x")
		if !ok {
			declined++
			continue
		}
		inline++
		p, _ := validate.CompileBytePattern(pat)
		sets, _ := p.Positions()
		fmt.Fprintf(&src, "\t{%s, regexp.MustCompile(%s), func(x string) bool { return %s }, %#v},\n", strconv.Quote(pat), strconv.Quote(pat), cond, sampleStrings(r, sets, 60))
	}
	src.WriteString("}\n")
	if inline < 250 {
		t.Fatalf("only %d of %d patterns written inline (%d declined): the generator is off", inline, len(pats), declined)
	}
	dir := t.TempDir()
	test := `package patcheck

import (
	"math/rand/v2"
	"testing"
)

func TestInlineConditions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	matched, n := 0, 0
	for _, c := range cases {
		check := func(s string) {
			n++
			want := c.re.MatchString(s)
			if want {
				matched++
			}
			if got := !c.not(s); got != want {
				t.Fatalf("pattern %q on %q: inline condition says %v, regexp %v", c.pat, s, got, want)
			}
		}
		for _, s := range c.samples {
			check(s)
			for k := 0; k < 8 && len(s) > 0; k++ {
				b := []byte(s)
				b[r.IntN(len(b))] = byte(r.IntN(256))
				check(string(b))
			}
		}
	}
	if matched < n/10 {
		t.Fatalf("%d of %d strings match: the samples are off", matched, n)
	}
	t.Logf("%d patterns, %d strings, %d matching", len(cases), n, matched)
}
`
	for name, s := range map[string]string{"go.mod": "module patcheck\n\ngo 1.26\n", "cases.go": src.String(), "cases_test.go": test} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test of the inline conditions: %v\n%s", err, out)
	}
	t.Logf("%d patterns inline, %d declined\n%s", inline, declined, out)
}

func TestPatternConditionDeclines(t *testing.T) {
	for _, pat := range []string{`^[a-z]+$`, `^[A-Z]{17}$`, `[A-Z]{3}`, `^[acegikmoq]$`, `^é$`, `^(?i)a$`, `^[^a]$`} {
		if cond, ok := patternCondition(pat, "x"); ok {
			t.Errorf("patternCondition(%q) = %q, want declined", pat, cond)
		}
	}
	cond, ok := patternCondition(`^[A-Z]{2}[0-9a-f_]$`, "v.X")
	if want := `len(v.X) != 3 || v.X[0]-'A' > 25 || v.X[1]-'A' > 25 || !(v.X[2]-'0' <= 9 || v.X[2] == '_' || v.X[2]-'a' <= 5)`; !ok || cond != want {
		t.Errorf("patternCondition = %q, %v; want %q", cond, ok, want)
	}
}
