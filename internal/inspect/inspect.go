// Package inspect owns `evctl wire`: it names the framing of a message
// (Confluent's schema-id prefix, a payload whose schema id travels in a
// header, AWS Glue Schema Registry's header, or none), splits the frame,
// decodes the payload with its schema into the event as JSON and validates
// it, and does the reverse for `evctl wire encode`.
package inspect

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/wire"
	"github.com/evctl/evctl/wire/validate"
)

var printer = message.NewPrinter(language.English)

// validationMsg names the first failure of a JSON Schema validation: its
// instance location and what is wrong.
func validationMsg(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	leaf := validate.FirstLeaf(ve)
	return fmt.Sprintf("at %s: %s", loc(validate.JSONPointer(leaf.InstanceLocation)), leaf.ErrorKind.LocalizedString(printer))
}

// Framing is how a message carries its schema id.
type Framing string

// Framings.
const (
	// Auto detects the framing: a schema id header given with the message
	// means ConfluentHeader; otherwise by the first byte: 0x00 (or 0x01, a
	// GUID prefix) Confluent, 0x03 Glue, anything else none.
	Auto Framing = "auto"
	// Confluent: 0x00, the schema id (4 bytes, big-endian), the payload;
	// or 0x01, the schema GUID (16 bytes), the payload.
	Confluent Framing = "confluent"
	// ConfluentHeader: the bare payload; the schema id travels in the
	// __value_schema_id (or __key_schema_id) record header: 0x01 and the
	// schema GUID in Confluent Platform 8.x header mode.
	ConfluentHeader Framing = "confluent-header"
	// Glue: AWS Glue Schema Registry: 0x03, a compression byte (0 none,
	// 5 zlib), the schema version UUID (16 bytes), the payload.
	Glue Framing = "glue"
	// None: the bare payload.
	None Framing = "none"
)

// ParseFraming checks a --framing value.
func ParseFraming(s string) (Framing, error) {
	switch f := Framing(s); f {
	case Auto, Confluent, ConfluentHeader, Glue, None:
		return f, nil
	}
	return "", fmt.Errorf("unknown framing %q (want auto, confluent, confluent-header, glue or none)", s)
}

// Frame is a split message.
type Frame struct {
	Framing Framing
	// SchemaID is the Confluent schema id (-1 when the frame has none).
	SchemaID int64
	// SchemaGUID is the schema GUID of a header-mode record or a
	// GUID-prefixed frame ("" when the frame has none).
	SchemaGUID string
	// GlueSchemaVersion is the Glue schema version UUID ("" unless Glue).
	GlueSchemaVersion string
	Payload           []byte
}

// ErrBadFrame: the bytes are not in the framing asked for (the wire
// runtime's own error, so either package's callers can test for it).
var ErrBadFrame = wire.ErrBadFrame

// Split splits data in framing f (Auto detects it).
func Split(data []byte, f Framing) (*Frame, error) {
	return SplitRecord(data, nil, f)
}

