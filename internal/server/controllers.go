package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	// Workqueue depth, latency and retries of every controller, on /metrics.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
	"k8s.io/klog/v2"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	"github.com/ordo-dev/ordo/internal/controller/admissionpolicystatus"
	"github.com/ordo-dev/ordo/internal/controller/cronjob"
	"github.com/ordo-dev/ordo/internal/controller/csrapproving"
	"github.com/ordo-dev/ordo/internal/controller/csrsigning"
	"github.com/ordo-dev/ordo/internal/controller/daemonset"
	"github.com/ordo-dev/ordo/internal/controller/deployment"
	"github.com/ordo-dev/ordo/internal/controller/disruption"
	"github.com/ordo-dev/ordo/internal/controller/endpoints"
	"github.com/ordo-dev/ordo/internal/controller/garbagecollector"
	"github.com/ordo-dev/ordo/internal/controller/job"
	"github.com/ordo-dev/ordo/internal/controller/localprovisioner"
	"github.com/ordo-dev/ordo/internal/controller/namespace"
	"github.com/ordo-dev/ordo/internal/controller/nodecredentials"
	"github.com/ordo-dev/ordo/internal/controller/nodeipam"
	"github.com/ordo-dev/ordo/internal/controller/nodelifecycle"
	"github.com/ordo-dev/ordo/internal/controller/podautoscaler"
	"github.com/ordo-dev/ordo/internal/controller/podgc"
	"github.com/ordo-dev/ordo/internal/controller/pvbinder"
	"github.com/ordo-dev/ordo/internal/controller/replicaset"
	"github.com/ordo-dev/ordo/internal/controller/resourcequota"
	"github.com/ordo-dev/ordo/internal/controller/rootca"
	"github.com/ordo-dev/ordo/internal/controller/scheduler"
	"github.com/ordo-dev/ordo/internal/controller/serviceaccount"
	"github.com/ordo-dev/ordo/internal/controller/servicerepair"
	"github.com/ordo-dev/ordo/internal/controller/statefulset"
	"github.com/ordo-dev/ordo/internal/controller/taintmanager"
	"github.com/ordo-dev/ordo/internal/controller/ttlafterfinished"
	"github.com/ordo-dev/ordo/internal/metrics"
	"github.com/ordo-dev/ordo/internal/storage/alloc"
)

// controllerWorkers is the number of workers each controller runs.
const controllerWorkers = 2

// cronJobWorkers is higher: at a busy instant (a thousand CronJobs due in
// the same second) each sync waits on the API, not on the CPU, and every
// worker is one more Job created in parallel.
const cronJobWorkers = 32

// controllerInputs is what controllers need from the server besides the API.
type controllerInputs struct {
	// namespaces is closed once the built-in namespaces exist: the
	// controller lease lives in kube-system, and a first attempt before
	// it exists (a new data directory) fails and waits out the leader
	// election's 2 s retry period, which new nodes' pods waited too.
	namespaces <-chan struct{}
	volumesDir string // where the local provisioner makes volumes
	// localNode is this server's own node, "" with --no-agent: the
	// provisioner's Immediate volumes go there.
	localNode string
	caPEM     []byte // the CA the root-ca-cert-publisher publishes
	// ca signs approved CSRs of the built-in client signers.
	ca csrsigning.CA
	// serviceIPs and nodePorts are the allocators the repair controller
	// keeps in line with the Services.
	serviceIPs, nodePorts *alloc.Allocator
	// nodeGrace is --node-monitor-grace-period.
	nodeGrace time.Duration
	// nodeCIDRs are the node CIDR allocator's ranges; nil: no allocator.
	nodeCIDRs *nodeipam.Config
}

