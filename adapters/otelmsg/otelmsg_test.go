package otelmsg_test

import (
	"context"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/wire"
)

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]string {
	m := map[attribute.Key]string{}
	for _, a := range s.Attributes() {
		m[a.Key] = a.Value.String()
	}
	return m
}

func TestSendAndProcessSpansAreLinked(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.NewServer(store, server.ServerOptions{}))
	t.Cleanup(func() { srv.Close(); store.Close() })
	reg, err := wire.NewSRRegistry(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tr := otelmsg.Tracing{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), Propagator: propagation.TraceContext{}}
	p := &wire.Preparer{Registry: reg, AutoRegister: true}

	ctx, span := tr.StartSend(context.Background(), otelmsg.SystemKafka, "orders")
	m, err := tr.Prepare(ctx, span, p, &bundled.V1OrderShipped{OrderID: "o-1", Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "T", PackageWeightG: "1"})
	if err != nil {
		t.Fatal(err)
	}
	otelmsg.End(span, nil)
	if m.Headers.Get("traceparent") == "" {
		t.Fatalf("no traceparent in %v", m.Headers)
	}
	h := append(wire.Headers(nil), m.Headers...)
	cctx, cspan := tr.StartProcess(context.Background(), otelmsg.SystemKafka, "orders", &h)
	otelmsg.SetMessage(cspan, m)
	otelmsg.End(cspan, nil)
	_ = cctx

	ended := rec.Ended()
	if len(ended) != 2 {
		t.Fatalf("%d spans", len(ended))
	}
	send, proc := ended[0], ended[1]
	if send.SpanKind() != trace.SpanKindProducer || proc.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("kinds %v %v", send.SpanKind(), proc.SpanKind())
	}
	if proc.Parent().SpanID() != send.SpanContext().SpanID() || proc.SpanContext().TraceID() != send.SpanContext().TraceID() {
		t.Errorf("the process span is not a child of the send span")
	}
	if l := proc.Links(); len(l) != 1 || l[0].SpanContext.SpanID() != send.SpanContext().SpanID() {
		t.Errorf("links %v", l)
	}
	for _, s := range ended {
		a := attrs(s)
		if a["messaging.message.id"] != m.EventID || a["messaging.message.conversation_id"] != m.CorrelationID ||
			a["messaging.system"] != "kafka" || a["messaging.destination.name"] != "orders" {
			t.Errorf("%s attributes: %v", s.Name(), a)
		}
	}
	if send.Name() != "send orders" || proc.Name() != "process orders" {
		t.Errorf("names %q %q", send.Name(), proc.Name())
	}
}
