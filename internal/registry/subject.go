package registry

import (
	"fmt"
	"sort"
	"strings"
)

// Subject name strategies (registry.subject_strategy in evctl.yaml).
const (
	// StrategyRecord names the subject after the event type: v1.OrderPlaced.
	StrategyRecord = "record"
	// StrategyTopic names it <topic>-value, the topic coming from the topic map.
	StrategyTopic = "topic"
	// StrategyTopicRecord names it <topic>-<record full name>.
	StrategyTopicRecord = "topic_record"
)

// Strategies lists the subject name strategies.
var Strategies = []string{StrategyRecord, StrategyTopic, StrategyTopicRecord}

// SubjectInput is what a subject name is made of.
type SubjectInput struct {
	// EventType is v<N>.<Name>, e.g. v1.OrderPlaced.
	EventType string
	// RecordName is the record's full name: the Avro namespace and name
	// (com.acme.orders.v1.OrderPlaced) or the JSON Schema title; empty
	// falls back to EventType.
	RecordName string
}

// SubjectNamer maps events to subjects under one strategy.
type SubjectNamer struct {
	Strategy string
	// Topics maps an event type to its Kafka topic (topic strategies).
	Topics map[string]string
}

// NewSubjectNamer checks the strategy; "" means record.
func NewSubjectNamer(strategy string, topics map[string]string) (SubjectNamer, error) {
	if strategy == "" {
		strategy = StrategyRecord
	}
	switch strategy {
	case StrategyRecord, StrategyTopic, StrategyTopicRecord:
	default:
		return SubjectNamer{}, fmt.Errorf("unknown registry.subject_strategy %q (want %s)", strategy, strings.Join(Strategies, ", "))
	}
	return SubjectNamer{Strategy: strategy, Topics: topics}, nil
}

// Subject returns the subject for an event.
func (n SubjectNamer) Subject(in SubjectInput) (string, error) {
	if n.Strategy == "" || n.Strategy == StrategyRecord {
		return in.EventType, nil
	}
	topic := strings.TrimSpace(n.Topics[in.EventType])
	if topic == "" {
		return "", fmt.Errorf("subject strategy %s needs a topic for %s: add it under registry.topics in evctl.yaml%s", n.Strategy, in.EventType, n.known())
	}
	if n.Strategy == StrategyTopic {
		return topic + "-value", nil
	}
	rec := in.RecordName
	if rec == "" {
		rec = in.EventType
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