// SplitRecord splits a record whose schema id header (__value_schema_id or
// __key_schema_id) has value idHeader (nil when the record has none) in
// framing f. Auto picks ConfluentHeader when there is a header, as
// Confluent's DualSchemaIDDeserializer reads the header first. Unlike that
// deserializer, a header that does not parse is an error, not a silent
// fall-back to the payload prefix.
func SplitRecord(data, idHeader []byte, f Framing) (*Frame, error) {
	if f == Auto {
		switch {
		case len(idHeader) > 0:
			f = ConfluentHeader
		case len(data) >= 5 && data[0] == wire.Magic:
			f = Confluent
		case len(data) >= wire.GUIDHeaderSize && data[0] == wire.MagicGUID:
			f = Confluent
		case len(data) >= 18 && data[0] == 0x03:
			f = Glue
		default:
			f = None
		}
	}
	if len(idHeader) > 0 && f != ConfluentHeader {
		return nil, fmt.Errorf("a schema id header is for --framing confluent-header (or auto), not %s", f)
	}
	fr := &Frame{Framing: f, SchemaID: -1}
	switch f {
	case Confluent:
		ref, n, err := wire.ParseSchemaID(data)
		if err != nil {
			return nil, fmt.Errorf("%w: a Confluent frame starts with 0x00 and a 4-byte schema id (or 0x01 and a 16-byte schema GUID); got %d bytes starting %s", ErrBadFrame, len(data), head(data))
		}
		fr.setRef(ref)
		fr.Payload = data[n:]
	case Glue:
		// The wire runtime owns the Glue frame: the same checks, and a
		// zlib payload that inflates beyond its limit is an error, not
		// silently cut.
		id, p, err := wire.SplitGlueFrame(data)
		if err != nil {
			return nil, err
		}
		fr.GlueSchemaVersion = id.String()
		fr.Payload = p
	case ConfluentHeader:
		if len(idHeader) > 0 {
			ref, n, err := wire.ParseSchemaID(idHeader)
			if err != nil || n != len(idHeader) {
				return nil, fmt.Errorf("%w: the schema id header %s is neither 0x01 and a 16-byte GUID nor 0x00 and a 4-byte id", ErrBadFrame, head(idHeader))
			}
			fr.setRef(ref)
		}
		fr.Payload = data
	case None:
		fr.Payload = data
	default:
		return nil, fmt.Errorf("unknown framing %q", f)
	}
	return fr, nil
}

func (fr *Frame) setRef(ref wire.SchemaRef) {
	if ref.IsGUID {
		fr.SchemaGUID = ref.GUID.String()
	} else {
		fr.SchemaID = int64(ref.ID)
	}
}

// HasSchema reports whether the frame names its schema (an id or a GUID).
func (fr *Frame) HasSchema() bool { return fr.SchemaID >= 0 || fr.SchemaGUID != "" }

// SetSchema names the schema of a frame that carries none, from a
// --schema-id value (ParseSchemaRef).
func (fr *Frame) SetSchema(ref wire.SchemaRef) { fr.setRef(ref) }

func head(b []byte) string {
	if len(b) > 8 {
		b = b[:8]
	}
	return "0x" + hex.EncodeToString(b)
}

// ParseHeaderValue decodes the value of a header given on the command line:
// its bytes in hex (an optional 0x prefix), or base64 after "base64:".
func ParseHeaderValue(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("header value %q: not base64: %w", s, err)
		}
		return b, nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, fmt.Errorf("header value %q: want its bytes in hex (0x0102…) or base64 after base64: (base64:AQI=)", s)
	}
	return b, nil
}

// ParseSchemaRef reads a --schema-id value: an integer id, a schema GUID
// (8-4-4-4-12), or a schema id header's bytes as ParseHeaderValue reads
// them: 0x00 and a 4-byte id, or 0x01 and a 16-byte GUID.
func ParseSchemaRef(s string) (wire.SchemaRef, error) {
	var id int64
	if _, err := fmt.Sscanf(s, "%d", &id); err == nil && fmt.Sprint(id) == s {
		if id < 0 || id > math.MaxUint32 {
			return wire.SchemaRef{}, fmt.Errorf("schema id %s: want 0 to %d", s, uint32(math.MaxUint32))
		}
		return wire.SchemaRef{ID: uint32(id)}, nil
	}
	if len(s) == 36 && strings.Count(s, "-") == 4 {
		g, err := wire.ParseGUID(s)
		if err != nil {
			return wire.SchemaRef{}, err
		}
		return wire.SchemaRef{GUID: g, IsGUID: true}, nil
	}
	b, err := ParseHeaderValue(s)
	if err != nil {
		return wire.SchemaRef{}, fmt.Errorf("schema id %q: want an integer, a schema GUID, or a schema id header's bytes in hex (0x01…) or base64 (base64:AQ…)", s)
	}
	ref, n, err := wire.ParseSchemaID(b)
	if err != nil || n != len(b) {
		return wire.SchemaRef{}, fmt.Errorf("schema id header %q: want 0x00 and a 4-byte id, or 0x01 and a 16-byte GUID", s)
	}
	return ref, nil
}

