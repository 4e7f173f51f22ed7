// Package otelmsg is the OpenTelemetry glue of the broker adapters: it
// injects and extracts W3C trace context (traceparent, tracestate) through
// the caller's propagator into wire.Headers, and starts producer ("send")
// and consumer ("process") spans with the attributes of the OpenTelemetry
// messaging semantic conventions: messaging.system,
// messaging.operation.name and .type, messaging.destination.name,
// messaging.message.id (the event id) and messaging.message.conversation_id
// (the correlation id). A consumer span is a child of the producer span
// carried by the message and links to it, so a trace shows both.
//
// It is its own module so that the core evctl module does not depend on
// OpenTelemetry; only the adapters (each its own module too) import it.
package otelmsg

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/evctl/evctl/wire"
)

// ScopeName is the instrumentation scope of the adapters' spans.
const ScopeName = "github.com/evctl/evctl/adapters"

// Messaging systems, as the semantic conventions name them.
const (
	SystemKafka = "kafka"
	SystemNATS  = "nats"
	SystemSQS   = "aws_sqs"
	SystemSNS   = "aws_sns"
)

// Tracing holds the tracer and propagator of an adapter. The zero value
// uses the global tracer provider and propagator (otel.SetTracerProvider,
// otel.SetTextMapPropagator).
type Tracing struct {
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
}

func (t Tracing) tracer() trace.Tracer {
	tp := t.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(ScopeName)
}

func (t Tracing) propagator() propagation.TextMapPropagator {
	if t.Propagator != nil {
		return t.Propagator
	}
	return otel.GetTextMapPropagator()
}

// Inject writes the trace context of ctx into h.
func (t Tracing) Inject(ctx context.Context, h *wire.Headers) {
	t.propagator().Inject(ctx, h)
}

// Extract returns ctx with the trace context carried by h.
func (t Tracing) Extract(ctx context.Context, h *wire.Headers) context.Context {
	return t.propagator().Extract(ctx, h)
}

// StartSend starts the producer span of one message to destination.
func (t Tracing) StartSend(ctx context.Context, system, destination string) (context.Context, trace.Span) {
	return t.tracer().Start(ctx, "send "+destination, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", system),
			attribute.String("messaging.operation.name", "send"),
			attribute.String("messaging.operation.type", "send"),
			attribute.String("messaging.destination.name", destination),
		))
}

// Prepare is what an adapter's Publish does between StartSend and the
// broker call: prepare the event under the send span, inject that span's
// trace context, and set the message attributes on the span.
func (t Tracing) Prepare(ctx context.Context, span trace.Span, p *wire.Preparer, ev wire.Event) (*wire.Message, error) {
	m, err := p.Prepare(ctx, ev)
	if err != nil {
		return nil, err
	}
	t.Inject(ctx, &m.Headers)
	SetMessage(span, m)
	return m, nil
}

// SetDestination names the destination of a send span started before it
// was known (the topic can depend on the prepared message).
func SetDestination(span trace.Span, destination string) {
	span.SetName("send " + destination)
	span.SetAttributes(attribute.String("messaging.destination.name", destination))
}

// SetMessage sets the message attributes of m on span.
func SetMessage(span trace.Span, m *wire.Message) {
	attrs := []attribute.KeyValue{
		attribute.String("messaging.message.id", m.EventID),
		attribute.String("messaging.message.conversation_id", m.CorrelationID),
		attribute.Int("messaging.message.body.size", len(m.Value)),
		attribute.String("evctl.event_type", m.EventType),
		attribute.Int64("evctl.schema_id", int64(m.SchemaID)),
	}
	span.SetAttributes(attrs...)
}

// End ends span, recording err when it is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// StartProcess starts the consumer span of a received message: a child of
// the producer span whose context the message carries, with a link to it.
// Call SetMessage once the message is decoded.
func (t Tracing) StartProcess(ctx context.Context, system, destination string, h *wire.Headers) (context.Context, trace.Span) {
	pctx := t.Extract(ctx, h)
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", system),
			attribute.String("messaging.operation.name", "process"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", destination),
		)}
	if sc := trace.SpanContextFromContext(pctx); sc.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
	}
	return t.tracer().Start(pctx, "process "+destination, opts...)
}
