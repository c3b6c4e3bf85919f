package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// configMapPod is a pod with one configMap volume, "cfg", of ConfigMap
// "app".
func configMapPod() *corev1.Pod {
	p := projectedPod()
	p.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app"}}}}}
	return p
}

func TestPrepareFailsWithTheKubeletsMountError(t *testing.T) {
	m, _ := newTestManager(t)
	_, err := m.Prepare(context.Background(), configMapPod())
	var setUp *SetUpError
	if !errors.As(err, &setUp) || setUp.Volume != "cfg" ||
		err.Error() != `MountVolume.SetUp failed for volume "cfg" : configmap "app" not found` {
		t.Fatalf("got %v", err)
	}
	p := configMapPod()
	p.Spec.Volumes[0].ConfigMap.Optional = ptr.To(true)
	paths, err := m.Prepare(context.Background(), p)
	if err != nil {
		t.Fatalf("an optional configMap that is missing: %v", err)
	}
	if dir := paths["cfg"]; filepath.Base(dir) != "cfg" || filepath.Base(filepath.Dir(dir)) != "volumes" {
		t.Errorf("volume path %s, want <pod dir>/volumes/cfg", dir)
	}
}

// TestRefreshFollowsTheObjectOnItsSchedule: the first Refresh only starts
// the clock, later ones rewrite the volume once SyncFrequency has passed,
// or at once when the pod's labels change.
func TestRefreshFollowsTheObjectOnItsSchedule(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "app"}, Data: map[string]string{"k": "v1"}}
	client := fake.NewSimpleClientset(cm)
	clock := clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	pods := t.TempDir()
	m := New(Config{Client: client, Clock: clock, SyncFrequency: time.Minute,
		PodDir: func(p *corev1.Pod) string { return filepath.Join(pods, string(p.UID)) }})
	ctx := context.Background()
	p := configMapPod()
	paths, err := m.Prepare(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(paths["cfg"], "k"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	update := func(v string) {
		t.Helper()
		cm.Data["k"] = v
		if _, err := client.CoreV1().ConfigMaps("ns1").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	refresh := func() {
		t.Helper()
		if next, failed := m.Refresh(ctx, p); next != time.Minute || len(failed) > 0 {
			t.Fatalf("refresh: next %v, failed %v", next, failed)
		}
	}
	if !HasLive(p) {
		t.Fatal("a configMap volume is live")
	}
	update("v2")
	refresh()
	if got := read(); got != "v1" {
		t.Errorf("the first refresh rewrote the volume Prepare had just written: %q", got)
	}
	clock.Step(59 * time.Second)
	refresh()
	if got := read(); got != "v1" {
		t.Errorf("rewritten before SyncFrequency: %q", got)
	}
	clock.Step(time.Second)
	refresh()
	if got := read(); got != "v2" {
		t.Errorf("not rewritten after SyncFrequency: %q", got)
	}
	update("v3")
	p.Labels = map[string]string{"app": "web", "tier": "front"}
	refresh()
	if got := read(); got != "v3" {
		t.Errorf("a label change did not refresh the volumes at once: %q", got)
	}
	// Forgotten, the pod starts over: the next refresh only starts the clock.
	m.Forget(p.UID)
	update("v4")
	clock.Step(time.Hour)
	refresh()
	if got := read(); got != "v3" {
		t.Errorf("a forgotten pod's first refresh rewrote the volume: %q", got)
	}
}

func TestRefreshReportsEachFailedVolume(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "app"}, Data: map[string]string{"k": "v1"}}
	m, _ := newTestManager(t, cm)
	ctx := context.Background()
	p := configMapPod()
	if _, err := m.Prepare(ctx, p); err != nil {
		t.Fatal(err)
	}
	m.Refresh(ctx, p)
	if err := m.cfg.Client.CoreV1().ConfigMaps("ns1").Delete(ctx, "app", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	m.cfg.Clock.(*clocktesting.FakeClock).Step(time.Minute)
	_, failed := m.Refresh(ctx, p)
	if len(failed) != 1 || failed[0].Error() != `MountVolume.SetUp failed for volume "cfg" : configmap "app" not found` {
		t.Errorf("failed %v", failed)
	}
}

func TestContainerMountsReadOnlyAndSubPaths(t *testing.T) {
	dir := t.TempDir()
	p := &corev1.Pod{Spec: corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
		{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "c", ReadOnly: true}}},
	}}}
	volumes := map[string]string{"scratch": filepath.Join(dir, "scratch"), "cfg": filepath.Join(dir, "cfg"), "data": "/srv/data"}
	c := &corev1.Container{VolumeMounts: []corev1.VolumeMount{
		{Name: "scratch", MountPath: "/logs", SubPathExpr: "$(POD)"},
		{Name: "cfg", MountPath: "/etc/app.yaml", SubPath: "app.yaml"},
		{Name: "data", MountPath: "/data"},
	}}
	etc := []runtime.Mount{{Source: "/pod/hosts", Target: "/etc/hosts"}}
	got, err := ContainerMounts(p, c, volumes, etc, []string{"POD=web-0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []runtime.Mount{
		{Source: "/pod/hosts", Target: "/etc/hosts"},
		{Source: filepath.Join(dir, "scratch", "web-0"), Target: "/logs"},
		{Source: filepath.Join(dir, "cfg", "app.yaml"), Target: "/etc/app.yaml", ReadOnly: true},
		{Source: "/srv/data", Target: "/data", ReadOnly: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mount %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if info, err := os.Stat(filepath.Join(dir, "scratch", "web-0")); err != nil || !info.IsDir() {
		t.Errorf("an emptyDir's missing subPath is made as a directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cfg", "app.yaml")); !os.IsNotExist(err) {
		t.Errorf("a configMap's missing subPath was made: %v", err)
	}
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "other", MountPath: "/x"})
	if _, err := ContainerMounts(p, c, volumes, nil, []string{"POD=web-0"}); err == nil || err.Error() != `volume "other" is not prepared` {
		t.Errorf("unknown volume: %v", err)
	}
}
