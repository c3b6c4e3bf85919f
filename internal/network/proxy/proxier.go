package proxy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// Config says which interface holds the ClusterIPs and where Services and
// Endpoints come from.
type Config struct {
	// Interface is the name of the link that holds ClusterIPs
	// (DefaultInterface when empty); one per agent on a machine.
	Interface string
	Services  corelisters.ServiceLister
	// Endpoints finds a Service's endpoints (see package svcendpoints).
	Endpoints EndpointsGetter
	// NodePortAddresses are the node's addresses NodePort Services are
	// served on (kube-proxy's --nodeport-addresses); none serves no node
	// ports.
	NodePortAddresses []string
}

// Proxier keeps the interface's addresses and the listeners in step with
// Services and Endpoints. One goroutine (Run) does every change.
type Proxier struct {
	cfg     Config
	h       *netlink.Handle
	link    netlink.Link
	trigger chan struct{}
	conns   *connSet
	ports   map[portKey]*openPort
}

// openPort is a listener and its backends.
type openPort struct {
	rr    *roundRobin
	close func()
}

// New deletes whatever an earlier run left and creates the interface.
func New(c Config) (*Proxier, error) {
	if c.Interface == "" {
		c.Interface = DefaultInterface
	}
	// A handle bound to this (the host) namespace, whatever thread runs later.
	runtime.LockOSThread()
	h, err := netlink.NewHandle()
	runtime.UnlockOSThread()
	if err != nil {
		return nil, fmt.Errorf("proxy: netlink: %w", err)
	}
	l, err := resetInterface(h, c.Interface)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return &Proxier{cfg: c, h: h, link: l, trigger: make(chan struct{}, 1), conns: newConnSet(), ports: map[portKey]*openPort{}}, nil
}

// Watch makes every Service, Endpoints and EndpointSlice change trigger a
// sync.
func (p *Proxier) Watch(f informers.SharedInformerFactory) error {
	h := cache.ResourceEventHandlerFuncs{
		AddFunc: func(interface{}) { p.Trigger() }, UpdateFunc: func(_, _ interface{}) { p.Trigger() },
		DeleteFunc: func(interface{}) { p.Trigger() },
	}
	_, err1 := f.Core().V1().Services().Informer().AddEventHandler(h)
	_, err2 := f.Core().V1().Endpoints().Informer().AddEventHandler(h)
	_, err3 := f.Discovery().V1().EndpointSlices().Informer().AddEventHandler(h)
	return errors.Join(err1, err2, err3)
}

// Trigger asks for a sync; triggers coalesce.
func (p *Proxier) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Run syncs on every trigger until ctx is done, retrying a failed sync
// after a second, then closes everything and deletes the interface.
func (p *Proxier) Run(ctx context.Context) {
	defer p.stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.trigger:
		case <-retry.C:
		}
		if err := p.sync(); err != nil {
			klog.Warningf("proxy: %v (retrying)", err)
			retry.Reset(time.Second)
		}
	}
}

// sync computes the table and applies it: addresses first (a listener
// needs its address), then listeners.
func (p *Proxier) sync() error {
	svcs, err := p.cfg.Services.List(labels.Everything())
	if err != nil {
		return err
	}
	t := desired(svcs, p.cfg.Endpoints, p.cfg.NodePortAddresses)
	addrErr := syncAddresses(p.h, p.link, t.ips)
	return errors.Join(addrErr, p.syncPorts(t))
}

// syncPorts closes listeners of vanished ports, updates backends of kept
// ones and opens new ones.
func (p *Proxier) syncPorts(t table) error {
	for k, op := range p.ports {
		if _, ok := t.ports[k]; !ok {
			op.close()
			delete(p.ports, k)
		}
	}
	var errs []error
	for k, backends := range t.ports {
		if op := p.ports[k]; op != nil {
			op.rr.set(backends.list, backends.affinity)
			continue
		}
		op, err := p.open(k, backends)
		if err != nil {
			errs = append(errs, fmt.Errorf("listen %s/%s: %w", k.addr(), k.proto, err))
			continue
		}
		p.ports[k] = op
	}
	return errors.Join(errs...)
}

func (p *Proxier) open(k portKey, backends portBackends) (*openPort, error) {
	rr := &roundRobin{}
	rr.set(backends.list, backends.affinity)
	if k.proto == corev1.ProtocolUDP {
		u, err := listenUDP(k.addr(), rr)
		if err != nil {
			return nil, err
		}
		return &openPort{rr: rr, close: u.close}, nil
	}
	tp, err := listenTCP(k.addr(), rr, p.conns)
	if err != nil {
		return nil, err
	}
	return &openPort{rr: rr, close: tp.close}, nil
}

// stop closes listeners and connections and deletes the interface.
func (p *Proxier) stop() {
	for k, op := range p.ports {
		op.close()
		delete(p.ports, k)
	}
	p.conns.closeAll()
	if err := removeInterface(p.h, p.cfg.Interface); err != nil {
		klog.Warningf("proxy: %v", err)
	}
	p.h.Close()
}
