// Package server runs `ordo server`: it makes sure the PKI exists, starts
// embedded etcd (unless an external cluster is given), builds the API server
// and, once it serves, bootstraps the built-in namespaces and starts the
// controllers under a leader-election lease. That is the control plane;
// unless --no-agent it also runs a node for its own machine, assembled by
// package node with the loopback client.
package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/admission/tolerationseconds"
	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/apiserver"
	"github.com/ordo-dev/ordo/internal/controller/csrsigning"
	"github.com/ordo-dev/ordo/internal/controller/nodeipam"
	"github.com/ordo-dev/ordo/internal/dashboard"
	"github.com/ordo-dev/ordo/internal/datadir"
	"github.com/ordo-dev/ordo/internal/node"
	"github.com/ordo-dev/ordo/internal/pki"
	"github.com/ordo-dev/ordo/internal/registry"
	"github.com/ordo-dev/ordo/internal/selfmem"
	"github.com/ordo-dev/ordo/internal/storage/alloc"
	"github.com/ordo-dev/ordo/internal/storage/etcd"
	clientv3 "go.etcd.io/etcd/client/v3"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/klog/v2"
)

// Options are `ordo server`'s settings.
type Options struct {
	DataDir     string
	Listen      string
	EtcdServers []string
	// EtcdCompactionInterval is kube-apiserver's --etcd-compaction-interval.
	EtcdCompactionInterval time.Duration
	// RuntimeHandlerAliases are more RuntimeClass handler names for ordo's
	// runtime (--runtime-handler-aliases).
	RuntimeHandlerAliases []string
	ServiceCIDR           string
	// NodePorts is the inclusive node port range, Kubernetes' 30000-32767.
	NodePorts alloc.PortRange
	// NoAgent runs no local agent: this server schedules pods to others.
	NoAgent bool
	// Node is the local agent's node. Its DataDir and Listen are the
	// server's: its data directory, and loopback.
	Node node.Options
	// NodeMonitorGracePeriod is how long a node's agent may go without a
	// heartbeat before its Node is Unknown (package nodelifecycle).
	NodeMonitorGracePeriod time.Duration
	// TolerationSeconds are --default-not-ready-toleration-seconds and
	// --default-unreachable-toleration-seconds: the DefaultTolerationSeconds
	// admission's tolerations, after which the taint manager evicts the
	// pods of a lost node.
	TolerationSeconds tolerationseconds.Seconds
	// Cluster makes the embedded etcd one member of several servers'.
	Cluster ClusterOptions
	// NodeCIDRs is how Nodes get their pod ranges (package nodeipam).
	NodeCIDRs nodeipam.Config
	// AllocateNodeCIDRs runs that allocation (--allocate-node-cidrs).
	AllocateNodeCIDRs bool
}

// DefaultOptions are the embedded defaults.
func DefaultOptions() Options {
	return Options{
		Listen:            "127.0.0.1:6443",
		ServiceCIDR:       "10.43.0.0/16",
		NodePorts:         alloc.PortRange{First: 30000, Last: 32767},
		Node:              node.DefaultOptions(),
		Cluster:           ClusterOptions{EtcdClientPort: 2379, EtcdPeerPort: 2380},
		NodeCIDRs:         nodeipam.Config{ClusterCIDR: nodeipam.DefaultClusterCIDR, NodeMaskSize: nodeipam.DefaultNodeMaskSize},
		AllocateNodeCIDRs: true,
	}
}

