package validate

import (
	"regexp"
	"testing"
)

var patternSeeds = []string{
	`^[A-Z]{3}$`, `^[a-z]+$`, `^[0-9]{4}-[0-9]{2}$`, `^ord-[0-9a-f]{8}$`, `^[A-Z]{2}[0-9]{2,4}$`, `^\d+$`, `^[a-z_]*\.json$`,
	`^[a-z]+[a-z0-9]$`, `[a-z]+`, `^(a|b)$`, `^[^a]$`, `^.$`, `^(?i)abc$`, `^é$`, `^[a-zé]$`, `^a?b?$`, `^x{0,3}y$`, `^$`,
}

// TestBytePatternChoices: which patterns compile to byte loops, and that
// MatchString agrees with regexp on a few inputs each.
func TestBytePatternChoices(t *testing.T) {
	want := map[string]bool{
		`^[A-Z]{3}$`: true, `^[a-z]+$`: true, `^[0-9]{4}-[0-9]{2}$`: true, `^ord-[0-9a-f]{8}$`: true, `^[A-Z]{2}[0-9]{2,4}$`: true,
		`^\d+$`: true, `^[a-z_]*\.json$`: false /* [a-z_]* overlaps json */, `^[a-z]+[a-z0-9]$`: false, `[a-z]+`: false,
		`^(a|b)$`: true /* simplifies to [a-b] */, `^[^a]$`: false, `^.$`: false, `^(?i)abc$`: false, `^é$`: false, `^[a-zé]$`: false,
		`^a?b?$`: true, `^x{0,3}y$`: true, `^$`: true,
	}
	for _, pat := range patternSeeds {
		p, ok := CompileBytePattern(pat)
		if ok != want[pat] {
			t.Errorf("CompileBytePattern(%q) ok = %v, want %v", pat, ok, want[pat])
		}
		if !ok {
			continue
		}
		re := regexp.MustCompile(pat)
		for _, s := range []string{"", "A", "ABC", "ABCD", "abc", "1234-56", "ord-0123abcd", "AB123", "ab", "b", "xxxy", "xxxxy", "é", "AB\xff"} {
			if got, want := p.MatchString(s), re.MatchString(s); got != want {
				t.Errorf("%q on %q: byte loop %v, regexp %v", pat, s, got, want)
			}
		}
	}
}

// FuzzBytePattern: for every pattern CompileBytePattern accepts, the byte
// loop and regexp agree on every input.
func FuzzBytePattern(f *testing.F) {
	for _, p := range patternSeeds {
		f.Add(p, "ABC")
		f.Add(p, "ord-0123abcd")
		f.Add(p, "a\xffb")
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		p, ok := CompileBytePattern(pat)
		if !ok {
			return
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("CompileBytePattern accepted %q, which regexp rejects: %v", pat, err)
		}
		if got, want := p.MatchString(s), re.MatchString(s); got != want {
			t.Fatalf("%q on %q: byte loop %v, regexp %v", pat, s, got, want)
		}
	})
}

func BenchmarkPattern(b *testing.B) {
	const pat, s = `^[A-Z]{3}$`, "EUR"
	p, _ := CompileBytePattern(pat)
	re := regexp.MustCompile(pat)
	b.Run("bytes", func(b *testing.B) {
		for b.Loop() {
			if !p.MatchString(s) {
				b.Fatal()
			}
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			if !re.MatchString(s) {
				b.Fatal()
			}
		}
	})
}
