// Schema GUIDs through Confluent's official JavaScript client: a serializer
// writing the GUID in the __value_schema_id header (from the latest
// version), and the default dual deserializer reading it back through
// /schemas/guids/{guid}; the 5-byte prefix form keeps working beside it.
// Run by contract_nodeclient_test.go with REGISTRY_URL set.
'use strict';
const {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType, HeaderSchemaIdSerializer,
} = require('@confluentinc/schemaregistry');

const url = process.env.REGISTRY_URL;
const topic = 'orders';
const schema = {
  type: 'record', name: 'Order', namespace: 'com.acme',
  fields: [{ name: 'id', type: 'string' }, { name: 'qty', type: 'int' }],
};

async function main() {
  const out = {};
  const client = new SchemaRegistryClient({ baseURLs: [url] });
  const reg = await client.registerFullResponse('orders-value', { schemaType: 'AVRO', schema: JSON.stringify(schema) }, false);
  out.registeredGuid = reg.guid ?? null;
  out.registeredId = reg.id;

  const headers = {};
  const headerSer = new AvroSerializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE,
    { autoRegisterSchemas: false, useLatestVersion: true, schemaIdSerializer: HeaderSchemaIdSerializer });
  const bytes = await headerSer.serialize(topic, { id: 'o1', qty: 3 }, headers);
  const h = headers.__value_schema_id;
  out.headerBytes = h ? h.length : 0;
  out.payloadStartsWithMagic = bytes.length > 0 && bytes[0] === 0;

  const deser = new AvroDeserializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE, {});
  out.fromHeader = await deser.deserialize(topic, bytes, headers);

  const prefixSer = new AvroSerializer(new SchemaRegistryClient({ baseURLs: [url] }), SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true });
  const prefixed = await prefixSer.serialize(topic, { id: 'o2', qty: 4 });
  out.fromPrefix = await deser.deserialize(topic, prefixed);

  const byGuid = await client.getByGuid(reg.guid);
  out.byGuidSchemaMatches = JSON.parse(byGuid.schema).name === 'Order';
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