// InvalidError: the payload does not decode with, or does not validate
// against, its schema.
type InvalidError struct {
	Msg string
}

func (e *InvalidError) Error() string { return e.Msg }

// Decode decodes payload with ev's schema and returns the event as
// indented JSON. A payload that does not decode or does not validate is
// an *InvalidError.
func Decode(ev *schema.Event, payload []byte) ([]byte, error) {
	switch ev.Format {
	case schema.Avro:
		if ev.Avro == nil {
			return nil, fmt.Errorf("schema of %s has no Avro form", ev.Type)
		}
		var v any
		if err := avroUnmarshal(ev.Avro, payload, &v); err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the payload does not decode as %s (Avro): %v", ev.Type, err)}
		}
		var compact, out bytes.Buffer
		if err := writeOrdered(&compact, ev.Avro, v); err != nil {
			return nil, err
		}
		if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	case schema.JSONSchema:
		if ev.JSON == nil {
			return nil, fmt.Errorf("schema of %s is not compiled", ev.Type)
		}
		inst, err := decodeJSON(payload)
		if err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the payload is not JSON: %v", err)}
		}
		if err := ev.JSON.Validate(inst); err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the event does not validate against %s: %s", ev.Type, validationMsg(err))}
		}
		var out bytes.Buffer
		if err := json.Indent(&out, bytes.TrimSpace(payload), "", "  "); err != nil {
			return nil, &InvalidError{Msg: err.Error()}
		}
		return out.Bytes(), nil
	}
	return nil, fmt.Errorf("unsupported schema format %q", ev.Format)
}

