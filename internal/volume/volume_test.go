package volume

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// layout lists dir's entries as the kubelet's layout shows them: links with
// their targets, files with their modes, the timestamped directory as "..ts".
func layout(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = tsPattern(rel)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			out = append(out, rel+" -> "+tsPattern(target))
		case info.IsDir():
			out = append(out, rel+"/")
		default:
			data, _ := os.ReadFile(path)
			out = append(out, fmt.Sprintf("%s %o %q", rel, info.Mode().Perm(), data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// tsPattern replaces the timestamped directory name by "..ts".
func tsPattern(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "..2") {
			parts[i] = "..ts"
		}
	}
	return strings.Join(parts, "/")
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestAtomicDirLayoutAndUpdates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	// A volume written by an older agent: plain files.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "stale"), []byte("x"), 0o644)
	first := payload{"token": {[]byte("t1"), 0o600}, "conf/app.yaml": {[]byte("a: 1"), 0o644}}
	if err := writeAtomicDir(dir, first); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "first write", layout(t, dir), []string{
		"..data -> ..ts", "..ts/", "..ts/conf/", `..ts/conf/app.yaml 644 "a: 1"`, `..ts/token 600 "t1"`,
		"conf -> ..data/conf", "token -> ..data/token",
	})
	data, err := os.ReadFile(filepath.Join(dir, "conf", "app.yaml"))
	if err != nil || string(data) != "a: 1" {
		t.Fatalf("read through the links: %q %v", data, err)
	}
	before, _ := os.Readlink(filepath.Join(dir, "..data"))
	if err := writeAtomicDir(dir, first); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Readlink(filepath.Join(dir, "..data")); after != before {
		t.Errorf("an unchanged payload swapped ..data (%s -> %s)", before, after)
	}
	if err := writeAtomicDir(dir, payload{"token": {[]byte("t2"), 0o600}}); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "after an update that drops conf/", layout(t, dir), []string{
		"..data -> ..ts", "..ts/", `..ts/token 600 "t2"`, "token -> ..data/token",
	})
	if err := writeAtomicDir(dir, payload{"../escape": {nil, 0o644}}); err == nil {
		t.Error("a path leaving the volume was written")
	}
}

func TestKeysPayloadFollowsKubernetesRules(t *testing.T) {
	data := map[string][]byte{"a": []byte("1"), "b": []byte("2")}
	all, err := keysPayload("configmap", data, nil, ptr.To[int32](0o600), nil)
	if err != nil || len(all) != 2 || all["a"].mode != 0o600 {
		t.Errorf("all keys with defaultMode: %v %v", all, err)
	}
	items := []corev1.KeyToPath{{Key: "a", Path: "dir/x", Mode: ptr.To[int32](0o400)}, {Key: "missing", Path: "m"}}
	if _, err := keysPayload("secret", data, items, nil, nil); err == nil || err.Error() != "secret references non-existent secret key: missing" {
		t.Errorf("missing key: %v", err)
	}
	got, err := keysPayload("configmap", data, items, nil, ptr.To(true))
	if err != nil || len(got) != 1 || got["dir/x"].mode != 0o400 || string(got["dir/x"].data) != "1" {
		t.Errorf("optional items: %v %v", got, err)
	}
}

// tokenReactor answers TokenRequests with numbered tokens and records them.
type tokenReactor struct {
	clock    *clocktesting.FakeClock
	requests []*authenticationv1.TokenRequest
}

func (r *tokenReactor) react(action clienttesting.Action) (bool, runtime.Object, error) {
	req := action.(clienttesting.CreateAction).GetObject().(*authenticationv1.TokenRequest).DeepCopy()
	r.requests = append(r.requests, req)
	req.Status.Token = fmt.Sprintf("token-%d", len(r.requests))
	req.Status.ExpirationTimestamp = metav1.NewTime(r.clock.Now().Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second))
	return true, req, nil
}

func newTestManager(t *testing.T, objects ...runtime.Object) (*Manager, *tokenReactor) {
	t.Helper()
	clock := clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	client := fake.NewSimpleClientset(objects...)
	r := &tokenReactor{clock: clock}
	client.PrependReactor("create", "serviceaccounts", func(action clienttesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "token" {
			return false, nil, nil
		}
		return r.react(action)
	})
	pods := t.TempDir()
	return New(Config{Client: client, Clock: clock, PodDir: func(p *corev1.Pod) string { return filepath.Join(pods, string(p.UID)) }}), r
}

func projectedPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "web-0", UID: "pod-uid", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{ServiceAccountName: "builder", Containers: []corev1.Container{{Name: "c"}}},
	}
}

