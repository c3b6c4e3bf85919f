package node

import (
	"context"
	"net"

	"github.com/ordo-dev/ordo/internal/network/dns"
	"github.com/ordo-dev/ordo/internal/network/proxy"
	"github.com/ordo-dev/ordo/internal/network/svcendpoints"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// nodeServices are the agent's cluster DNS server and service proxy, fed by
// one informer factory over Services, EndpointSlices, Endpoints and Pods. Either may be
// missing (bind or netlink failure); the other still runs.
type nodeServices struct {
	factory informers.SharedInformerFactory
	dns     *dns.Server
	proxy   *proxy.Proxier
	synced  []cache.InformerSynced
}

// newNodeServices binds the DNS server to gateway:53 and creates the
// service interface. clusterDNS is what ClusterFirst pods get as their
// nameserver: the gateway, when the DNS server could bind there.
func newNodeServices(client kubernetes.Interface, gateway net.IP, po proxyOptions) (s *nodeServices, clusterDNS []string) {
	f := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(dropManagedFields))
	core := f.Core().V1()
	if err := core.Pods().Informer().AddIndexers(dns.PodIPIndexers); err != nil {
		klog.Errorf("agent: dns: %v", err)
	}
	endpoints, err := svcendpoints.New(f)
	if err != nil {
		klog.Errorf("agent: service endpoints: %v", err)
	}
	s = &nodeServices{factory: f, synced: append([]cache.InformerSynced{
		core.Services().Informer().HasSynced, core.Pods().Informer().HasSynced,
	}, endpoints.Synced...)}
	addr := net.JoinHostPort(gateway.String(), "53")
	d, err := dns.Listen(dns.Config{
		Addr:      addr,
		Upstreams: dns.UpstreamsFromResolvConf("/etc/resolv.conf", addr),
		Source:    dns.Source{Services: core.Services().Lister(), Endpoints: endpoints.Get, Pods: core.Pods().Informer().GetIndexer()},
	})
	if err != nil {
		klog.Warningf("agent: no cluster DNS, pods get the host's resolv.conf: %v", err)
	} else {
		s.dns, clusterDNS = d, []string{gateway.String()}
	}
	p, err := proxy.New(proxy.Config{Interface: po.serviceInterface, Services: core.Services().Lister(), Endpoints: endpoints.Get,
		NodePortAddresses: po.nodePortAddresses})
	if err == nil {
		err = p.Watch(f)
	}
	if err != nil {
		klog.Warningf("agent: no service proxy, ClusterIPs are not reachable: %v", err)
	} else {
		s.proxy = p
	}
	return s, clusterDNS
}

// run serves until ctx is done. DNS answers only once the caches are
// synced (queries wait in the socket until then), so a restarted agent never
// calls an existing Service unknown. On return both sockets are closed and
// the service interface is gone, also when ctx ends before the sync.
func (s *nodeServices) run(ctx context.Context) {
	s.factory.Start(ctx.Done())
	defer s.factory.Shutdown()
	cache.WaitForCacheSync(ctx.Done(), s.synced...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s.proxy != nil {
			s.proxy.Trigger()
			s.proxy.Run(ctx)
		}
	}()
	if s.dns != nil {
		s.dns.Serve(ctx)
	}
	<-done
}

// dropManagedFields keeps server-side apply's bookkeeping out of the node
// services' caches, as the controllers' (package server) do: neither the
// DNS server nor the proxy reads it, and it is a large share of each cached
// object.
func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
