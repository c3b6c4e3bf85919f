package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster/machines"
)

// serverLab is a lab of test machines each running an `ordo server`
// (no agent) of one embedded etcd cluster: the first with --cluster-init,
// the others with --join, as issue 27's multi-server scenarios need.
type serverLab struct {
	t   *testing.T
	lab *machines.Lab
	// servers are the lab's server machines, in the order they were made;
	// removed ones stay (stopped) so that cleanup still sweeps them.
	servers []*machines.Machine
	removed map[*machines.Machine]bool
	// args are given to every server ("--no-agent" for servers only).
	args []string
}

// startServerLab starts n servers, each with args: the first inits the
// cluster, the rest join it one after another.
func startServerLab(t *testing.T, n int, args ...string) *serverLab {
	t.Helper()
	l := &serverLab{t: t, lab: machines.New(t), removed: map[*machines.Machine]bool{}, args: args}
	first := l.add("server1")
	if _, err := first.StartServer(append([]string{"--cluster-init"}, args...)...); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= n; i++ {
		l.join(fmt.Sprintf("server%d", i))
	}
	return l
}

func (l *serverLab) add(name string) *machines.Machine {
	l.t.Helper()
	m, err := l.lab.AddMachine(name)
	if err != nil {
		l.t.Fatal(err)
	}
	l.servers = append(l.servers, m)
	return m
}

// join adds a machine named name whose server joins the cluster through
// the first live server, with that server's token and CA certificate.
func (l *serverLab) join(name string) *machines.Machine {
	l.t.Helper()
	via := l.live()[0]
	token, err := via.NodeToken()
	if err != nil {
		l.t.Fatal(err)
	}
	m := l.add(name)
	start := time.Now()
	if _, err := m.StartServer(append([]string{"--join", via.URL(), "--token", token,
		"--ca-cert", filepath.Join(via.DataDir, "pki", "ca.crt")}, l.args...)...); err != nil {
		l.t.Fatal(err)
	}
	l.t.Logf("server %s joined through %s in %s", m.NodeName, via.NodeName, time.Since(start).Round(time.Millisecond))
	return m
}

// live are the servers running now.
func (l *serverLab) live() []*machines.Machine {
	var out []*machines.Machine
	for _, m := range l.servers {
		if m.Server.Pid() != 0 && !l.removed[m] {
			out = append(out, m)
		}
	}
	return out
}

// client is an admin client of m's API that gives up on a request after
// 10 s (a killed or cut-off server must not hang the test).
func (l *serverLab) client(m *machines.Machine) kubernetes.Interface {
	l.t.Helper()
	cfg, err := m.Server.RESTConfig()
	if err != nil {
		l.t.Fatal(err)
	}
	cfg.Timeout = 10 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		l.t.Fatal(err)
	}
	return cs
}

// leader is the server holding the controllers' Lease, as seen through
// a live server other than except (nil: any).
func (l *serverLab) leader(except *machines.Machine) *machines.Machine {
	l.t.Helper()
	var found *machines.Machine
	eventually(l.t, 60*time.Second, "a live controllers' Lease holder", func() error {
		for _, via := range l.live() {
			if via == except {
				continue
			}
			lease, err := l.client(via).CoordinationV1().Leases("kube-system").Get(context.Background(), "ordo-controller-manager", metav1.GetOptions{})
			if err != nil {
				continue
			}
			if lease.Spec.HolderIdentity == nil {
				return fmt.Errorf("no holder")
			}
			for _, m := range l.live() {
				if m != except && l.serverID(m) == *lease.Spec.HolderIdentity {
					found = m
					return nil
				}
			}
			return fmt.Errorf("held by %s, not a live server", *lease.Spec.HolderIdentity)
		}
		return fmt.Errorf("no live server answers")
	})
	return found
}

func (l *serverLab) serverID(m *machines.Machine) string {
	data, err := os.ReadFile(filepath.Join(m.DataDir, "server-id"))
	if err != nil {
		l.t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// remove stops m's server and removes its etcd member with `ordo server
// remove` through another live server, as the README says to.
func (l *serverLab) remove(m *machines.Machine) {
	l.t.Helper()
	m.Server.Stop()
	l.removed[m] = true
	via := l.live()[0]
	out, err := exec.Command(via.Server.Bin, "server", "remove", m.NodeName, "--kubeconfig", via.Server.Kubeconfig()).CombinedOutput()
	if err != nil {
		l.t.Fatalf("ordo server remove %s: %v: %s", m.NodeName, err, out)
	}
}