func TestProjectedPayloadGathersEverySource(t *testing.T) {
	a, tokens := newTestManager(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "cfg"}, Data: map[string]string{"ca.crt": "CA"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "creds"}, Data: map[string][]byte{"password": []byte("hunter2")}})
	src := &corev1.ProjectedVolumeSource{DefaultMode: ptr.To[int32](0o440), Sources: []corev1.VolumeProjection{
		{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}},
		{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"},
			Items: []corev1.KeyToPath{{Key: "password", Path: "db/password", Mode: ptr.To[int32](0o400)}}}},
		{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: ptr.To(true)}},
		{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
		}}},
		{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", Audience: "vault", ExpirationSeconds: ptr.To[int64](600)}},
	}}
	pl, err := a.projectedPayload(context.Background(), projectedPod(), src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "vol")
	if err := writeAtomicDir(dir, pl); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "projected volume", layout(t, dir), []string{
		"..data -> ..ts", "..ts/", `..ts/ca.crt 440 "CA"`, "..ts/db/", `..ts/db/password 400 "hunter2"`,
		`..ts/labels 440 "app=\"web\""`, `..ts/namespace 440 "ns1"`, `..ts/token 440 "token-1"`,
		"ca.crt -> ..data/ca.crt", "db -> ..data/db", "labels -> ..data/labels", "namespace -> ..data/namespace", "token -> ..data/token",
	})
	req := tokens.requests[0]
	if b := req.Spec.BoundObjectRef; b == nil || b.Kind != "Pod" || b.Name != "web-0" || b.UID != "pod-uid" ||
		len(req.Spec.Audiences) != 1 || req.Spec.Audiences[0] != "vault" || *req.Spec.ExpirationSeconds != 600 {
		t.Errorf("token request %+v", req.Spec)
	}
}

func TestProjectedVolumeNamesEveryFailingSource(t *testing.T) {
	a, _ := newTestManager(t)
	src := &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
		{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{Name: ptr.To("bundle"), Path: "ca.pem"}},
		{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}},
	}}
	_, err := a.projectedPayload(context.Background(), projectedPod(), src)
	if err == nil || !strings.Contains(err.Error(), `ClusterTrustBundle "bundle"`) || !strings.Contains(err.Error(), `configmap "missing" not found`) {
		t.Fatalf("want both failures named, got %v", err)
	}
}

func TestTokensRenewAfter80PercentOfTheirLife(t *testing.T) {
	a, tokens := newTestManager(t)
	clock := tokens.clock
	p := projectedPod()
	src := &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To[int64](1000)}
	get := func() string {
		t.Helper()
		tok, err := a.podToken(context.Background(), p, src)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	start := clock.Now()
	if get() != "token-1" || !a.tokens.nextRefresh(p.UID).Equal(start.Add(800*time.Second)) {
		t.Fatalf("first token; refresh due %v", a.tokens.nextRefresh(p.UID))
	}
	clock.SetTime(start.Add(799 * time.Second))
	if got := get(); got != "token-1" {
		t.Errorf("at 79.9%% of its life: %s, want the cached token", got)
	}
	clock.SetTime(start.Add(800 * time.Second))
	if got := get(); got != "token-2" {
		t.Errorf("at 80%% of its life: %s, want a new token", got)
	}
	a.tokens.forget(p.UID)
	if !a.tokens.nextRefresh(p.UID).IsZero() {
		t.Error("forget kept the pod's tokens")
	}
}

func TestMemoryVolumeSizeLikeTheKubelet(t *testing.T) {
	gi := int64(1 << 30)
	p := projectedPod()
	if got := memoryVolumeSize(p, nil, 8*gi); got != 8*gi {
		t.Errorf("no limits: %d, want node allocatable", got)
	}
	p.Spec.Containers = []corev1.Container{
		{Name: "a", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}},
		{Name: "b", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}},
	}
	if got := memoryVolumeSize(p, nil, 8*gi); got != 2*gi {
		t.Errorf("limited pod: %d, want the pod's limit", got)
	}
	if got := memoryVolumeSize(p, ptr.To(resource.MustParse("64Mi")), 8*gi); got != 64<<20 {
		t.Errorf("sizeLimit: %d", got)
	}
	if got := memoryVolumeSize(p, ptr.To(resource.MustParse("4Gi")), 8*gi); got != 2*gi {
		t.Errorf("sizeLimit above the pod's limit: %d", got)
	}
}

func TestParseMountInfo(t *testing.T) {
	m, ok := parseMountInfo(`36 35 0:45 / /var/lib/ordo/pods/a\040b/volumes/x rw,nosuid,nodev shared:1 - tmpfs tmpfs rw,size=1024k,mode=755`)
	if !ok || m.point != "/var/lib/ordo/pods/a b/volumes/x" || m.fstype != "tmpfs" {
		t.Fatalf("%+v %v", m, ok)
	}
}

func TestSubPathExprExpandsFromTheContainersEnvironment(t *testing.T) {
	env := []string{"POD_NAME=web-0", "EMPTY=", "NS=prod"}
	for _, tc := range []struct {
		mount   corev1.VolumeMount
		want    string
		wantErr string
	}{
		{corev1.VolumeMount{Name: "logs", SubPath: "fixed"}, "fixed", ""},
		{corev1.VolumeMount{Name: "logs", SubPathExpr: "$(NS)/$(POD_NAME)"}, "prod/web-0", ""},
		{corev1.VolumeMount{Name: "logs", SubPathExpr: "$$(POD_NAME)"}, "$(POD_NAME)", ""},
		{corev1.VolumeMount{Name: "logs", SubPathExpr: "$(EMPTY)$(NOPE)/x"}, "", "missing value for EMPTY, NOPE"},
		{corev1.VolumeMount{Name: "logs", SubPathExpr: "/$(POD_NAME)"}, "", "must not be an absolute path"},
		{corev1.VolumeMount{Name: "logs", SubPathExpr: "$(POD_NAME)/../.."}, "", "must not contain '..'"},
	} {
		got, err := subPath(tc.mount, env)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: error %v, want one containing %q", tc.mount, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: %q, %v; want %q", tc.mount, got, err, tc.want)
		}
	}
}
