// Data contracts through Confluent's official JavaScript client: the rules
// evctl's registry stores must reach the client and be executed by it.
// Run by contract_js_test.go with REGISTRY_URL set; prints one JSON result.
'use strict';
const {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType,
  CelExecutor, JsonataExecutor,
} = require('@confluentinc/schemaregistry');

CelExecutor.register();
JsonataExecutor.register();

const url = process.env.REGISTRY_URL;
const subject = 'payments-value';
const topic = 'payments';

const paymentV1 = {
  type: 'record', name: 'Payment', namespace: 'com.acme',
  fields: [{ name: 'id', type: 'string' }, { name: 'amount_cents', type: 'long' }],
};
// v2 renames amount_cents to amount: incompatible, bridged by migration rules.
const paymentV2 = {
  type: 'record', name: 'Payment', namespace: 'com.acme',
  fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'long' }],
};
const domainRules = [{
  name: 'nonNegativeAmount', kind: 'CONDITION', mode: 'WRITE', type: 'CEL',
  expr: 'message.amount_cents >= 0', onFailure: 'ERROR',
}];
const migrationRules = [
  {
    name: 'renameUp', kind: 'TRANSFORM', mode: 'UPGRADE', type: 'JSONATA',
    expr: "$merge([$sift($, function($v, $k) {$k != 'amount_cents'}), {'amount': $.'amount_cents'}])",
  },
  {
    name: 'renameDown', kind: 'TRANSFORM', mode: 'DOWNGRADE', type: 'JSONATA',
    expr: "$merge([$sift($, function($v, $k) {$k != 'amount'}), {'amount_cents': $.'amount'}])",
  },
];

async function main() {
  const client = new SchemaRegistryClient({ baseURLs: [url] });
  const out = {};

  const id1 = await client.register(subject, {
    schemaType: 'AVRO', schema: JSON.stringify(paymentV1),
    metadata: { properties: { major: '1' } }, ruleSet: { domainRules },
  }, false);
  out.id1 = id1;

  // What the registry answers is what the client works from.
  const latest = await client.getLatestSchemaMetadata(subject);
  out.latestRuleNames = (latest.ruleSet?.domainRules ?? []).map((r) => r.name);
  out.latestMetadata = latest.metadata ?? null;

  // The domain rule runs in the serializer: a negative amount is rejected.
  const ser = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
  const good = await ser.serialize(topic, { id: 'p1', amount_cents: 250 });
  out.goodBytes = good.length;
  try {
    await ser.serialize(topic, { id: 'p2', amount_cents: -5 });
    out.negative = 'accepted';
  } catch (e) {
    out.negative = 'rejected';
    out.negativeError = `${e.constructor.name}: ${e.message}`;
  }

  // Version 2 renames the field; the subject takes it under NONE, with the
  // migration rules that bridge both ways.
  await client.updateConfig(subject, { compatibility: 'NONE' });
  const id2 = await client.register(subject, {
    schemaType: 'AVRO', schema: JSON.stringify(paymentV2),
    metadata: { properties: { major: '2' } }, ruleSet: { migrationRules },
  }, false);
  out.id2 = id2;

  // An old producer pinned to major 1 writes v1; a new consumer reading at
  // the latest version gets v2, upgraded by the migration rule.
  const oldSer = new AvroSerializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE,
    { useLatestWithMetadata: { major: '1' }, autoRegisterSchemas: false });
  const oldBytes = await oldSer.serialize(topic, { id: 'p3', amount_cents: 700 });
  const newDeser = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE, { useLatestVersion: true });
  out.upgraded = await newDeser.deserialize(topic, oldBytes);

  // A new producer writes v2; an old consumer pinned to major 1 gets v1, downgraded.
  const newSer = new AvroSerializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE,
    { useLatestVersion: true, autoRegisterSchemas: false });
  const newBytes = await newSer.serialize(topic, { id: 'p4', amount: 900 });
  const oldDeser = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE,
    { useLatestWithMetadata: { major: '1' } });
  out.downgraded = await oldDeser.deserialize(topic, newBytes);

  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
