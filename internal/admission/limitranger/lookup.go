package limitranger

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// liveTTL is how long a live lookup's answer is reused, as Kubernetes'.
const liveTTL = 30 * time.Second

// liveLookup answers for a namespace whose LimitRanges the informer shows
// none of: a range created a moment ago may not have reached it yet (a
// manifest applying a LimitRange and then a Pod), so the plugin asks the
// API server, as Kubernetes' LimitRanger does, and reuses the answer for
// liveTTL so namespaces without ranges cost one list per 30 s.
type liveLookup struct {
	client kubernetes.Interface
	clock  clock.PassiveClock

	mu      sync.Mutex
	entries map[string]liveEntry
}

type liveEntry struct {
	expiry time.Time
	items  []*corev1.LimitRange
}

func (l *liveLookup) list(ctx context.Context, ns string) ([]*corev1.LimitRange, error) {
	now := l.clock.Now()
	l.mu.Lock()
	e, ok := l.entries[ns]
	l.mu.Unlock()
	if ok && now.Before(e.expiry) {
		return e.items, nil
	}
	list, err := l.client.CoreV1().LimitRanges(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	e = liveEntry{expiry: now.Add(liveTTL)}
	for i := range list.Items {
		e.items = append(e.items, &list.Items[i])
	}
	l.mu.Lock()
	l.entries[ns] = e
	l.mu.Unlock()
	return e.items, nil
}
