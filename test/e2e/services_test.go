package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// backendPod serves "hello from <name>" over HTTP on 0.0.0.0:8080 of its
// own network namespace, named port "http", ready while /tmp/ready exists;
// the server touches it once it listens (touching it before python
// started let a check right after Ready find the port closed).
func backendPod(name, labels string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, labels: {` + labels + `}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: python
    ports: [{name: http, containerPort: 8080}]
    command: [sh, -c, 'mkdir -p /tmp/www && echo hello from ` + name + ` > /tmp/www/index.html && exec /usr/bin/python3 -c "$0"',
      'import functools, http.server, pathlib;
      handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/tmp/www");
      server = http.server.ThreadingHTTPServer(("", 8080), handler);
      pathlib.Path("/tmp/ready").touch();
      server.serve_forever()']
    readinessProbe:
      exec: {command: [test, -f, /tmp/ready]}
      periodSeconds: 1
`
}

// sleeperPod is a client to exec commands in; hostname/subdomain make it a
// member of a headless Service when given.
func sleeperPod(name, labels, hostname, subdomain string) string {
	y := `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, labels: {` + labels + `}}
spec:
  terminationGracePeriodSeconds: 1
`
	if hostname != "" {
		y += "  hostname: " + hostname + "\n  subdomain: " + subdomain + "\n"
	}
	return y + `  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
`
}

const webService = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`

// execIn runs a command in a pod and returns its stdout, failing on error.
func execIn(c *testcluster.T, pod string, args ...string) string {
	return c.Run(append([]string{"exec", pod, "--"}, args...)...)
}

// execErr runs a command in a pod and returns stdout and the error.
func execErr(c *testcluster.T, pod string, args ...string) (string, error) {
	out, _, err := c.Kubectl(context.Background(), "", append([]string{"exec", pod, "--"}, args...)...)
	return out, err
}

func waitReady(t *testing.T, c *testcluster.T, pods ...string) {
	t.Helper()
	c.Run(append([]string{"wait", "--for=condition=Ready", "--timeout=120s"}, prefixed("pod/", pods)...)...)
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

// resolve returns the IPv4 addresses getaddrinfo gives a pod for name
// (getent ahostsv4: the pod's resolv.conf, search path and ndots apply).
func resolve(c *testcluster.T, pod, name string) ([]string, error) {
	out, err := execErr(c, pod, "getent", "ahostsv4", name)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ips []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !seen[f[0]] {
			seen[f[0]] = true
			ips = append(ips, f[0])
		}
	}
	return ips, nil
}

func TestClusterDNS(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(backendPod("web", "app: web")+"---\n"+webService+"---\n"+sleeperPod("client", "role: client", "", "")+
		"---\n"+sleeperPod("db-0", "app: db", "db-0", "db")+`---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
`, "apply", "-f", "-")
	waitReady(t, c, "web", "client", "db-0")
	clusterIP := c.Run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
	db0 := waitPod(t, cs, "db-0", podReady, "db-0 ready").Status.PodIP

	conf := execIn(c, "client", "cat", "/etc/resolv.conf")
	gateway := nameserver(t, conf)
	for _, want := range []string{"search default.svc.cluster.local svc.cluster.local cluster.local", "options ndots:5"} {
		if !strings.Contains(conf, want) {
			t.Errorf("pod resolv.conf lacks %q:\n%s", want, conf)
		}
	}
	for name, want := range map[string]string{
		"web": clusterIP, "web.default": clusterIP, "web.default.svc.cluster.local": clusterIP,
		"db": db0, "db-0.db": db0, "db-0.db.default.svc.cluster.local": db0,
		strings.ReplaceAll(db0, ".", "-") + ".default.pod.cluster.local": db0,
	} {
		waitFor(t, func() bool {
			ips, err := resolve(c, "client", name)
			return err == nil && len(ips) == 1 && ips[0] == want
		},
			"the client pod resolves "+name+" to "+want)
	}
	if ips, err := resolve(c, "client", "nope.default.svc.cluster.local."); err == nil {
		t.Errorf("an unknown service resolved to %v", ips)
	}

	// The same server, asked directly from the node: NXDOMAIN carries the
	// zone's SOA, SRV names the service's port.
	r := query(t, gateway, "nope.default.svc.cluster.local.", dns.TypeA)
	if r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("unknown name: %s, authority %v; want NXDOMAIN with SOA", dns.RcodeToString[r.Rcode], r.Ns)
	}
	r = query(t, gateway, "_http._tcp.web.default.svc.cluster.local.", dns.TypeSRV)
	if len(r.Answer) != 1 || r.Answer[0].(*dns.SRV).Port != 80 || r.Answer[0].(*dns.SRV).Target != "web.default.svc.cluster.local." {
		t.Errorf("SRV: %v", r.Answer)
	}
	if addrs := socketsOnPort(t, c.Pid(), 53); len(addrs) != 2 || addrs[0] != gateway || addrs[1] != gateway {
		t.Errorf("the server's sockets on port 53 are bound to %v, want the gateway %s (udp and tcp) only", addrs, gateway)
	}
}

