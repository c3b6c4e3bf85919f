package benchutil

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// WatchFunc opens one watch of one kind, as a typed client's Watch does.
type WatchFunc func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error)

// RetryWatch opens a watch from resourceVersion rv that survives the server
// ending it. A busy API server drops a watcher that falls behind (the
// benchmark shares two cores with the server), as kube-apiserver does; a
// plain watch would then close and the benchmark would wait for events that
// never come. The retry watcher resumes from the last event it delivered, so
// nothing is missed; a resume too old to serve ends it with an error event.
func RetryWatch(ctx context.Context, rv string, open WatchFunc) (watch.Interface, error) {
	return watchtools.NewRetryWatcherWithContext(ctx, rv, &cache.ListWatch{WatchFuncWithContext: cache.WatchFuncWithContext(open)})
}
