package testutil

import (
	"context"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// StoppedInformers is an informer factory on client whose informers (those
// register asks for) have run and stopped: one a controller can no longer
// add indexes or handlers to, for the tests that New fails on it rather
// than build a controller that never syncs.
func StoppedInformers(client kubernetes.Interface, register func(informers.SharedInformerFactory)) informers.SharedInformerFactory {
	f := informers.NewSharedInformerFactory(client, 0)
	register(f)
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	cancel()
	f.Shutdown()
	return f
}
