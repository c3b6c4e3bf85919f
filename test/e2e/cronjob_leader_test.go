package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/storage/etcd"
	"github.com/ordo-dev/ordo/internal/testcluster"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// leaderCronJobs is how many CronJobs fire every second across the leader
// changes; leaderDeadline covers a takeover: the controller lease lasts
// 15 s (internal/server/leader.go) after the killed holder's last renewal,
// and the slots missed meanwhile must all still be inside the deadline.
const (
	leaderCronJobs = 10
	leaderDeadline = 60
)

// TestCronJobsExactlyOnceAcrossLeaderChange runs two `ordo server`s on one
// etcd that this test starts. CronJobs fire every second (Jobs suspended,
// so no pods). The server holding the controller lease is killed with
// SIGKILL, the other takes the lease over and catches up; the killed one
// is restarted, and the new holder killed in turn, so the lease changes
// hands twice. Then every slot from the CronJobs' creation to after the
// second takeover must have exactly one Job: none lost during the 15 s
// the lease was held by a dead server, none made twice by two leaders.
//
// The servers have separate data directories, set up as the README says
// for several servers: the second starts with the first's CA, service-
// account key and node token, so one admin kubeconfig, one token and one
// agent join command serve both (each still makes its own serving
// certificate for its own addresses).
func TestCronJobsExactlyOnceAcrossLeaderChange(t *testing.T) {
	t.Parallel()
	url := startTestEtcd(t)
	first := startShared(t, t.TempDir(), url)
	second := t.TempDir()
	sharePKI(t, first.DataDir, second)
	// Servers of one cluster share one Service range.
	servers := [2]*testcluster.Server{first, startShared(t, second, url, "--service-cidr", first.ServiceCIDR)}
	ids := [2]string{serverID(t, servers[0]), serverID(t, servers[1])}
	clients := [2]kubernetes.Interface{clientOf(t, servers[0]), clientOf(t, servers[1])}
	checkOneAdminForBoth(t, servers)

	created := map[string]time.Time{}
	for i := 0; i < leaderCronJobs; i++ {
		cj := everySecondCronJob(fmt.Sprintf("lead-%02d", i))
		cj.Spec.StartingDeadlineSeconds = ptr.To[int64](leaderDeadline)
		got, err := clients[0].BatchV1().CronJobs("default").Create(context.Background(), cj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created[got.Name] = got.CreationTimestamp.Time
	}
	leader := waitLeader(t, clients[0], ids, -1)
	for change := 1; change <= 2; change++ {
		// Let the holder create Jobs (for two slots still to come) before it dies.
		waitSlotsDone(t, clients[leader], created, time.Now().Truncate(time.Second).Add(2*time.Second))
		t.Logf("killing %s (lease holder)", ids[leader])
		killed := leader
		servers[killed].Kill9()
		leader = waitLeader(t, clients[1-killed], ids, 1-killed)
		t.Logf("lease change %d: %s took over", change, ids[leader])
		if err := servers[killed].Restart(); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now().Truncate(time.Second).Add(time.Second)
	waitSlotsDone(t, clients[leader], created, end)
	checkOneJobPerSlot(t, clients[leader], created, end)
}

// startTestEtcd runs a single-member etcd on loopback ports in a temporary
// directory for the test's servers to share.
func startTestEtcd(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e, err := etcd.StartEmbedded(ctx, etcd.EmbeddedConfig{
		DataDir: t.TempDir(), ClientURL: "http://127.0.0.1:0", PeerURL: "http://127.0.0.1:0",
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(); cancel() })
	return e.ClientURL()
}

// startShared starts a server without an agent on the shared etcd, in
// dataDir, with args, stopped at the end of the test.
func startShared(t *testing.T, dataDir, etcdURL string, args ...string) *testcluster.Server {
	t.Helper()
	s, err := testcluster.Start(dataDir, append([]string{"--no-agent", "--etcd-servers", etcdURL}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			data, _ := os.ReadFile(s.LogPath())
			if len(data) > 3000 {
				data = data[len(data)-3000:]
			}
			t.Logf("server log (%s):\n%s", s.LogPath(), data)
		}
	})
	return s
}

// serverID is the lease holder identity the server keeps in its data dir.
func serverID(t *testing.T, s *testcluster.Server) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(s.DataDir, "server-id"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func clientOf(t *testing.T, s *testcluster.Server) kubernetes.Interface {
	t.Helper()
	cs, err := s.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitLeader waits until the controller lease is held by one of ids (by
// ids[want] when want >= 0) and returns the holder's index.
func waitLeader(t *testing.T, cs kubernetes.Interface, ids [2]string, want int) int {
	t.Helper()
	holder := -1
	waitFor(t, func() bool {
		l, err := cs.CoordinationV1().Leases("kube-system").Get(context.Background(), "ordo-controller-manager", metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return false
		}
		for i, id := range ids {
			if *l.Spec.HolderIdentity == id && (want < 0 || want == i) {
				holder = i
				return true
			}
		}
		return false
	}, "the controller lease to change hands")
	return holder
}

// waitSlotsDone waits until every CronJob has its Job for the slot at.
func waitSlotsDone(t *testing.T, cs kubernetes.Interface, created map[string]time.Time, at time.Time) {
	t.Helper()
	waitFor(t, func() bool {
		for name := range created {
			job := fmt.Sprintf("%s-%d", name, at.Unix())
			if _, err := cs.BatchV1().Jobs("default").Get(context.Background(), job, metav1.GetOptions{}); err != nil {
				return false
			}
		}
		return true
	}, fmt.Sprintf("every CronJob's Job for %s", at.Format(time.TimeOnly)))
}

// sharedPKIFiles are what servers of one cluster must have in common.
var sharedPKIFiles = []string{"ca.crt", "ca.key", "sa.key", "node-token", "agent-token"}

// sharePKI copies the cluster-wide keys of the server in from into the
// not yet started data directory to.
func sharePKI(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(to, "pki"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range sharedPKIFiles {
		data, err := os.ReadFile(filepath.Join(from, "pki", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, "pki", name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// checkOneAdminForBoth: the first server's admin kubeconfig, pointed at
// the second server, is accepted there and sees the same objects.
func checkOneAdminForBoth(t *testing.T, servers [2]*testcluster.Server) {
	t.Helper()
	cfg, err := servers[0].RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "https://" + servers[1].Listen
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{}); err != nil {
		t.Fatalf("first server's admin on the second server: %v", err)
	}
}
