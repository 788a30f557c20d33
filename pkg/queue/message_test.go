package queue

import (
	"strings"
	"testing"
	"time"
)

func TestMessageRoundTrip(t *testing.T) {
	in := Message{ID: "0b6c1b8e-3f7e-4a55-9d7c-2f6f5c6a1e01", Language: "python3", Problem: "hello", Attempt: 2,
		EnqueuedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}
	b, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"id":`, `"language":`, `"problem":`, `"attempt":`, `"enqueued_at":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("encoded %s lacks %s", b, key)
		}
	}
	out, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !out.EnqueuedAt.Equal(in.EnqueuedAt) {
		t.Errorf("enqueued_at %v, want %v", out.EnqueuedAt, in.EnqueuedAt)
	}
	out.EnqueuedAt = in.EnqueuedAt
	if out != in {
		t.Errorf("round trip %+v, want %+v", out, in)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"not json", `{`, "decode queue message"},
		{"no id", `{"language":"c","attempt":1}`, "id is empty"},
		{"no language", `{"id":"x","attempt":1}`, "language is empty"},
		{"zero attempt", `{"id":"x","language":"c"}`, "attempt 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(tt.value))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Unmarshal(%s) error %v, want one containing %q", tt.value, err, tt.want)
			}
		})
	}
}

func TestConfigsFollowTheContract(t *testing.T) {
	p := ProducerConfig("p")
	if !p.Producer.Idempotent || p.Net.MaxOpenRequests != 1 || p.Producer.Retry.Max == 0 || p.Producer.RequiredAcks != -1 {
		t.Errorf("producer config breaks the contract: idempotent=%v maxOpen=%d retries=%d acks=%d",
			p.Producer.Idempotent, p.Net.MaxOpenRequests, p.Producer.Retry.Max, p.Producer.RequiredAcks)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("producer config invalid: %v", err)
	}
	c := ConsumerConfig("c")
	if c.Consumer.Offsets.AutoCommit.Enable || c.Consumer.Offsets.Initial != -2 {
		t.Errorf("consumer config: autocommit=%v initial=%d, want false and OffsetOldest",
			c.Consumer.Offsets.AutoCommit.Enable, c.Consumer.Offsets.Initial)
	}
	if got := c.Consumer.Group.Rebalance.GroupStrategies[0].Name(); got != "sticky" {
		t.Errorf("balance strategy %s, want sticky", got)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("consumer config invalid: %v", err)
	}
}
