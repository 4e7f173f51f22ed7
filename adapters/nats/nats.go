// Package nats publishes evctl events to NATS JetStream with nats.go, and
// reads them back.
//
// The message data is the Confluent frame; the headers are the evctl-*
// headers, content-type, the W3C trace context and Nats-Msg-Id = event_id,
// JetStream's deduplication key: within the stream's duplicate window
// (Duplicates in the stream config, two minutes by default) the same event
// published twice is stored once, and the second publish is acknowledged
// as a duplicate, which Publish reports (Result.Duplicate). Consumers dedupe
// by event_id on top (wire.IdempotentConsumer), for redeliveries and for
// publishes outside the window.
//
// It is its own module, so the core evctl module does not depend on nats.go.
package nats

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/wire"
)

// Options tune NewProducer.
type Options struct {
	// Subject returns the subject of a message (default: its event type,
	// e.g. "v1.OrderPlaced").
	Subject func(m *wire.Message) string
	Tracing otelmsg.Tracing
}

// Producer publishes events to JetStream.
type Producer struct {
	js       jetstream.JetStream
	preparer *wire.Preparer
	opts     Options
}

// NewProducer returns a Producer publishing through js.
func NewProducer(js jetstream.JetStream, p *wire.Preparer, opts Options) *Producer {
	return &Producer{js: js, preparer: p, opts: opts}
}

// Result is the acknowledgement of a publish.
type Result struct {
	Message *wire.Message
	Stream  string
	Seq     uint64
	// Duplicate: JetStream already held a message with this event id
	// (Nats-Msg-Id) and did not store it again.
	Duplicate bool
}

// Publish prepares ev under a producer span, publishes it and waits for
// the stream's acknowledgement.
func (p *Producer) Publish(ctx context.Context, ev wire.Event) (*Result, error) {
	ctx, span := p.opts.Tracing.StartSend(ctx, otelmsg.SystemNATS, ev.EventType())
	m, err := p.opts.Tracing.Prepare(ctx, span, p.preparer, ev)
	if err != nil {
		otelmsg.End(span, err)
		return nil, err
	}
	subj := m.EventType
	if p.opts.Subject != nil {
		subj = p.opts.Subject(m)
	}
	otelmsg.SetDestination(span, subj)
	res, err := p.send(ctx, subj, m)
	if res != nil && res.Duplicate {
		span.AddEvent("duplicate")
	}
	otelmsg.End(span, err)
	return res, err
}

// Send publishes a message prepared earlier (an outbox relay) to subject.
func (p *Producer) Send(ctx context.Context, subject string, m *wire.Message) (*Result, error) {
	ctx, span := p.opts.Tracing.StartSend(ctx, otelmsg.SystemNATS, subject)
	otelmsg.SetMessage(span, m)
	if m.Headers.Get(wire.HeaderTraceparent) == "" {
		p.opts.Tracing.Inject(ctx, &m.Headers)
	}
	res, err := p.send(ctx, subject, m)
	otelmsg.End(span, err)
	return res, err
}

func (p *Producer) send(ctx context.Context, subject string, m *wire.Message) (*Result, error) {
	ack, err := p.js.PublishMsg(ctx, Msg(subject, m), jetstream.WithMsgID(m.EventID))
	if err != nil {
		return nil, fmt.Errorf("publish %s %s to %s: %w", m.EventType, m.EventID, subject, err)
	}
	return &Result{Message: m, Stream: ack.Stream, Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// Msg returns the NATS message of m (without Nats-Msg-Id, which Publish
// sets from m.EventID).
func Msg(subject string, m *wire.Message) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = m.Value
	for _, h := range m.Headers {
		msg.Header.Add(h.Key, h.Value)
	}
	return msg
}

// Message returns the wire.Message of a received NATS message.
func Message(msg *nats.Msg) *wire.Message {
	m := &wire.Message{Value: msg.Data}
	for k, vs := range msg.Header {
		if k == jetstream.MsgIDHeader {
			continue
		}
		for _, v := range vs {
			m.Headers = append(m.Headers, wire.Header{Key: k, Value: v})
		}
	}
	m.EventType = m.Headers.Get(wire.HeaderEventType)
	m.ContentType = m.Headers.Get(wire.HeaderContentType)
	return m
}

// Consumer decodes JetStream messages, runs a handler at most once per
// event and acknowledges.
type Consumer struct {
	Decoder    *wire.Decoder
	Idempotent *wire.IdempotentConsumer
	Tracing    otelmsg.Tracing
}

// Process decodes msg and runs fn under a consumer span linked to the
// producer span, then acknowledges msg (Processed, Duplicate,
// DeadLettered) or asks for a redelivery (Nak, on Retry).
func (c *Consumer) Process(ctx context.Context, msg jetstream.Msg, fn func(ctx context.Context, ev wire.Event) error) (wire.Outcome, error) {
	m := Message(&nats.Msg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()})
	ctx, span := c.Tracing.StartProcess(ctx, otelmsg.SystemNATS, msg.Subject(), &m.Headers)
	o, err := c.process(ctx, m, fn)
	otelmsg.SetMessage(span, m)
	var ackErr error
	if o == wire.Retry {
		ackErr = msg.Nak()
	} else {
		ackErr = msg.Ack()
	}
	if ackErr != nil && err == nil {
		err = fmt.Errorf("acknowledge %s: %w", m.EventID, ackErr)
	}
	otelmsg.End(span, err)
	return o, err
}

func (c *Consumer) process(ctx context.Context, m *wire.Message, fn func(ctx context.Context, ev wire.Event) error) (wire.Outcome, error) {
	d := *c.Decoder
	d.Extract = nil // StartProcess extracted the trace context; ctx holds the consumer span
	ev, ctx, err := d.Decode(ctx, m)
	if err != nil {
		return wire.Retry, err
	}
	run := func(ctx context.Context) error { return fn(ctx, ev) }
	if c.Idempotent == nil {
		if err := run(ctx); err != nil {
			return wire.Retry, err
		}
		return wire.Processed, nil
	}
	return c.Idempotent.Handle(ctx, m, run)
}
