package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// etcdPortArgs gives a server of a test cluster its own etcd ports.
func etcdPortArgs(t *testing.T) []string {
	t.Helper()
	var args []string
	for _, flag := range []string{"--etcd-client-port", "--etcd-peer-port"} {
		p, err := testcluster.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, flag, fmt.Sprint(p))
	}
	return args
}

// startServerFor starts a server without failing from a goroutine; the
// caller's cleanup stops it.
func startServerFor(t *testing.T, args ...string) (*testcluster.Server, error) {
	bin, err := testcluster.Binary()
	if err != nil {
		return nil, err
	}
	s, err := testcluster.StartBinary(bin, t.TempDir(), args...)
	if err == nil {
		t.Cleanup(func() {
			s.Stop()
			s.RemoveBridge()
			if t.Failed() {
				log, _ := os.ReadFile(s.LogPath())
				t.Logf("server %s log tail:\n%s", s.NodeName, lastLines(string(log), 30))
			}
		})
	}
	return s, err
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// writeLatency creates n ConfigMaps one after another and returns the mean
// time per write (printed as a figure, never checked against a bound).
func writeLatency(t *testing.T, cs kubernetes.Interface, prefix string, n int) time.Duration {
	t.Helper()
	start := time.Now()
	for i := range n {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i)}}
		if _, err := cs.CoreV1().ConfigMaps("default").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(n)
}

// TestThreeServersFormOneEtcdClusterAndSurviveTheLossOfOne: --cluster-init,
// then two --join at once (learners one at a time: neither wedges the
// cluster); all three serve the same objects; kill -9 of the controllers'
// leader leaves writes working through another server and the Lease moves;
// `ordo server remove` removes the dead member (and names an unknown one
// NotFound); the loss of quorum makes writes and quorum reads fail with a
// server error in bounded time instead of hanging or serving stale data.
func TestThreeServersFormOneEtcdClusterAndSurviveTheLossOfOne(t *testing.T) {
	t.Parallel()
	first := testcluster.StartT(t, append([]string{"--no-agent", "--cluster-init"}, etcdPortArgs(t)...)...)
	firstCS := clientOf(t, first.Server)
	single := writeLatency(t, firstCS, "single", 20)

	token, err := os.ReadFile(filepath.Join(first.DataDir, "pki", "node-token"))
	if err != nil {
		t.Fatal(err)
	}
	join := []string{"--no-agent", "--join", "https://" + first.Listen, "--token", strings.TrimSpace(string(token)),
		"--ca-cert", filepath.Join(first.DataDir, "pki", "ca.crt"),
		// Servers of one cluster share one Service range (the harness
		// gives each server a range of its own; the last flag wins).
		"--service-cidr", first.ServiceCIDR}
	others := make([]*testcluster.Server, 2)
	errs := make([]error, 2)
	took := make([]time.Duration, 2)
	var wg sync.WaitGroup
	for i := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			others[i], errs[i] = startServerFor(t, append(append([]string{}, join...), etcdPortArgs(t)...)...)
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("figures: two servers joined at once in %s and %s (process start to serving)", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	// A server with another Service range is refused before its etcd
	// member joins (a member that joined and exited would leave the
	// cluster a dead voter), so the writes below still work.
	if _, err := startServerFor(t, append(append(append([]string{}, join...), etcdPortArgs(t)...), "--service-cidr", "10.99.0.0/24")...); err == nil ||
		!strings.Contains(err.Error(), "every server of a cluster must be started with the same --service-cidr") {
		t.Fatalf("a server joining with another --service-cidr: %v", err)
	}
	three := writeLatency(t, firstCS, "three", 20)
	t.Logf("figures: ConfigMap create latency, mean of 20 sequential: 1 member %s, 3 members %s", single.Round(time.Microsecond), three.Round(time.Microsecond))

	first.Run("create", "configmap", "shared", "--from-literal=k=v")
	for _, s := range others {
		if out, _, err := s.Kubectl(context.Background(), "", "get", "configmap", "shared", "-o", "jsonpath={.data.k}"); err != nil || out != "v" {
			t.Fatalf("server %s sees %q, %v", s.NodeName, out, err)
		}
	}
	if _, stderr, err := others[0].Kubectl(context.Background(), "", "get", "nodes"); err != nil {
		t.Fatal(stderr)
	}

	// Kill the controllers' leader (whichever server holds the Lease).
	holder := leaseHolder(t, firstCS)
	all := append([]*testcluster.Server{first.Server}, others...)
	victim, survivors := all[0], all[1:]
	for i, s := range all {
		if id, _ := os.ReadFile(filepath.Join(s.DataDir, "server-id")); strings.TrimSpace(string(id)) == holder {
			victim = s
			survivors = append(append([]*testcluster.Server{}, all[:i]...), all[i+1:]...)
		}
	}
	victim.Kill9()
	killed := time.Now()
	cs := clientOf(t, survivors[0])
	eventually(t, 30*time.Second, "a write through a surviving server", func() error {
		_, err := cs.CoreV1().ConfigMaps("default").Create(context.Background(),
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after-loss"}}, metav1.CreateOptions{})
		return err
	})
	t.Logf("figures: first write after the leader's kill -9 succeeded after %s", time.Since(killed).Round(time.Millisecond))
	eventually(t, 60*time.Second, "the controllers' Lease to move", func() error {
		if h := leaseHolder(t, cs); h == holder {
			return fmt.Errorf("still held by the killed server %s", h)
		}
		return nil
	})

	remove := func(s *testcluster.Server, name string) (string, error) {
		out, err := exec.Command(s.Bin, "server", "remove", name, "--kubeconfig", s.Kubeconfig()).CombinedOutput()
		return string(out), err
	}
	if out, err := remove(survivors[0], "no-such-server"); err == nil || !strings.Contains(out, `Error from server (NotFound): etcdmembers`) || !strings.Contains(out, `no-such-server`) {
		t.Fatalf("removing an unknown server: %v: %s", err, out)
	}
	if out, err := remove(survivors[0], victim.NodeName); err != nil {
		t.Fatalf("ordo server remove %s: %v: %s", victim.NodeName, err, out)
	}

	// Two members left; lose one and there is no quorum.
	survivors[0].Kill9()
	last := clientOf(t, survivors[1])
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	_, err = last.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "no-quorum"}}, metav1.CreateOptions{})
	if err == nil || ctx.Err() != nil || !isServerError(err) {
		t.Fatalf("a write without quorum: %v (after %s)", err, time.Since(start))
	}
	t.Logf("figures: write without quorum refused after %s: %v", time.Since(start).Round(time.Millisecond), err)
	// A quorum read (resourceVersion unset) must not answer from this
	// member's possibly stale copy. etcd's client retries reads until the
	// API's request timeout (60 s), so it fails late; see the README.
	start = time.Now()
	got, err := last.CoreV1().ConfigMaps("default").Get(ctx, "shared", metav1.GetOptions{})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a quorum read without quorum answered %v, %v", got, err)
	}
	t.Logf("figures: quorum read without quorum failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

func isServerError(err error) bool {
	s, ok := err.(apierrors.APIStatus)
	return ok && s.Status().Code >= 500
}

func leaseHolder(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	var holder string
	eventually(t, 30*time.Second, "the controllers' Lease", func() error {
		l, err := cs.CoordinationV1().Leases("kube-system").Get(context.Background(), "ordo-controller-manager", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			return fmt.Errorf("no holder")
		}
		holder = *l.Spec.HolderIdentity
		return nil
	})
	return holder
}

func eventually(t *testing.T, within time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s: %v", what, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
