package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/evctl/evctl/wire"
)

// Broker is where frames go: a Kafka producer in production (for example a
// franz-go or confluent-kafka-go client behind this one method).
type Broker interface {
	Publish(ctx context.Context, topic string, key, value []byte) error
}

type correlationKey struct{}

// WithCorrelationID returns a context carrying the correlation id that the
// events published under it will carry.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// CorrelationID returns the correlation id of ctx, or a new one when ctx
// has none (a new causal chain starts here).
func CorrelationID(ctx context.Context) string {
	if id, ok := ctx.Value(correlationKey{}).(string); ok && id != "" {
		return id
	}
	return NewEventID()
}

// NewEventID returns a random (version 4) UUID. Every event gets one when it
// is created, never when it is retried: consumers deduplicate on it, so a
// retried publish of the same event stays idempotent.
func NewEventID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Publisher validates, encodes and frames events through the wire runtime
// and hands them to a Broker. Schema ids are resolved once per event type.
type Publisher struct {
	Registry wire.Registry
	Broker   Broker
	// Topic maps an event to its topic.
	Topic func(wire.Event) string
	// AutoRegister registers unknown schemas (exact source text). Off by
	// default: schemas are normally pushed by `evctl registry push` in CI.
	AutoRegister bool

	mu   sync.Mutex
	sers map[string]*wire.Serializer
}

func (p *Publisher) serializer(ctx context.Context, ev wire.Event) (*wire.Serializer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sers[ev.EventType()]; ok {
		return s, nil
	}
	s, err := wire.NewSerializer(ctx, p.Registry, ev, wire.SerializerOptions{AutoRegister: p.AutoRegister})
	if err != nil {
		return nil, err
	}
	if p.sers == nil {
		p.sers = map[string]*wire.Serializer{}
	}
	p.sers[ev.EventType()] = s
	return s, nil
}

// Publish sends one event. key is the partitioning key (e.g. the order id).
// An invalid event is not sent; the error wraps wire.ErrInvalidEvent.
func (p *Publisher) Publish(ctx context.Context, key string, ev wire.Event) error {
	s, err := p.serializer(ctx, ev)
	if err != nil {
		return fmt.Errorf("publish %s: %w", ev.EventType(), err)
	}
	bp := wire.Buffers.Get()
	defer wire.Buffers.Put(bp)
	frame, err := s.Append(*bp, ev)
	if err != nil {
		return fmt.Errorf("publish %s: %w", ev.EventType(), err)
	}
	*bp = frame
	topic := ev.EventType()
	if p.Topic != nil {
		topic = p.Topic(ev)
	}
	// The broker must copy or send value before returning: the buffer is reused.
	if err := p.Broker.Publish(ctx, topic, []byte(key), frame); err != nil {
		return fmt.Errorf("publish %s to %s: %w", ev.EventType(), topic, err)
	}
	return nil
}
