// Independent Glue clients driven by evctl's interop tests (interop/glue).
//
//   node glue.js sdk ENDPOINT
//       the AWS JavaScript SDK against `evctl registry serve --api glue`:
//       create, register, get, list, the FAILURE path and DISABLED; exits
//       non-zero on the first failed assertion.
//   node glue.js encode ENDPOINT REGISTRY SCHEMA_NAME SCHEMA_FILE OBJECT_JSON
//       @meinestadt.de/glue-schema-registry creates the schema (or registers
//       the version) and encodes OBJECT_JSON with and without zlib; prints
//       {"id": version id, "frames": [plain hex, zlib hex]}.
//   node glue.js decode ENDPOINT REGISTRY READER_SCHEMA_FILE FRAME_HEX
//       the same library analyzes and decodes a frame; prints the object.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const avro = require('avsc');
const g = require('@aws-sdk/client-glue');
const { GlueSchemaRegistry } = require('@meinestadt.de/glue-schema-registry');

const clientProps = (endpoint) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  maxAttempts: 1,
});

const v1 = '{"type":"record","name":"Payment","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}';
const v2 = '{"type":"record","name":"Payment","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0}]}';
const v3 = '{"type":"record","name":"Payment","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long","default":0},{"name":"currency","type":"string"}]}';

async function settle(c, id) {
  for (let i = 0; i < 200; i++) {
    const out = await c.send(new g.GetSchemaVersionCommand({ SchemaVersionId: id }));
    if (out.Status !== 'PENDING') return out.Status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`version ${id} still PENDING`);
}

async function sdk(endpoint) {
  const c = new g.GlueClient(clientProps(endpoint));
  await c.send(new g.CreateRegistryCommand({ RegistryName: 'js-registry' }));
  const SchemaId = { RegistryName: 'js-registry', SchemaName: 'com.acme.Payment' };
  const cs = await c.send(new g.CreateSchemaCommand({
    RegistryId: { RegistryName: 'js-registry' }, SchemaName: 'com.acme.Payment',
    DataFormat: 'AVRO', Compatibility: 'FULL_ALL', SchemaDefinition: v1,
  }));
  assert.equal(cs.SchemaVersionStatus, 'PENDING');
  assert.equal(await settle(c, cs.SchemaVersionId), 'AVAILABLE');
  const r2 = await c.send(new g.RegisterSchemaVersionCommand({ SchemaId, SchemaDefinition: v2 }));
  assert.equal(r2.VersionNumber, 2);
  assert.equal(await settle(c, r2.SchemaVersionId), 'AVAILABLE');
  // A field without a default fails FULL_ALL (backward half).
  const r3 = await c.send(new g.RegisterSchemaVersionCommand({ SchemaId, SchemaDefinition: v3 }));
  assert.equal(r3.VersionNumber, 3);
  assert.equal(await settle(c, r3.SchemaVersionId), 'FAILURE');
  const again = await c.send(new g.RegisterSchemaVersionCommand({ SchemaId, SchemaDefinition: v2 }));
  assert.equal(again.SchemaVersionId, r2.SchemaVersionId);
  const list = await c.send(new g.ListSchemaVersionsCommand({ SchemaId }));
  assert.deepEqual(list.Schemas.map((s) => [s.VersionNumber, s.Status]), [[1, 'AVAILABLE'], [2, 'AVAILABLE'], [3, 'FAILURE']]);
  const latest = await c.send(new g.GetSchemaVersionCommand({ SchemaId, SchemaVersionNumber: { LatestVersion: true } }));
  assert.equal(latest.VersionNumber, 2);
  assert.equal(latest.SchemaDefinition, v2);
  const byDef = await c.send(new g.GetSchemaByDefinitionCommand({ SchemaId, SchemaDefinition: v1 }));
  assert.equal(byDef.SchemaVersionId, cs.SchemaVersionId);
  await c.send(new g.UpdateSchemaCommand({ SchemaId, Compatibility: 'DISABLED' }));
  await assert.rejects(
    c.send(new g.RegisterSchemaVersionCommand({ SchemaId, SchemaDefinition: v1.replace('"id"', '"key"') })),
    (e) => e.name === 'InvalidInputException' && /DISABLED/.test(e.message),
  );
  await assert.rejects(
    c.send(new g.GetSchemaCommand({ SchemaId: { RegistryName: 'js-registry', SchemaName: 'missing' } })),
    (e) => e.name === 'EntityNotFoundException',
  );
  const sch = await c.send(new g.GetSchemaCommand({ SchemaId }));
  assert.equal(sch.Compatibility, 'DISABLED');
  assert.equal(sch.LatestSchemaVersion, 3);
  console.log('ok');
}

async function encode(endpoint, registry, name, schemaFile, objectJSON) {
  const schema = fs.readFileSync(schemaFile, 'utf8');
  const reg = new GlueSchemaRegistry(registry, clientProps(endpoint));
  let id;
  try {
    id = await reg.createSchema({ type: 'AVRO', schemaName: name, compatibility: 'BACKWARD', schema });
  } catch (e) {
    if (e.name !== 'AlreadyExistsException') throw e;
    id = await reg.register({ type: 'AVRO', schemaName: name, schema });
  }
  const obj = JSON.parse(objectJSON);
  const plain = await reg.encode(id, obj, { compress: false });
  const zlib = await reg.encode(id, obj, { compress: true });
  console.log(JSON.stringify({ id, frames: [plain.toString('hex'), zlib.toString('hex')] }));
}

async function decode(endpoint, registry, readerFile, frameHex) {
  const reg = new GlueSchemaRegistry(registry, clientProps(endpoint));
  const frame = Buffer.from(frameHex, 'hex');
  const info = await reg.analyzeMessage(frame);
  if (!info.valid) throw new Error(`analyzeMessage: invalid, error ${info.error} ${info.exception || ''}`);
  const reader = avro.Type.forSchema(JSON.parse(fs.readFileSync(readerFile, 'utf8')));
  const obj = await reg.decode(frame, reader);
  console.log(JSON.stringify({ schemaId: info.schemaId, compression: info.compression, object: obj }));
}

const [cmd, ...args] = process.argv.slice(2);
const fn = { sdk, encode, decode }[cmd];
if (!fn) {
  console.error('usage: node glue.js sdk|encode|decode ...');
  process.exit(2);
}
fn(...args).catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
