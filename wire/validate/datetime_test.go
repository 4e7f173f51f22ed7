package validate_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/evctl/evctl/wire/validate"
)

// randomDateTime builds a date-time near the valid forms: every field is
// mostly two digits in or just outside its range, sometimes a sign and a
// digit (what strconv.Atoi accepts in santhosh's time check), the
// separators mostly right, fractions and offsets of every shape, and
// leap seconds around 23:59 UTC in every zone.
func randomDateTime(r *rand.Rand) string {
	// Half of the strings are clean: every pick takes its first choice
	// and every field two digits in range (the date may still not exist,
	// the leap second may be misplaced).
	clean := r.IntN(2) == 0
	pick := func(s ...string) string {
		if clean {
			return s[0]
		}
		return s[r.IntN(len(s))]
	}
	two := func(hi int) string {
		if clean {
			return fmt.Sprintf("%02d", r.IntN(hi+1))
		}
		switch r.IntN(12) {
		case 0:
			return pick("+", "-", " ", "0", "a") + fmt.Sprint(r.IntN(10))
		case 1:
			return pick("00", "99", "0", "000", "-0", "+0", "0x", "٣1")
		default:
			return fmt.Sprintf("%02d", r.IntN(hi+2))
		}
	}
	year := pick(fmt.Sprintf("%04d", r.IntN(10000)), "2026", "2024", "2023", "2000", "1900", "2100", "0000", "9999", "0004", fmt.Sprintf("%04d", r.IntN(10000)), "+026", "226")
	mon, day := two(12), two(31)
	if clean && (mon == "00" || day == "00") {
		mon, day = "01", "01"
	}
	date := year + pick("-", "-", "-", "/") + mon + pick("-", "-", "-", ":") + day
	if r.IntN(4) == 0 {
		date = year + "-02-" + pick("28", "29", "30")
	}
	h, m, s := two(23), two(59), two(60)
	if r.IntN(3) == 0 { // around a leap second
		h, m, s = []string{"23", "22", "00", "01", "12", "11"}[r.IntN(6)], []string{"59", "29", "00", "30"}[r.IntN(4)], []string{"60", "59"}[r.IntN(2)]
	}
	t := h + pick(":", ":", ":", ".") + m + pick(":", ":", ":", "-") + s
	switch r.IntN(4) {
	case 0:
		t += "." + fmt.Sprint(r.IntN(1000000))
	case 1:
		if clean {
			break
		}
		t += pick(".", ".0", ".12345678901", ".x", "..1")
	}
	switch r.IntN(6) {
	case 0:
		t += []string{"Z", "z"}[r.IntN(2)]
	case 1:
		if clean {
			t += "Z"
			break
		}
		t += pick("", "ZZ", "+01", "+0100", "z ", "UTC", "+01:00:00")
	default:
		if clean {
			t += []string{"+", "-"}[r.IntN(2)] + two(23) + ":" + two(59)
			break
		}
		t += pick("+", "-", "+", "-", " ") + two(23) + pick(":", ":", ":", "") + two(59)
	}
	return date + pick("T", "t", "T", " ", "_") + t
}

// TestDateTimeMatchesSanthosh compares the one-pass DateTime with santhosh
// on structured random date-times (the mutations of TestFormatsMatchSanthosh
// rarely reach valid leap seconds, zones and Atoi forms).
func TestDateTimeMatchesSanthosh(t *testing.T) {
	orig := validate.Santhosh("date-time")
	r := rand.New(rand.NewPCG(11, 3))
	valid := 0
	const n = 200000
	for i := 0; i < n; i++ {
		s := randomDateTime(r)
		got, want := validate.DateTime(s), orig.Validate(s) == nil
		if got != want {
			t.Fatalf("DateTime(%q) = %v, santhosh says %v", s, got, want)
		}
		if want {
			valid++
		}
	}
	// Both verdicts must be well represented, or the test proves little.
	if valid < n/10 || valid > n*9/10 {
		t.Fatalf("%d of %d random date-times valid: the generator is off", valid, n)
	}
	t.Logf("%d of %d random date-times valid, all verdicts as santhosh's", valid, n)
}

func FuzzDateTime(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		f.Add(randomDateTime(r))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	orig := validate.Santhosh("date-time")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validate.DateTime(s), orig.Validate(s) == nil; got != want {
			t.Fatalf("DateTime(%q) = %v, santhosh says %v", s, got, want)
		}
	})
}
