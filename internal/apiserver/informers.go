package apiserver

import (
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/informers"
)

// ownInformers is the API server's informer factory (RBAC, service-account
// tokens, admission). The generic server starts it with the channel of its
// post-start hooks, which closes only once the HTTP server has stopped;
// meanwhile the server has ended the informers' watches and they have
// asked again, to fail with "Failed to watch ... context canceled". Stop
// ends them first, while the server still serves, so a stop is quiet.
type ownInformers struct {
	informers.SharedInformerFactory
	stop     chan struct{}
	stopOnce sync.Once
}

func newOwnInformers(f informers.SharedInformerFactory) *ownInformers {
	return &ownInformers{SharedInformerFactory: f, stop: make(chan struct{})}
}

// Start starts the informers until stopCh or Stop, whichever comes first.
func (f *ownInformers) Start(stopCh <-chan struct{}) {
	either := make(chan struct{})
	go func() {
		defer close(either)
		select {
		case <-stopCh:
		case <-f.stop:
		}
	}()
	f.SharedInformerFactory.Start(either)
}

// Stop ends the informers and waits until they have returned. The caches
// keep what they hold, unrefreshed, for the requests still draining.
func (f *ownInformers) Stop() {
	f.stopOnce.Do(func() { close(f.stop) })
	f.SharedInformerFactory.Shutdown()
}

// dropManagedFields keeps server-side apply's bookkeeping out of the API
// server's own caches (every pod, for PodSecurity and service-account
// tokens, besides secrets, config maps and accounts): nothing here reads
// it, and it is a large share of each cached object.
func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
