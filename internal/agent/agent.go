package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/ordo-dev/ordo/internal/agent/objcache"
	"github.com/ordo-dev/ordo/internal/agent/pulls"
	"github.com/ordo-dev/ordo/internal/agent/warm"
	"github.com/ordo-dev/ordo/internal/controller/events"
	"github.com/ordo-dev/ordo/internal/controller/queue"
	"github.com/ordo-dev/ordo/internal/image"
	"github.com/ordo-dev/ordo/internal/images"
	"github.com/ordo-dev/ordo/internal/network/hostport"
	"github.com/ordo-dev/ordo/internal/runtime"
	"github.com/ordo-dev/ordo/internal/volume"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// Config is what an agent needs.
type Config struct {
	Client kubernetes.Interface
	// Images says what a container runs when it names no command (see
	// package images); nil knows no image.
	Images *images.Table
	// Store is the node's image store: containers run on their images'
	// roots, pulled through Fetch. Nil runs every container from the
	// image table over the host's root.
	Store ImageStore
	// Fetch gets an image from its registry (remote.Puller.Fetch), and
	// Unreachable tells which of its errors mean the registry could not
	// be reached (when the table may stand in).
	Fetch       func(ctx context.Context, ref string, kc authn.Keychain) (v1.Image, error)
	Unreachable func(error) bool
	// ImageSource chooses between images and the table (pulls.Mode).
	ImageSource pulls.Mode
	NodeName    string
	// NodeIP is the node's InternalIP: status.hostIP, and the podIP of
	// hostNetwork pods (other pods get their own address on the bridge).
	NodeIP  string
	Runtime *runtime.Runtime
	// DataDir holds each pod's logs, /etc files and volumes under pods/
	// (see poddirs.go).
	DataDir string
	Clock   clock.WithTicker
	Workers int
	// SyncFrequency is how often running pods' configMap, secret and
	// downwardAPI volumes are refreshed (the kubelet's --sync-frequency).
	SyncFrequency time.Duration
	// MaxPods is the pod count the node offers (the kubelet's --max-pods);
	// DefaultMaxPods when zero.
	MaxPods int
	// Cgroups enforce resources.limits; nil enforces none (with a warning
	// event for each pod that sets limits).
	Cgroups *runtime.Cgroups
	// Network gives pods their own network namespace and IP; nil runs every
	// pod on the host network (with a warning event).
	Network PodNetwork
	// ClusterDNS are the nameservers of ClusterFirst pods (the kubelet's
	// --cluster-dns): the node's DNS server on the pod bridge. Empty: pods
	// get the host's resolver configuration.
	ClusterDNS []string
	// ResolvConf is the host resolver file pods' configuration starts from
	// (the kubelet's --resolv-conf), /etc/resolv.conf by default.
	ResolvConf string
	// ServeAddr and ServeTLS are where and how the agent serves container
	// logs to the API server (nil ServeTLS: not at all).
	ServeAddr string
	ServeTLS  *tls.Config
	// StopPodsOnExit stops every pod when Run ends. By default the pods
	// outlive the agent, under their shims, for the next agent to adopt
	// (adopt.go).
	StopPodsOnExit bool
	// AllowedUnsafeSysctls are sysctls (or prefixes ending in "*") pods
	// may set beyond the safe set (the kubelet's --allowed-unsafe-sysctls;
	// CheckUnsafeSysctls validates them).
	AllowedUnsafeSysctls []string
	// HostPorts publishes pods' containers' hostPorts on the node; nil
	// publishes none (with a warning event for each pod that asks).
	HostPorts HostPortPublisher
}

// HostPortPublisher opens a pod's host ports towards its IP (package
// proxy's HostPorts).
type HostPortPublisher interface {
	Publish(podUID, podIP string, ports []hostport.Port) error
	Unpublish(podUID string)
}

// PodNetwork wires a pod's network namespace (package network).
type PodNetwork interface {
	Setup(podUID string, nsPID int) (net.IP, error)
	Teardown(podUID string) error
	Sweep(keep map[string]bool) error
}

