package store

import (
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Listener holds one dedicated connection that LISTENs on EventsChannel, reconnecting on its own.
// An API process opens one and fans its notifications out to every SSE client.
type Listener struct {
	pl    *pq.Listener
	out   chan string
	ready chan struct{}
	done  chan struct{}
	once  sync.Once
	log   *slog.Logger
}

// NewListener starts listening on EventsChannel with its own connection to dsn. It returns at
// once; Ready is closed when the first LISTEN has succeeded (PostgreSQL may be down at start).
func NewListener(dsn string, log *slog.Logger) (*Listener, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{out: make(chan string, 256), ready: make(chan struct{}), done: make(chan struct{}), log: log}
	l.pl = pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnectionAttemptFailed, pq.ListenerEventDisconnected:
			log.Warn("event listener: connection lost", "channel", EventsChannel, "err", err)
		case pq.ListenerEventReconnected:
			log.Info("event listener: reconnected", "channel", EventsChannel)
		}
	})
	go func() {
		if err := l.pl.Listen(EventsChannel); err != nil {
			log.Debug("event listener: listen ended", "err", err) // only on Close
			return
		}
		close(l.ready)
	}()
	go l.pump()
	return l, nil
}

// pump forwards payloads; a lost connection is forwarded as "" because notifications sent while
// it was down are gone and subscribers must re-read what they care about.
func (l *Listener) pump() {
	defer close(l.out)
	for n := range l.pl.Notify {
		p := ""
		if n != nil {
			if n.Channel != EventsChannel {
				continue
			}
			p = n.Extra
		}
		select {
		case l.out <- p:
		case <-l.done:
			// Nobody reads any more; drain until pq closes Notify so its goroutine never blocks.
			for range l.pl.Notify {
			}
			return
		}
	}
}

// C delivers NOTIFY payloads (see ParseEventPayload); "" means the connection was re-established
// and notifications may have been missed. It is closed after Close.
func (l *Listener) C() <-chan string { return l.out }

// Ready is closed once the listener is subscribed.
func (l *Listener) Ready() <-chan struct{} { return l.ready }

// Close stops listening and closes the connection.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.pl.Close()
	})
	return err
}
