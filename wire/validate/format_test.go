package validate_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/evctl/evctl/wire/validate"
)

var formats = []string{"uuid", "date", "time", "date-time", "ipv4", "ipv6", "hostname", "email", "duration"}

var seeds = []string{
	"", "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "6F1C2A4E-8B3D-4C1A-9E2F-0A1B2C3D4E5F", "6f1c2a4e8b3d4c1a9e2f0a1b2c3d4e5f0000",
	"2026-11-26", "2026-02-29", "2024-02-29", "2026-1-26", "0000-01-01", "10:00:00Z", "10:00:00z", "23:59:60Z", "00:29:60+00:30",
	"23:59:60-00:00", "10:00:00.123+05:30", "10:00:00.+05:30", "+1:00:00Z", "1:+0:00Z", "10:00:00+24:00", "10:00:00+05:60",
	"2026-11-26T10:00:00Z", "2026-11-26t10:00:00.5-01:00", "2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00", "2016-12-31T22:59:60Z",
	"2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z", "+1:-0:00Z", "-0:+1:00z", "10:00:00+-1:00", "2026-11-26 10:00:00Z", "2026-11-26T25:00:00Z",
	"10.0.0.1", "255.255.255.255", "256.0.0.1", "01.0.0.1", "+1.0.0.1", "-0.0.0.0", "1.2.3", "1.2.3.4.5", "1..2.3",
	"::1", "fe80::1%eth0", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "10.0.0.1:80",
	"example.com", "example.com.", "-a.com", "a-.com", "a_b.com", "a..com", "xn--bcher-kva.example", "日本.jp",
	"a@example.com", "a.b+c@example.com", ".a@example.com", "a.@example.com", "a..b@example.com", `"a b"@example.com`, `"a\"b"@x.com`,
	"a@[10.0.0.1]", "a@[IPv6:::1]", "a@[IPv6:zz]", "a@", "@a.com", "a@b@c.com",
	"P1D", "P1W", "PW", "P", "PT", "PT1H", "P1DT", "P1Y2M3DT4H5M6S", "P1M1Y", "PT1H1H", "P1DT1HT", "P1.5D", "P1DT1S",
}

// TestFormatsMatchSanthosh checks the allocation-free ports against
// santhosh-tekuri/jsonschema's own checks on seeds and random mutations.
func TestFormatsMatchSanthosh(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const alphabet = "0123456789abcdefABCDEFTtZz:+-.@[]\"\\ _%PWYMDHS/é\xff"
	for _, f := range formats {
		native, ok := validate.Native(f)
		if !ok {
			t.Fatalf("no native check for %s", f)
		}
		orig := validate.Santhosh(f)
		if orig == nil {
			t.Fatalf("santhosh has no %s", f)
		}
		check := func(s string) {
			if got, want := native(s), orig.Validate(s) == nil; got != want {
				t.Fatalf("%s(%q): port says %v, santhosh says %v", f, s, got, want)
			}
		}
		for _, s := range seeds {
			check(s)
			for i := 0; i < 1000; i++ {
				b := []byte(s)
				for k := 1 + r.IntN(3); k > 0; k-- {
					switch op := r.IntN(3); {
					case op == 0 && len(b) > 0:
						b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
					case op == 1 && len(b) > 0:
						i := r.IntN(len(b))
						b = append(b[:i], b[i+1:]...)
					default:
						i := r.IntN(len(b) + 1)
						b = append(b[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
					}
				}
				check(string(b))
			}
		}
	}
}

func FuzzFormats(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range formats {
			native, _ := validate.Native(name)
			if got, want := native(s), validate.Santhosh(name).Validate(s) == nil; got != want {
				t.Fatalf("%s(%q): port says %v, santhosh says %v", name, s, got, want)
			}
		}
	})
}