// Agent runs the pods bound to one node.
type Agent struct {
	cfg      Config
	queue    workqueue.TypedRateLimitingInterface[string]
	pods     corelisters.PodLister
	services corelisters.ServiceLister // for pods' service-link variables
	// warmCache serves warm runner pods' reads (warmrunner.go).
	warmCache *warm.Cache
	recorder  record.EventRecorder

	url string          // where serve listens, published on the Node
	ctx context.Context // the agent\'s lifetime, for probe workers

	// mu guards the state map only; each record has its own lock (pod.mu),
	// held across its whole sync, so one pod's slow start (sandbox,
	// network, volumes) does not hold up the others.
	mu    sync.Mutex
	state map[string]*pod // by namespace/name
	// adoptions are the pods an earlier agent left running, until their
	// first sync takes them (adopt.go).
	adoptions map[string]*adoption
	// started and adopting time the adoption, for the log line that says
	// when every adopted pod has been taken over.
	started  time.Time
	adopting int
	// finalized are the pods whose object this agent has deleted (with
	// grace 0) after their processes were gone, until the informer reports
	// the object gone: a pod a finalizer holds (a Job's pods) is updated
	// again meanwhile, and syncing it would rebuild a record from its
	// status and write the status and the delete again, to no effect.
	finalized map[types.UID]bool
	// objects serves the ConfigMaps and Secrets the pods reference from
	// watches (package objcache); a pod is registered from its first sync
	// until it is forgotten or has finished.
	objects *objcache.Cache
	// statuses coalesces the pods' status writes (statusqueue.go).
	statuses *statusQueue

	// volumes prepares the pods' volumes and keeps their API-data volumes
	// up to date (package volume).
	volumes *volume.Manager
	// sandboxes starts, adopts and stops the pods' sandboxes (sandbox.go).
	sandboxes *sandboxes
	// pulls decides each container's root and pulls images (nil without
	// a Store).
	pulls *pulls.Manager
	// resources samples the cgroups for the resource metrics API
	// (resourcestats.go).
	resources *resourceSampler
}

// ImageStore is the node's image store (package image).
type ImageStore interface {
	pulls.Store
	List() ([]image.Image, error)
	// Hold keeps an image from removal while holder (a container) uses
	// it; ReleaseWhere lets go of the holders release accepts.
	Hold(holder, id string) error
	ReleaseWhere(release func(holder string) bool) error
}

// New returns an agent; Run starts it.
func New(c Config) *Agent {
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	}
	if c.SyncFrequency == 0 {
		c.SyncFrequency = time.Minute
	}
	if c.MaxPods == 0 {
		c.MaxPods = DefaultMaxPods
	}
	a := &Agent{
		cfg:       c,
		queue:     queue.New[string]("agent", c.Clock),
		state:     map[string]*pod{},
		finalized: map[types.UID]bool{},
		statuses:  newStatusQueue(c.Clock),
		resources: newResourceSampler(),
		objects:   objcache.New(c.Client),
	}
	a.volumes = volume.New(volume.Config{
		Client:        c.Client,
		Objects:       a.objects,
		PodDir:        a.podDir,
		Allocatable:   a.allocatable,
		MemTotal:      memTotal,
		SyncFrequency: c.SyncFrequency,
		Clock:         c.Clock,
		LocalVolumes:  localVolumesDir(c.DataDir),
	})
	a.sandboxes = &sandboxes{
		runtime:    c.Runtime,
		network:    c.Network,
		hostPorts:  c.HostPorts,
		clusterDNS: c.ClusterDNS,
		resolvConf: c.ResolvConf,
		podDir:     a.podDir,
		log:        a.log,
	}
	return a
}

