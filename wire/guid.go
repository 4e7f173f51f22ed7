package wire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Header mode (Confluent Platform 8.x clients with
// HeaderSchemaIDSerializer): the value of a Kafka record carries no prefix;
// a record header names its schema by GUID. The header value is
// MagicGUID (0x01) followed by the 16 bytes of the GUID. Confluent's
// DualSchemaIDDeserializer, which its deserializers use by default, takes
// the id from that header when it is present and parses, and otherwise
// from the payload prefix (0x00 and a 4-byte id, or 0x01 and a GUID).
const (
	// ValueSchemaIDHeader names the schema of a record's value.
	ValueSchemaIDHeader = "__value_schema_id"
	// KeySchemaIDHeader names the schema of a record's key.
	KeySchemaIDHeader = "__key_schema_id"
	// MagicGUID is the first byte of a GUID header value (and of a
	// GUID-prefixed payload).
	MagicGUID byte = 1
	// GUIDHeaderSize is the size of a GUID header value.
	GUIDHeaderSize = 17
)

// GUID is a schema GUID, the globally unique id Confluent Platform 8.x
// registries (and evctl registry serve) give every schema beside its
// numeric id.
type GUID [16]byte

// ParseGUID parses the canonical 8-4-4-4-12 hex form.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	if err := parseUUID(g[:], s); err != nil {
		return g, fmt.Errorf("schema guid %q is not a UUID", s)
	}
	return g, nil
}

// String returns the canonical lowercase 8-4-4-4-12 form.
func (g GUID) String() string { return GlueVersionID(g).String() }

// IsZero reports whether g is the nil UUID (no GUID).
func (g GUID) IsZero() bool { return g == GUID{} }

func parseUUID(dst []byte, s string) error {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return fmt.Errorf("not a UUID")
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	_, err := hex.Decode(dst, []byte(h))
	return err
}

// AppendGUIDHeader appends the schema id header value for g (0x01, then
// the GUID) to dst.
func AppendGUIDHeader(dst []byte, g GUID) []byte {
	return append(append(dst, MagicGUID), g[:]...)
}

// SchemaRef is the schema a message names: a numeric Confluent id or, in
// header mode, a GUID.
type SchemaRef struct {
	ID     uint32
	GUID   GUID
	IsGUID bool
}

func (r SchemaRef) String() string {
	if r.IsGUID {
		return "guid " + r.GUID.String()
	}
	return fmt.Sprint(r.ID)
}

// ParseSchemaID reads a schema id at the start of b as Confluent's
// SchemaID.FromBytes does: 0x00 and a 4-byte big-endian id, or 0x01 and a
// 16-byte GUID. It returns the id and the number of bytes read.
func ParseSchemaID(b []byte) (SchemaRef, int, error) {
	switch {
	case len(b) == 0:
		return SchemaRef{}, 0, fmt.Errorf("%w: empty", ErrBadFrame)
	case b[0] == Magic:
		if len(b) < HeaderSize {
			return SchemaRef{}, 0, fmt.Errorf("%w: %d bytes, need at least %d", ErrBadFrame, len(b), HeaderSize)
		}
		return SchemaRef{ID: binary.BigEndian.Uint32(b[1:5])}, HeaderSize, nil
	case b[0] == MagicGUID:
		if len(b) < GUIDHeaderSize {
			return SchemaRef{}, 0, fmt.Errorf("%w: %d bytes, a schema guid needs %d", ErrBadFrame, len(b), GUIDHeaderSize)
		}
		r := SchemaRef{IsGUID: true}
		copy(r.GUID[:], b[1:GUIDHeaderSize])
		return r, GUIDHeaderSize, nil
	}
	return SchemaRef{}, 0, fmt.Errorf("%w: magic byte 0x%02x, want 0x00 (schema id) or 0x01 (schema guid)", ErrBadFrame, b[0])
}

// SplitDual splits a record as Confluent's DualSchemaIDDeserializer does:
// when header (the value of the __value_schema_id or __key_schema_id
// header; nil when the record has none) is non-empty and parses, it names
// the schema and all of data is the payload; otherwise data starts with
// the id (0x00 and a 4-byte id, or 0x01 and a GUID). When both fail the
// error names both.
func SplitDual(header, data []byte) (SchemaRef, []byte, error) {
	var herr error
	if len(header) != 0 {
		r, _, err := ParseSchemaID(header)
		if err == nil {
			return r, data, nil
		}
		herr = err
	}
	r, n, err := ParseSchemaID(data)
	if err != nil {
		if herr != nil {
			return SchemaRef{}, nil, fmt.Errorf("schema id header: %w; payload: %w", herr, err)
		}
		return SchemaRef{}, nil, err
	}
	return r, data[n:], nil
}
