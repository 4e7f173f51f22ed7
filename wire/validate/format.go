package validate

import (
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The functions below are allocation-free ports of the format checks of
// santhosh-tekuri/jsonschema v6.0.3 (format.go). They accept and reject
// exactly the strings the originals accept and reject; format_test.go checks
// that against the originals, reached through a compiled {"format": name}
// schema. The originals split strings and box their argument, so they
// allocate on every call.

// UUID reports whether s is a valid "uuid".
func UUID(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	// One OR over the 32 digits: no branch per byte.
	return notHex[s[0]]|notHex[s[1]]|notHex[s[2]]|notHex[s[3]]|notHex[s[4]]|notHex[s[5]]|notHex[s[6]]|notHex[s[7]]|
		notHex[s[9]]|notHex[s[10]]|notHex[s[11]]|notHex[s[12]]|notHex[s[14]]|notHex[s[15]]|notHex[s[16]]|notHex[s[17]]|
		notHex[s[19]]|notHex[s[20]]|notHex[s[21]]|notHex[s[22]]|notHex[s[24]]|notHex[s[25]]|notHex[s[26]]|notHex[s[27]]|
		notHex[s[28]]|notHex[s[29]]|notHex[s[30]]|notHex[s[31]]|notHex[s[32]]|notHex[s[33]]|notHex[s[34]]|notHex[s[35]] == 0
}

// notHex[c] is 0 for the hexadecimal digits, 1 for every other byte.
var notHex = func() (t [256]uint8) {
	for c := range t {
		if !isHex(byte(c)) {
			t[c] = 1
		}
	}
	return t
}()

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// Date reports whether s is a valid "date" (time.Parse with 2006-01-02).
func Date(s string) bool {
	// time.Parse("2006-01-02", s), as santhosh checks it, as a byte loop.
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y1, y2, m, d := digits2(s[0], s[1]), digits2(s[2], s[3]), digits2(s[5], s[6]), digits2(s[8], s[9])
	if y1|y2|m|d < 0 || m < 1 || m > 12 || d < 1 {
		return false
	}
	y := y1*100 + y2
	dim := daysIn[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		dim = 29
	}
	return d <= dim
}

var daysIn = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// digits2 is the value of two decimal digits, or -1.
func digits2(a, b byte) int {
	a -= '0'
	b -= '0'
	if a > 9 || b > 9 {
		return -1
	}
	return int(a)*10 + int(b)
}

// atoi2 is strconv.Atoi on a two-byte string, as santhosh's time check
// calls it: two digits, or a sign and one digit ("+5" is 5, "-0" is 0,
// "-5" is -5); ok is false where Atoi fails.
func atoi2(a, b byte) (int, bool) {
	if v := digits2(a, b); v >= 0 {
		return v, true
	}
	d := b - '0'
	if d > 9 {
		return 0, false
	}
	switch a {
	case '+':
		return int(d), true
	case '-':
		return -int(d), true
	}
	return 0, false
}

// Time reports whether s is a valid "time".
func Time(str string) bool {
	if len(str) < 9 {
		return false
	}
	if str[2] != ':' || str[5] != ':' {
		return false
	}
	h, ok := atoi2(str[0], str[1])
	if !ok || h < 0 {
		return false
	}
	m, ok := atoi2(str[3], str[4])
	if !ok || m < 0 {
		return false
	}
	s, ok := atoi2(str[6], str[7])
	if !ok || s < 0 {
		return false
	}
	if h > 23 || m > 59 || s > 60 {
		return false
	}
	str = str[8:]
	if len(str) > 0 && str[0] == '.' {
		rem := str[1:]
		n := 0
		for n < len(rem) && rem[n] >= '0' && rem[n] <= '9' {
			n++
		}
		if n == 0 {
			return false
		}
		str = rem[n:]
	}
	if str != "z" && str != "Z" {
		if len(str) != 6 {
			return false
		}
		var sign int
		switch str[0] {
		case '+':
			sign = -1
		case '-':
			sign = +1
		default:
			return false
		}
		str = str[1:]
		if str[2] != ':' {
			return false
		}
		zh, ok := atoi2(str[0], str[1])
		if !ok || zh < 0 {
			return false
		}
		zm, ok := atoi2(str[3], str[4])
		if !ok || zm < 0 {
			return false
		}
		if zh > 23 || zm > 59 {
			return false
		}
		hm := (h*60 + m) + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	if s >= 60 && (h != 23 || m != 59) {
		return false
	}
	return true
}

// DateTime reports whether s is a valid "date-time".
//
// The common form, every field two plain digits, is checked in one pass;
// a time or offset field that is not two digits takes the port of
// santhosh's steps (Time), which accepts what strconv.Atoi reads there
// ("+5", "-0"). Every verdict of the one pass is the verdict of
// Date(s[:10]) && Time(s[11:]) (FuzzDateTime checks both against
// santhosh).
func DateTime(s string) bool {
	// s[10]|0x20 is 't' exactly for 't' and 'T'.
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10]|0x20 != 't' || s[13] != ':' || s[16] != ':' {
		return false
	}
	y1, y2, mo, d := digits2(s[0], s[1]), digits2(s[2], s[3]), digits2(s[5], s[6]), digits2(s[8], s[9])
	if y1|y2|mo|d < 0 || mo < 1 || mo > 12 || d < 1 {
		return false
	}
	if dim := daysIn[mo]; d > dim {
		y := y1*100 + y2
		if d > 29 || mo != 2 || y%4 != 0 || y%100 == 0 && y%400 != 0 {
			return false
		}
	}
	h, mi, se := digits2(s[11], s[12]), digits2(s[14], s[15]), digits2(s[17], s[18])
	if h|mi|se < 0 {
		return Time(s[11:])
	}
	if h > 23 || mi > 59 || se > 60 {
		return false
	}
	i := 19
	if s[i] == '.' {
		i++
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i+1 == len(s) && s[i]|0x20 == 'z' { // s[i]|0x20 is 'z' exactly for 'z' and 'Z'
		return se < 60 || h == 23 && mi == 59
	}
	if i+6 != len(s) || s[i] != '+' && s[i] != '-' || s[i+3] != ':' {
		return false
	}
	zh, zm := digits2(s[i+1], s[i+2]), digits2(s[i+4], s[i+5])
	if zh|zm < 0 {
		return Time(s[11:])
	}
	if zh > 23 || zm > 59 {
		return false
	}
	if se < 60 {
		return true
	}
	// A leap second is 23:59:60 in UTC: local time minus the offset.
	hm := h*60 + mi
	if s[i] == '+' {
		hm -= zh*60 + zm
	} else {
		hm += zh*60 + zm
	}
	return hm == 23*60+59 || hm == -1
}

// GoTime reports whether encoding/json can marshal t (a "date-time" field
// typed as time.Time): the year must be in [0,9999] and the zone offset
// under 24 hours. Every time that marshals is a valid "date-time".
func GoTime(t time.Time) bool {
	_, off := t.Zone()
	if off <= -86400 || off >= 86400 {
		return false
	}
	// The wall clock in seconds since 1970 lies in the years 0 to 9999
	// (0000-01-01T00:00:00 to 10000-01-01T00:00:00); cheaper than Year().
	wall := t.Unix() + int64(off)
	return wall >= -62167219200 && wall < 253402300800
}

// IPv4 reports whether s is a valid "ipv4".
func IPv4(s string) bool {
	groups := 0
	for {
		groups++
		if groups > 4 {
			return false
		}
		i := strings.IndexByte(s, '.')
		group := s
		if i >= 0 {
			group = s[:i]
		}
		if len(group) > 1 && group[0] == '0' {
			return false
		}
		n, err := strconv.Atoi(group)
		if err != nil || n < 0 || n > 255 {
			return false
		}
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	return groups == 4
}

// IPv6 reports whether s is a valid "ipv6".
func IPv6(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return addr.Zone() == ""
}

// Hostname reports whether s is a valid "hostname".
func Hostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for {
		i := strings.IndexByte(s, '.')
		label := s
		if i >= 0 {
			label = s[:i]
		}
		if len(label) < 1 || len(label) > 63 {
			return false
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for j := 0; j < len(label); j++ {
			c := label[j]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			default:
				return false
			}
		}
		if i < 0 {
			return true
		}
		s = s[i+1:]
	}
}

// Email reports whether s is a valid "email".
func Email(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at == -1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return false
	}
	if len(local) > 1 && strings.HasPrefix(local, `"`) && strings.HasSuffix(local, `"`) {
		local := local[1 : len(local)-1]
		if strings.IndexByte(local, '\\') != -1 || strings.IndexByte(local, '"') != -1 {
			return false
		}
	} else {
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return false
		}
		for _, ch := range local {
			switch {
			case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
			case strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", ch):
			default:
				return false
			}
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		domain = domain[1 : len(domain)-1]
		if rem, ok := strings.CutPrefix(domain, "IPv6:"); ok {
			return IPv6(rem)
		}
		return IPv4(domain)
	}
	return Hostname(domain)
}

// Duration reports whether s is a valid "duration".
func Duration(s string) bool {
	s, ok := strings.CutPrefix(s, "P")
	if !ok || s == "" {
		return false
	}
	if w, ok := strings.CutSuffix(s, "W"); ok {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if w[i] < '0' || w[i] > '9' {
				return false
			}
		}
		return true
	}
	const allYMD, allHMS = "YMD", "HMS"
	for i := 0; ; i++ {
		j := strings.IndexByte(s, 'T')
		part := s
		if j >= 0 {
			part = s[:j]
		}
		if i != 0 && part == "" {
			return false
		}
		if i >= 2 {
			return false
		}
		units, all := allYMD, allYMD
		if i == 1 {
			units, all = allHMS, allHMS
		}
		_ = all
		for part != "" {
			n := 0
			for n < len(part) && part[n] >= '0' && part[n] <= '9' {
				n++
			}
			if n == 0 {
				return false
			}
			part = part[n:]
			if part == "" {
				return false
			}
			k := strings.IndexByte(units, part[0])
			if k == -1 {
				return false
			}
			units = units[k+1:]
			part = part[1:]
		}
		if j < 0 {
			return true
		}
		s = s[j+1:]
	}
}

