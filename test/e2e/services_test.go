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
	"github.com/ordo-dev/ordo/internal/testcluster"
)

// backendPod serves "hello from <name>" over HTTP on 0.0.0.0:8080 of its
// own network namespace, named port "http", ready while /tmp/ready exists.
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
    command: [sh, -c, 'mkdir -p /tmp/www && echo hello from ` + name + ` > /tmp/www/index.html && touch /tmp/ready &&
      exec /usr/bin/python3 -m http.server 8080 --directory /tmp/www']
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
		waitFor(t, func() bool { ips, err := resolve(c, "client", name); return err == nil && len(ips) == 1 && ips[0] == want },
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
