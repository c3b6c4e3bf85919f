package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// These tests use the machine's own network namespace (the proxy's
// listeners are plain sockets of the calling process), on an interface of
// their own holding addresses of 198.18.0.0/15 (reserved for testing), and
// backends on 127.0.0.1. The interface is deleted at the end.

const clusterIP = "198.18.7.10"

type fixture struct {
	t         *testing.T
	name      string
	svcs, eps cache.Indexer
	p         *Proxier
}

func newFixture(t *testing.T) *fixture {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create interfaces")
	}
	f := &fixture{t: t, name: fmt.Sprintf("ordo-pt%d", os.Getpid()%100000),
		svcs: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}),
		eps:  cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})}
	t.Cleanup(func() {
		if l, err := netlink.LinkByName(f.name); err == nil {
			_ = netlink.LinkDel(l)
		}
	})
	f.p = f.newProxier()
	// The proxier's listeners stay bound to the ClusterIP after its
	// address is gone: unclosed, they would hold the next test's port
	// in this process (go test -count=2: "address already in use").
	// Stopping twice is harmless.
	t.Cleanup(func() { f.p.stop() })
	return f
}

func (f *fixture) newProxier() *Proxier {
	p, err := New(Config{Interface: f.name, Services: corelisters.NewServiceLister(f.svcs), Endpoints: func(ns, name string) *corev1.Endpoints {
		ep, err := corelisters.NewEndpointsLister(f.eps).Endpoints(ns).Get(name)
		if err != nil {
			return nil
		}
		return ep
	}})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.p.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func (f *fixture) service(proto corev1.Protocol) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: corev1.ServiceSpec{ClusterIP: clusterIP, Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: proto}}}}
	if err := f.svcs.Add(svc); err != nil {
		f.t.Fatal(err)
	}
	f.p.Trigger()
}

// endpoints sets the Service's ready backends, all on 127.0.0.1.
func (f *fixture) endpoints(proto corev1.Protocol, ports ...int) {
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}
	for _, p := range ports {
		ep.Subsets = append(ep.Subsets, corev1.EndpointSubset{Addresses: []corev1.EndpointAddress{{IP: "127.0.0.1"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: int32(p), Protocol: proto}}})
	}
	if err := f.eps.Update(ep); err != nil {
		f.t.Fatal(err)
	}
	f.p.Trigger()
}

// backend serves its name to every TCP connection until the test ends.
func backend(t *testing.T, name string) int {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, name)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort is a loopback port nothing listens on: connects are refused.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// fetch connects to the ClusterIP and returns what the backend said.
func fetch() (string, error) {
	c, err := net.DialTimeout("tcp4", net.JoinHostPort(clusterIP, "80"), 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	return string(b), err
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out: %s", what)
}

// sync is called directly: every step is applied before the next fetch,
// so no connection is ever attempted before its address is local (it would
// otherwise follow the host's default route).
func TestProxyTCP(t *testing.T) {
	f := newFixture(t)
	a, b := backend(t, "a"), backend(t, "b")
	f.service(corev1.ProtocolTCP)
	f.endpoints(corev1.ProtocolTCP, a, b, closedPort(t))
	f.sync()

	seen := map[string]int{}
	for range 12 {
		s, err := fetch()
		if err != nil || (s != "a" && s != "b") {
			t.Fatalf("fetch = %q, %v: a refusing backend must be skipped", s, err)
		}
		seen[s]++
	}
	if seen["a"] == 0 || seen["b"] == 0 {
		t.Errorf("not load-balanced: %v", seen)
	}

	f.endpoints(corev1.ProtocolTCP, b)
	f.sync()
	for range 4 {
		if s, err := fetch(); s != "b" {
			t.Fatalf("after the endpoints changed to b only: %q, %v", s, err)
		}
	}

	f.endpoints(corev1.ProtocolTCP)
	f.sync()
	if _, err := fetch(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("no endpoints: %v, want connection refused", err)
	}
	if !f.holds(clusterIP) {
		t.Error("the ClusterIP left the interface while the Service exists")
	}

	if err := f.svcs.Delete(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if f.holds(clusterIP) {
		t.Error("address kept after the Service was deleted")
	}
}

// Run syncs on triggers and deletes the interface when it returns.
func TestRunSyncsAndCleansUp(t *testing.T) {
	f := newFixture(t)
	stop := f.run()
	f.service(corev1.ProtocolTCP)
	eventually(t, "a trigger syncs the ClusterIP onto the interface", func() bool { return f.holds(clusterIP) })
	stop()
	if _, err := netlink.LinkByName(f.name); err == nil {
		t.Error("interface left after Run returned")
	}
}

func (f *fixture) sync() {
	f.t.Helper()
	if err := f.p.sync(); err != nil {
		f.t.Fatal(err)
	}
}

func TestProxyUDP(t *testing.T) {
	f := newFixture(t)
	echo, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := echo.ReadFromUDP(buf)
			if err != nil {
				return
			}
			_, _ = echo.WriteToUDP(append([]byte("echo:"), buf[:n]...), from)
		}
	}()
	f.service(corev1.ProtocolUDP)
	f.endpoints(corev1.ProtocolUDP, echo.LocalAddr().(*net.UDPAddr).Port)
	f.sync()
	eventually(t, "UDP answered through the ClusterIP", func() bool {
		c, err := net.Dial("udp4", net.JoinHostPort(clusterIP, "80"))
		if err != nil {
			return false
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Write([]byte("hi")); err != nil {
			return false
		}
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		return err == nil && string(buf[:n]) == "echo:hi"
	})
}

// A proxier that was never stopped (kill -9) leaves its interface and
// addresses; the next New starts from nothing.
func TestNewRemovesLeftovers(t *testing.T) {
	f := newFixture(t)
	f.service(corev1.ProtocolTCP)
	if err := f.p.sync(); err != nil {
		t.Fatal(err)
	}
	if !f.holds(clusterIP) {
		t.Fatal("sync did not add the ClusterIP")
	}
	killed := f.p
	t.Cleanup(killed.stop) // its listeners, in this process
	f.p = f.newProxier()
	if f.holds(clusterIP) {
		t.Error("stale ClusterIP survived a restart")
	}
	f.p.stop()
	if _, err := netlink.LinkByName(f.name); err == nil {
		t.Error("stop left the interface")
	}
}

func TestForeignInterfaceIsNotDeleted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	name := "ordo-pf" + strconv.Itoa(os.Getpid()%100000)
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = netlink.LinkDel(&netlink.Bridge{LinkAttrs: attrs}) }()
	if _, err := New(Config{Interface: name}); err == nil {
		t.Fatal("New took over a foreign interface")
	}
	if _, err := netlink.LinkByName(name); err != nil {
		t.Errorf("foreign interface deleted: %v", err)
	}
}

func (f *fixture) holds(ip string) bool {
	l, err := netlink.LinkByName(f.name)
	if err != nil {
		return false
	}
	addrs, _ := netlink.AddrList(l, netlink.FAMILY_V4)
	for _, a := range addrs {
		if a.IP.String() == ip {
			return true
		}
	}
	return false
}
