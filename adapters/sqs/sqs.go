// Package sqs publishes evctl events to Amazon SQS queues and SNS topics
// with aws-sdk-go-v2, and reads them back from SQS.
//
// SQS and SNS bodies are text: SQS rejects (and some paths silently alter)
// characters outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF, and a Confluent frame starts with a 0x00 byte. So a
// body is never the raw frame. It is either
//   - the JSON payload as text (JSON Schema events, BodyJSON), with the
//     schema id in the evctl-schema-id attribute, or
//   - the whole frame in standard base64 (BodyBase64; the default for Avro).
//
// The evctl-body attribute says which. The other attributes are the
// message's headers (evctl-event-type, evctl-schema-id, evctl-event-id,
// evctl-correlation-id, content-type, traceparent, tracestate), at most 10,
// SQS's limit. For FIFO queues and topics (names ending in .fifo) the
// message group id is the event's entity id (wire.Message.GroupID) and the
// deduplication id its event id, so a retried publish within the five
// minute deduplication interval is delivered once.
//
// It is its own module, so the core evctl module does not depend on the
// AWS SDK.
package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evctl/evctl/adapters/otelmsg"
	"github.com/evctl/evctl/wire"
)

// Body chooses how a message body carries the event.
type Body int

const (
	// BodyAuto: BodyJSON for JSON Schema events, BodyBase64 for Avro.
	BodyAuto Body = iota
	// BodyJSON: the JSON payload as text; refused for Avro events.
	BodyJSON
	// BodyBase64: the whole Confluent frame in standard base64.
	BodyBase64
)

// AttrBody is the attribute naming the body encoding: "json" or "base64-frame".
const AttrBody = "evctl-body"

// MaxAttributes is the SQS and SNS limit of message attributes.
const MaxAttributes = 10

// ErrBody: a body or an attribute that SQS or SNS would reject or alter.
var ErrBody = errors.New("not sendable as an SQS/SNS message")

// Options tune the publishers.
type Options struct {
	Body    Body
	Tracing otelmsg.Tracing
}

// Encoded is a message as SQS or SNS take it.
type Encoded struct {
	Body       string
	Attributes map[string]string
	// GroupID and DedupID are set for FIFO destinations only.
	GroupID, DedupID string
}

// Encode returns the body and attributes of m for a destination; fifo
// adds the group and deduplication ids.
func Encode(m *wire.Message, body Body, fifo bool) (*Encoded, error) {
	if body == BodyAuto {
		body = BodyBase64
		if m.ContentType == wire.ContentTypeJSON {
			body = BodyJSON
		}
	}
	e := &Encoded{Attributes: make(map[string]string, len(m.Headers)+1)}
	switch body {
	case BodyJSON:
		if m.ContentType != wire.ContentTypeJSON {
			return nil, fmt.Errorf("%s %s: %w: a %s payload is binary; use BodyBase64", m.EventType, m.EventID, ErrBody, m.ContentType)
		}
		e.Body = string(m.Payload())
		e.Attributes[AttrBody] = "json"
	case BodyBase64:
		e.Body = base64.StdEncoding.EncodeToString(m.Value)
		e.Attributes[AttrBody] = "base64-frame"
	default:
		return nil, fmt.Errorf("unknown body encoding %d", body)
	}
	if err := CheckText(e.Body); err != nil {
		return nil, fmt.Errorf("%s %s: body: %w", m.EventType, m.EventID, err)
	}
	for _, h := range m.Headers {
		if err := checkAttrName(h.Key); err != nil {
			return nil, fmt.Errorf("%s %s: %w", m.EventType, m.EventID, err)
		}
		if err := CheckText(h.Value); err != nil || h.Value == "" {
			return nil, fmt.Errorf("%s %s: attribute %s: %w: %q", m.EventType, m.EventID, h.Key, ErrBody, h.Value)
		}
		e.Attributes[h.Key] = h.Value
	}
	if len(e.Attributes) > MaxAttributes {
		return nil, fmt.Errorf("%s %s: %w: %d message attributes, the limit is %d", m.EventType, m.EventID, ErrBody, len(e.Attributes), MaxAttributes)
	}
	if fifo {
		if err := checkFIFOID(m.GroupID); err != nil {
			return nil, fmt.Errorf("%s %s: message group id: %w", m.EventType, m.EventID, err)
		}
		if err := checkFIFOID(m.DedupID); err != nil {
			return nil, fmt.Errorf("%s %s: deduplication id: %w", m.EventType, m.EventID, err)
		}
		e.GroupID, e.DedupID = m.GroupID, m.DedupID
	}
	return e, nil
}

// CheckText returns an error wrapping ErrBody when s holds a character
// SQS does not accept in a body or attribute value.
func CheckText(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return fmt.Errorf("%w: invalid UTF-8 at byte %d", ErrBody, i)
			}
		}
		if !(r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)) {
			return fmt.Errorf("%w: character %U at byte %d (a raw binary frame?)", ErrBody, r, i)
		}
	}
	return nil
}

