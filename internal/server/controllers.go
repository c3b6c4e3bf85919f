package server

import (
	"context"
	"sync"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/controller/garbagecollector"
	"github.com/ordo-dev/ordo/internal/controller/namespace"
	"github.com/ordo-dev/ordo/internal/controller/scheduler"
)

// controllerWorkers is the number of workers each controller runs.
const controllerWorkers = 2

// runControllers runs the controllers until ctx is done, while this server
// holds the controller lease (see leader.go).
func runControllers(ctx context.Context, loopback *rest.Config, identity string) {
	cfg := rest.CopyConfig(loopback)
	// The collector watches every resource, deprecated ones included; their
	// deprecation warnings are for users, not for ordo's own controllers.
	cfg.WarningHandler = rest.NoWarnings{}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Errorf("controllers: client: %v", err)
		<-ctx.Done()
		return
	}
	runAsLeader(ctx, client, identity, func(ctx context.Context) { runLeading(ctx, cfg, client) })
}

// runLeading runs every controller until ctx is done.
func runLeading(ctx context.Context, cfg *rest.Config, client kubernetes.Interface) {
	meta := metadata.NewForConfigOrDie(cfg)
	disco := memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(cfg))

	gc, err := garbagecollector.New(garbagecollector.Config{Metadata: meta, Discovery: disco})
	if err != nil {
		klog.Errorf("controllers: garbage collector: %v", err)
		<-ctx.Done()
		return
	}
	ns := namespace.New(namespace.Config{Client: client, Metadata: meta, Discovery: disco})
	sched := scheduler.New(scheduler.Config{Client: client})

	var wg sync.WaitGroup
	for _, run := range []func(context.Context, int){gc.Run, ns.Run, sched.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx, controllerWorkers)
		}()
	}
	wg.Wait()
}
