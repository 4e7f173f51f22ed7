// Package jsonenc owns the appenders that generated AppendJSON methods call:
// each writes exactly the bytes encoding/json (json.Marshal, or an Encoder
// with its default HTML escaping) writes for the same Go value, without
// reflection and, except for maps and `any`, without allocating.
package jsonenc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// plain[b] is true for the bytes encoding/json copies unescaped with HTML
// escaping on: printable ASCII other than '"', '\\', '<', '>' and '&'
// (DEL included). Bytes from 0x80 on take the UTF-8 path.
var plain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// AppendString appends s as a JSON string the way encoding/json does:
// '"', '\\' and control characters escaped (\b \f \n \r \t or \u00XX),
// '<', '>' and '&' as \u003c \u003e \u0026, U+2028 and U+2029 escaped, and
// every invalid UTF-8 byte replaced by \ufffd.
func AppendString(dst []byte, s string) []byte {
	return append(AppendStringBody(append(dst, '"'), s), '"')
}

// AppendStringBody is AppendString without the quotes: what generated
// appenders write between a key constant ending in '"' and the closing
// quote.
func AppendStringBody(dst []byte, s string) []byte {
	// From 4 to 16 bytes (most ids, codes and names) when dst has room:
	// one or two words, overlapping, tested together and stored straight
	// into dst; no loop and no call. Everything else takes appendBody.
	n := len(s)
	m := len(dst)
	if n < 4 || n > 16 || cap(dst)-m < n {
		return appendBody(dst, s)
	}
	var x, y uint64
	if n >= 8 {
		x, y = load8(s), load8(s[n-8:])
	} else {
		x = uint64(load4(s)) | uint64(load4(s[n-4:]))<<32
		y = x
	}
	if good(x)&good(y) != high {
		return appendEscaped(dst, s, 0)
	}
	out := dst[m : m+n]
	if n >= 8 {
		binary.LittleEndian.PutUint64(out, x)
		binary.LittleEndian.PutUint64(out[n-8:], y)
	} else {
		binary.LittleEndian.PutUint32(out, uint32(x))
		binary.LittleEndian.PutUint32(out[n-4:], uint32(x>>32))
	}
	return dst[:m+n]
}

// appendBody is AppendStringBody of a string of under 4 or over 16 bytes,
// or of one dst has no room for.
func appendBody(dst []byte, s string) []byte {
	n := len(s)
	if n > 16 {
		return appendLong(dst, s)
	}
	if n >= 4 {
		return AppendStringBody(slices.Grow(dst, n), s)
	}
	for i := 0; i < n; i++ {
		if !plain[s[i]] {
			return appendEscaped(dst, s, i)
		}
	}
	return append(dst, s...)
}

// appendLong is AppendStringBody of a string of more than 16 bytes: a
// word per step, each tested and stored into dst's spare capacity as it
// goes; the last partial word is the last eight bytes, overlapping bytes
// already done. Bytes stored beyond len(dst) before an escape is found
// are overwritten by appendEscaped, as append would.
func appendLong(dst []byte, s string) []byte {
	n := len(s)
	dst = slices.Grow(dst, n)
	m := len(dst)
	out := dst[m : m+n]
	i := 0
	for ; i+8 <= n; i += 8 {
		x := load8(s[i:])
		if good(x) != high {
			return appendEscaped(dst, s, i)
		}
		binary.LittleEndian.PutUint64(out[i:], x)
	}
	if i < n {
		x := load8(s[n-8:])
		if good(x) != high {
			return appendEscaped(dst, s, i)
		}
		binary.LittleEndian.PutUint64(out[n-8:], x)
	}
	return dst[:m+n]
}

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// load8 is the little-endian word of the first eight bytes of t (one load).
func load8(t string) uint64 {
	_ = t[7]
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// load4 is the little-endian word of the first four bytes of t.
func load4(t string) uint32 {
	_ = t[3]
	return uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24
}

// good sets the high bit of each byte of the word x that encoding/json
// writes unescaped (plain): below 0x80 (^x), at least 0x20 (b+0x60), and
// none of '\\', '"' or '&' (0x22 and 0x26: b|0x04 == 0x26), '<' or '>'
// (0x3c and 0x3e: b|0x02 == 0x3e); b != c where (b^c)+0x7f has the high
// bit. For bytes below 0x80 no sum carries into the next byte, so each
// byte's bit is exact; a byte of 0x80 or more has its bit clear (and may
// disturb the bits above it), so a word is plain exactly when good(x) ==
// high.
func good(x uint64) uint64 {
	const b7 = 0x7f * ones
	return ^x & (x + 0x60*ones) & (x ^ '\\'*ones + b7) & ((x | 0x04*ones) ^ '&'*ones + b7) &
		((x | 0x02*ones) ^ '>'*ones + b7) & high
}

// appendEscaped appends the escaped body of s (no quotes), from the first
// byte that is not plain.
func appendEscaped(dst []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		b := s[i]
		if plain[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// AppendInt appends n in decimal.
func AppendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// AppendNumber appends the json.Number n as encoding/json does: its text
// unchanged, "" as 0, and an error for text that is not a JSON number.
func AppendNumber(dst []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if s == "" {
		return append(dst, '0'), nil
	}
	if !validNumber(s) {
		return dst, fmt.Errorf("json: invalid number literal %q", s)
	}
	return append(dst, s...), nil
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}

// AppendBool appends true or false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// AppendFloat64 appends f as encoding/json does: 'f' form, or 'e' form
// (exponent without leading zeros) below 1e-6 or from 1e21 on. NaN and
// the infinities are an error, as in encoding/json.
func AppendFloat64(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// AppendTime appends t as time.Time's MarshalJSON does: quoted RFC 3339
// with nanoseconds; a year outside [0,9999] or a zone offset of 24 hours
// or more is an error.
func AppendTime(dst []byte, t time.Time) ([]byte, error) {
	n0 := len(dst)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	b := dst[n0+1:]
	switch {
	case len(b) < 5 || b[4] != '-':
		return dst[:n0], errors.New("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if ('0' <= c && c <= '9') || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return dst[:n0], errors.New("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour outside of range [0,23]")
		}
	}
	return append(dst, '"'), nil
}

// AppendAny appends v with json.Marshal (it allocates): what a field of
// type any, or a value without a generated appender, encodes to.
func AppendAny(dst []byte, v any) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, out...), nil
}

// SortedKeys returns the keys of m in the order encoding/json writes them.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MaxDepth is how deeply generated appenders nest structs before they
// report an error instead of recursing further (a value that contains
// itself through pointers would otherwise never end).
const MaxDepth = 10000

// ErrTooDeep is returned beyond MaxDepth nested structs.
var ErrTooDeep = errors.New("json: value nests more than 10000 objects (does it contain itself?)")
