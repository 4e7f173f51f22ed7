package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/hamba/avro/v2"

	"github.com/evctl/evctl/internal/avroparse"
)

// SerializerOptions tune NewSerializer.
type SerializerOptions struct {
	// AutoRegister registers the event's schema text (exactly as written)
	// under its subject when a lookup does not find it. By default the
	// schema must already be registered (e.g. by `evctl registry push`).
	AutoRegister bool
	// Subject overrides the event's Subject().
	Subject string
	// UseHamba encodes Avro events with hamba/avro even when they have a
	// generated AppendAvro encoder (slower; the bytes decode the same).
	UseHamba bool
	// UseEncodingJSON encodes JSON events with encoding/json even when they
	// have a generated AppendJSON encoder (slower; the bytes are the same).
	UseEncodingJSON bool
	// SchemaIDHeader selects header mode (Confluent Platform 8.x): frames
	// are the bare payload and the schema is named by its GUID in a
	// record header, whose name and value HeaderKey and HeaderValue
	// return. The registry must be a GUIDRegistry.
	SchemaIDHeader bool
	// Key names the header __key_schema_id instead of __value_schema_id
	// (for events serialized as record keys).
	Key bool
}

// AvroAppender is implemented by generated Avro events: AppendAvro encodes
// without reflection. Events without it are encoded with hamba/avro.
type AvroAppender interface {
	AppendAvro(b []byte) ([]byte, error)
}

// JSONAppender is implemented by generated JSON Schema events: AppendJSON
// writes the bytes encoding/json would, without reflection. Events without
// it are encoded with encoding/json.
type JSONAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// validatingJSONAppender is implemented by generated JSON Schema events:
// AppendValidatedJSON validates and, when the event is valid, appends the
// bytes AppendJSON would, in one call (copying the strings validation
// proved need no escaping); valid false means err is the validation
// failure.
type validatingJSONAppender interface {
	AppendValidatedJSON(b []byte) (out []byte, valid bool, err error)
}

// Serializer validates, encodes and frames events of one type. It is safe
// for concurrent use.
type Serializer struct {
	subject    string
	eventType  string
	id         uint32
	avro       avro.Schema // nil for JSON
	schemaType string
	useHamba   bool
	useStdJSON bool
	// header mode: the GUID and the header that names it
	guid      GUID
	headerKey string
	headerVal []byte
}

