package wire

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
)

// The AWS Glue Schema Registry frame (awslabs/aws-glue-schema-registry,
// AWSSchemaRegistryConstants and SerializationDataEncoder): byte 0 is the
// header version 3, byte 1 the compression (0 none, 5 zlib), bytes 2-17 the
// schema version UUID (big-endian, most significant half first), then the
// Avro binary or UTF-8 JSON payload, zlib-compressed when byte 1 is 5.
const (
	GlueHeaderVersion   byte = 3
	GlueCompressionNone byte = 0
	GlueCompressionZlib byte = 5
	// GlueHeaderSize is the size of the Glue frame header.
	GlueHeaderSize = 18
)

// MaxGlueInflated bounds the size a zlib-compressed Glue payload may
// inflate to, so a hostile frame cannot exhaust memory.
const MaxGlueInflated = 64 << 20

// GlueVersionID is a Glue schema version id (a UUID).
type GlueVersionID [16]byte

// ParseGlueVersionID parses the canonical 8-4-4-4-12 hex form.
func ParseGlueVersionID(s string) (GlueVersionID, error) {
	var id GlueVersionID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("schema version id %q is not a UUID", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, fmt.Errorf("schema version id %q is not a UUID", s)
	}
	return id, nil
}

// String returns the canonical lowercase 8-4-4-4-12 form.
func (id GlueVersionID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// AppendGlueFrame appends a Glue frame of payload to dst, zlib-compressing
// the payload when compress is set.
func AppendGlueFrame(dst []byte, id GlueVersionID, compress bool, payload []byte) ([]byte, error) {
	if !compress {
		dst = append(dst, GlueHeaderVersion, GlueCompressionNone)
		dst = append(dst, id[:]...)
		return append(dst, payload...), nil
	}
	dst = append(dst, GlueHeaderVersion, GlueCompressionZlib)
	dst = append(dst, id[:]...)
	buf := bytes.NewBuffer(dst)
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(buf)
	_, err := zw.Write(payload)
	if err == nil {
		err = zw.Close()
	}
	zlibWriters.Put(zw)
	if err != nil {
		return dst[:len(dst)-GlueHeaderSize], fmt.Errorf("compress Glue payload: %w", err)
	}
	return buf.Bytes(), nil
}

var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // a valid level never errs
	return zw
}}

// SplitGlueFrame checks a Glue frame and returns its schema version id and
// payload, inflated when the frame is compressed.
func SplitGlueFrame(frame []byte) (GlueVersionID, []byte, error) {
	var id GlueVersionID
	if len(frame) < GlueHeaderSize {
		return id, nil, fmt.Errorf("%w: %d bytes, a Glue frame needs at least %d", ErrBadFrame, len(frame), GlueHeaderSize)
	}
	if frame[0] != GlueHeaderVersion {
		return id, nil, fmt.Errorf("%w: Glue header version byte 0x%02x, want 0x03", ErrBadFrame, frame[0])
	}
	copy(id[:], frame[2:GlueHeaderSize])
	body := frame[GlueHeaderSize:]
	switch frame[1] {
	case GlueCompressionNone:
		return id, body, nil
	case GlueCompressionZlib:
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return id, nil, fmt.Errorf("%w: Glue zlib payload: %w", ErrBadFrame, err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, MaxGlueInflated+1))
		if err != nil {
			return id, nil, fmt.Errorf("%w: Glue zlib payload: %w", ErrBadFrame, err)
		}
		if len(out) > MaxGlueInflated {
			return id, nil, fmt.Errorf("%w: Glue zlib payload inflates beyond %d bytes", ErrBadFrame, MaxGlueInflated)
		}
		return id, out, nil
	}
	return id, nil, fmt.Errorf("%w: Glue compression byte 0x%02x, want 0x00 (none) or 0x05 (zlib)", ErrBadFrame, frame[1])
}

// GlueRegistry is the part of an AWS Glue Schema Registry the runtime needs.
// The schema names are Glue schema names within one registry.
type GlueRegistry interface {
	// GlueVersionID returns the version id of definition (exact text) under
	// schemaName, registering it when register is set and it is missing.
	// A missing definition (register unset) wraps ErrNotRegistered. A
	// version that Glue marked FAILURE is an error.
	GlueVersionID(ctx context.Context, schemaName, dataFormat, definition string, register bool) (GlueVersionID, error)
	// GlueSchemaByVersionID returns the data format ("AVRO", "JSON") and
	// definition of a version, or an error wrapping ErrUnknownSchemaID.
	GlueSchemaByVersionID(ctx context.Context, id GlueVersionID) (dataFormat, definition string, err error)
}

