package proxy

import "sync"

// roundRobin hands out a Service port's backends in turn; the list is
// replaced when the endpoints change, without disturbing open connections.
type roundRobin struct {
	mu   sync.Mutex
	list []string
	next int
}

func (r *roundRobin) set(list []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = list
}

// order is every backend, starting with the next one in turn, so a caller
// can fall through to the others when one refuses.
func (r *roundRobin) order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.list)
	if n == 0 {
		return nil
	}
	start := r.next % n
	r.next = start + 1
	return append(append([]string{}, r.list[start:]...), r.list[:start]...)
}
