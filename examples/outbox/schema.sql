-- The domain table, the outbox written in the same transaction, and the
-- consumer side's processed_events (idempotency) and failure counts.
CREATE TABLE IF NOT EXISTS orders (
    order_id    text PRIMARY KEY,
    customer_id text NOT NULL,
    total_cents bigint NOT NULL,
    currency    text NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS outbox (
    id             bigserial PRIMARY KEY,
    event_id       uuid NOT NULL UNIQUE,
    event_type     text NOT NULL,
    destination    text NOT NULL,
    msg_key        bytea,
    value          bytea NOT NULL,
    headers        jsonb NOT NULL,
    group_id       text NOT NULL,
    schema_id      bigint NOT NULL,
    correlation_id text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

CREATE TABLE IF NOT EXISTS processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE IF NOT EXISTS consumer_failures (
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    attempts   int NOT NULL,
    last_error text NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- What the example consumer writes: one shipment per placed order.
CREATE TABLE IF NOT EXISTS shipments (
    order_id text PRIMARY KEY,
    event_id uuid NOT NULL
);
