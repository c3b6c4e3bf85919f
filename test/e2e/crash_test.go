package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKill9LosesNoAcknowledgedWrite writes ConfigMaps as fast as it can from
// several goroutines, kills the server with SIGKILL in the middle, restarts
// it, and checks that every create the server acknowledged is there, intact.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	c := testcluster.StartT(t)
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var mu sync.Mutex
	acked := map[string]string{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("w%d-%d", w, i)
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": name}}
				if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					return // the server went away: stop writing
				}
				mu.Lock()
				acked[name] = name
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	c.Kill9()
	cancel()
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d writes before the kill; the test proves little", len(acked))
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	list, err := cs.CoreV1().ConfigMaps("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, cm := range list.Items {
		found[cm.Name] = cm.Data["v"]
	}
	for name, v := range acked {
		if found[name] != v {
			t.Errorf("acknowledged ConfigMap %s lost or damaged after kill -9 (got %q)", name, found[name])
		}
	}
	t.Logf("%d acknowledged creates before kill -9, all present after restart", len(acked))

	// The restarted server still takes writes and serves the seeds' kinds.
	c.RunIn(cronJobYAML, "apply", "-f", "-")
	c.Kill9()
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := c.Run("get", "cronjob", "backup", "-o", "jsonpath={.spec.schedule}"); got != "*/5 * * * *" {
		t.Fatalf("cronjob after second kill -9: %q", got)
	}
}