// socketsOnPort lists the local IPv4 addresses of pid's udp and tcp
// sockets bound to port, from /proc/net/{udp,tcp} and pid's descriptors.
func socketsOnPort(t *testing.T, pid, port int) []string {
	t.Helper()
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"/proc/net/udp", "/proc/net/tcp"} {
		data, err := os.ReadFile(table)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			hexIP, hexPort, _ := strings.Cut(f[1], ":")
			if p, _ := strconv.ParseUint(hexPort, 16, 16); int(p) != port {
				continue
			}
			v, _ := strconv.ParseUint(hexIP, 16, 32) // little-endian
			out = append(out, net.IPv4(byte(v), byte(v>>8), byte(v>>16), byte(v>>24)).String())
		}
	}
	return out
}

// nameserver is the first nameserver of a resolv.conf.
func nameserver(t *testing.T, conf string) string {
	t.Helper()
	for _, line := range strings.Split(conf, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "nameserver" {
			return f[1]
		}
	}
	t.Fatalf("no nameserver in:\n%s", conf)
	return ""
}

func query(t *testing.T, server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	r, _, err := new(dns.Client).Exchange(new(dns.Msg).SetQuestion(name, qtype), net.JoinHostPort(server, "53"))
	if err != nil {
		t.Fatalf("query %s at %s: %v", name, server, err)
	}
	return r
}

// fetchFrom runs an HTTP GET inside a pod and returns the body.
func fetchFrom(c *testcluster.T, pod, url string) (string, error) {
	out, err := execErr(c, pod, "python3", "-c",
		"import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())", url)
	return strings.TrimSpace(out), err
}