func TestFormatsDoNotAllocate(t *testing.T) {
	valid := map[string]string{
		"uuid": "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f", "date": "2026-11-26", "time": "10:00:00.5+01:00",
		"date-time": "2026-11-26T10:00:00Z", "ipv4": "10.0.0.1", "ipv6": "fe80::1", "hostname": "a.example.com",
		"email": "a.b@example.com", "duration": "P1DT2H",
	}
	for _, f := range formats {
		native, _ := validate.Native(f)
		s := valid[f]
		if !native(s) {
			t.Fatalf("%s(%q) = false", f, s)
		}
		if n := testing.AllocsPerRun(100, func() { native(s) }); n != 0 {
			t.Errorf("%s allocates %v times per call on valid input", f, n)
		}
	}
}

func TestFormatCheckUsesSanthoshForOthers(t *testing.T) {
	uri := validate.NewFormatCheck("uri")
	if !uri.Valid("https://example.com/x") || uri.Valid("://x") {
		t.Errorf("uri check does not match santhosh")
	}
	if !validate.NewFormatCheck("no-such-format").Valid("anything") {
		t.Errorf("unknown formats must accept every value, as santhosh does")
	}
}

func TestGoTime(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), true},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)), false},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(23*3600+59*60))), true},
	} {
		_, err := c.t.MarshalJSON()
		if got := validate.GoTime(c.t); got != c.want || got != (err == nil) {
			t.Errorf("GoTime(%v) = %v, want %v (MarshalJSON error: %v)", c.t, got, c.want, err)
		}
	}
}

// TestGoTimeRandom: GoTime agrees with MarshalJSON on seeded random times
// around the year and zone limits.
func TestGoTimeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	edges := []int64{-62167219200, 253402300800}
	for i := 0; i < 50000; i++ {
		sec := edges[r.IntN(2)] + r.Int64N(4*86400) - 2*86400
		if i%4 == 0 {
			sec = r.Int64N(1<<40) - 1<<39
		}
		off := r.IntN(2*86400+7200) - 86400 - 3600
		tm := time.Unix(sec, int64(r.IntN(1e9))).In(time.FixedZone("", off))
		if i%7 == 0 {
			tm = tm.UTC()
		}
		_, err := tm.MarshalJSON()
		if got := validate.GoTime(tm); got != (err == nil) {
			t.Fatalf("GoTime(%v) = %v, MarshalJSON error %v", tm, got, err)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		r        *big.Rat
		prec, sc int
		want     bool
	}{
		{big.NewRat(123456, 100), 6, 2, true},
		{big.NewRat(1234567, 100), 6, 2, false},
		{big.NewRat(-999999, 100), 6, 2, true},
		{big.NewRat(1, 1000), 6, 2, false},
		{big.NewRat(1, 8), 10, 3, true},
		{big.NewRat(1, 3), 10, 3, false},
		{big.NewRat(math.MinInt64, 1), 18, 0, false}, // 19 digits; negating overflowed int64
		{new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), 80), big.NewInt(1)), 30, 2, true},
		{new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(1), 80), big.NewInt(1)), 20, 2, false},
		{nil, 4, 1, false},
	} {
		if got := validate.Decimal(c.r, c.prec, c.sc); got != c.want {
			t.Errorf("Decimal(%v, %d, %d) = %v, want %v", c.r, c.prec, c.sc, got, c.want)
		}
	}
}

func TestPathAndError(t *testing.T) {
	root := validate.Prop(nil, "a/b")
	item := validate.Item(&root, 3)
	leaf := validate.Prop(&item, "c~d")
	err := validate.Fail(&leaf, "#/properties/x/minLength", "too short: %d", 1)
	ve := err.(*validate.Error)
	if ve.InstanceLocation != "/a~1b/3/c~0d" || ve.Keyword != "minLength" || ve.Message != "too short: 1" {
		t.Errorf("error = %#v", ve)
	}
	if got := validate.Fail(nil, "#/required", "x").(*validate.Error).InstanceLocation; got != "" {
		t.Errorf("root location = %q", got)
	}
}
