package dashboard

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// change is one informer notification: which kind, in which namespace
// ("" for cluster-scoped objects).
type change struct {
	kind, namespace string
}

// broker fans the informers' notifications out to the open pages' event
// streams. A subscriber's channel holds one pending change per kind and
// namespace at most: a page only needs to know that something it shows
// changed, not how often.
//
// Streams are long-running requests, which the API server's in-flight
// limits and request timeout do not cover, and every authenticated
// identity (a pod's service account too) may open one: so the broker
// caps them, per user and in all.
type broker struct {
	mu     sync.Mutex
	subs   map[chan change]string // the subscriber's user
	byUser map[string]int
}

// Caps on open live streams: a person has a few tabs open, not hundreds.
const (
	maxStreamsPerUser = 16
	maxStreams        = 256
)

func newBroker() *broker {
	return &broker{subs: map[chan change]string{}, byUser: map[string]int{}}
}

// subscribe opens a stream for user, or returns nil when user or the
// server already has as many open as the caps allow.
func (b *broker) subscribe(user string) chan change {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) >= maxStreams || b.byUser[user] >= maxStreamsPerUser {
		return nil
	}
	ch := make(chan change, 64)
	b.subs[ch] = user
	b.byUser[user]++
	return ch
}

func (b *broker) unsubscribe(ch chan change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	user, ok := b.subs[ch]
	if !ok {
		return
	}
	delete(b.subs, ch)
	if b.byUser[user]--; b.byUser[user] == 0 {
		delete(b.byUser, user)
	}
}

// publish never blocks: a subscriber whose buffer is full already has a
// refresh pending, which will show this change too.
func (b *broker) publish(c change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// handler publishes every add, update and delete of kind.
func (b *broker) handler(kind string) toolscache.ResourceEventHandler {
	pub := func(obj interface{}) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return
		}
		b.publish(change{kind: kind, namespace: m.GetNamespace()})
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    pub,
		UpdateFunc: func(_, obj interface{}) { pub(obj) },
		DeleteFunc: pub,
	}
}

// liveDebounce gathers a burst of changes (a CronJob firing touches its
// CronJob, Job, Pod, events and record within a second) into one message.
const liveDebounce = 250 * time.Millisecond

// serveLive is the Server-Sent Events stream a page opens: a "change"
// event naming the kinds that changed, sent only for changes in
// namespaces where the user may list that kind. The page then fetches
// its content again; nothing polls.
func (d *Dashboard) serveLive(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	want := map[string]bool{}
	for _, k := range strings.Split(r.URL.Query().Get("kinds"), ",") {
		want[k] = true
	}
	u := userOf(r)
	acc := d.access(r.Context(), u)
	ch := d.live.subscribe(u.GetName())
	if ch == nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many open live streams", http.StatusTooManyRequests)
		return
	}
	defer d.live.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": ordo dashboard live\n\n")
	flusher.Flush()
	klog.FromContext(r.Context()).V(4).Info("Dashboard live stream opened", "user", u.GetName(), "kinds", want)
	pending := map[string]bool{}
	var timer <-chan time.Time
	keepalive := time.NewTicker(30 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case c := <-ch:
			if !want[c.kind] || !acc.mayList(c.kind, c.namespace) {
				continue
			}
			pending[c.kind] = true
			if timer == nil {
				timer = time.After(liveDebounce)
			}
		case <-timer:
			timer = nil
			kinds := make([]string, 0, len(pending))
			for k := range pending {
				kinds = append(kinds, k)
			}
			clear(pending)
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", strings.Join(kinds, ","))
			flusher.Flush()
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
			flusher.Flush()
		}
	}
}
