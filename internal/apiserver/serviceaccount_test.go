package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestServiceAccountAdmissionMountsTheAPIAccessVolume(t *testing.T) {
	quiet := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "quiet", Namespace: "ns"}, AutomountServiceAccountToken: ptr.To(false)}
	f := informers.NewSharedInformerFactory(fake.NewClientset(quiet), 0)
	p := newServiceAccountAdmission(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	admit := func(pod *corev1.Pod) *corev1.Pod {
		attrs := admission.NewAttributesRecord(pod, nil, corev1.SchemeGroupVersion.WithKind("Pod"), "ns", "p",
			corev1.SchemeGroupVersion.WithResource("pods"), "", admission.Create, &metav1.CreateOptions{}, false, nil)
		if err := p.Admit(ctx, attrs, nil); err != nil {
			t.Fatal(err)
		}
		return pod
	}
	pod := func(account string, automount *bool, containers ...corev1.Container) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: corev1.PodSpec{
			ServiceAccountName: account, AutomountServiceAccountToken: automount,
			InitContainers: []corev1.Container{{Name: "init"}}, Containers: containers}}
	}

	got := admit(pod("", nil, corev1.Container{Name: "a"}, corev1.Container{Name: "b",
		VolumeMounts: []corev1.VolumeMount{{Name: "mine", MountPath: apiAccessMountPath}}}))
	if got.Spec.ServiceAccountName != "default" {
		t.Errorf("serviceAccountName = %q, want default", got.Spec.ServiceAccountName)
	}
	if len(got.Spec.Volumes) != 1 || !strings.HasPrefix(got.Spec.Volumes[0].Name, apiAccessVolumePrefix) {
		t.Fatalf("volumes = %+v, want one kube-api-access-* volume", got.Spec.Volumes)
	}
	v := got.Spec.Volumes[0]
	src := v.Projected
	if src == nil || len(src.Sources) != 3 || *src.DefaultMode != 0o644 ||
		src.Sources[0].ServiceAccountToken.Path != "token" || *src.Sources[0].ServiceAccountToken.ExpirationSeconds != 3607 ||
		src.Sources[1].ConfigMap.Name != "kube-root-ca.crt" || src.Sources[1].ConfigMap.Items[0].Path != "ca.crt" ||
		src.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("projected volume = %+v", src)
	}
	want := corev1.VolumeMount{Name: v.Name, ReadOnly: true, MountPath: apiAccessMountPath}
	if m := got.Spec.InitContainers[0].VolumeMounts; len(m) != 1 || !equality.Semantic.DeepEqual(m[0], want) {
		t.Errorf("init container mounts = %+v, want %+v", m, want)
	}
	if m := got.Spec.Containers[0].VolumeMounts; len(m) != 1 || !equality.Semantic.DeepEqual(m[0], want) {
		t.Errorf("container a mounts = %+v, want %+v", m, want)
	}
	if m := got.Spec.Containers[1].VolumeMounts; len(m) != 1 || m[0].Name != "mine" {
		t.Errorf("container b, which mounts its own volume there, got %+v", m)
	}

	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"the pod opts out", pod("default", ptr.To(false), corev1.Container{Name: "a"}), false},
		{"the account opts out", pod("quiet", nil, corev1.Container{Name: "a"}), false},
		{"the pod overrides its account", pod("quiet", ptr.To(true), corev1.Container{Name: "a"}), true},
		{"an account not made yet", pod("later", nil, corev1.Container{Name: "a"}), true},
	} {
		if got := len(admit(tc.pod).Spec.Volumes) == 1; got != tc.want {
			t.Errorf("%s: mounted = %v, want %v", tc.name, got, tc.want)
		}
	}

	copied := pod("", nil, corev1.Container{Name: "a"})
	copied.Spec.Volumes = []corev1.Volume{apiAccessVolume("kube-api-access-abcde")}
	if got := admit(copied); len(got.Spec.Volumes) != 1 || got.Spec.Containers[0].VolumeMounts[0].Name != "kube-api-access-abcde" {
		t.Errorf("a copied spec's volume is reused: volumes %+v, mounts %+v", got.Spec.Volumes, got.Spec.Containers[0].VolumeMounts)
	}
}

func TestServiceAccountAdmissionGivesTheAccountsPullSecrets(t *testing.T) {
	builder := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "builder", Namespace: "ns"},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}}
	f := informers.NewSharedInformerFactory(fake.NewClientset(builder), 0)
	p := newServiceAccountAdmission(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	admit := func(pod *corev1.Pod) *corev1.Pod {
		attrs := admission.NewAttributesRecord(pod, nil, corev1.SchemeGroupVersion.WithKind("Pod"), "ns", "p",
			corev1.SchemeGroupVersion.WithResource("pods"), "", admission.Create, &metav1.CreateOptions{}, false, nil)
		if err := p.Admit(ctx, attrs, nil); err != nil {
			t.Fatal(err)
		}
		return pod
	}
	got := admit(&corev1.Pod{Spec: corev1.PodSpec{ServiceAccountName: "builder", Containers: []corev1.Container{{Name: "a"}}}})
	if s := got.Spec.ImagePullSecrets; len(s) != 1 || s[0].Name != "regcred" {
		t.Errorf("imagePullSecrets = %v, want the account's regcred", s)
	}
	own := admit(&corev1.Pod{Spec: corev1.PodSpec{ServiceAccountName: "builder", Containers: []corev1.Container{{Name: "a"}},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "mine"}}}})
	if s := own.Spec.ImagePullSecrets; len(s) != 1 || s[0].Name != "mine" {
		t.Errorf("a pod's own imagePullSecrets = %v, want only mine", s)
	}
}
