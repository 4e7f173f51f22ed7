package inspect

import (
	"bytes"
	"compress/zlib"
	"errors"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	uuid := []byte{0xb7, 0xb4, 0xa7, 0xf0, 0x9b, 0x2e, 0x4c, 0x8a, 0x9d, 0x1e, 0x5f, 0x33, 0x2c, 0x41, 0x0a, 0x77}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(`{"a":1}`))
	zw.Close()
	for _, c := range []struct {
		name    string
		data    []byte
		f       Framing
		want    Framing
		id      int64
		glue    string
		payload string
	}{
		{"confluent", []byte{0, 0, 0, 1, 2, 'x'}, Auto, Confluent, 258, "", "x"},
		{"glue", append(append([]byte{3, 0}, uuid...), 'p'), Auto, Glue, -1, "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a77", "p"},
		{"glue zlib", append(append([]byte{3, 5}, uuid...), z.Bytes()...), Glue, Glue, -1, "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a77", `{"a":1}`},
		{"json text", []byte(`{"a":1}`), Auto, None, -1, "", `{"a":1}`},
		{"header mode", []byte{2, 'x'}, ConfluentHeader, ConfluentHeader, -1, "", "\x02x"},
	} {
		fr, err := Split(c.data, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if fr.Framing != c.want || fr.SchemaID != c.id || fr.GlueSchemaVersion != c.glue || string(fr.Payload) != c.payload {
			t.Errorf("%s: %+v", c.name, fr)
		}
	}
	for _, c := range []struct {
		data []byte
		f    Framing
	}{{[]byte{0, 1}, Confluent}, {[]byte{2, 0, 0, 0, 1}, Confluent}, {[]byte{1, 0, 0, 0, 1}, Confluent}, {[]byte{3, 0, 1}, Glue}, {append([]byte{3, 9}, make([]byte, 16)...), Glue}, {append([]byte{3, 5}, make([]byte, 20)...), Glue}} {
		if _, err := Split(c.data, c.f); !errors.Is(err, ErrBadFrame) {
			t.Errorf("Split(%x, %s) = %v, want ErrBadFrame", c.data, c.f, err)
		}
	}
	if _, err := ParseFraming("bogus"); err == nil {
		t.Error("ParseFraming(bogus) succeeded")
	}
}

func TestParseSchemaRef(t *testing.T) {
	g := "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a77"
	for in, want := range map[string]string{
		"7": "7", "0x0000000102": "258", "0000000003": "3", "base64:AAAAAAQ=": "4",
		"0x01b7b4a7f09b2e4c8a9d1e5f332c410a77": "guid " + g, g: "guid " + g,
		"base64:Abe0p/CbLkyKnR5fMyxBCnc=": "guid " + g,
	} {
		if got, err := ParseSchemaRef(in); err != nil || got.String() != want {
			t.Errorf("%s = %s, %v; want %s", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{"-1": "want", "4294967296": "want", "zz": "integer", "0x0100": "4-byte", "0x0200000001": "4-byte",
		"0x01b7b4a7f09b2e4c8a9d1e5f332c410a7700": "16-byte", "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a7z": "UUID", "base64:!!": "integer"} {
		if _, err := ParseSchemaRef(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want an error mentioning %q", in, err, msg)
		}
	}
}

// TestSplitRecord: a schema id header makes auto pick confluent-header;
// a header that does not parse, or one given with another framing, is an
// error.
func TestSplitRecord(t *testing.T) {
	guidHdr := []byte{1, 0xb7, 0xb4, 0xa7, 0xf0, 0x9b, 0x2e, 0x4c, 0x8a, 0x9d, 0x1e, 0x5f, 0x33, 0x2c, 0x41, 0x0a, 0x77}
	for _, c := range []struct {
		name    string
		data    []byte
		hdr     []byte
		f       Framing
		want    Framing
		id      int64
		guid    string
		payload string
	}{
		{"guid header, auto", []byte{0, 'x'}, guidHdr, Auto, ConfluentHeader, -1, "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a77", "\x00x"},
		{"id header", []byte("x"), []byte{0, 0, 0, 0, 9}, ConfluentHeader, ConfluentHeader, 9, "", "x"},
		{"no header", []byte("x"), nil, ConfluentHeader, ConfluentHeader, -1, "", "x"},
		{"guid prefix, auto", append(append([]byte(nil), guidHdr...), 'p'), nil, Auto, Confluent, -1, "b7b4a7f0-9b2e-4c8a-9d1e-5f332c410a77", "p"},
	} {
		fr, err := SplitRecord(c.data, c.hdr, c.f)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if fr.Framing != c.want || fr.SchemaID != c.id || fr.SchemaGUID != c.guid || string(fr.Payload) != c.payload || fr.HasSchema() != (c.id >= 0 || c.guid != "") {
			t.Errorf("%s: %+v", c.name, fr)
		}
	}
	if _, err := SplitRecord([]byte("x"), guidHdr[:9], Auto); !errors.Is(err, ErrBadFrame) {
		t.Errorf("short header: %v, want ErrBadFrame", err)
	}
	if _, err := SplitRecord([]byte("x"), []byte{7, 1, 2, 3, 4}, ConfluentHeader); !errors.Is(err, ErrBadFrame) {
		t.Errorf("bad magic in header: %v, want ErrBadFrame", err)
	}
	if _, err := SplitRecord([]byte{0, 0, 0, 0, 1, 'x'}, guidHdr, Confluent); err == nil {
		t.Error("a header with --framing confluent was accepted")
	}
}
