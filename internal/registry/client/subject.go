package client

import (
	"fmt"
	"sort"
	"strings"
)

// Subject name strategies (registry.subject_strategy in evctl.yaml).
const (
	// StrategyEventType, evctl's own and its default, names the subject
	// after the event type: v1.OrderPlaced (billing/v1.OrderPlaced in a domain).
	StrategyEventType = "event_type"
	// StrategyRecord is Confluent's RecordNameStrategy: the record's full
	// name (Avro namespace and name, JSON Schema title).
	StrategyRecord = "record"
	// StrategyTopic is Confluent's TopicNameStrategy, the default of its
	// serializers: <topic>-value.
	StrategyTopic = "topic"
	// StrategyTopicRecord is Confluent's TopicRecordNameStrategy:
	// <topic>-<record full name>.
	StrategyTopicRecord = "topic_record"
)

// Strategies lists the subject name strategies.
var Strategies = []string{StrategyEventType, StrategyRecord, StrategyTopic, StrategyTopicRecord}

// SubjectInput is what a subject name is made of.
type SubjectInput struct {
	// EventType is v<N>.<Name>, e.g. v1.OrderPlaced.
	EventType string
	// RecordName is the record's full name: the Avro namespace and name
	// (com.acme.orders.v1.OrderPlaced) or the JSON Schema title; empty
	// falls back to EventType.
	RecordName string
	// Topic is the event's topic from its x-evctl-topic annotation; empty
	// falls back to the topic map.
	Topic string
}

// SubjectNamer maps events to subjects under one strategy.
type SubjectNamer struct {
	Strategy string
	// Topics maps an event type to its Kafka topic (topic strategies).
	Topics map[string]string
}

// NewSubjectNamer checks the strategy; "" means event_type.
func NewSubjectNamer(strategy string, topics map[string]string) (SubjectNamer, error) {
	if strategy == "" {
		strategy = StrategyEventType
	}
	switch strategy {
	case StrategyEventType, StrategyRecord, StrategyTopic, StrategyTopicRecord:
	default:
		return SubjectNamer{}, fmt.Errorf("unknown registry.subject_strategy %q (want %s)", strategy, strings.Join(Strategies, ", "))
	}
	return SubjectNamer{Strategy: strategy, Topics: topics}, nil
}

// Subject returns the subject for an event.
func (n SubjectNamer) Subject(in SubjectInput) (string, error) {
	rec := in.RecordName
	if rec == "" {
		rec = in.EventType
	}
	switch n.Strategy {
	case "", StrategyEventType:
		return in.EventType, nil
	case StrategyRecord:
		return rec, nil
	}
	topic := strings.TrimSpace(in.Topic)
	if topic == "" {
		topic = strings.TrimSpace(n.Topics[in.EventType])
	}
	if topic == "" {
		return "", fmt.Errorf("subject strategy %s needs a topic for %s: add it under registry.topics in evctl.yaml or as an x-evctl-topic annotation%s", n.Strategy, in.EventType, n.known())
	}
	if n.Strategy == StrategyTopic {
		return topic + "-value", nil
	}
	return topic + "-" + rec, nil
}

func (n SubjectNamer) known() string {
	if len(n.Topics) == 0 {
		return ""
	}
	keys := make([]string, 0, len(n.Topics))
	for k := range n.Topics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return " (it maps " + strings.Join(keys, ", ") + ")"
}