// Run serves until ctx is cancelled, then shuts down in order: the work
// inside the process (controllers, agent) first, then the API server
// (draining requests, ending watches), then etcd.
func Run(ctx context.Context, o Options) error {
	started := time.Now()
	// The local node's error (a --pod-cidr its Node does not hold) stops
	// the server with that error.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	selfmem.TrimOwnText()
	if err := o.Node.Check(); err != nil {
		return err
	}
	dir := datadir.Resolve(o.DataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := nodeipam.CheckRanges(o.NodeCIDRs); err != nil {
		return err
	}
	serviceCIDR, err := alloc.NewCIDRRange(o.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	nodeName, err := node.Name(o.Node.NodeName)
	if err != nil {
		return err
	}
	claims, err := claimServer(o, node.AbsDir(dir), nodeName)
	if err != nil {
		return err
	}
	defer claims.Release()
	if err := o.Cluster.validate(o.Listen, o.EtcdServers); err != nil {
		return err
	}
	files := pki.Files{Dir: datadir.PKI(dir)}
	var joinURLs []string
	if o.Cluster.Join != "" && !etcd.HasData(datadir.Etcd(dir)) {
		if joinURLs, err = fetchJoin(ctx, o.Cluster, files, o.ServiceCIDR); err != nil {
			return err
		}
	}
	if err := ensurePKI(files, o.Listen, serviceCIDR.First()); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	var endpoints []string
	var stopEtcd func()
	if o.Cluster.Enabled() {
		endpoints, stopEtcd, err = startClusterEtcd(ctx, dir, o, files, nodeName, joinURLs)
	} else {
		endpoints, stopEtcd, err = startEtcd(ctx, dir, o.EtcdServers)
	}
	if err != nil {
		return err
	}
	defer stopEtcd()
	etcdClient, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 10 * time.Second, Logger: quietZap()})
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer etcdClient.Close()

	regCfg, err := registryConfig(o, etcdClient)
	if err != nil {
		return err
	}
	agentClientTLS, err := files.AgentClientTLS()
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	nodeToken, err := files.ReadNodeToken()
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	agentToken, err := files.ReadAgentToken()
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	srv, err := apiserver.New(apiserver.Config{
		AgentClientTLS:        agentClientTLS,
		NodeToken:             nodeToken,
		AgentToken:            agentToken,
		ServiceAccountKeyFile: files.ServiceAccountKey(),
		FrontProxy: &apiserver.FrontProxy{CACertFile: files.FrontProxyCACert(), ClientCertFile: files.FrontProxyClientCert(),
			ClientKeyFile: files.FrontProxyClientKey(), AllowedName: pki.FrontProxyClientName},
		Listen:                 o.Listen,
		CACertFile:             files.CACert(),
		ServingCertFile:        files.ServingCert(),
		ServingKeyFile:         files.ServingKey(),
		EtcdServers:            endpoints,
		EtcdCompactionInterval: o.EtcdCompactionInterval,
		RuntimeHandlerAliases:  o.RuntimeHandlerAliases,
		TolerationSeconds:      &o.TolerationSeconds,
		Registry:               regCfg.Config,
		Scheme:                 regCfg.SchemeSet,
		LongRunningPaths:       []string{dashboard.LivePath},
	})
	if err != nil {
		return fmt.Errorf("api server: %w", err)
	}
	if o.Cluster.Enabled() {
		h := clusterHandlers{files: files, etcd: etcdClient, serviceCIDR: o.ServiceCIDR}
		srv.Generic.Handler.NonGoRestfulMux.HandleFunc(JoinPath, h.join)
		srv.Generic.Handler.NonGoRestfulMux.HandlePrefix(MembersPath+"/", http.HandlerFunc(h.removeMember))
	}
	dash, err := mountDashboard(srv)
	if err != nil {
		return err
	}
	// The controllers, the agent (which stops its pods before Run returns)
	// and the kubernetes Service loop stop first, then the API server.
	w := newWork(ctx)
	defer w.stopAndWait()
	kubeconfig := datadir.Kubeconfig(dir)
	if err := pki.WriteAdminKubeconfig(files, "https://"+clientAddress(o.Listen), kubeconfig); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	namespaces := make(chan struct{})
	srv.Generic.AddPostStartHookOrDie("ordo-bootstrap", func(hctx genericapiserver.PostStartHookContext) error {
		apiService, err := newKubernetesService(srv.Loopback, regCfg.ServiceIPFirst, o.Listen)
		if err != nil {
			return err
		}
		if err := bootstrap(hctx, srv.Loopback, apiService, o.ServiceCIDR, o.Cluster.Enabled() || len(o.EtcdServers) > 0, func() { close(namespaces) }); err != nil {
			return err
		}
		w.goRun(apiService.run)
		klog.Infof("ordo ready in %s: API https://%s, data %s, kubeconfig %s", time.Since(started).Round(time.Millisecond), clientAddress(o.Listen), dir, kubeconfig)
		fmt.Fprintf(os.Stderr, "ordo: serving https://%s (data dir %s)\n", clientAddress(o.Listen), dir)
		fmt.Fprintf(os.Stderr, "ordo: join another machine with: ordo agent --server https://%s --token $(cat %s) --ca-cert %s\n",
			clientAddress(o.Listen), files.AgentToken(), files.CACert())
		if o.Cluster.Enabled() {
			fmt.Fprintf(os.Stderr, "ordo: add a server with: ordo server --join https://%s --token $(cat %s) --ca-cert %s\n",
				clientAddress(o.Listen), files.NodeToken(), files.CACert())
		}
		fmt.Fprintf(os.Stderr, "ordo: admin kubeconfig %s\n", kubeconfig)
		return nil
	})
	identity, err := serverIdentity(dir)
	if err != nil {
		return fmt.Errorf("server identity: %w", err)
	}
	caPEM, err := os.ReadFile(files.CACert())
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	caCert, caKey, err := files.LoadCA()
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	srv.Generic.AddPostStartHookOrDie("ordo-dashboard", func(genericapiserver.PostStartHookContext) error {
		w.goRun(dash.Run)
		return nil
	})
	srv.Generic.AddPostStartHookOrDie("ordo-controllers", func(genericapiserver.PostStartHookContext) error {
		w.goRun(func(ctx context.Context) {
			runControllers(ctx, srv.Generic.LoopbackClientConfig, identity, controllerInputs{namespaces: namespaces, volumesDir: datadir.Volumes(dir), localNode: ownNodeName(o, nodeName), caPEM: caPEM,
				ca:         csrsigning.CA{Cert: caCert, Key: caKey},
				serviceIPs: regCfg.serviceIPs, nodePorts: regCfg.nodePorts, nodeGrace: o.NodeMonitorGracePeriod,
				nodeCIDRs: nodeCIDRs(o)})
		})
		return nil
	})
	if !o.NoAgent {
		n, err := localNode(o.Node, dir, files, srv.Loopback, o.Cluster.Enabled())
		if err != nil {
			return err
		}
		srv.Generic.AddPostStartHookOrDie("ordo-agent", func(genericapiserver.PostStartHookContext) error {
			w.goRun(func(ctx context.Context) {
				if err := n.Run(ctx); err != nil {
					// Logged too: a stop during the API's start-up hooks
					// may end the process before Run returns the cause.
					klog.FromContext(ctx).Error(err, "This server's node cannot run; stopping")
					fail(err)
				}
			})
			return nil
		})
	}
	err = srv.Run(w.serverContext(ctx, srv.StopInformers))
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
		return cause
	}
	return err
}

