package proxy

import (
	"sync"
	"time"
)

// roundRobin hands out a Service port's backends in turn; the list is
// replaced when the endpoints change, without disturbing open connections.
// With ClientIP session affinity (affinity > 0) a client keeps the backend
// it last reached until it has been quiet for the affinity's timeout, as
// kube-proxy keeps it.
type roundRobin struct {
	mu       sync.Mutex
	list     []string
	next     int
	affinity time.Duration
	sticky   map[string]stickyBackend // client IP → backend
	now      func() time.Time
}

// pruneAt is how many clients a port remembers before a connection sweeps
// out the expired ones: a sweep per connection would cost every connect.
const pruneAt = 1024

type stickyBackend struct {
	addr string
	last time.Time
}

func (r *roundRobin) set(list []string, affinity time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = list
	if affinity != r.affinity {
		r.sticky = nil // a changed setting starts afresh
	}
	r.affinity = affinity
}

// order is every backend for a connection from clientIP: its sticky
// backend first when it has a live one, else starting with the next one
// in turn, so a caller can fall through to the others when one refuses.
func (r *roundRobin) order(clientIP string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.list)
	if n == 0 {
		return nil
	}
	if s, ok := r.sticky[clientIP]; ok && r.affinity > 0 && r.clock().Sub(s.last) < r.affinity {
		for i, addr := range r.list {
			if addr == s.addr {
				return append(append([]string{}, r.list[i:]...), r.list[:i]...)
			}
		}
	}
	start := r.next % n
	r.next = start + 1
	return append(append([]string{}, r.list[start:]...), r.list[:start]...)
}

// used records that clientIP reached addr, for its session affinity.
func (r *roundRobin) used(clientIP, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.affinity <= 0 {
		return
	}
	if r.sticky == nil {
		r.sticky = map[string]stickyBackend{}
	}
	now := r.clock()
	r.sticky[clientIP] = stickyBackend{addr: addr, last: now}
	if len(r.sticky) < pruneAt {
		return
	}
	for ip, s := range r.sticky { // forget the expired, so the map stays small
		if now.Sub(s.last) >= r.affinity {
			delete(r.sticky, ip)
		}
	}
}

func (r *roundRobin) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}
