package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// TestInformerStaysInSyncAcrossRestart runs a client-go informer (list and
// watch) while 1,000 random creates, updates and deletes happen, checks its
// cache equals the server's state, then restarts the server and checks again
// after more changes: the informer must recover on its own.
func TestInformerStaysInSyncAcrossRestart(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	c.Run("create", "namespace", "sync")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("sync"))
	inf := factory.Core().V1().ConfigMaps().Informer()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer never synced")
	}

	// Every namespace holds the cluster's CA, as in Kubernetes; churn
	// never touches it.
	want := map[string]string{"kube-root-ca.crt": ""}
	rng := rand.New(rand.NewPCG(1, 2))
	churn(t, cs, want, rng, 1000)
	waitCacheEquals(t, inf.GetStore(), want)

	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	churn(t, cs, want, rng, 200)
	waitCacheEquals(t, inf.GetStore(), want)
}

// churn applies n random operations and records the expected state.
func churn(t *testing.T, cs kubernetes.Interface, want map[string]string, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("sync")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("cm-%d", rng.IntN(150))
		value := fmt.Sprint(i)
		_, exists := want[name]
		var err error
		switch {
		case !exists:
			_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": value}}, metav1.CreateOptions{})
			want[name] = value
		case rng.IntN(3) == 0:
			err = cms.Delete(ctx, name, metav1.DeleteOptions{})
			delete(want, name)
		default:
			var cm *corev1.ConfigMap
			if cm, err = cms.Get(ctx, name, metav1.GetOptions{}); err == nil {
				cm.Data["v"] = value
				_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
				want[name] = value
			}
		}
		if err != nil {
			t.Fatalf("op %d on %s: %v", i, name, err)
		}
	}
}

func waitCacheEquals(t *testing.T, store cache.Store, want map[string]string) {
	t.Helper()
	var diff string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if diff = cacheDiff(store, want); diff == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("informer cache never matched the server: %s", diff)
}

func cacheDiff(store cache.Store, want map[string]string) string {
	got := map[string]string{}
	for _, obj := range store.List() {
		cm := obj.(*corev1.ConfigMap)
		got[cm.Name] = cm.Data["v"]
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d objects cached, %d expected", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			return fmt.Sprintf("%s = %q cached, %q expected", k, got[k], v)
		}
	}
	return ""
}
