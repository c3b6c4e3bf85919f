package rootca

import (
	"context"
	"github.com/ordo-dev/ordo/internal/wellknown"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/testutil"
)

const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func namespace(name string, phase corev1.NamespacePhase) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NamespaceStatus{Phase: phase}}
}

func TestPublishesTheCAInActiveNamespacesAndRepairsIt(t *testing.T) {
	client := fake.NewSimpleClientset(namespace("team-a", corev1.NamespaceActive), namespace("going", corev1.NamespaceTerminating))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctl, err := New(Config{Client: client, CA: []byte(pem)})
	if err != nil {
		t.Fatal(err)
	}
	go ctl.Run(ctx, 1)

	published := func(ns string) bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(ctx, wellknown.RootCAConfigMap, metav1.GetOptions{})
		return err == nil && cm.Data[wellknown.RootCAKey] == pem && len(cm.Data) == 1 && cm.Annotations[descriptionAnnotation] == description
	}
	testutil.Eventually(t, func() bool { return published("team-a") }, "kube-root-ca.crt in team-a")

	if err := client.CoreV1().ConfigMaps("team-a").Delete(ctx, wellknown.RootCAConfigMap, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, func() bool { return published("team-a") }, "kube-root-ca.crt made again after deletion")

	edited := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: wellknown.RootCAConfigMap, Namespace: "team-a"},
		Data: map[string]string{wellknown.RootCAKey: "not the CA", "extra": "x"}}
	if _, err := client.CoreV1().ConfigMaps("team-a").Update(ctx, edited, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, func() bool { return published("team-a") }, "an edited kube-root-ca.crt set back")

	if _, err := client.CoreV1().ConfigMaps("going").Get(ctx, wellknown.RootCAConfigMap, metav1.GetOptions{}); err == nil {
		t.Error("a terminating namespace got the CA")
	}
}
