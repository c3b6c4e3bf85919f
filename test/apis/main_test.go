// Package apis tests the Kubernetes API groups ordo serves beyond the core
// workloads (CustomResourceDefinitions, admission, policy, metrics, ...)
// against ONE shared `ordo server`, started in TestMain, with the real
// kubectl and client-go. Each test works in a namespace of its own, so most
// run in parallel; a test that needs other server flags or a restart starts
// a server of its own with testcluster.StartT.
//
// The package runs beside test/e2e (whose tests each start a server), which
// keeps `make test` within its time budget as the API grows.
package apis

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// nodeName is the shared server's node: $ORDO_APIS_NODE, or one unique to
// the run, so that several checkouts can run the package at once on one
// machine (a node name claims its cgroups).
var nodeName = func() string {
	if n := os.Getenv("ORDO_APIS_NODE"); n != "" {
		return n
	}
	return fmt.Sprintf("apis-%d", os.Getpid())
}()

// runtimeHandlerAlias is a RuntimeClass handler name the shared server
// accepts for its runtime (--runtime-handler-aliases).
const runtimeHandlerAlias = "test-handler"

// shared is the server every test of the package uses; nil when the
// machine cannot run one (not root), in which case tests skip.
var shared *testcluster.Server

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer testcluster.RemoveBuilt()
	if os.Geteuid() != 0 {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ordo-apis-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := testcluster.Start(dir, "--node-name", nodeName, "--runtime-handler-aliases", runtimeHandlerAlias)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apis: starting the shared server:", err)
		return 1
	}
	shared = s
	defer func() {
		s.Stop()
		s.StopPods()
		s.RemoveBridge()
	}()
	if err := waitNodeReady(s); err != nil {
		fmt.Fprintln(os.Stderr, "apis:", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "shared server log: %s\n", s.LogPath())
	}
	return code
}

func waitNodeReady(s *testcluster.Server) error {
	cs, err := s.Clientset()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
		if err == nil && testcluster.NodeReady(n) {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("node %s did not become Ready", nodeName)
}

// server returns the shared server bound to t (kubectl helpers fail t).
func server(t *testing.T) *testcluster.T {
	t.Helper()
	if shared == nil {
		t.Skip("the shared server needs root")
	}
	return testcluster.Bind(t, shared)
}

// clientset is a client-go client of the shared server with admin rights.
func clientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	cs, err := server(t).Clientset()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// restConfig is the admin client configuration of the shared server.
func restConfig(t *testing.T) *rest.Config {
	t.Helper()
	cfg, err := server(t).RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var namespaces atomic.Int64

// newNamespace creates a namespace of t's own, deleted when t ends.
func newNamespace(t *testing.T) string {
	t.Helper()
	cs := clientset(t)
	name := fmt.Sprintf("t%d-%s", namespaces.Add(1), strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

// waitFor polls cond every 200 ms for up to a minute.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting: %s", what)
}
