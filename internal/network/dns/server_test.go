package dns

import (
	"context"
	"net"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// fixture: a ClusterIP Service with a named port, a headless Service with
// two StatefulSet-style endpoints (one not ready), an ExternalName Service
// and one pod, served on loopback by a real server.
func fixture(t *testing.T, upstreams ...string) string {
	t.Helper()
	s, err := Listen(Config{Addr: "127.0.0.1:0", Upstreams: upstreams, Source: testSource(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s.Addr()
}

// testSource is a namespace "team" with a ClusterIP Service web, a
// headless db with ready and not-ready endpoints, an ExternalName ext and
// a pod p.
func testSource(t testing.TB) Source {
	t.Helper()
	svcs := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	eps := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	pods := cache.NewIndexer(cache.MetaNamespaceKeyFunc, PodIPIndexers)
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: "team"} }
	for _, s := range []*corev1.Service{
		{ObjectMeta: meta("web"), Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.20", Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}}},
		{ObjectMeta: meta("db"), Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: []corev1.ServicePort{{Name: "pg", Port: 5432, Protocol: corev1.ProtocolTCP}}}},
		{ObjectMeta: meta("ext"), Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.org"}},
	} {
		must(t, svcs.Add(s))
	}
	must(t, eps.Add(&corev1.Endpoints{ObjectMeta: meta("db"), Subsets: []corev1.EndpointSubset{{
		Addresses:         []corev1.EndpointAddress{{IP: "10.42.0.7", Hostname: "db-0"}, {IP: "10.42.0.8"}},
		NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.42.0.9", Hostname: "db-2"}},
		Ports:             []corev1.EndpointPort{{Name: "pg", Port: 5433, Protocol: corev1.ProtocolTCP}},
	}}}))
	must(t, pods.Add(&corev1.Pod{ObjectMeta: meta("p"), Status: corev1.PodStatus{PodIP: "10.42.0.5"}}))
	return Source{Services: corelisters.NewServiceLister(svcs), Endpoints: lookup(corelisters.NewEndpointsLister(eps)), Pods: pods}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ask(t *testing.T, server, name string, qtype uint16, network string) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network}
	r, _, err := c.Exchange(new(dns.Msg).SetQuestion(name, qtype), server)
	if err != nil {
		t.Fatalf("%s %s: %v", dns.TypeToString[qtype], name, err)
	}
	return r
}

// values renders answers as sorted strings: A → IP, SRV → "port target",
// CNAME → target, PTR → name.
func values(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, v.A.String())
		case *dns.SRV:
			out = append(out, strconv.Itoa(int(v.Port))+" "+v.Target)
		case *dns.CNAME:
			out = append(out, v.Target)
		case *dns.PTR:
			out = append(out, v.Ptr)
		}
	}
	sort.Strings(out)
	return out
}

func TestClusterNames(t *testing.T) {
	server := fixture(t)
	cases := []struct {
		name  string
		qtype uint16
		rcode int
		want  []string
	}{
		{"web.team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.43.0.20"}},
		{"WEB.Team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.43.0.20"}},
		{"web.team.svc.cluster.local.", dns.TypeAAAA, dns.RcodeSuccess, nil},
		{"db.team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.42.0.7", "10.42.0.8"}},
		{"db-0.db.team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.42.0.7"}},
		{"10-42-0-8.db.team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.42.0.8"}},
		{"db-2.db.team.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil}, // not ready
		{"_http._tcp.web.team.svc.cluster.local.", dns.TypeSRV, dns.RcodeSuccess, []string{"80 web.team.svc.cluster.local."}},
		{"_pg._tcp.db.team.svc.cluster.local.", dns.TypeSRV, dns.RcodeSuccess,
			[]string{"5433 10-42-0-8.db.team.svc.cluster.local.", "5433 db-0.db.team.svc.cluster.local."}},
		{"_http._udp.web.team.svc.cluster.local.", dns.TypeSRV, dns.RcodeNameError, nil},
		{"ext.team.svc.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"example.org."}},
		{"10-42-0-5.team.pod.cluster.local.", dns.TypeA, dns.RcodeSuccess, []string{"10.42.0.5"}},
		{"10-42-0-5.other.pod.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"20.0.43.10.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, []string{"web.team.svc.cluster.local."}},
		{"7.0.42.10.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, []string{"db-0.db.team.svc.cluster.local."}},
		{"nope.team.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"web.team.svc.cluster.local.team.svc.cluster.local.", dns.TypeA, dns.RcodeNameError, nil},
		{"cluster.local.", dns.TypeA, dns.RcodeSuccess, nil},
	}
	for _, tc := range cases {
		for _, network := range []string{"udp", "tcp"} {
			r := ask(t, server, tc.name, tc.qtype, network)
			if r.Rcode != tc.rcode || !equal(values(r), tc.want) {
				t.Errorf("%s %s over %s: rcode %s answers %v, want %s %v", dns.TypeToString[tc.qtype], tc.name, network,
					dns.RcodeToString[r.Rcode], values(r), dns.RcodeToString[tc.rcode], tc.want)
			}
			if len(r.Answer) == 0 && (len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA) {
				t.Errorf("%s: empty answer without SOA: %v", tc.name, r.Ns)
			}
			if !r.Authoritative {
				t.Errorf("%s: not authoritative", tc.name)
			}
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Names outside the zone go to the upstream (a real server on loopback
// here), and get SERVFAIL without one.
func TestForwarding(t *testing.T) {
	up := upstream(t)
	r := ask(t, fixture(t, up), "example.org.", dns.TypeA, "udp")
	if r.Rcode != dns.RcodeSuccess || !equal(values(r), []string{"192.0.2.1"}) {
		t.Errorf("forwarded: %s %v", dns.RcodeToString[r.Rcode], values(r))
	}
	r = ask(t, fixture(t), "example.org.", dns.TypeA, "udp")
	if r.Rcode != dns.RcodeServerFailure {
		t.Errorf("no upstream: %s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
}

func upstream(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg).SetReply(req)
		m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)}}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestListenRefusesWildcard(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if _, err := Listen(Config{Addr: addr}); err == nil {
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

func TestUpstreamsFromResolvConf(t *testing.T) {
	path := t.TempDir() + "/resolv.conf"
	must(t, writeFile(path, "search example.org\nnameserver 192.0.2.53\nnameserver 10.42.0.1\noptions ndots:2\n"))
	got := UpstreamsFromResolvConf(path, "10.42.0.1:53")
	if !equal(got, []string{"192.0.2.53:53"}) {
		t.Errorf("upstreams = %v", got)
	}
}

// lookup reads Endpoints from a lister, as the agent's svcendpoints view
// does for a Service without EndpointSlices.
func lookup(l corelisters.EndpointsLister) func(ns, name string) *corev1.Endpoints {
	return func(ns, name string) *corev1.Endpoints {
		ep, err := l.Endpoints(ns).Get(name)
		if err != nil {
			return nil
		}
		return ep
	}
}
