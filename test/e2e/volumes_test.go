package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const saTokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// memoryVolumesPod has every memory-backed volume kind: a secret, an
// emptyDir with medium Memory and a projected volume of a ConfigMap, a
// Secret, the downward API and a service-account token.
const memoryVolumesPod = `apiVersion: v1
kind: Pod
metadata: {name: vols, labels: {app: vols}}
spec:
  serviceAccountName: builder
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sleep, "3600"]
    volumeMounts:
    - {name: creds, mountPath: /etc/creds}
    - {name: scratch, mountPath: /scratch}
    - {name: api, mountPath: ` + saTokenDir + `}
  volumes:
  - name: creds
    secret: {secretName: db, defaultMode: 0400}
  - name: scratch
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: api
    projected:
      sources:
      - configMap: {name: cluster-ca}
      - secret:
          name: db
          items: [{key: password, path: db/password, mode: 0440}]
      - downwardAPI:
          items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]
      - serviceAccountToken: {path: token, expirationSeconds: 3600}
`

func TestMemoryAndProjectedVolumesAndServiceAccountTokens(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.Run("create", "configmap", "cluster-ca", "--from-literal=ca.crt=CA-DATA")
	c.Run("create", "secret", "generic", "db", "--from-literal=password=hunter2")
	c.Run("create", "serviceaccount", "builder")
	c.Run("create", "namespace", "team")
	for _, ns := range []string{"default", "team"} {
		waitFor(t, func() bool {
			_, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "default", metav1.GetOptions{})
			return err == nil
		}, "ServiceAccount default in namespace "+ns)
	}
	c.RunIn(memoryVolumesPod, "apply", "-f", "-")
	waitPhase(t, cs, "vols", corev1.PodRunning)

	t.Run("tmpfs mounts", func(t *testing.T) {
		// stat -f follows /var/run -> /run, which /proc/mounts reports
		// resolved, as in any Kubernetes pod.
		fsTypes := c.With(t).Run("exec", "vols", "--", "stat", "-f", "-c", "%n %T", "/etc/creds", "/scratch", saTokenDir)
		for _, dir := range []string{"/etc/creds", "/scratch", saTokenDir} {
			if !strings.Contains(fsTypes, dir+" tmpfs\n") {
				t.Errorf("%s is not a tmpfs in the container:\n%s", dir, fsTypes)
			}
		}
		inPod := mountsByPoint(c.With(t).Run("exec", "vols", "--", "cat", "/proc/mounts"))
		if opts := inPod["/scratch"].options; inPod["/scratch"].fstype != "tmpfs" || !strings.Contains(opts, "size=16384k") {
			t.Errorf("emptyDir sizeLimit 16Mi: options %s", opts)
		}
		onHost := tmpfsUnder(t, c.DataDir)
		if len(onHost) != 3 {
			t.Errorf("tmpfs mounts under the data dir: %v, want the 3 memory volumes", onHost)
		}
		for point, m := range onHost {
			if !strings.Contains(m.options, "nosuid") || !strings.Contains(m.options, "nodev") {
				t.Errorf("%s mounted %s, want nosuid,nodev", point, m.options)
			}
		}
	})
	t.Run("contents and modes", func(t *testing.T) {
		c := c.With(t)
		got := c.Run("exec", "vols", "--", "sh", "-c", `
			stat -L -c '%n %a' /etc/creds/password /scratch `+saTokenDir+`/ca.crt `+saTokenDir+`/db/password `+saTokenDir+`/token
			cat /etc/creds/password `+saTokenDir+`/ca.crt `+saTokenDir+`/db/password `+saTokenDir+`/namespace; echo
			readlink `+saTokenDir+`/token
			echo x > /scratch/f && echo scratch-writable
			echo x > /etc/creds/f 2>/dev/null || echo secret-read-only`)
		for _, want := range []string{
			"/etc/creds/password 400", "/scratch 1777", saTokenDir + "/ca.crt 644", saTokenDir + "/db/password 440",
			saTokenDir + "/token 644", "hunter2CA-DATAhunter2default", "..data/token", "scratch-writable", "secret-read-only",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("container sees no %q in:\n%s", want, got)
			}
		}
	})

	token := strings.TrimSpace(c.Run("exec", "vols", "--", "cat", saTokenDir+"/token"))
	if strings.Count(token, ".") != 2 {
		t.Fatalf("token file holds %q, want a JWT", token)
	}
	secretsURL := "https://" + c.Listen + "/api/v1/namespaces/default/secrets"
	t.Run("token authenticates as the service account", func(t *testing.T) {
		code, body := getWithToken(t, c.Server, secretsURL, token)
		if code != http.StatusForbidden || !strings.Contains(body, "system:serviceaccount:default:builder") {
			t.Fatalf("list secrets with the pod's token: %d %s, want 403 for system:serviceaccount:default:builder", code, body)
		}
		if code, _ := getWithToken(t, c.Server, secretsURL, token+"x"); code != http.StatusUnauthorized {
			t.Errorf("tampered token: %d, want 401", code)
		}
		if code, _ := getWithToken(t, c.Server, secretsURL, vault(t, cs)); code != http.StatusUnauthorized {
			t.Errorf("token for audience vault at the API server: %d, want 401", code)
		}
	})
	t.Run("a service account reads the issuer's OpenID documents", func(t *testing.T) {
		for path, want := range map[string]string{
			"/.well-known/openid-configuration": `"jwks_uri":"https://kubernetes.default.svc.cluster.local/openid/v1/jwks"`,
			"/openid/v1/jwks":                   `"alg":"ES256"`,
		} {
			if code, body := getWithToken(t, c.Server, "https://"+c.Listen+path, token); code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET %s with the pod's token: %d %s", path, code, body)
			}
		}
	})
	t.Run("TokenReview answers as the API authenticates", func(t *testing.T) {
		for _, tc := range []struct {
			name, token string
			audiences   []string
			want        bool
		}{
			{"pod's token", token, nil, true},
			{"tampered", token + "x", nil, false},
			{"vault's token for the API", vault(t, cs), nil, false},
			{"vault's token for vault", vault(t, cs), []string{"vault"}, true},
		} {
			st := reviewToken(t, cs, tc.token, tc.audiences)
			if st.Authenticated != tc.want || (tc.want && st.User.Username != "system:serviceaccount:default:builder") || (!tc.want && st.Error == "") {
				t.Errorf("%s: %+v", tc.name, st)
			}
		}
	})

	c.Run("delete", "pod", "vols")
	waitFor(t, func() bool {
		_, err := cs.CoreV1().Pods("default").Get(context.Background(), "vols", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "pod vols is gone")
	if left := tmpfsUnder(t, c.DataDir); len(left) > 0 {
		t.Errorf("tmpfs mounts left after the pod was deleted: %v", left)
	}
	if code, _ := getWithToken(t, c.Server, secretsURL, token); code != http.StatusUnauthorized {
		t.Errorf("token of the deleted pod: %d, want 401", code)
	}
	if st := reviewToken(t, cs, token, nil); st.Authenticated || !strings.Contains(st.Error, "vols") {
		t.Errorf("TokenReview of the deleted pod's token: %+v", st)
	}
}

// TestProjectedClusterTrustBundleWaitsForItsBundle: a pod projecting a
// ClusterTrustBundle that does not exist (and is not optional) is not
// started, with a FailedMount event that names it, as the kubelet does;
// once the bundle is created the pod runs with its certificates in the
// volume.
func TestProjectedClusterTrustBundleWaitsForItsBundle(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: ctb}
spec:
  containers: [{name: c, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /v}]}]
  volumes:
  - name: v
    projected: {sources: [{clusterTrustBundle: {name: bundle, path: ca.pem}}]}
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		return strings.Contains(c.Run("get", "events", "--field-selector", "involvedObject.name=ctb,reason=FailedMount"),
			`clustertrustbundles.certificates.k8s.io "bundle" not found`)
	}, "FailedMount event naming the missing ClusterTrustBundle")
	if p, err := cs.CoreV1().Pods("default").Get(context.Background(), "ctb", metav1.GetOptions{}); err != nil || p.Status.Phase != corev1.PodPending {
		t.Fatalf("pod without its bundle: %v %v, want Pending", err, p.Status.Phase)
	}
	bundle := selfSignedPEM(t)
	indented := "    " + strings.ReplaceAll(strings.TrimSpace(bundle), "\n", "\n    ")
	c.RunIn("apiVersion: certificates.k8s.io/v1\nkind: ClusterTrustBundle\nmetadata: {name: bundle}\nspec:\n  trustBundle: |\n"+indented+"\n", "apply", "-f", "-")
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), "", "delete", "clustertrustbundle", "bundle") })
	waitPhase(t, cs, "ctb", corev1.PodRunning)
	if got := c.Run("exec", "ctb", "--", "cat", "/v/ca.pem"); strings.TrimSpace(got) != strings.TrimSpace(bundle) {
		t.Errorf("/v/ca.pem = %q, want the bundle %q", got, bundle)
	}
}

