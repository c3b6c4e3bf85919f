package serviceaccount

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/testutil"
)

func namespace(name string, phase corev1.NamespacePhase) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NamespaceStatus{Phase: phase}}
}

func TestDefaultServiceAccountInActiveNamespacesOnly(t *testing.T) {
	client := fake.NewSimpleClientset(namespace("team-a", corev1.NamespaceActive), namespace("going", corev1.NamespaceTerminating))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctl, err := New(Config{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	go ctl.Run(ctx, 1)
	has := func(ns string) bool {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, Default, metav1.GetOptions{})
		return err == nil
	}
	testutil.Eventually(t, func() bool { return has("team-a") }, "default ServiceAccount in team-a")
	if err := client.CoreV1().ServiceAccounts("team-a").Delete(ctx, Default, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, func() bool { return has("team-a") }, "default ServiceAccount made again after deletion")
	if has("going") {
		t.Error("a terminating namespace got a ServiceAccount")
	}
}