// runControllers runs the controllers until ctx is done, while this server
// holds the controller lease (see leader.go).
func runControllers(ctx context.Context, loopback *rest.Config, identity string, in controllerInputs) {
	cfg := rest.CopyConfig(loopback)
	// The collector watches every resource, deprecated ones included; their
	// deprecation warnings are for users, not for ordo's own controllers.
	cfg.WarningHandler = rest.NoWarnings{}
	// No client-side throttling: the controllers run in the API server's
	// own process, and Kubernetes' default 20 requests/s is exactly what
	// makes a thousand CronJobs due at once take most of a minute.
	cfg.QPS, cfg.Burst = -1, 0
	// Protobuf, as kube-controller-manager speaks: encoding and decoding
	// cost both sides of the loopback several times less than JSON.
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.FromContext(ctx).Error(err, "Controllers cannot start: no client")
		<-ctx.Done()
		return
	}
	batchMetrics := metrics.Default()
	select {
	case <-in.namespaces:
	case <-ctx.Done():
		return
	}
	runAsLeader(ctx, client, identity, func(ctx context.Context) error { return runLeading(ctx, cfg, client, batchMetrics, in) })
}

// runLeading runs every controller until ctx is done. They share one
// informer factory, so each kind is watched and cached once. It returns
// at once, running none, when a controller cannot be built (an event
// handler or an index that could not be added): a controller deaf to
// some of its events must not run as if it were whole.
func runLeading(ctx context.Context, cfg *rest.Config, client kubernetes.Interface, batchMetrics *metrics.Batch, in controllerInputs) error {
	runners, err := newControllers(cfg, client, batchMetrics, in)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, run := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx)
		}()
	}
	wg.Wait()
	return nil
}

// controllerSet gathers the controllers' Run funcs and the first error of
// their constructors, which names the controller.
type controllerSet struct {
	runners []func(context.Context)
	err     error
}

// add files one controller: run when its New succeeded, err otherwise.
func (s *controllerSet) add(name string, err error, run func(context.Context)) {
	switch {
	case s.err != nil:
	case err != nil:
		s.err = fmt.Errorf("%s controller: %w", name, err)
	default:
		s.runners = append(s.runners, run)
	}
}

