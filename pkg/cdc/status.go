package cdc

import (
	"sync"
	"time"
)

// The states of a relay, as its readiness reports them.
const (
	// StateStarting: the relay has not tried the leader lock yet.
	StateStarting = "starting"
	// StateStandby: another relay holds the lock; this one retries every RetryInterval.
	StateStandby = "standby"
	// StateLeader: this relay holds the lock and relays.
	StateLeader = "leader"
	// StateFailing: the last term failed (database, Kafka, slot); the next starts after
	// RetryInterval.
	StateFailing = "failing"
)

// Status is a relay's state for its readiness endpoint.
type Status struct {
	State  string `json:"state"`
	Slot   string `json:"slot"`
	Holder string `json:"holder"`
	// Since is when the relay entered State.
	Since time.Time `json:"since"`
	// LastError is why the last term failed (StateFailing).
	LastError string `json:"last_error,omitempty"`
}

// Ready reports whether the relay does its part: leading, or standing by to take over.
func (s Status) Ready() bool { return s.State == StateLeader || s.State == StateStandby }

type status struct {
	mu sync.Mutex
	s  Status
}

func (st *status) set(state string, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.s.State != state {
		st.s.State, st.s.Since = state, time.Now()
	}
	st.s.LastError = ""
	if err != nil {
		st.s.LastError = err.Error()
	}
}

// Status returns the relay's state.
func (r *Relay) Status() Status {
	r.status.mu.Lock()
	defer r.status.mu.Unlock()
	return r.status.s
}