func checkAttrName(k string) error {
	lk := strings.ToLower(k)
	if k == "" || len(k) > 256 || strings.HasPrefix(lk, "aws.") || strings.HasPrefix(lk, "amazon.") || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return fmt.Errorf("%w: attribute name %q", ErrBody, k)
	}
	for _, c := range k {
		if !(c == '-' || c == '_' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return fmt.Errorf("%w: attribute name %q", ErrBody, k)
		}
	}
	return nil
}

// checkFIFOID: 1 to 128 characters, alphanumeric or punctuation.
func checkFIFOID(s string) error {
	if s == "" || len(s) > 128 {
		return fmt.Errorf("%w: %q must be 1 to 128 characters", ErrBody, s)
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("%w: %q holds %q; only alphanumerics and punctuation are allowed", ErrBody, s, c)
		}
	}
	return nil
}

func isFIFO(nameOrURL string) bool { return strings.HasSuffix(nameOrURL, ".fifo") }

// QueuePublisher sends events to one SQS queue.
type QueuePublisher struct {
	Client   *sqs.Client
	QueueURL string
	Preparer *wire.Preparer
	Options  Options
}

// Publish prepares ev under a producer span and sends it. It returns the
// message sent and the SQS message id.
func (p *QueuePublisher) Publish(ctx context.Context, ev wire.Event) (*wire.Message, string, error) {
	return p.dest().publish(ctx, p.Preparer, ev)
}

// Send sends a message prepared earlier (an outbox relay).
func (p *QueuePublisher) Send(ctx context.Context, m *wire.Message) (string, error) {
	return p.dest().sendPrepared(ctx, m)
}

func (p *QueuePublisher) dest() destination {
	return destination{system: otelmsg.SystemSQS, name: queueName(p.QueueURL), target: p.QueueURL, verb: "send", options: &p.Options,
		send: func(ctx context.Context, e *Encoded) (*string, error) {
			in := &sqs.SendMessageInput{QueueUrl: aws.String(p.QueueURL), MessageBody: aws.String(e.Body),
				MessageAttributes: make(map[string]sqstypes.MessageAttributeValue, len(e.Attributes))}
			for k, v := range e.Attributes {
				in.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
			}
			if e.GroupID != "" {
				in.MessageGroupId, in.MessageDeduplicationId = aws.String(e.GroupID), aws.String(e.DedupID)
			}
			out, err := p.Client.SendMessage(ctx, in)
			if err != nil {
				return nil, err
			}
			return out.MessageId, nil
		}}
}

// TopicPublisher publishes events to one SNS topic.
type TopicPublisher struct {
	Client   *sns.Client
	TopicARN string
	Preparer *wire.Preparer
	Options  Options
}

// Publish prepares ev under a producer span and publishes it. It returns
// the message sent and the SNS message id.
func (p *TopicPublisher) Publish(ctx context.Context, ev wire.Event) (*wire.Message, string, error) {
	return p.dest().publish(ctx, p.Preparer, ev)
}

// Send publishes a message prepared earlier (an outbox relay).
func (p *TopicPublisher) Send(ctx context.Context, m *wire.Message) (string, error) {
	return p.dest().sendPrepared(ctx, m)
}

func (p *TopicPublisher) dest() destination {
	return destination{system: otelmsg.SystemSNS, name: topicName(p.TopicARN), target: p.TopicARN, verb: "publish", options: &p.Options,
		send: func(ctx context.Context, e *Encoded) (*string, error) {
			in := &sns.PublishInput{TopicArn: aws.String(p.TopicARN), Message: aws.String(e.Body),
				MessageAttributes: make(map[string]snstypes.MessageAttributeValue, len(e.Attributes))}
			for k, v := range e.Attributes {
				in.MessageAttributes[k] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
			}
			if e.GroupID != "" {
				in.MessageGroupId, in.MessageDeduplicationId = aws.String(e.GroupID), aws.String(e.DedupID)
			}
			out, err := p.Client.Publish(ctx, in)
			if err != nil {
				return nil, err
			}
			return out.MessageId, nil
		}}
}

// destination is what a queue and a topic publisher share: the span, the
// encoding and the error; only the SDK call (send) differs.
type destination struct {
	system  string // otelmsg.SystemSQS or otelmsg.SystemSNS
	name    string // queue or topic name, for spans
	target  string // queue URL or topic ARN
	verb    string // "send" or "publish", for errors
	options *Options
	send    func(ctx context.Context, e *Encoded) (*string, error)
}

// publish prepares ev under a producer span and delivers it.
func (d destination) publish(ctx context.Context, prep *wire.Preparer, ev wire.Event) (*wire.Message, string, error) {
	ctx, span := d.options.Tracing.StartSend(ctx, d.system, d.name)
	m, err := d.options.Tracing.Prepare(ctx, span, prep, ev)
	if err != nil {
		otelmsg.End(span, err)
		return nil, "", err
	}
	id, err := d.deliver(ctx, m)
	otelmsg.End(span, err)
	return m, id, err
}

