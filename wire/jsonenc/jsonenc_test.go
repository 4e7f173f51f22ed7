package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func marshal(t *testing.T, v any) (string, bool) {
	t.Helper()
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// randString mixes ASCII, control bytes, HTML characters, U+2028/2029,
// multi-byte runes and invalid UTF-8.
func randString(r *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "\x00", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f",
		"é", "€", "😀", "\u2028", "\u2029", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\uFFFD", "\u00a0"}
	var sb strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		s := randString(r)
		if i < 256 {
			s = string([]byte{byte(i)}) + "x"
		}
		want, _ := marshal(t, s)
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func TestAppendFloat64MatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fixed := []float64{0, math.Copysign(0, -1), 1, -1, 1e-6, 1e-7, 9.999999e-7, 1e20, 1e21, 1e21 - 65536, 123456789e13, 5e-324,
		math.MaxFloat64, -math.MaxFloat64, 0.1, 1.5e-9, 1e-10, math.NaN(), math.Inf(1), math.Inf(-1)}
	for i := 0; i < 20000; i++ {
		var f float64
		switch {
		case i < len(fixed):
			f = fixed[i]
		case i%3 == 0:
			f = math.Float64frombits(r.Uint64())
		case i%3 == 1:
			f = r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
		default:
			f = float64(r.Int64N(1<<53)) / 1000
		}
		want, ok := marshal(t, f)
		got, err := AppendFloat64(nil, f)
		if (err == nil) != ok || ok && string(got) != want {
			t.Fatalf("AppendFloat64(%v) = %s, %v; encoding/json %s, ok %v", f, got, err, want, ok)
		}
	}
}

func TestAppendTimeMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		sec := r.Int64N(2*400000*365*86400) - 400000*365*86400 // years about -398000..402000
		if i%2 == 0 {
			sec = r.Int64N(10000*365*86400) - 62135596800
		}
		tm := time.Unix(sec, int64(r.IntN(1e9))*int64(r.IntN(2)))
		switch r.IntN(4) {
		case 0:
			tm = tm.UTC()
		case 1:
			tm = tm.In(time.FixedZone("", (r.IntN(48*60)-24*60)*60+r.IntN(2)*r.IntN(60)))
		case 2:
			tm = tm.In(time.FixedZone("", (r.IntN(200)-100)*3600))
		}
		want, ok := marshal(t, tm)
		got, err := AppendTime([]byte("x"), tm)
		if (err == nil) != ok || ok && string(got) != "x"+want || !ok && string(got) != "x" {
			t.Fatalf("AppendTime(%v) = %s, %v; encoding/json %s, ok %v", tm, got, err, want, ok)
		}
	}
}

func TestSortedKeysAndAny(t *testing.T) {
	m := map[string]any{"b": 1, "a": []any{"<x>", 2.5}, "\u2028": nil}
	want, _ := marshal(t, m)
	got, err := AppendAny(nil, m)
	if err != nil || string(got) != want {
		t.Fatalf("AppendAny = %s, %v; want %s", got, err, want)
	}
	if k := SortedKeys(map[string]int{"b": 1, "a": 2, "B": 3}); strings.Join(k, ",") != "B,a,b" {
		t.Fatalf("SortedKeys = %v", k)
	}
}

func TestAppendNumberMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "0", "-0", "1.0", "1e2", "1E+2", "18446744073709551616", "1e400", "01", "1.", ".5", "-", "1e", "+1", "abc", " 1", "1 "} {
		want, werr := json.Marshal(json.Number(s))
		got, gerr := AppendNumber([]byte("x"), json.Number(s))
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("AppendNumber(%q) error %v, encoding/json %v", s, gerr, werr)
		}
		if werr == nil && string(got) != "x"+string(want) {
			t.Fatalf("AppendNumber(%q) = %s, encoding/json %s", s, got, want)
		}
		if werr != nil && string(got) != "x" {
			t.Fatalf("failing AppendNumber(%q) changed the buffer: %s", s, got)
		}
	}
}

func TestAppendStringBodyIsAppendStringWithoutQuotes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 20000; i++ {
		s := randString(r) + strings.Repeat("abcdefgh", r.IntN(3)) + randString(r)
		want := string(AppendString(nil, s))
		if got := `"` + string(AppendStringBody(nil, s)) + `"`; got != want {
			t.Fatalf("AppendStringBody(%q) = %s, AppendString %s", s, got, want)
		}
	}
}

// TestAppendStringEveryByteAtEveryOffset puts every byte value at every
// offset of the word loop, its partial last word and the short-string
// loop, before and after plain bytes, and compares with encoding/json.
func TestAppendStringEveryByteAtEveryOffset(t *testing.T) {
	for b := 0; b < 256; b++ {
		for off := 0; off < 17; off++ {
			for tail := 0; tail < 10; tail++ {
				s := strings.Repeat("a", off) + string([]byte{byte(b)}) + strings.Repeat("z", tail)
				want, _ := marshal(t, s)
				if got := string(AppendString(nil, s)); got != want {
					t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want)
				}
			}
		}
	}
}

// TestPlainBytesEveryPair checks the word test on every pair of byte
// values at every pair of positions (a borrow from one byte must not hide
// or fake a match in another), against the byte table.
func TestGoodEveryPair(t *testing.T) {
	for b1 := 0; b1 < 256; b1++ {
		for b2 := 0; b2 < 256; b2++ {
			want := plain[b1] && plain[b2]
			for p := 0; p < 8; p++ {
				for q := 0; q < 8; q++ {
					if p == q {
						continue
					}
					x := uint64(0x6161616161616161) // "aaaaaaaa"
					x = x&^(0xff<<(8*p)) | uint64(b1)<<(8*p)
					x = x&^(0xff<<(8*q)) | uint64(b2)<<(8*q)
					if got := good(x) == high; got != want {
						t.Fatalf("good(%#x) == high is %v, want %v", x, got, want)
					}
				}
			}
		}
	}
}

// FuzzAppendString compares AppendString and AppendStringBody with
// encoding/json.
func FuzzAppendString(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 100; i++ {
		f.Add(randString(r) + strings.Repeat("abcdefgh", r.IntN(3)) + randString(r))
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := marshal(t, s)
		if got := string(AppendString(nil, s)); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want)
		}
		if got := `"` + string(AppendStringBody([]byte{}, s)) + `"`; got != want {
			t.Fatalf("AppendStringBody(%q) = %s, encoding/json %s", s, got, want)
		}
		// After a prefix, with no spare capacity, some, and plenty.
		for _, c := range []int{2, 5, 3 + len(s), 64 + 6*len(s)} {
			dst := append(make([]byte, 0, c), "x\""...)
			if got := string(AppendStringBody(dst, s)) + `"`; got != "x"+want {
				t.Fatalf("AppendStringBody(cap %d, %q) = %s, encoding/json %s", c, s, got, want)
			}
		}
	})
}

func BenchmarkAppendStringBody(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendStringBody(buf[:0], "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f")
		buf = AppendStringBody(buf, "2026-11-26T10:00:00.123456789Z")
		buf = AppendStringBody(buf, "bank_transfer")
	}
}
