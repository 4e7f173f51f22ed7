package kafka_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/evctl/evctl/adapters/kafka"
	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/internal/codegen/gentest/bundled"
	"github.com/evctl/evctl/internal/testreg"
	"github.com/evctl/evctl/wire"
)

const topic = "orders"

func cluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func client(t *testing.T, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func shipped() *bundled.V1OrderShipped {
	return &bundled.V1OrderShipped{OrderID: "ord-7", Carrier: bundled.V1OrderShippedCarrierDhl, TrackingNumber: "JD1", PackageWeightG: "900"}
}

// records reads every record of the topic from the start.
func records(t *testing.T, c *kfake.Cluster) []*kgo.Record {
	t.Helper()
	cl := client(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Timestamp = -1
	rt.Partitions = append(rt.Partitions, rp)
	adm.Topics = append(adm.Topics, rt)
	resp, err := adm.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	end := resp.Topics[0].Partitions[0].Offset
	var out []*kgo.Record
	for int64(len(out)) < end {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// TestRetriedProduceIsWrittenOnce: the broker appends the batch but answers
// NOT_ENOUGH_REPLICAS_AFTER_APPEND, so the client retries the same batch.
// The idempotent producer's sequence numbers make the broker drop the
// retry: one log entry. With idempotence disabled (forced) the same fault
// writes the event twice, which is why NewProducer refuses that client.
func TestRetriedProduceIsWrittenOnce(t *testing.T) {
	for _, idem := range []bool{true, false} {
		name := map[bool]string{true: "idempotent", false: "forced-non-idempotent"}[idem]
		t.Run(name, func(t *testing.T) {
			c := cluster(t)
			var opts []kgo.Opt
			if !idem {
				opts = append(opts, kgo.DisableIdempotentWrite())
			}
			cl := client(t, c, opts...)
			_, reg := testreg.Server(t)
			p, err := kafka.NewProducer(cl, &wire.Preparer{Registry: reg, AutoRegister: true},
				kafka.Options{Topic: func(*wire.Message) string { return topic }, AllowNonIdempotent: !idem})
			if err != nil {
				t.Fatal(err)
			}
			fh := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.NotEnoughReplicasAfterAppend})
			m, err := p.Publish(context.Background(), shipped())
			if err != nil {
				t.Fatal(err)
			}
			if fh.Hits() != 1 {
				t.Fatalf("the fault was hit %d times, want 1", fh.Hits())
			}
			rs := records(t, c)
			want := 1
			if !idem {
				want = 2
			}
			if len(rs) != want {
				t.Fatalf("%d records in the log, want %d", len(rs), want)
			}
			r := rs[0]
			if string(r.Key) != "ord-7" || string(r.Value) != string(m.Value) {
				t.Errorf("record key %q value %x", r.Key, r.Value)
			}
			got := kafka.Message(r)
			for _, h := range []string{wire.HeaderEventID, wire.HeaderEventType, wire.HeaderSchemaID, wire.HeaderCorrelationID, wire.HeaderContentType} {
				if got.Headers.Get(h) != m.Headers.Get(h) || got.Headers.Get(h) == "" {
					t.Errorf("header %s = %q, sent %q", h, got.Headers.Get(h), m.Headers.Get(h))
				}
			}
		})
	}
}

func TestRefusesNonIdempotentClient(t *testing.T) {
	c := cluster(t)
	cl := client(t, c, kgo.DisableIdempotentWrite())
	if _, err := kafka.NewProducer(cl, &wire.Preparer{}, kafka.Options{}); !errors.Is(err, kafka.ErrNotIdempotent) {
		t.Errorf("NewProducer = %v, want ErrNotIdempotent", err)
	}
}

// TestConsumeLinkedAndOnce: producer and consumer spans are linked through
// the record headers, and a redelivered record runs the handler once.
func TestConsumeLinkedAndOnce(t *testing.T) {
	c := cluster(t)
	_, reg := testreg.Server(t)
	rec := tracetest.NewSpanRecorder()
	tr := otelmsg.Tracing{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), Propagator: propagation.TraceContext{}}
	p, err := kafka.NewProducer(client(t, c), &wire.Preparer{Registry: reg, AutoRegister: true},
		kafka.Options{Topic: func(*wire.Message) string { return topic }, Tracing: tr})
	if err != nil {
		t.Fatal(err)
	}
	ev := shipped()
	ctx := wire.WithCorrelationID(context.Background(), "chain-1")
	m, err := p.Publish(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	// The publisher retries after a timeout it could not tell from a
	// failure: the same event object, so the same event id.
	if _, err := p.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	rs := records(t, c)
	if len(rs) != 2 {
		t.Fatalf("%d records", len(rs))
	}
	cons := &kafka.Consumer{
		Decoder:    &wire.Decoder{Deserializer: wire.NewDeserializer(reg), New: func(s string) wire.Event { return bundled.NewEvent(s) }},
		Idempotent: &wire.IdempotentConsumer{Store: &wire.MemoryStore{}},
		Tracing:    tr,
	}
	var handled []string
	for i, r := range rs {
		o, err := cons.Process(context.Background(), r, func(ctx context.Context, ev wire.Event) error {
			corr, _ := wire.CorrelationIDFrom(ctx)
			handled = append(handled, ev.(*bundled.V1OrderShipped).OrderID+" "+corr)
			return nil
		})
		want := []wire.Outcome{wire.Processed, wire.Duplicate}[i]
		if o != want || err != nil {
			t.Errorf("record %d: %v %v, want %v", i, o, err, want)
		}
	}
	if len(handled) != 1 || handled[0] != "ord-7 chain-1" {
		t.Errorf("handled %q", handled)
	}
	var sends, procs []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "send " + topic:
			sends = append(sends, s)
		case "process " + topic:
			procs = append(procs, s)
		}
	}
	if len(sends) != 2 || len(procs) != 2 {
		t.Fatalf("%d send and %d process spans", len(sends), len(procs))
	}
	for i := range procs {
		if procs[i].Parent().SpanID() != sends[i].SpanContext().SpanID() || len(procs[i].Links()) != 1 ||
			procs[i].Links()[0].SpanContext.SpanID() != sends[i].SpanContext().SpanID() {
			t.Errorf("process span %d is not linked to its send span", i)
		}
	}
	for _, a := range sends[0].Attributes() {
		if a.Key == "messaging.message.id" && a.Value.AsString() != m.EventID {
			t.Errorf("messaging.message.id = %q", a.Value.AsString())
		}
	}
}