// sendPrepared delivers a message prepared earlier under a producer span,
// injecting the trace context when the message carries none.
func (d destination) sendPrepared(ctx context.Context, m *wire.Message) (string, error) {
	ctx, span := d.options.Tracing.StartSend(ctx, d.system, d.name)
	otelmsg.SetMessage(span, m)
	if m.Headers.Get(wire.HeaderTraceparent) == "" {
		d.options.Tracing.Inject(ctx, &m.Headers)
	}
	id, err := d.deliver(ctx, m)
	otelmsg.End(span, err)
	return id, err
}

func (d destination) deliver(ctx context.Context, m *wire.Message) (string, error) {
	e, err := Encode(m, d.options.Body, isFIFO(d.target))
	if err != nil {
		return "", err
	}
	id, err := d.send(ctx, e)
	if err != nil {
		return "", fmt.Errorf("%s %s %s to %s: %w", d.verb, m.EventType, m.EventID, d.target, err)
	}
	return aws.ToString(id), nil
}

func queueName(url string) string {
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		return url[i+1:]
	}
	return url
}

func topicName(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// snsEnvelope is the body SNS delivers to an SQS queue without raw message
// delivery.
type snsEnvelope struct {
	Type              string
	MessageId         string
	TopicArn          string
	Message           string
	MessageAttributes map[string]struct{ Type, Value string }
}

// Message returns the wire.Message of a received SQS message: the body
// decoded as its evctl-body attribute says, the attributes as headers. A
// message delivered by SNS without raw message delivery is unwrapped from
// the SNS envelope first.
func Message(msg sqstypes.Message) (*wire.Message, error) {
	body := aws.ToString(msg.Body)
	attrs := map[string]string{}
	for k, v := range msg.MessageAttributes {
		attrs[k] = aws.ToString(v.StringValue)
	}
	if _, ok := attrs[AttrBody]; !ok && strings.HasPrefix(strings.TrimSpace(body), "{") {
		var env snsEnvelope
		if json.Unmarshal([]byte(body), &env) == nil && env.Type == "Notification" && env.TopicArn != "" {
			body = env.Message
			for k, v := range env.MessageAttributes {
				attrs[k] = v.Value
			}
		}
	}
	m := &wire.Message{}
	for k, v := range attrs {
		if k != AttrBody {
			m.Headers = append(m.Headers, wire.Header{Key: k, Value: v})
		}
	}
	switch attrs[AttrBody] {
	case "json":
		id, err := strconv.ParseUint(attrs[wire.HeaderSchemaID], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w: a JSON body needs a numeric %s attribute, got %q", aws.ToString(msg.MessageId), wire.ErrBadFrame, wire.HeaderSchemaID, attrs[wire.HeaderSchemaID])
		}
		m.Value = append(wire.AppendHeader(make([]byte, 0, wire.HeaderSize+len(body)), uint32(id)), body...)
	case "base64-frame":
		v, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w: base64 body: %w", aws.ToString(msg.MessageId), wire.ErrBadFrame, err)
		}
		m.Value = v
	default:
		return nil, fmt.Errorf("message %s: %w: no %s attribute (json or base64-frame); was it published by evctl?", aws.ToString(msg.MessageId), wire.ErrBadFrame, AttrBody)
	}
	m.EventType = m.Headers.Get(wire.HeaderEventType)
	m.ContentType = m.Headers.Get(wire.HeaderContentType)
	m.GroupID = msg.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
	return m, nil
}

// Consumer receives from one SQS queue, decodes, runs a handler at most
// once per event and deletes what it handled.
type Consumer struct {
	Client     *sqs.Client
	QueueURL   string
	Decoder    *wire.Decoder
	Idempotent *wire.IdempotentConsumer
	Tracing    otelmsg.Tracing
}

// ReceiveInput is the ReceiveMessage request Consumer uses: every message
// attribute, and the system attributes (group id, receive count).
func (c *Consumer) ReceiveInput(max int32, waitSeconds int32) *sqs.ReceiveMessageInput {
	return &sqs.ReceiveMessageInput{QueueUrl: aws.String(c.QueueURL), MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}}
}

// Process decodes msg and runs fn under a consumer span linked to the
// producer span, then deletes msg unless the outcome is Retry (the queue
// redelivers it after its visibility timeout; a redrive policy on the
// queue is the broker-side dead-letter route).
func (c *Consumer) Process(ctx context.Context, msg sqstypes.Message, fn func(ctx context.Context, ev wire.Event) error) (wire.Outcome, error) {
	m, err := Message(msg)
	if err != nil {
		return wire.Retry, err
	}
	ctx, span := c.Tracing.StartProcess(ctx, otelmsg.SystemSQS, queueName(c.QueueURL), &m.Headers)
	o, err := c.process(ctx, m, fn)
	otelmsg.SetMessage(span, m)
	if o != wire.Retry {
		if _, derr := c.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(c.QueueURL), ReceiptHandle: msg.ReceiptHandle}); derr != nil && err == nil {
			err = fmt.Errorf("delete %s: %w", m.EventID, derr)
		}
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