// newControllers builds every controller on one shared informer factory.
func newControllers(cfg *rest.Config, client kubernetes.Interface, batchMetrics *metrics.Batch, in controllerInputs) ([]func(context.Context), error) {
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("metadata client: %w", err)
	}
	discoClient, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	disco := memory.NewMemCacheClient(discoClient)
	shared := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(dropManagedFields))
	var s controllerSet
	workers := func(r interface{ Run(context.Context, int) }, n int) func(context.Context) {
		return func(ctx context.Context) { r.Run(ctx, n) }
	}

	gc, err := garbagecollector.New(garbagecollector.Config{Metadata: meta, Discovery: disco})
	s.add("garbage collector", err, workers(gc, controllerWorkers))
	ns, err := namespace.New(namespace.Config{Client: client, Metadata: meta, Discovery: disco})
	s.add("namespace", err, workers(ns, controllerWorkers))
	sched, err := scheduler.New(scheduler.Config{Client: client, Informers: shared})
	s.add("scheduler", err, workers(sched, controllerWorkers))
	cron, err := cronjob.New(cronjob.Config{Client: client, Informers: shared, Metrics: batchMetrics})
	s.add("cronjob", err, workers(cron, cronJobWorkers))
	jobs, err := job.New(job.Config{Client: client, Informers: shared, Metrics: batchMetrics})
	s.add("job", err, workers(jobs, controllerWorkers))
	ttl, err := ttlafterfinished.New(ttlafterfinished.Config{Client: client, Informers: shared})
	s.add("ttl-after-finished", err, workers(ttl, controllerWorkers))
	accounts, err := serviceaccount.New(serviceaccount.Config{Client: client, Informers: shared})
	s.add("serviceaccount", err, workers(accounts, controllerWorkers))
	rootCA, err := rootca.New(rootca.Config{Client: client, Informers: shared, CA: in.caPEM})
	s.add("root-ca-cert-publisher", err, workers(rootCA, controllerWorkers))
	binder, err := pvbinder.New(pvbinder.Config{Client: client, Informers: shared})
	s.add("persistentvolume-binder", err, workers(binder, controllerWorkers))
	provisioner, err := localprovisioner.New(localprovisioner.Config{Client: client, Informers: shared, Root: in.volumesDir, NodeName: in.localNode})
	s.add("local provisioner", err, workers(provisioner, controllerWorkers))
	eps, err := endpoints.New(endpoints.Config{Client: client, Informers: shared})
	s.add("endpoints", err, workers(eps, controllerWorkers))
	sets, err := replicaset.New(replicaset.Config{Client: client, Informers: shared})
	s.add("replicaset", err, workers(sets, controllerWorkers))
	replication, err := replicaset.NewForReplicationControllers(replicaset.Config{Client: client, Informers: shared})
	s.add("replicationcontroller", err, workers(replication, controllerWorkers))
	stateful, err := statefulset.New(statefulset.Config{Client: client, Informers: shared})
	s.add("statefulset", err, workers(stateful, controllerWorkers))
	deployments, err := deployment.New(deployment.Config{Client: client, Informers: shared})
	s.add("deployment", err, workers(deployments, controllerWorkers))
	daemons, err := daemonset.New(daemonset.Config{Client: client, Informers: shared})
	s.add("daemonset", err, workers(daemons, controllerWorkers))
	nodes, err := nodelifecycle.New(nodelifecycle.Config{Client: client, Informers: shared, GracePeriod: in.nodeGrace})
	s.add("node lifecycle", err, func(ctx context.Context) { nodes.Run(ctx) })
	podGC, err := podgc.New(podgc.Config{Client: client, Informers: shared})
	s.add("pod-garbage-collector", err, func(ctx context.Context) { podGC.Run(ctx) })
	if in.nodeCIDRs != nil {
		c := *in.nodeCIDRs
		c.Client, c.Informers = client, shared
		ipam, err := nodeipam.New(c)
		s.add("node-ipam", err, workers(ipam, 1))
	}
	repair := servicerepair.New(servicerepair.Config{Client: client, ServiceIPs: in.serviceIPs, NodePorts: in.nodePorts})
	// The repair loop lists Services on a timer, as kube-apiserver's
	// does: no informer, no handler, nothing that can fail to register.
	s.add("service repair", nil, repair.Run)
	policyStatus, err := admissionpolicystatus.New(admissionpolicystatus.Config{Client: client, Informers: shared, Discovery: disco})
	s.add("validatingadmissionpolicy-status", err, workers(policyStatus, 1))
	quotas, err := resourcequota.New(resourcequota.Config{Client: client, Informers: shared, Metadata: meta,
		Mapper: restmapper.NewDeferredDiscoveryRESTMapper(disco)})
	s.add("resourcequota", err, workers(quotas, controllerWorkers))
	evictions, err := taintmanager.New(taintmanager.Config{Client: client, Informers: shared})
	s.add("taint-eviction", err, workers(evictions, controllerWorkers))
	budgets, err := disruption.New(disruption.Config{Client: client, Informers: shared})
	s.add("disruption", err, workers(budgets, controllerWorkers))
	signer, err := csrsigning.New(csrsigning.Config{Client: client, Informers: shared, CA: in.ca})
	s.add("csrsigning", err, workers(signer, controllerWorkers))
	approver, err := csrapproving.New(csrapproving.Config{Client: client, Informers: shared})
	s.add("csrapproving", err, workers(approver, controllerWorkers))
	revoker, err := nodecredentials.New(nodecredentials.Config{Client: client, Informers: shared})
	s.add("node-credentials", err, workers(revoker, 1))
	autoscaler, err := newAutoscaler(cfg, client, shared)
	s.add("horizontal-pod-autoscaler", err, workers(autoscaler, controllerWorkers))
	return s.runners, s.err
}

// newAutoscaler builds the HPA controller; it reads metrics.k8s.io in JSON
// (metrics servers need not speak protobuf).
func newAutoscaler(cfg *rest.Config, client kubernetes.Interface, shared informers.SharedInformerFactory) (*podautoscaler.Controller, error) {
	mcfg := rest.CopyConfig(cfg)
	mcfg.ContentType, mcfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	metrics, err := metricsclient.NewForConfig(mcfg)
	if err != nil {
		return nil, err
	}
	return podautoscaler.New(podautoscaler.Config{Client: client, Informers: shared, Metrics: metrics})
}

// dropManagedFields keeps server-side apply's bookkeeping out of the
// controllers' caches, as kube-scheduler does: no controller reads it, and
// it is a large share of each cached object. An update sent without
// managedFields leaves the stored ones as they are.
func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