// GlueSerializerOptions tune NewGlueSerializer.
type GlueSerializerOptions struct {
	// SchemaName is the Glue schema name; default the event's Subject().
	SchemaName string
	// AutoRegister registers the schema text when the registry lacks it.
	AutoRegister bool
	// Compress zlib-compresses payloads (compression byte 5).
	Compress bool
	// UseHamba: see SerializerOptions.
	UseHamba bool
}

// GlueSerializer validates, encodes and frames events of one type in the
// Glue wire format. It is safe for concurrent use.
type GlueSerializer struct {
	enc      *Serializer
	id       GlueVersionID
	compress bool
}

// NewGlueSerializer resolves the Glue schema version id of the event type
// of proto once.
func NewGlueSerializer(ctx context.Context, reg GlueRegistry, proto Event, opts GlueSerializerOptions) (*GlueSerializer, error) {
	enc, err := newEncoder(proto, opts.UseHamba)
	if err != nil {
		return nil, err
	}
	name := opts.SchemaName
	if name == "" {
		name = proto.Subject()
	}
	enc.subject = name
	id, err := reg.GlueVersionID(ctx, name, proto.SchemaType(), RegistrySchema(proto), opts.AutoRegister)
	if err != nil {
		return nil, fmt.Errorf("serializer for %s: %w", enc.eventType, err)
	}
	return &GlueSerializer{enc: enc, id: id, compress: opts.Compress}, nil
}

// VersionID returns the schema version id frames carry.
func (s *GlueSerializer) VersionID() GlueVersionID { return s.id }

// Append validates ev, encodes it and appends the Glue frame to dst.
func (s *GlueSerializer) Append(dst []byte, ev Event) ([]byte, error) {
	if ev.EventType() != s.enc.eventType {
		return dst, fmt.Errorf("serializer for %s got a %s", s.enc.eventType, ev.EventType())
	}
	if err := ev.Validate(); err != nil {
		return dst, fmt.Errorf("%s: %w: %w", s.enc.eventType, ErrInvalidEvent, err)
	}
	return s.AppendUnchecked(dst, ev)
}

// AppendUnchecked encodes and frames ev without validating it.
func (s *GlueSerializer) AppendUnchecked(dst []byte, ev Event) ([]byte, error) {
	if !s.compress {
		// Encode in place after a Confluent header, then rewrite the header.
		start := len(dst)
		out, err := s.enc.AppendUnchecked(dst, ev)
		if err != nil {
			return dst, err
		}
		payloadLen := len(out) - start - HeaderSize
		out = append(out, make([]byte, GlueHeaderSize-HeaderSize)...)
		copy(out[start+GlueHeaderSize:], out[start+HeaderSize:start+HeaderSize+payloadLen])
		out[start] = GlueHeaderVersion
		out[start+1] = GlueCompressionNone
		copy(out[start+2:start+GlueHeaderSize], s.id[:])
		return out, nil
	}
	bp := Buffers.Get()
	defer Buffers.Put(bp)
	enc, err := s.enc.AppendUnchecked((*bp)[:0], ev)
	*bp = enc
	if err != nil {
		return dst, err
	}
	return AppendGlueFrame(dst, s.id, true, enc[HeaderSize:])
}

// Serialize is Append into a new slice.
func (s *GlueSerializer) Serialize(ev Event) ([]byte, error) { return s.Append(nil, ev) }

// NewDualDeserializer returns a Deserializer reading Glue frames (first
// byte 3) with schemas from glue and Confluent frames (first byte 0) with
// schemas from confluent, as Glue's secondary deserializer does during a
// migration. Either registry may be nil; a frame for a missing one is an
// error wrapping ErrBadFrame.
func NewDualDeserializer(glue GlueRegistry, confluent Registry) *Deserializer {
	d := NewDeserializer(confluent)
	d.glue = glue
	return d
}

// errNoGlue and errNoConfluent explain frames a Deserializer cannot read.
var (
	errNoGlue      = errors.New("a Glue frame (first byte 0x03), but the deserializer has no Glue registry")
	errNoConfluent = errors.New("a Confluent frame (first byte 0x00), but the deserializer has no Confluent registry")
)

// glueWriter fetches (once) the writer schema of a Glue version id.
func (d *Deserializer) glueWriter(ctx context.Context, id GlueVersionID) (*writerSchema, error) {
	key := schemaKey{kind: keyGlue, uuid: id}
	d.mu.Lock()
	w, ok := d.writers[key]
	d.mu.Unlock()
	if ok {
		return w, nil
	}
	typ, text, err := d.glue.GlueSchemaByVersionID(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.addWriter(key, typ, text)
}
