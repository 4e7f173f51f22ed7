package glue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evctl/evctl/interop/internal/evctltest"
)

// sdkClient is aws-sdk-go-v2's Glue client pointed at endpoint, with
// static credentials (the local server does not check signatures).
func sdkClient(endpoint string) *glue.Client {
	return glue.New(glue.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	})
}

const (
	avroV1 = `{"type":"record","name":"OrderPlaced","namespace":"com.acme","fields":[{"name":"order_id","type":"string"}]}`
	// v2 adds a field with a default: BACKWARD compatible.
	avroV2 = `{"type":"record","name":"OrderPlaced","namespace":"com.acme","fields":[{"name":"order_id","type":"string"},{"name":"note","type":"string","default":""}]}`
	// v3 adds a field without a default: not BACKWARD compatible.
	avroV3 = `{"type":"record","name":"OrderPlaced","namespace":"com.acme","fields":[{"name":"order_id","type":"string"},{"name":"note","type":"string","default":""},{"name":"qty","type":"int"}]}`
	// v4 adds qty as a string with a default: compatible with v2, not with
	// v3 (int data cannot be read as string), so it is AVAILABLE only
	// because the FAILURE v3 does not count.
	avroV4 = `{"type":"record","name":"OrderPlaced","namespace":"com.acme","fields":[{"name":"order_id","type":"string"},{"name":"note","type":"string","default":""},{"name":"qty","type":"string","default":"0"}]}`
)

