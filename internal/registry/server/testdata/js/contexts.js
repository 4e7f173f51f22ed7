// Schema contexts through Confluent's official JavaScript client: a
// serializer whose subject name strategy puts the subject in context
// .staging, and one in the default context. Both schemas get id 1, each in
// its own context; each deserializer, asking GET /schemas/ids/1?subject=…,
// must get its own writer schema back.
// Run by contexts_test.go with REGISTRY_URL set.
'use strict';
const { SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType } = require('@confluentinc/schemaregistry');

const url = process.env.REGISTRY_URL;
const topic = 'orders';
const order = {
  type: 'record', name: 'Order', namespace: 'com.acme',
  fields: [{ name: 'id', type: 'string' }],
};
const shipment = {
  type: 'record', name: 'Shipment', namespace: 'com.acme',
  fields: [{ name: 'carrier', type: 'string' }, { name: 'weight', type: 'int' }],
};
const staging = (t) => `:.staging:${t}-value`;

async function main() {
  const out = {};
  const client = () => new SchemaRegistryClient({ baseURLs: [url] });
  const c = client();
  out.stagingId = await c.register(':.staging:orders-value', { schemaType: 'AVRO', schema: JSON.stringify(shipment) }, false);
  out.defaultId = await c.register('orders-value', { schemaType: 'AVRO', schema: JSON.stringify(order) }, false);
  const stagingLatest = new AvroSerializer(client(), SerdeType.VALUE, { useLatestVersion: true, subjectNameStrategy: staging });
  const defaultLatest = new AvroSerializer(client(), SerdeType.VALUE, { useLatestVersion: true });
  const sBytes = await stagingLatest.serialize(topic, { carrier: 'ups', weight: 7 });
  const dBytes = await defaultLatest.serialize(topic, { id: 'o1' });
  out.stagingWireId = sBytes.readInt32BE(1);
  out.defaultWireId = dBytes.readInt32BE(1);
  out.fromStaging = await new AvroDeserializer(client(), SerdeType.VALUE, { subjectNameStrategy: staging }).deserialize(topic, sBytes);
  out.fromDefault = await new AvroDeserializer(client(), SerdeType.VALUE, {}).deserialize(topic, dBytes);
  out.subjects = (await c.getAllSubjects()).sort();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
