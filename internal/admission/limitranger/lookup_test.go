package limitranger

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestLiveLookupIsReusedFor30s(t *testing.T) {
	ctx := context.Background()
	client := fake.NewSimpleClientset()
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := &liveLookup{client: client, clock: clk, entries: map[string]liveEntry{}}
	if got, err := l.list(ctx, "ns"); err != nil || len(got) != 0 {
		t.Fatalf("empty namespace: %v %v", got, err)
	}
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "lr", Namespace: "ns"}}
	if _, err := client.CoreV1().LimitRanges("ns").Create(ctx, lr, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.SetTime(clk.Now().Add(10 * time.Second))
	if got, _ := l.list(ctx, "ns"); len(got) != 0 {
		t.Errorf("within 30 s the answer is reused, got %d ranges", len(got))
	}
	clk.SetTime(clk.Now().Add(21 * time.Second))
	if got, _ := l.list(ctx, "ns"); len(got) != 1 {
		t.Errorf("after 30 s the server is asked again, got %d ranges", len(got))
	}
}