// settle polls GetSchemaVersion until the version leaves PENDING, as
// Glue's Java client does.
func settle(t *testing.T, c *glue.Client, id string) types.SchemaVersionStatus {
	t.Helper()
	for range 200 {
		out, err := c.GetSchemaVersion(context.Background(), &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.SchemaVersionStatusPending {
			return out.Status
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("version %s still PENDING", id)
	return ""
}

func TestGoSDKAgainstServeGlue(t *testing.T) {
	ctx := context.Background()
	c := sdkClient(evctltest.ServeGlue(t, "100ms"))
	reg := &types.RegistryId{RegistryName: aws.String("evctl-test")}

	if _, err := c.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("evctl-test"), Description: aws.String("interop")}); err != nil {
		t.Fatal(err)
	}
	var exists *types.AlreadyExistsException
	if _, err := c.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("evctl-test")}); !errors.As(err, &exists) {
		t.Fatalf("second CreateRegistry: %v, want AlreadyExistsException", err)
	}
	cs, err := c.CreateSchema(ctx, &glue.CreateSchemaInput{
		RegistryId: reg, SchemaName: aws.String("com.acme.OrderPlaced"), DataFormat: types.DataFormatAvro,
		Compatibility: types.CompatibilityBackward, SchemaDefinition: aws.String(avroV1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cs.SchemaVersionStatus != types.SchemaVersionStatusPending || cs.LatestSchemaVersion == nil || *cs.LatestSchemaVersion != 1 || !strings.HasSuffix(*cs.SchemaArn, ":schema/evctl-test/com.acme.OrderPlaced") {
		t.Fatalf("CreateSchema = status %s latest %v arn %v", cs.SchemaVersionStatus, cs.LatestSchemaVersion, cs.SchemaArn)
	}
	v1 := *cs.SchemaVersionId
	if st := settle(t, c, v1); st != types.SchemaVersionStatusAvailable {
		t.Fatalf("v1 settled %s", st)
	}
	sid := &types.SchemaId{RegistryName: aws.String("evctl-test"), SchemaName: aws.String("com.acme.OrderPlaced")}
	register := func(def string) *glue.RegisterSchemaVersionOutput {
		t.Helper()
		out, err := c.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid, SchemaDefinition: aws.String(def)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	r2 := register(avroV2)
	if r2.VersionNumber == nil || *r2.VersionNumber != 2 || r2.Status != types.SchemaVersionStatusPending {
		t.Fatalf("register v2 = %v %s", r2.VersionNumber, r2.Status)
	}
	if st := settle(t, c, *r2.SchemaVersionId); st != types.SchemaVersionStatusAvailable {
		t.Fatalf("v2 settled %s", st)
	}
	// An existing definition (whitespace aside) returns the existing version.
	if again := register(strings.ReplaceAll(avroV1, ",", ", ")); *again.SchemaVersionId != v1 || *again.VersionNumber != 1 || again.Status != types.SchemaVersionStatusAvailable {
		t.Fatalf("re-register v1 = %s %d %s", *again.SchemaVersionId, *again.VersionNumber, again.Status)
	}
	r3 := register(avroV3)
	if st := settle(t, c, *r3.SchemaVersionId); st != types.SchemaVersionStatusFailure {
		t.Fatalf("v3 (new field without default under BACKWARD) settled %s, want FAILURE", st)
	}
	r4 := register(avroV4)
	if st := settle(t, c, *r4.SchemaVersionId); st != types.SchemaVersionStatusAvailable {
		t.Fatalf("v4 settled %s, want AVAILABLE (the FAILURE v3 must not count)", st)
	}

	// The FAILURE version stays listed.
	list, err := c.ListSchemaVersions(ctx, &glue.ListSchemaVersionsInput{SchemaId: sid})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range list.Schemas {
		got = append(got, string(v.Status))
	}
	if strings.Join(got, " ") != "AVAILABLE AVAILABLE FAILURE AVAILABLE" {
		t.Fatalf("ListSchemaVersions statuses = %v", got)
	}
	page, err := c.ListSchemaVersions(ctx, &glue.ListSchemaVersionsInput{SchemaId: sid, MaxResults: aws.Int32(3)})
	if err != nil || len(page.Schemas) != 3 || page.NextToken == nil {
		t.Fatalf("first page: %v %v", page, err)
	}
	rest, err := c.ListSchemaVersions(ctx, &glue.ListSchemaVersionsInput{SchemaId: sid, MaxResults: aws.Int32(3), NextToken: page.NextToken})
	if err != nil || len(rest.Schemas) != 1 || rest.NextToken != nil || *rest.Schemas[0].VersionNumber != 4 {
		t.Fatalf("second page: %+v %v", rest, err)
	}

	latest, err := c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaId: sid, SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true}})
	if err != nil || *latest.VersionNumber != 4 || *latest.SchemaDefinition != avroV4 || latest.DataFormat != types.DataFormatAvro {
		t.Fatalf("latest = %+v %v", latest, err)
	}
	byNum, err := c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaId: sid, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(3)}})
	if err != nil || byNum.Status != types.SchemaVersionStatusFailure || *byNum.SchemaVersionId != *r3.SchemaVersionId {
		t.Fatalf("version 3 = %+v %v", byNum, err)
	}
	byDef, err := c.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{SchemaId: sid, SchemaDefinition: aws.String(avroV2)})
	if err != nil || *byDef.SchemaVersionId != *r2.SchemaVersionId || byDef.Status != types.SchemaVersionStatusAvailable {
		t.Fatalf("GetSchemaByDefinition(v2) = %+v %v", byDef, err)
	}
	var notFound *types.EntityNotFoundException
	if _, err := c.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{SchemaId: sid, SchemaDefinition: aws.String(`"string"`)}); !errors.As(err, &notFound) {
		t.Fatalf("unknown definition: %v", err)
	}
	if _, err := c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String("00000000-0000-4000-8000-000000000000")}); !errors.As(err, &notFound) {
		t.Fatalf("unknown version id: %v", err)
	}

	// Metadata (evctl records provenance this way).
	if _, err := c.PutSchemaVersionMetadata(ctx, &glue.PutSchemaVersionMetadataInput{SchemaVersionId: r4.SchemaVersionId, MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String("git_commit"), MetadataValue: aws.String("abc123")}}); err != nil {
		t.Fatal(err)
	}
	q, err := c.QuerySchemaVersionMetadata(ctx, &glue.QuerySchemaVersionMetadataInput{SchemaVersionId: r4.SchemaVersionId})
	if err != nil || *q.MetadataInfoMap["git_commit"].MetadataValue != "abc123" {
		t.Fatalf("QuerySchemaVersionMetadata = %+v %v", q, err)
	}

	diff, err := c.GetSchemaVersionsDiff(ctx, &glue.GetSchemaVersionsDiffInput{SchemaId: sid, SchemaDiffType: types.SchemaDiffTypeSyntaxDiff,
		FirstSchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(1)}, SecondSchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(2)}})
	if err != nil || !strings.Contains(*diff.Diff, `"op":"add","path":"/fields/1"`) {
		t.Fatalf("GetSchemaVersionsDiff = %v %v", diff.Diff, err)
	}

	valid, err := c.CheckSchemaVersionValidity(ctx, &glue.CheckSchemaVersionValidityInput{DataFormat: types.DataFormatJson, SchemaDefinition: aws.String(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object"}`)})
	if err != nil || valid.Valid || !strings.Contains(*valid.Error, "drafts 4, 6 and 7") {
		t.Fatalf("CheckSchemaVersionValidity(2020-12) = %+v %v", valid, err)
	}
	valid, err = c.CheckSchemaVersionValidity(ctx, &glue.CheckSchemaVersionValidityInput{DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroV1)})
	if err != nil || !valid.Valid {
		t.Fatalf("CheckSchemaVersionValidity(avro) = %+v %v", valid, err)
	}

	// DISABLED: no new versions; an existing definition still answers.
	if _, err := c.UpdateSchema(ctx, &glue.UpdateSchemaInput{SchemaId: sid, Compatibility: types.CompatibilityDisabled}); err != nil {
		t.Fatal(err)
	}
	var bad *types.InvalidInputException
	if _, err := c.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid, SchemaDefinition: aws.String(`{"type":"record","name":"OrderPlaced","namespace":"com.acme","fields":[]}`)}); !errors.As(err, &bad) || !strings.Contains(err.Error(), "DISABLED") {
		t.Fatalf("register under DISABLED: %v, want InvalidInputException", err)
	}
	if again := register(avroV2); *again.SchemaVersionId != *r2.SchemaVersionId {
		t.Fatalf("existing definition under DISABLED = %s", *again.SchemaVersionId)
	}
	sch, err := c.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: sid})
	if err != nil || sch.Compatibility != types.CompatibilityDisabled || *sch.LatestSchemaVersion != 4 {
		t.Fatalf("GetSchema = %+v %v", sch, err)
	}

	// Input Glue refuses.
	for name, in := range map[string]*glue.CreateSchemaInput{
		"bad name":   {RegistryId: reg, SchemaName: aws.String("orders/placed"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroV1)},
		"long name":  {RegistryId: reg, SchemaName: aws.String(strings.Repeat("a", 256)), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroV1)},
		"2020-12":    {RegistryId: reg, SchemaName: aws.String("j"), DataFormat: types.DataFormatJson, SchemaDefinition: aws.String(`{"$schema":"https://json-schema.org/draft/2020-12/schema"}`)},
		"bad avro":   {RegistryId: reg, SchemaName: aws.String("a"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(`{"type":"record"}`)},
		"no such rg": {RegistryId: &types.RegistryId{RegistryName: aws.String("missing")}, SchemaName: aws.String("a"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroV1)},
	} {
		_, err := c.CreateSchema(ctx, in)
		if !errors.As(err, &bad) && !errors.As(err, &notFound) {
			t.Errorf("%s: CreateSchema = %v, want InvalidInputException or EntityNotFoundException", name, err)
		}
	}
	// Without a RegistryId, Glue uses default-registry.
	def, err := c.CreateSchema(ctx, &glue.CreateSchemaInput{SchemaName: aws.String("j"), DataFormat: types.DataFormatJson, Compatibility: types.CompatibilityFullAll,
		SchemaDefinition: aws.String(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}`)})
	if err != nil || *def.RegistryName != "default-registry" || def.Compatibility != types.CompatibilityFullAll {
		t.Fatalf("CreateSchema in default-registry = %+v %v", def, err)
	}
}
