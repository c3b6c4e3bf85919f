package nodeauthz

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func node(name string) user.Info {
	return &user.DefaultInfo{Name: NodeUserPrefix + name, Groups: []string{NodesGroup, user.AllAuthenticated}}
}

// testFactory is an unstarted informer factory whose caches hold objs.
func testFactory(t *testing.T, objs ...interface{}) (informers.SharedInformerFactory, *Authorizer) {
	t.Helper()
	f := informers.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	z, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.Pod:
			err = f.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *corev1.PersistentVolumeClaim:
			err = f.Core().V1().PersistentVolumeClaims().Informer().GetIndexer().Add(o)
		case *corev1.PersistentVolume:
			err = f.Core().V1().PersistentVolumes().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return f, z
}

func podOn(name, nodeName string, spec corev1.PodSpec) *corev1.Pod {
	spec.NodeName = nodeName
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: spec}
}

func TestNodeAuthorizerAllowsOnlyItsPodsObjects(t *testing.T) {
	a := podOn("a", "node-a", corev1.PodSpec{
		ServiceAccountName: "sa-a",
		ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "pull-a"}},
		Volumes: []corev1.Volume{
			{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "secret-a"}}},
			{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}}}}}}},
			{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-a"}}},
		},
		Containers: []corev1.Container{{Name: "c", EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "env-a"}}}},
			Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "envsecret-a"}, Key: "k"}}}}}},
	})
	b := podOn("b", "node-b", corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "secret-b"}}}}})
	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-a", Namespace: "ns"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv-a"}}
	_, z := testFactory(t, a, b, claim)
	cases := []struct {
		name                          string
		verb, resource, sub, ns, what string
		allowed                       bool
		reason                        string
	}{
		{"own pod's secret volume", "get", "secrets", "", "ns", "secret-a", true, ""},
		{"own pod's env secret", "get", "secrets", "", "ns", "envsecret-a", true, ""},
		{"own pod's pull secret by watch", "watch", "secrets", "", "ns", "pull-a", true, ""},
		{"other node's pod's secret", "get", "secrets", "", "ns", "secret-b", false, "no relationship found between node 'node-a' and this object"},
		{"secret in another namespace", "get", "secrets", "", "other", "secret-a", false, "no relationship found between node 'node-a' and this object"},
		{"list of all secrets", "list", "secrets", "", "ns", "", false, "No Object name found"},
		{"secret update", "update", "secrets", "", "ns", "secret-a", false, "can only read resources of this type"},
		{"projected configmap", "get", "configmaps", "", "ns", "kube-root-ca.crt", true, ""},
		{"envFrom configmap", "get", "configmaps", "", "ns", "env-a", true, ""},
		{"own claim", "get", "persistentvolumeclaims", "", "ns", "data-a", true, ""},
		{"own claim's volume", "get", "persistentvolumes", "", "", "pv-a", true, ""},
		{"another volume", "get", "persistentvolumes", "", "", "pv-b", false, "no relationship found between node 'node-a' and this object"},
		{"own service account token", "create", "serviceaccounts", "token", "ns", "sa-a", true, ""},
		{"other service account token", "create", "serviceaccounts", "token", "ns", "default", false, "no relationship found between node 'node-a' and this object"},
		{"pods are readable", "list", "pods", "", "", "", true, ""},
		{"pod status", "patch", "pods", "status", "ns", "a", true, ""},
		{"nodes are readable", "get", "nodes", "", "", "node-b", true, ""},
		{"no deleting nodes", "delete", "nodes", "", "", "node-b", false, ""},
		{"no deployments", "create", "deployments", "", "ns", "", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attrs := authorizer.AttributesRecord{User: node("node-a"), Verb: c.verb, Resource: c.resource, Subresource: c.sub,
				Namespace: c.ns, Name: c.what, ResourceRequest: true}
			if c.resource == "deployments" {
				attrs.APIGroup = "apps"
			}
			d, reason, err := z.Authorize(context.Background(), attrs)
			if err != nil {
				t.Fatal(err)
			}
			if (d == authorizer.DecisionAllow) != c.allowed || reason != c.reason {
				t.Errorf("got %v %q, want allowed=%v %q", d, reason, c.allowed, c.reason)
			}
		})
	}
}

func TestBootstrappersMayOnlyAskForCertificates(t *testing.T) {
	_, z := testFactory(t)
	boot := &user.DefaultInfo{Name: BootstrapUserPrefix + "abcdef", Groups: []string{BootstrappersGroup}}
	for _, c := range []struct {
		group, resource, sub, verb string
		allowed                    bool
	}{
		{"certificates.k8s.io", "certificatesigningrequests", "", "create", true},
		{"certificates.k8s.io", "certificatesigningrequests", "", "watch", true},
		{"certificates.k8s.io", "certificatesigningrequests", "nodeclient", "create", true},
		{"certificates.k8s.io", "certificatesigningrequests", "approval", "update", false},
		{"", "nodes", "", "create", false},
		{"", "secrets", "", "get", false},
	} {
		d, _, _ := z.Authorize(context.Background(), authorizer.AttributesRecord{User: boot, Verb: c.verb, APIGroup: c.group,
			Resource: c.resource, Subresource: c.sub, ResourceRequest: true})
		if (d == authorizer.DecisionAllow) != c.allowed {
			t.Errorf("%s %s/%s: got %v, want allowed=%v", c.verb, c.resource, c.sub, d, c.allowed)
		}
	}
}

func TestNodeNameNeedsTheNodesGroup(t *testing.T) {
	if _, ok := NodeName(&user.DefaultInfo{Name: "system:node:a"}); ok {
		t.Error("a system:node: user outside system:nodes is a node")
	}
	if n, ok := NodeName(node("a")); !ok || n != "a" {
		t.Errorf("got %q %v", n, ok)
	}
}