// avroUnmarshal guards hamba/avro's panics on hostile input.
func avroUnmarshal(s avro.Schema, b []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return avro.Unmarshal(s, b, v)
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// writeOrdered writes a decoded Avro value as JSON with record fields in
// schema order.
func writeOrdered(b *bytes.Buffer, s avro.Schema, v any) error {
	if r, ok := s.(*avro.RefSchema); ok {
		s = r.Schema()
	}
	switch s := s.(type) {
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		b.WriteByte('{')
		for i, f := range s.Fields() {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.Name())
			b.Write(k)
			b.WriteByte(':')
			if err := writeOrdered(b, f.Type(), m[f.Name()]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case *avro.ArraySchema:
		a, ok := v.([]any)
		if !ok {
			break
		}
		b.WriteByte('[')
		for i, e := range a {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeOrdered(b, s.Items(), e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case *avro.UnionSchema:
		if _, isMap := v.(map[string]any); isMap {
			for _, t := range s.Types() {
				if r, ok := t.(*avro.RefSchema); ok {
					t = r.Schema()
				}
				if _, ok := t.(*avro.RecordSchema); ok {
					return writeOrdered(b, t, v)
				}
			}
		}
		if _, isArr := v.([]any); isArr {
			for _, t := range s.Types() {
				if _, ok := t.(*avro.ArraySchema); ok {
					return writeOrdered(b, t, v)
				}
			}
		}
	}
	out, err := json.Marshal(jsonable(v))
	if err != nil {
		return err
	}
	b.Write(out)
	return nil
}

// jsonable turns decoded Avro values into what encoding/json prints
// faithfully: *big.Rat decimals as strings, bytes as Avro's JSON encoding
// (one code point per byte).
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case *big.Rat:
		return x.FloatString(20)
	case []byte:
		return bytesString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

func bytesString(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// Encode validates the JSON event in input against ev's schema and
// returns its payload: compact JSON for JSON Schema, Avro binary for Avro
// (input in the shape `evctl wire decode` prints: unions as the bare value
// or {"branch": value}, timestamps as RFC 3339 strings or numbers).
func Encode(ev *schema.Event, input []byte) ([]byte, error) {
	inst, err := decodeJSON(input)
	if err != nil {
		return nil, &InvalidError{Msg: fmt.Sprintf("the input is not JSON: %v", err)}
	}
	switch ev.Format {
	case schema.JSONSchema:
		if err := ev.JSON.Validate(inst); err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the event does not validate against %s: %s", ev.Type, validationMsg(err))}
		}
		var out bytes.Buffer
		if err := json.Compact(&out, bytes.TrimSpace(input)); err != nil {
			return nil, &InvalidError{Msg: err.Error()}
		}
		return out.Bytes(), nil
	case schema.Avro:
		v, err := toAvro(ev.Avro, inst, "")
		if err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the event does not fit %s: %v", ev.Type, err)}
		}
		b, err := func() (b []byte, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("encoder panic: %v", r)
				}
			}()
			return avro.Marshal(ev.Avro, v)
		}()
		if err != nil {
			return nil, &InvalidError{Msg: fmt.Sprintf("the event does not encode as %s: %v", ev.Type, err)}
		}
		return b, nil
	}
	return nil, fmt.Errorf("unsupported schema format %q", ev.Format)
}

// toAvro converts a JSON value to the Go value hamba/avro encodes for s.
func toAvro(s avro.Schema, v any, path string) (any, error) {
	fail := func(want string) error {
		return fmt.Errorf("%s: want %s, got %s", loc(path), want, describe(v))
	}
	switch s := s.(type) {
	case *avro.RefSchema:
		return toAvro(s.Schema(), v, path)
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fail("an object (record " + s.FullName() + ")")
		}
		out := make(map[string]any, len(s.Fields()))
		known := map[string]bool{}
		for _, f := range s.Fields() {
			known[f.Name()] = true
			fv, present := m[f.Name()]
			if !present {
				if f.HasDefault() {
					d := f.Default()
					if u, ok := f.Type().(*avro.UnionSchema); ok && d != nil {
						d = map[string]any{unionName(u.Types()[0]): d}
					}
					out[f.Name()] = d
					continue
				}
				return nil, fmt.Errorf("%s: missing required field %q", loc(path), f.Name())
			}
			cv, err := toAvro(f.Type(), fv, path+"/"+f.Name())
			if err != nil {
				return nil, err
			}
			out[f.Name()] = cv
		}
		var extra []string
		for k := range m {
			if !known[k] {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return nil, fmt.Errorf("%s: field %q is not in record %s", loc(path), extra[0], s.FullName())
		}
		return out, nil
	case *avro.ArraySchema:
		a, ok := v.([]any)
		if !ok {
			return nil, fail("an array")
		}
		out := make([]any, len(a))
		for i, e := range a {
			cv, err := toAvro(s.Items(), e, fmt.Sprintf("%s/%d", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fail("an object (map)")
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			cv, err := toAvro(s.Values(), e, path+"/"+k)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case *avro.UnionSchema:
		if v == nil {
			if s.Nullable() {
				return nil, nil
			}
			return nil, fail("a value (the union has no null)")
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			for k, e := range m {
				for _, b := range s.Types() {
					if unionName(b) == k {
						cv, err := toAvro(b, e, path+"/"+k)
						if err != nil {
							return nil, err
						}
						return map[string]any{k: cv}, nil
					}
				}
			}
		}
		var errs []string
		for _, b := range s.Types() {
			if b.Type() == avro.Null {
				continue
			}
			cv, err := toAvro(b, v, path)
			if err == nil {
				return map[string]any{unionName(b): cv}, nil
			}
			errs = append(errs, err.Error())
		}
		return nil, fmt.Errorf("%s: no union branch fits: %s", loc(path), strings.Join(errs, "; "))
	case *avro.EnumSchema:
		str, ok := v.(string)
		if !ok {
			return nil, fail("a string (enum " + s.FullName() + ")")
		}
		for _, sym := range s.Symbols() {
			if sym == str {
				return str, nil
			}
		}
		return nil, fmt.Errorf("%s: %q is not a symbol of enum %s", loc(path), str, s.FullName())
	case *avro.FixedSchema:
		str, ok := v.(string)
		if !ok {
			return nil, fail("a string (fixed)")
		}
		b, err := codePoints(str)
		if err != nil || len(b) != s.Size() {
			return nil, fmt.Errorf("%s: want %d bytes as a string of code points 0-255", loc(path), s.Size())
		}
		if s.Logical() != nil && s.Logical().Type() == avro.Decimal {
			return nil, fmt.Errorf("%s: fixed decimals are not supported by evctl wire encode", loc(path))
		}
		arr := make([]byte, len(b))
		copy(arr, b)
		return fixedArray(arr), nil
	case *avro.PrimitiveSchema:
		return primitive(s, v, path)
	}
	return nil, fmt.Errorf("%s: unsupported Avro type %s", loc(path), s.Type())
}

// fixedArray returns b as the [N]byte array hamba/avro encodes a fixed from.
func fixedArray(b []byte) any {
	a := reflect.New(reflect.ArrayOf(len(b), reflect.TypeFor[byte]())).Elem()
	reflect.Copy(a, reflect.ValueOf(b))
	return a.Interface()
}

func primitive(s *avro.PrimitiveSchema, v any, path string) (any, error) {
	fail := func(want string) error {
		return fmt.Errorf("%s: want %s, got %s", loc(path), want, describe(v))
	}
	logical := ""
	if s.Logical() != nil {
		logical = string(s.Logical().Type())
	}
	switch s.Type() {
	case avro.Null:
		if v != nil {
			return nil, fail("null")
		}
		return nil, nil
	case avro.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fail("a boolean")
		}
		return b, nil
	case avro.String:
		str, ok := v.(string)
		if !ok {
			return nil, fail("a string")
		}
		return str, nil
	case avro.Bytes:
		str, ok := v.(string)
		if !ok {
			return nil, fail("a string of code points 0-255 (bytes)")
		}
		b, err := codePoints(str)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc(path), err)
		}
		if logical == "decimal" {
			return nil, fmt.Errorf("%s: bytes decimals are not supported by evctl wire encode", loc(path))
		}
		return b, nil
	case avro.Int, avro.Long:
		if str, ok := v.(string); ok && (strings.Contains(logical, "timestamp-") || logical == "date") {
			layout := time.RFC3339Nano
			if logical == "date" {
				layout = time.DateOnly
			}
			t, err := time.Parse(layout, str)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a %s: %w", loc(path), str, logical, err)
			}
			return t, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return nil, fail("an integer")
		}
		i, err := n.Int64()
		if err != nil {
			return nil, fail("an integer")
		}
		if s.Type() == avro.Int {
			if i < math.MinInt32 || i > math.MaxInt32 {
				return nil, fmt.Errorf("%s: %d is out of the int range", loc(path), i)
			}
			switch logical {
			case "date":
				return time.Unix(i*86400, 0).UTC(), nil
			case "time-millis":
				return time.Duration(i) * time.Millisecond, nil
			}
			return int(i), nil
		}
		switch logical {
		case "timestamp-millis", "local-timestamp-millis":
			return time.UnixMilli(i).UTC(), nil
		case "timestamp-micros", "local-timestamp-micros":
			return time.UnixMicro(i).UTC(), nil
		case "time-micros":
			return time.Duration(i) * time.Microsecond, nil
		}
		return i, nil
	case avro.Float, avro.Double:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fail("a number")
		}
		f, err := n.Float64()
		if err != nil {
			return nil, fail("a number")
		}
		if s.Type() == avro.Float {
			return float32(f), nil
		}
		return f, nil
	}
	return nil, fmt.Errorf("%s: unsupported Avro type %s", loc(path), s.Type())
}

func unionName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	if r, ok := s.(*avro.RefSchema); ok {
		return r.Schema().FullName()
	}
	return string(s.Type())
}

func codePoints(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, fmt.Errorf("character %U is not a byte (bytes are written as code points 0-255)", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

func loc(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprint("boolean ", x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