// ensurePKI makes the certificates. The serving certificate names the
// `kubernetes` Service's ClusterIP (the first of the service range) and its
// DNS names, as kube-apiserver's does: pods reach the API through that
// Service (KUBERNETES_SERVICE_HOST) and verify it with their ca.crt.
func ensurePKI(files pki.Files, listen, kubernetesServiceIP string) error {
	hosts := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(kubernetesServiceIP)}
	if host, _, err := net.SplitHostPort(listen); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.Equal(ips[0]) {
			ips = append(ips, ip)
		}
	}
	return pki.Ensure(files, hosts, ips)
}

// startEtcd starts the embedded member unless external servers were given.
func startEtcd(ctx context.Context, dir string, external []string) ([]string, func(), error) {
	if len(external) > 0 {
		return external, func() {}, nil
	}
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{
		DataDir:   datadir.Etcd(dir),
		ClientURL: "http://127.0.0.1:0",
		PeerURL:   "http://127.0.0.1:0",
	})
	if err != nil {
		return nil, nil, err
	}
	return []string{e.ClientURL()}, e.Close, nil
}

// serverRegistryConfig is the registry configuration plus what bootstrap needs.
type serverRegistryConfig struct {
	registry.Config
	SchemeSet      scheme.Set
	ServiceIPFirst string
	// serviceIPs and nodePorts are the registry's allocators, which the
	// repair controller keeps in line with the Services.
	serviceIPs, nodePorts *alloc.Allocator
}

func registryConfig(o Options, kv clientv3.KV) (serverRegistryConfig, error) {
	cidr, err := alloc.NewCIDRRange(o.ServiceCIDR)
	if err != nil {
		return serverRegistryConfig{}, fmt.Errorf("--service-cidr: %w", err)
	}
	set := scheme.New(registry.SchemeGroups())
	ips := alloc.New(kv, "/registry/ordo/ranges/serviceips/", cidr)
	ports := alloc.New(kv, "/registry/ordo/ranges/servicenodeports/", o.NodePorts)
	return serverRegistryConfig{
		Config: registry.Config{
			Scheme:     set.Scheme,
			ServiceIPs: ips,
			NodePorts:  ports,
		},
		SchemeSet:      set,
		ServiceIPFirst: cidr.First(),
		serviceIPs:     ips,
		nodePorts:      ports,
	}, nil
}

// clientAddress is the address clients dial: loopback for a wildcard listen.
func clientAddress(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// SplitList splits a comma-separated flag value, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// nodeCIDRs is the node CIDR allocator's configuration, nil with
// --allocate-node-cidrs=false.
func nodeCIDRs(o Options) *nodeipam.Config {
	if !o.AllocateNodeCIDRs {
		return nil
	}
	c := o.NodeCIDRs
	return &c
}