// Run registers the node, keeps its lease, and runs its pods until ctx is
// done; then it stops every pod it started.
func (a *Agent) Run(ctx context.Context) error {
	a.ctx, a.started = ctx, time.Now()
	if a.cfg.Store != nil {
		a.pulls = pulls.New(ctx, pulls.Config{Store: a.cfg.Store, Fetch: a.cfg.Fetch, Unreachable: a.cfg.Unreachable,
			Wake: a.pullEnded, Clock: a.cfg.Clock, Mode: a.cfg.ImageSource})
	}
	if err := a.serve(ctx); err != nil {
		return err
	}
	go a.sampleResources(ctx)
	for {
		err := a.register(ctx)
		if err == nil {
			break
		}
		a.log("register node: %v", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if err := a.publishURL(ctx); err != nil {
		a.log("publish agent URL: %v", err)
	}
	if err := a.publishLocalVolumes(ctx); err != nil {
		a.log("publish local volume directory: %v", err)
	}
	broadcaster := events.NewBroadcaster(a.cfg.Clock)
	defer events.Start(broadcaster, a.cfg.Client)()
	a.recorder = events.RecorderOnHost(broadcaster, "kubelet", a.cfg.NodeName)

	factory := informers.NewSharedInformerFactoryWithOptions(a.cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", a.cfg.NodeName).String()
		}))
	inf := factory.Core().V1().Pods()
	a.pods = inf.Lister()
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    a.enqueue,
		UpdateFunc: func(_, obj interface{}) { a.enqueue(obj) },
		DeleteFunc: a.deleted,
	})
	// Every Service, as the kubelet watches them: a container's environment
	// holds the links of its namespace's Services and of the API's.
	all := informers.NewSharedInformerFactory(a.cfg.Client, 0)
	a.services = all.Core().V1().Services().Lister()
	// CronJobs and Leases for warm runner pods' slot loops, watched from
	// the first runner pod on: a step reads them from here, so a slot
	// costs only its writes.
	a.warmCache = warm.NewCache(ctx, a.cfg.Client)
	a.runLocalReclaimer(ctx, all)
	factory.Start(ctx.Done())
	all.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	all.WaitForCacheSync(ctx.Done())
	adopted := a.findShims()
	a.mu.Lock()
	a.adoptions, a.adopting = adopted, len(adopted)
	a.mu.Unlock()
	if len(adopted) > 0 {
		a.log("found %d running pods to adopt, %s after start", len(adopted), time.Since(a.started).Round(time.Millisecond))
	}
	a.sweepAllBut(adopted)
	a.sweepPodDirs()
	go a.heartbeat(ctx)

	statusesDone := make(chan struct{})
	go func() {
		defer close(statusesDone)
		queue.Run(ctx, a.statuses.queue, "agent status", statusWorkers, a.writeFiledStatus)
	}()
	queue.Run(ctx, a.queue, "agent", a.cfg.Workers, a.sync)
	<-statusesDone
	a.objects.Stop()
	factory.Shutdown()
	all.Shutdown()
	if a.cfg.StopPodsOnExit {
		a.stopEverything()
		a.unmountPodVolumes()
	}
	return nil
}

// deleted forgets that a pod was finalized, now that its object is gone,
// and syncs its key, which forgets the pod.
func (a *Agent) deleted(obj interface{}) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		a.unmarkFinalized(p.UID)
	}
	a.enqueue(obj)
}

// wasFinalized says whether the agent has already deleted this pod's object.
func (a *Agent) wasFinalized(uid types.UID) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.finalized[uid]
}

func (a *Agent) markFinalized(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.finalized[uid] = true
}

func (a *Agent) unmarkFinalized(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.finalized, uid)
}

func (a *Agent) enqueue(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		a.queue.Add(key)
	}
}

// stopEverything kills every pod's processes at shutdown
// (StopPodsOnExit), adopted or not yet.
func (a *Agent) stopEverything() {
	a.mu.Lock()
	all := a.state
	a.state = map[string]*pod{}
	left := a.adoptions
	a.adoptions = nil
	a.mu.Unlock()
	for _, ad := range left {
		ad.sandbox.Stop()
	}
	for _, st := range all {
		st.mu.Lock()
		a.killNow(st)
		st.mu.Unlock()
	}
}

// lockPod returns key's record with its lock held, or nil if there is none;
// the caller unlocks st.mu.
func (a *Agent) lockPod(key string) *pod {
	a.mu.Lock()
	st := a.state[key]
	a.mu.Unlock()
	if st != nil {
		st.mu.Lock()
	}
	return st
}

func (a *Agent) log(format string, args ...interface{}) {
	klog.InfoDepth(1, fmt.Sprintf("agent %s: ", a.cfg.NodeName)+fmt.Sprintf(format, args...))
}
