package glue_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

	bundled "github.com/evctl/evctl/examples/publisher/events"
	"github.com/evctl/evctl/interop/internal/evctltest"
	"github.com/evctl/evctl/wire"
)

// node runs js/glue.js with args and returns its stdout. The packages it
// needs are installed by `make test` (npm ci in interop/glue/js).
func node(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(filepath.Join("js", "node_modules", "@meinestadt.de", "glue-schema-registry")); err != nil {
		t.Fatalf("the npm packages of interop/glue/js are not installed (run make interop-js, or npm ci in interop/glue/js): %v", err)
	}
	cmd := exec.Command("node", append([]string{"glue.js"}, args...)...)
	cmd.Dir = "js"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node glue.js %s: %v\n%s", args[0], err, stderr.Bytes())
	}
	return out
}

func TestJSSDKAgainstServeGlue(t *testing.T) {
	out := node(t, "sdk", evctltest.ServeGlue(t, "100ms"))
	if string(out) != "ok\n" {
		t.Fatalf("node glue.js sdk printed %q", out)
	}
}

// sdkRegistry is a wire.GlueRegistry on aws-sdk-go-v2's Glue client.
type sdkRegistry struct {
	c        *glue.Client
	registry string
}

func (r *sdkRegistry) GlueVersionID(ctx context.Context, name, format, def string, register bool) (wire.GlueVersionID, error) {
	sid := &types.SchemaId{RegistryName: aws.String(r.registry), SchemaName: aws.String(name)}
	var id *string
	got, err := r.c.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{SchemaId: sid, SchemaDefinition: aws.String(def)})
	var nf *types.EntityNotFoundException
	switch {
	case err == nil:
		id = got.SchemaVersionId
	case !errors.As(err, &nf):
		return wire.GlueVersionID{}, err
	case !register:
		return wire.GlueVersionID{}, wire.ErrNotRegistered
	default:
		cs, err := r.c.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &types.RegistryId{RegistryName: aws.String(r.registry)}, SchemaName: aws.String(name), DataFormat: types.DataFormat(format), SchemaDefinition: aws.String(def)})
		var ae *types.AlreadyExistsException
		if errors.As(err, &ae) {
			rv, err := r.c.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid, SchemaDefinition: aws.String(def)})
			if err != nil {
				return wire.GlueVersionID{}, err
			}
			id = rv.SchemaVersionId
		} else if err != nil {
			return wire.GlueVersionID{}, err
		} else {
			id = cs.SchemaVersionId
		}
	}
	for {
		v, err := r.c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: id})
		if err != nil {
			return wire.GlueVersionID{}, err
		}
		switch v.Status {
		case types.SchemaVersionStatusAvailable:
			return wire.ParseGlueVersionID(*id)
		case types.SchemaVersionStatusFailure:
			return wire.GlueVersionID{}, errors.New("version FAILURE")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *sdkRegistry) GlueSchemaByVersionID(ctx context.Context, id wire.GlueVersionID) (string, string, error) {
	v, err := r.c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id.String())})
	if err != nil {
		return "", "", err
	}
	return string(v.DataFormat), *v.SchemaDefinition, nil
}

func orderPlaced() *bundled.V1OrderPlaced {
	coupon := "WELCOME"
	return &bundled.V1OrderPlaced{
		EventID:       "6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f",
		OccurredAt:    time.UnixMilli(1764151200123).UTC(),
		CorrelationID: "corr-1",
		OrderID:       "ord-1",
		CustomerID:    "cust-1",
		TotalCents:    4200,
		Currency:      "EUR",
		Lines: []bundled.V1OrderPlacedOrderLine{
			{SKU: "sku-1", Quantity: 2, UnitPriceCents: 1500},
			{SKU: "sku-2", Quantity: 1, UnitPriceCents: 1200},
		},
		ShippingAddress: bundled.V1OrderPlacedAddress{Street: "Main 1", City: "Amsterdam", PostalCode: "1000AA", Country: "NL"},
		CouponCode:      &coupon,
	}
}