func TestServiceProxy(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(backendPod("web", "app: web")+"---\n"+webService+"---\n"+sleeperPod("client", "role: client", "", ""), "apply", "-f", "-")
	waitReady(t, c, "web", "client")
	clusterIP := c.Run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
	webIP := waitPod(t, cs, "web", podReady, "web ready").Status.PodIP
	waitFor(t, func() bool {
		return c.Run("get", "endpoints", "web", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}") == webIP+":8080"
	}, "Endpoints web lists the pod on its named port")
	slice := c.Run("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
		"jsonpath={.items[0].metadata.labels.endpointslice\\.kubernetes\\.io/managed-by} {.items[0].endpoints[0].addresses[0]}")
	if slice != "endpointslice-controller.k8s.io "+webIP {
		t.Errorf("EndpointSlice: %q", slice)
	}

	for _, url := range []string{"http://" + clusterIP + "/", "http://web/", "http://web.default.svc.cluster.local/"} {
		waitFor(t, func() bool { body, err := fetchFrom(c, "client", url); return err == nil && body == "hello from web" },
			"the client pod reaches "+url)
	}
	if body := httpGet(t, "http://"+clusterIP+"/"); strings.TrimSpace(body) != "hello from web" {
		t.Errorf("from the node: %q", body)
	}

	// Not ready: the address moves to notReadyAddresses and the ClusterIP
	// refuses connections.
	execIn(c, "web", "rm", "/tmp/ready")
	waitFor(t, func() bool {
		return c.Run("get", "endpoints", "web", "-o", "jsonpath={.subsets[0].notReadyAddresses[0].ip}") == webIP
	}, "web moves to notReadyAddresses")
	waitFor(t, func() bool { return !canConnect(net.JoinHostPort(clusterIP, "80")) }, "the ClusterIP refuses without ready endpoints")

	// A new backend takes over; the old one goes away.
	c.RunIn(backendPod("web2", "app: web"), "apply", "-f", "-")
	c.Run("delete", "pod", "web", "--wait=true")
	waitFor(t, func() bool {
		body, err := fetchFrom(c, "client", "http://web/")
		return err == nil && body == "hello from web2"
	},
		"the Service follows its new backend")
	if got := c.Run("get", "endpoints", "web", "-o", "jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].notReadyAddresses[*].ip}"); strings.Contains(got, webIP) {
		t.Errorf("deleted pod %s still in endpoints: %q", webIP, got)
	}

	// A Service without a selector, whose user writes the EndpointSlice
	// (and no Endpoints), is served from the slice, by name and ClusterIP.
	web2IP := waitPod(t, cs, "web2", podReady, "web2 ready").Status.PodIP
	c.RunIn(`apiVersion: v1
kind: Service
metadata: {name: manual}
spec:
  ports: [{port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: manual-1
  labels: {kubernetes.io/service-name: manual}
addressType: IPv4
ports: [{name: "", port: 8080, protocol: TCP}]
endpoints: [{addresses: [`+web2IP+`]}]
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		body, err := fetchFrom(c, "client", "http://manual/")
		return err == nil && body == "hello from web2"
	},
		"the client pod reaches a selector-less Service through its hand-written EndpointSlice")
	if out, err := kubectlOut(c, "get", "endpoints", "manual"); err == nil {
		t.Errorf("an Endpoints object for the selector-less Service exists, so the slice was not what served it: %s", out)
	}

	// Deleting the Service removes its address and listener.
	c.Run("delete", "svc", "web")
	waitFor(t, func() bool { return !hasAddress(t, c.ServiceInterface, clusterIP) }, "the ClusterIP leaves "+c.ServiceInterface)
}

// hasAddress says whether the host interface holds ip.
func hasAddress(t *testing.T, iface, ip string) bool {
	t.Helper()
	i, err := net.InterfaceByName(iface)
	if err != nil {
		return false
	}
	addrs, err := i.Addrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip {
			return true
		}
	}
	return false
}

// A killed server leaves its service interface; the restarted one starts
// it afresh with only live ClusterIPs, and a clean stop removes it.
func TestServiceInterfaceAfterKill9(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t)
	c.RunIn(webService, "apply", "-f", "-")
	clusterIP := c.Run("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
	waitFor(t, func() bool { return hasAddress(t, c.ServiceInterface, clusterIP) }, "ClusterIP on "+c.ServiceInterface)
	before, _ := net.InterfaceByName(c.ServiceInterface)

	c.Kill9()
	if !hasAddress(t, c.ServiceInterface, clusterIP) {
		t.Fatal("kill -9 removed the interface: the test would not prove the restart cleans up")
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		after, err := net.InterfaceByName(c.ServiceInterface)
		return err == nil && after.Index != before.Index && hasAddress(t, c.ServiceInterface, clusterIP)
	}, "a fresh interface holding the live ClusterIP")
	c.Run("delete", "svc", "web")
	waitFor(t, func() bool { return !hasAddress(t, c.ServiceInterface, clusterIP) }, "ClusterIP removed")
	c.Stop()
	if _, err := net.InterfaceByName(c.ServiceInterface); err == nil {
		t.Errorf("%s left after the server stopped", c.ServiceInterface)
	}
}

// TestKubernetesServiceHasAnEndpointSlice: the "kubernetes" Service has
// no selector, so ordo writes its EndpointSlice beside its Endpoints, as
// kube-apiserver does; both name the API server's address and port.
func TestKubernetesServiceHasAnEndpointSlice(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t, "--no-agent")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ep *corev1.Endpoints
	waitFor(t, func() bool {
		ep, err = cs.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		return err == nil
	}, "the kubernetes Endpoints")
	slices, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=kubernetes"})
	if err != nil || len(slices.Items) != 1 {
		t.Fatalf("kubernetes EndpointSlices: %v, %v", slices, err)
	}
	s := slices.Items[0]
	want := ep.Subsets[0]
	if len(s.Endpoints) != 1 || s.Endpoints[0].Addresses[0] != want.Addresses[0].IP || len(s.Ports) != 1 || *s.Ports[0].Port != want.Ports[0].Port || *s.Ports[0].Name != "https" {
		t.Errorf("slice %+v does not match endpoints %+v", s, want)
	}
}

// TestEndpointsOfASelectorlessServiceAreMirrored: a user's Endpoints of a
// Service without a selector are mirrored into an EndpointSlice (managed
// by Kubernetes' mirroring controller's name), updated with them, and
// gone with them; Endpoints of no Service are left alone.
func TestEndpointsOfASelectorlessServiceAreMirrored(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t, "--no-agent")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	manifest := func(ip string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: external}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: external}
subsets:
- addresses: [{ip: %s}]
  ports: [{name: http, port: 80}]
`, ip)
	}
	sliceAddress := func() string {
		list, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{
			LabelSelector: "kubernetes.io/service-name=external,endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io"})
		if err != nil || len(list.Items) != 1 || len(list.Items[0].Endpoints) != 1 || len(list.Items[0].Ports) != 1 || *list.Items[0].Ports[0].Port != 80 {
			return ""
		}
		return list.Items[0].Endpoints[0].Addresses[0]
	}
	// Endpoints without a Service are the user's: the controller keeps off.
	c.RunIn(`apiVersion: v1
kind: Endpoints
metadata: {name: orphan}
subsets: [{addresses: [{ip: 10.0.0.24}], ports: [{name: http, port: 80}]}]
`, "apply", "-f", "-")
	c.RunIn(manifest("10.1.2.3"), "apply", "-f", "-")
	waitFor(t, func() bool { return sliceAddress() == "10.1.2.3" }, "the mirrored slice")
	c.RunIn(manifest("10.2.3.4"), "apply", "-f", "-")
	waitFor(t, func() bool { return sliceAddress() == "10.2.3.4" }, "the mirrored slice updated")
	c.Run("delete", "endpoints", "external")
	waitFor(t, func() bool {
		list, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=external"})
		return err == nil && len(list.Items) == 0
	}, "the mirrored slice gone with its Endpoints")
	if _, err := cs.CoreV1().Endpoints("default").Get(ctx, "orphan", metav1.GetOptions{}); err != nil {
		t.Errorf("Endpoints without a Service: %v", err)
	}
}