// Native returns the allocation-free check for a format, if this package
// has one.
func Native(format string) (func(string) bool, bool) {
	switch format {
	case "uuid":
		return UUID, true
	case "date":
		return Date, true
	case "time":
		return Time, true
	case "date-time":
		return DateTime, true
	case "ipv4":
		return IPv4, true
	case "ipv6":
		return IPv6, true
	case "hostname":
		return Hostname, true
	case "email":
		return Email, true
	case "duration":
		return Duration, true
	}
	return nil, false
}

var formatCache sync.Map // name -> *jsonschema.Format (may be nil)

// Santhosh returns santhosh-tekuri/jsonschema's own check for format, taken
// from a compiled {"format": name} schema with format assertion on, or nil
// when santhosh does not know the format (it then accepts every value).
// The checks allocate; generated code uses them only for formats without a
// native port.
func Santhosh(format string) *jsonschema.Format {
	if f, ok := formatCache.Load(format); ok {
		return f.(*jsonschema.Format)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var f *jsonschema.Format
	if err := c.AddResource("mem://evctl/format.json", map[string]any{"format": format}); err == nil {
		if sch, err := c.Compile("mem://evctl/format.json"); err == nil {
			f = sch.Format
		}
	}
	formatCache.Store(format, f)
	return f
}

// FormatCheck is a format check bound once at package initialisation:
// native when available, else santhosh's own.
type FormatCheck struct {
	name   string
	native func(string) bool
	sant   *jsonschema.Format
}

// NewFormatCheck binds the check for format.
func NewFormatCheck(format string) *FormatCheck {
	fc := &FormatCheck{name: format}
	if n, ok := Native(format); ok {
		fc.native = n
	} else {
		fc.sant = Santhosh(format)
	}
	return fc
}

// Valid reports whether s passes the format.
func (fc *FormatCheck) Valid(s string) bool {
	if fc.native != nil {
		return fc.native(s)
	}
	if fc.sant == nil {
		return true
	}
	return fc.sant.Validate(s) == nil
}
