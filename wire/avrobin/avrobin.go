// Package avrobin appends Avro binary encodings to byte slices. Code that
// `evctl gen go` generates uses it for AppendAvro, an encoder without
// reflection for each Avro event; the values it writes decode with
// hamba/avro (and every Avro implementation) to what hamba/avro itself
// would write, including its conversions of logical types.
package avrobin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/hamba/avro/v2"
)

// AppendBool appends a boolean.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendInt appends an int (zig-zag varint).
func AppendInt(b []byte, v int32) []byte {
	return appendVarint(b, uint64(uint32((v<<1)^(v>>31))))
}

// AppendLong appends a long (zig-zag varint).
func AppendLong(b []byte, v int64) []byte {
	return appendVarint(b, uint64((v<<1)^(v>>63)))
}

func appendVarint(b []byte, u uint64) []byte {
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

// AppendFloat appends a float.
func AppendFloat(b []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}

// AppendDouble appends a double.
func AppendDouble(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// AppendString appends a string.
func AppendString(b []byte, s string) []byte {
	b = AppendLong(b, int64(len(s)))
	return append(b, s...)
}

// AppendBytes appends bytes.
func AppendBytes(b []byte, v []byte) []byte {
	b = AppendLong(b, int64(len(v)))
	return append(b, v...)
}

// AppendDate appends a date (days since the epoch), as hamba/avro converts it.
func AppendDate(b []byte, t time.Time) []byte {
	return AppendInt(b, int32(t.Unix()/86400))
}

// AppendTimeMillis appends a time-millis.
func AppendTimeMillis(b []byte, d time.Duration) []byte {
	return AppendInt(b, int32(d.Nanoseconds()/int64(time.Millisecond)))
}

// AppendTimeMicros appends a time-micros.
func AppendTimeMicros(b []byte, d time.Duration) []byte {
	return AppendLong(b, d.Nanoseconds()/int64(time.Microsecond))
}

func local(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// AppendTimestampMillis appends a timestamp-millis.
func AppendTimestampMillis(b []byte, t time.Time) []byte {
	return AppendLong(b, t.Unix()*1e3+int64(t.Nanosecond()/1e6))
}

// AppendTimestampMicros appends a timestamp-micros.
func AppendTimestampMicros(b []byte, t time.Time) []byte {
	return AppendLong(b, t.Unix()*1e6+int64(t.Nanosecond()/1e3))
}

// AppendLocalTimestampMillis appends a local-timestamp-millis.
func AppendLocalTimestampMillis(b []byte, t time.Time) []byte {
	return AppendTimestampMillis(b, local(t))
}

// AppendLocalTimestampMicros appends a local-timestamp-micros.
func AppendLocalTimestampMicros(b []byte, t time.Time) []byte {
	return AppendTimestampMicros(b, local(t))
}

// AppendDuration appends a duration (fixed 12).
func AppendDuration(b []byte, d avro.LogicalDuration) []byte {
	b = binary.LittleEndian.AppendUint32(b, d.Months)
	b = binary.LittleEndian.AppendUint32(b, d.Days)
	return binary.LittleEndian.AppendUint32(b, d.Milliseconds)
}

var one = big.NewInt(1)

func unscaled(r *big.Rat, prec, scale int) (*big.Int, error) {
	if r == nil {
		return nil, errors.New("nil decimal")
	}
	i := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	i.Div(i, r.Denom())
	if n := len(new(big.Int).Abs(i).String()); n > prec {
		return nil, fmt.Errorf("decimal %s has %d digits, precision is %d", r.FloatString(scale), n, prec)
	}
	return i, nil
}

// AppendDecimalBytes appends a bytes decimal as hamba/avro encodes it.
func AppendDecimalBytes(b []byte, r *big.Rat, prec, scale int) ([]byte, error) {
	i, err := unscaled(r, prec, scale)
	if err != nil {
		return b, err
	}
	var v []byte
	switch i.Sign() {
	case 0:
		v = []byte{0}
	case 1:
		v = i.Bytes()
		if v[0]&0x80 > 0 {
			v = append([]byte{0}, v...)
		}
	case -1:
		length := uint(i.BitLen()/8+1) * 8
		v = i.Add(i, new(big.Int).Lsh(one, length)).Bytes()
	}
	return AppendBytes(b, v), nil
}

// AppendDecimalFixed appends a fixed decimal of size bytes.
func AppendDecimalFixed(b []byte, r *big.Rat, prec, scale, size int) ([]byte, error) {
	i, err := unscaled(r, prec, scale)
	if err != nil {
		return b, err
	}
	var v []byte
	switch i.Sign() {
	case 0:
		v = make([]byte, size)
	case 1:
		v = i.Bytes()
		if v[0]&0x80 > 0 {
			v = append([]byte{0}, v...)
		}
		if len(v) < size {
			padded := make([]byte, size)
			copy(padded[size-len(v):], v)
			v = padded
		}
	case -1:
		v = i.Add(i, new(big.Int).Lsh(one, uint(size*8))).Bytes()
	}
	if len(v) != size {
		return b, fmt.Errorf("decimal %s needs %d bytes, the fixed has %d", r.FloatString(scale), len(v), size)
	}
	return append(b, v...), nil
}