// NewSerializer resolves the schema id of the event type of proto once,
// by lookup or, with AutoRegister, registration.
func NewSerializer(ctx context.Context, reg Registry, proto Event, opts SerializerOptions) (*Serializer, error) {
	s, err := newEncoder(proto, opts.UseHamba)
	if err != nil {
		return nil, err
	}
	s.useStdJSON = opts.UseEncodingJSON
	if opts.Subject != "" {
		s.subject = opts.Subject
	}
	text := RegistrySchema(proto)
	var id int
	if opts.SchemaIDHeader {
		greg, ok := reg.(GUIDRegistry)
		if !ok {
			return nil, fmt.Errorf("serializer for %s: header mode needs a registry that serves schema guids (a wire.GUIDRegistry); %T is not one", s.eventType, reg)
		}
		id, s.guid, err = greg.LookupGUID(ctx, s.subject, s.schemaType, text)
		if errors.Is(err, ErrNotRegistered) && opts.AutoRegister {
			if _, err = reg.Register(ctx, s.subject, s.schemaType, text); err == nil {
				id, s.guid, err = greg.LookupGUID(ctx, s.subject, s.schemaType, text)
			}
		}
		s.headerKey = ValueSchemaIDHeader
		if opts.Key {
			s.headerKey = KeySchemaIDHeader
		}
		s.headerVal = AppendGUIDHeader(make([]byte, 0, GUIDHeaderSize), s.guid)
	} else {
		id, err = reg.Lookup(ctx, s.subject, s.schemaType, text)
		if err != nil && opts.AutoRegister {
			id, err = reg.Register(ctx, s.subject, s.schemaType, text)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("serializer for %s: %w", s.eventType, err)
	}
	if id < 0 || int64(id) > 1<<32-1 {
		return nil, fmt.Errorf("serializer for %s: schema id %d out of range", s.eventType, id)
	}
	s.id = uint32(id)
	return s, nil
}

// newEncoder parses the schema of proto's event type (Avro) for a
// Serializer whose id is still to be resolved.
func newEncoder(proto Event, useHamba bool) (*Serializer, error) {
	s := &Serializer{subject: proto.Subject(), eventType: proto.EventType(), schemaType: proto.SchemaType(), useHamba: useHamba}
	switch s.schemaType {
	case "AVRO":
		sch, err := avroparse.Parse([]byte(proto.Schema()))
		if err != nil {
			return nil, fmt.Errorf("serializer for %s: parse Avro schema: %w", s.eventType, err)
		}
		s.avro = sch
	case "JSON":
	default:
		return nil, fmt.Errorf("serializer for %s: unsupported schema type %q", s.eventType, s.schemaType)
	}
	return s, nil
}

// ID returns the schema id frames carry.
func (s *Serializer) ID() uint32 { return s.id }

// GUID returns the schema GUID (header mode; zero otherwise).
func (s *Serializer) GUID() GUID { return s.guid }

// HeaderKey returns the name of the schema id header in header mode
// (__value_schema_id, or __key_schema_id with SerializerOptions.Key), or
// "" when frames carry the id as a prefix.
func (s *Serializer) HeaderKey() string { return s.headerKey }

// HeaderValue returns the value of the schema id header every frame must
// be sent with in header mode (0x01 and the 16-byte GUID), or nil when
// frames carry the id as a prefix. The slice is shared: do not modify it.
func (s *Serializer) HeaderValue() []byte { return s.headerVal }

// Subject returns the subject the id was resolved under.
func (s *Serializer) Subject() string { return s.subject }

type avroBuf struct{ w *avro.Writer }

var avroPool = sync.Pool{New: func() any { return &avroBuf{w: avro.NewWriter(nil, 512)} }}

type jsonBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonPool = sync.Pool{New: func() any {
	b := &jsonBuf{}
	b.enc = json.NewEncoder(&b.buf)
	return b
}}

// Append validates ev, encodes it and appends the frame to dst. A
// validation failure wraps ErrInvalidEvent and the validation error.
func (s *Serializer) Append(dst []byte, ev Event) ([]byte, error) {
	if ev.EventType() != s.eventType {
		return dst, fmt.Errorf("serializer for %s got a %s", s.eventType, ev.EventType())
	}
	if s.avro == nil && !s.useStdJSON {
		if a, ok := ev.(validatingJSONAppender); ok {
			// A generated JSON Schema event: validated and encoded in one call.
			framed := dst
			if s.headerVal == nil {
				framed = AppendHeader(dst, s.id)
			}
			out, valid, err := a.AppendValidatedJSON(framed)
			if !valid {
				return dst, fmt.Errorf("%s: %w: %w", s.eventType, ErrInvalidEvent, err)
			}
			if err != nil {
				return dst, fmt.Errorf("encode %s: %w", s.eventType, err)
			}
			return out, nil
		}
	}
	if err := ev.Validate(); err != nil {
		return dst, fmt.Errorf("%s: %w: %w", s.eventType, ErrInvalidEvent, err)
	}
	return s.AppendUnchecked(dst, ev)
}

// AppendUnchecked encodes and frames ev without validating it.
// In header mode the frame is the bare payload (send it with HeaderKey and
// HeaderValue).
func (s *Serializer) AppendUnchecked(dst []byte, ev Event) ([]byte, error) {
	start := len(dst)
	if s.headerVal == nil {
		dst = AppendHeader(dst, s.id)
	}
	if s.avro != nil {
		if a, ok := ev.(AvroAppender); ok && !s.useHamba {
			out, err := a.AppendAvro(dst)
			if err != nil {
				return dst[:start], fmt.Errorf("encode %s: %w", s.eventType, err)
			}
			return out, nil
		}
		b := avroPool.Get().(*avroBuf)
		b.w.Reset(nil)
		b.w.WriteVal(s.avro, ev)
		if err := b.w.Error; err != nil {
			b.w.Error = nil
			avroPool.Put(b)
			return dst[:start], fmt.Errorf("encode %s: %w", s.eventType, err)
		}
		dst = append(dst, b.w.Buffer()...)
		avroPool.Put(b)
		return dst, nil
	}
	if a, ok := ev.(JSONAppender); ok && !s.useStdJSON {
		out, err := a.AppendJSON(dst)
		if err != nil {
			return dst[:start], fmt.Errorf("encode %s: %w", s.eventType, err)
		}
		return out, nil
	}
	b := jsonPool.Get().(*jsonBuf)
	b.buf.Reset()
	if err := b.enc.Encode(ev); err != nil {
		jsonPool.Put(b)
		return dst[:start], fmt.Errorf("encode %s: %w", s.eventType, err)
	}
	out := b.buf.Bytes()
	dst = append(dst, out[:len(out)-1]...) // Encode adds a newline
	jsonPool.Put(b)
	return dst, nil
}

// Serialize is Append into a new slice.
func (s *Serializer) Serialize(ev Event) ([]byte, error) {
	return s.Append(nil, ev)
}
