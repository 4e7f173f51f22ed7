// Package outbox is the playbook's Day 2 and 3 end to end, on PostgreSQL
// and NATS JetStream:
//
//   - PlaceOrder writes the order and its v1.OrderPlaced event into the
//     outbox table in one transaction. The event is prepared (envelope
//     filled once, validated, framed) before the commit, so an invalid
//     event aborts the domain write too.
//   - Relay publishes unpublished outbox rows through the NATS adapter
//     and marks them published. A crash between the publish and the mark
//     republishes the same message: same event id, so JetStream drops it
//     (Nats-Msg-Id) and consumers skip it (processed_events).
//   - Store is a wire.ProcessedStore on a processed_events table: the
//     consumer's own writes and the processed mark commit together, so a
//     redelivered event is never handled twice; Failed counts attempts for
//     the dead-letter route of wire.IdempotentConsumer.
package outbox

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	evnats "github.com/evctl/evctl/adapters/nats"
	"github.com/evctl/evctl/wire"
)

// Schema creates the tables (idempotent).
//
//go:embed schema.sql
var Schema string

// Order is the domain write.
type Order struct {
	OrderID, CustomerID string
	TotalCents          int64
	Currency            string
}

// PlaceOrder inserts the order and the outbox row of its event in one
// transaction. ev is the event to publish (its envelope is filled here);
// destination is the subject the relay publishes it to.
func PlaceOrder(ctx context.Context, db *pgxpool.Pool, p *wire.Preparer, o Order, ev wire.Event, destination string) (*wire.Message, error) {
	m, err := p.Prepare(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("place order %s: %w", o.OrderID, err)
	}
	headers, err := json.Marshal(m.Headers)
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO orders (order_id, customer_id, total_cents, currency) VALUES ($1, $2, $3, $4)`,
			o.OrderID, o.CustomerID, o.TotalCents, o.Currency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO outbox (event_id, event_type, destination, msg_key, value, headers, group_id, schema_id, correlation_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.EventID, m.EventType, destination, m.Key, m.Value, headers, m.GroupID, int64(m.SchemaID), m.CorrelationID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("place order %s: %w", o.OrderID, err)
	}
	return m, nil
}

// Sender publishes a prepared message (the NATS adapter's Producer.Send).
type Sender interface {
	Send(ctx context.Context, subject string, m *wire.Message) (*evnats.Result, error)
}

// Relay publishes the outbox.
type Relay struct {
	DB     *pgxpool.Pool
	Sender Sender
	// Batch is the most rows one Once publishes (default 100).
	Batch int
}

// Once publishes up to Batch unpublished rows, oldest first, and marks them
// published in the same transaction that locked them (FOR UPDATE SKIP
// LOCKED, so several relays can run). It returns how many it published and
// how many of those the broker reported as duplicates.
func (r *Relay) Once(ctx context.Context) (published, duplicates int, err error) {
	batch := r.Batch
	if batch <= 0 {
		batch = 100
	}
	err = pgx.BeginFunc(ctx, r.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, event_id::text, event_type, destination, msg_key, value, headers, group_id, schema_id, correlation_id
			FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, batch)
		if err != nil {
			return err
		}
		type row struct {
			id   int64
			dest string
			m    *wire.Message
		}
		var todo []row
		for rows.Next() {
			var rw row
			var headers []byte
			var schemaID int64
			m := &wire.Message{}
			if err := rows.Scan(&rw.id, &m.EventID, &m.EventType, &rw.dest, &m.Key, &m.Value, &headers, &m.GroupID, &schemaID, &m.CorrelationID); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal(headers, &m.Headers); err != nil {
				rows.Close()
				return fmt.Errorf("outbox row %d: headers: %w", rw.id, err)
			}
			m.SchemaID, m.DedupID = uint32(schemaID), m.EventID
			rw.m = m
			todo = append(todo, rw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, rw := range todo {
			res, err := r.Sender.Send(ctx, rw.dest, rw.m)
			if err != nil {
				return fmt.Errorf("relay outbox row %d: %w", rw.id, err)
			}
			if res.Duplicate {
				duplicates++
			}
			if _, err := tx.Exec(ctx, `UPDATE outbox SET published_at = now() WHERE id = $1`, rw.id); err != nil {
				return err
			}
			published++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return published, duplicates, nil
}

type txKey struct{}

// Tx returns the transaction Store.Process runs the handler in: write
// through it so the handler's effects and the processed mark commit
// together.
func Tx(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

// Store is a wire.ProcessedStore on the processed_events table, for one
// consumer (several consumers of the same event keep separate marks).
type Store struct {
	DB       *pgxpool.Pool
	Consumer string
}

// Process implements wire.ProcessedStore: in one transaction it inserts the
// processed mark (a conflict means the event was processed: nothing runs),
// runs fn with the transaction in its context, and commits.
func (s *Store) Process(ctx context.Context, eventID string, fn func(context.Context) error) (ran bool, err error) {
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, s.Consumer, eventID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errDuplicate
		}
		if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
			return err
		}
		ran = true
		return nil
	})
	if errors.Is(err, errDuplicate) {
		return false, nil
	}
	return ran, err
}

var errDuplicate = errors.New("duplicate")

// Failed implements wire.ProcessedStore.
func (s *Store) Failed(ctx context.Context, eventID string, cause error) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `INSERT INTO consumer_failures (consumer, event_id, attempts, last_error) VALUES ($1, $2, 1, $3)
		ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = consumer_failures.attempts + 1, last_error = EXCLUDED.last_error
		RETURNING attempts`, s.Consumer, eventID, cause.Error()).Scan(&n)
	return n, err
}