// orderPlacedJS is orderPlaced as the JavaScript library's avsc object.
const orderPlacedJS = `{"event_id":"6f1c2a4e-8b3d-4c1a-9e2f-0a1b2c3d4e5f","occurred_at":1764151200123,"correlation_id":"corr-1",` +
	`"order_id":"ord-1","customer_id":"cust-1","total_cents":4200,"currency":"EUR",` +
	`"lines":[{"sku":"sku-1","quantity":2,"unit_price_cents":1500},{"sku":"sku-2","quantity":1,"unit_price_cents":1200}],` +
	`"shipping_address":{"street":"Main 1","city":"Amsterdam","postal_code":"1000AA","country":"NL"},"coupon_code":"WELCOME"}`

// TestFramesCrossCheckWithMeinestadt: frames written by
// @meinestadt.de/glue-schema-registry (plain and zlib) decode with wire's
// deserializer, and frames written by wire's GlueSerializer decode with
// that library, all against schemas registered in `serve --api glue`.
func TestFramesCrossCheckWithMeinestadt(t *testing.T) {
	ctx := context.Background()
	endpoint := evctltest.ServeGlue(t, "50ms")
	c := sdkClient(endpoint)
	if _, err := c.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("frames")}); err != nil {
		t.Fatal(err)
	}
	ev := orderPlaced()
	schemaFile := filepath.Join(t.TempDir(), "OrderPlaced.avsc")
	if err := os.WriteFile(schemaFile, []byte(ev.Schema()), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := &sdkRegistry{c: c, registry: "frames"}

	// JavaScript encodes, Go decodes.
	var enc struct {
		ID     string
		Frames []string
	}
	if err := json.Unmarshal(node(t, "encode", endpoint, "frames", ev.Subject(), schemaFile, orderPlacedJS), &enc); err != nil {
		t.Fatal(err)
	}
	deser := wire.NewDualDeserializer(reg, nil)
	for i, fh := range enc.Frames {
		frame, err := hex.DecodeString(fh)
		if err != nil {
			t.Fatal(err)
		}
		if frame[0] != 3 || frame[1] != []byte{0, 5}[i] {
			t.Fatalf("frame %d header %x", i, frame[:2])
		}
		var got bundled.V1OrderPlaced
		if err := deser.Deserialize(ctx, frame, &got); err != nil {
			t.Fatalf("frame %d from JavaScript: %v", i, err)
		}
		if diff := cmp.Diff(ev, &got); diff != "" {
			t.Errorf("frame %d from JavaScript (-want +got):\n%s", i, diff)
		}
	}

	// Go encodes, JavaScript decodes. The Go serializer finds the version
	// the JavaScript library registered (same definition).
	for _, compress := range []bool{false, true} {
		ser, err := wire.NewGlueSerializer(ctx, reg, ev, wire.GlueSerializerOptions{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		if ser.VersionID().String() != enc.ID {
			t.Fatalf("Go resolved version %s, JavaScript registered %s", ser.VersionID(), enc.ID)
		}
		frame, err := ser.Serialize(ev)
		if err != nil {
			t.Fatal(err)
		}
		var dec struct {
			SchemaID    string
			Compression int
			Object      json.RawMessage
		}
		if err := json.Unmarshal(node(t, "decode", endpoint, "frames", schemaFile, hex.EncodeToString(frame)), &dec); err != nil {
			t.Fatal(err)
		}
		if dec.SchemaID != enc.ID || dec.Compression != map[bool]int{false: 0, true: 5}[compress] {
			t.Errorf("JavaScript saw schema %s compression %d", dec.SchemaID, dec.Compression)
		}
		var got, want any
		json.Unmarshal(dec.Object, &got)
		json.Unmarshal([]byte(orderPlacedJS), &want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("compress=%v: JavaScript decoded (-want +got):\n%s", compress, diff)
		}
	}
}