// selfSignedPEM is a fresh self-signed certificate in PEM.
func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e-bundle"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestAgentSweepsMemoryVolumesOfPodsDeletedWhileItWasDown kills the server
// with a memory-backed pod running, deletes the pod while no agent runs,
// and expects the restarted agent to unmount what the dead one left.
func TestAgentSweepsMemoryVolumesOfPodsDeletedWhileItWasDown(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: ram}
spec:
  containers: [{name: c, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: v, mountPath: /v}]}]
  volumes: [{name: v, emptyDir: {medium: Memory}}]
`, "apply", "-f", "-")
	waitPhase(t, cs, "ram", corev1.PodRunning)
	c.Kill9()
	t.Cleanup(func() { unmountAllUnder(c.DataDir) })
	// Its emptyDir and its service-account token volume.
	if len(tmpfsUnder(t, c.DataDir)) != 2 {
		t.Fatalf("want the killed agent's two tmpfs mounts left behind, have %v", tmpfsUnder(t, c.DataDir))
	}
	withAgent := c.ExtraArgs
	c.ExtraArgs = append(append([]string{}, withAgent...), "--no-agent")
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	c.Run("delete", "pod", "ram", "--grace-period=0", "--force")
	c.Stop()
	c.ExtraArgs = withAgent
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(tmpfsUnder(t, c.DataDir)) == 0 }, "the restarted agent unmounts the deleted pod's tmpfs")
}

type mountEntry struct{ fstype, options string }

// mountsByPoint parses /proc/mounts text by mount point.
func mountsByPoint(text string) map[string]mountEntry {
	out := map[string]mountEntry{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 4 {
			out[f[1]] = mountEntry{fstype: f[2], options: f[3]}
		}
	}
	return out
}

// tmpfsUnder lists the host's tmpfs mounts inside dir.
func tmpfsUnder(t *testing.T, dir string) map[string]mountEntry {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]mountEntry{}
	for point, m := range mountsByPoint(string(data)) {
		if m.fstype == "tmpfs" && strings.HasPrefix(point, dir+"/") {
			out[point] = m
		}
	}
	return out
}

// unmountAllUnder lazily unmounts whatever a failed test left under dir, so
// the test's temporary directory can be removed.
func unmountAllUnder(dir string) {
	data, _ := os.ReadFile("/proc/self/mounts")
	for point := range mountsByPoint(string(data)) {
		if strings.HasPrefix(point, dir+"/") {
			_ = unmountDetach(point)
		}
	}
}

func getWithToken(t *testing.T, s *testcluster.Server, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := caOnlyClient(t, s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func vault(t *testing.T, cs kubernetes.Interface) string { return requestToken(t, cs, "vault") }

// reviewToken asks the TokenReview API about token.
func reviewToken(t *testing.T, cs kubernetes.Interface, token string, audiences []string) authenticationv1.TokenReviewStatus {
	t.Helper()
	r, err := cs.AuthenticationV1().TokenReviews().Create(context.Background(),
		&authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token, Audiences: audiences}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

// requestToken asks the TokenRequest API for an unbound token of builder.
func requestToken(t *testing.T, cs kubernetes.Interface, audience string) string {
	t.Helper()
	tr, err := cs.CoreV1().ServiceAccounts("default").CreateToken(context.Background(), "builder",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: []string{audience}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status.Token == "" || tr.Status.ExpirationTimestamp.IsZero() || *tr.Spec.ExpirationSeconds != 3600 {
		t.Fatalf("TokenRequest answer: %+v", tr)
	}
	return tr.Status.Token
}

func unmountDetach(point string) error { return syscall.Unmount(point, syscall.MNT_DETACH) }

// TestDownwardAPIFilesFollowAnnotations: a change of the pod's
// annotations reaches its projected downwardAPI file without waiting for
// the volume refresh period (an hour here), as the kubelet's sync on a
// pod update does.
func TestDownwardAPIFilesFollowAnnotations(t *testing.T) {
	t.Parallel()
	c, _, _ := startWithAgent(t, "--sync-frequency", "1h")
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: annotated, annotations: {builder: bar}}
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - name: podinfo
    projected:
      sources: [{downwardAPI: {items: [{path: annotations, fieldRef: {fieldPath: metadata.annotations}}]}}]
  containers:
  - name: c
    image: busybox
    volumeMounts: [{name: podinfo, mountPath: /etc/podinfo}]
    command: [sleep, "3600"]
`, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/annotated", "--timeout=60s")
	if got := c.Run("exec", "annotated", "--", "cat", "/etc/podinfo/annotations"); !strings.Contains(got, `builder="bar"`) {
		t.Fatalf("annotations file: %q", got)
	}
	c.Run("annotate", "pod", "annotated", "builder=foo", "--overwrite")
	waitFor(t, func() bool {
		return strings.Contains(c.Run("exec", "annotated", "--", "cat", "/etc/podinfo/annotations"), `builder="foo"`)
	}, "the annotations file showing the new value")
}
