// Generates the Pact message pacts under pacts/ with Pact's own JavaScript
// library, for the tests of `evctl contract import`:
//   npm ci && node generate.mjs
// pacts/email-service-order-service.json is a V3 message pact
// (MessageConsumerPact), pacts/billing-service-order-service.json a V4 one
// (PactV4 asynchronous messages). The message metadata "event" names the
// event type each message is.
import { MessageConsumerPact, MatchersV3, asynchronousBodyHandler, PactV4 } from "@pact-foundation/pact";
import path from "node:path";

const { like, integer, decimal, boolean, regex, eachLike, string } = MatchersV3;
const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), "pacts");

const v3 = new MessageConsumerPact({ consumer: "email-service", provider: "order-service", dir, pactfileWriteMode: "overwrite" });
await v3
  .expectsToReceive("an order was placed")
  .withMetadata({ event: "v1.OrderPlaced", contentType: "application/json" })
  .withContent({
    order_id: string("o-1"),
    status: regex("^(PLACED|PAID)$", "PLACED"),
    total_cents: integer(1999),
    gift: boolean(false),
    lines: eachLike({ sku: string("SKU-1"), quantity: integer(2), price: decimal(9.99) }),
    shipping_address: { city: like("Berlin") },
  })
  .verify(asynchronousBodyHandler(async (body) => {
    if (!body.order_id) throw new Error("the handler needs order_id");
  }));

const v4 = new PactV4({ consumer: "billing-service", provider: "order-service", dir });
await v4
  .addAsynchronousInteraction()
  .expectsToReceive("an order was placed (billing)", (b) => b
    .withMetadata({ event: "v1.OrderPlaced" })
    .withJSONContent({
      order_id: string("o-1"),
      status: regex("^(PLACED|PAID|REFUNDED)$", "PAID"),
      total_cents: integer(1999),
      lines: eachLike({ sku: string("SKU-1") }),
    }))
  .executeTest(async (m) => {
    const c = m.contents.content;
    const body = typeof c === "string" ? JSON.parse(c) : Buffer.isBuffer(c) ? JSON.parse(c.toString()) : c;
    if (!body.order_id) throw new Error("the handler needs order_id");
  });
