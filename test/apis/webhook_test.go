package apis

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// webhookCerts is a self-signed CA and a serving certificate it signed for
// host, in PEM.
type webhookCerts struct{ ca, cert, key []byte }

func newWebhookCerts(t *testing.T, host string) webhookCerts {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webhook-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return webhookCerts{
		ca:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
}

// buildWebhook compiles testdata/webhook (standard library only) into a
// directory of its own, which the webhook pod mounts with hostPath.
func buildWebhook(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "webhook"), "./testdata/webhook")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the webhook: %v\n%s", err, out)
	}
	return dir
}

// startWebhook runs the test webhook in a pod of ns behind the Service
// "webhook" (port 443), serving a certificate for webhook.<ns>.svc, and
// returns the CA bundle once the Service has a ready endpoint.
func startWebhook(t *testing.T, ns string) []byte {
	t.Helper()
	dir := buildWebhook(t)
	certs := newWebhookCerts(t, "webhook."+ns+".svc")
	cs := clientset(t)
	ctx := context.Background()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "webhook-tls"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: certs.cert, corev1.TLSPrivateKeyKey: certs.key}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	server(t).RunIn(`apiVersion: v1
kind: Pod
metadata: {name: webhook, labels: {app: webhook}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: webhook
    image: busybox
    command: [/webhook/webhook, --cert=/tls/tls.crt, --key=/tls/tls.key, --listen=:8443]
    ports: [{containerPort: 8443}]
    readinessProbe:
      tcpSocket: {port: 8443}
      periodSeconds: 1
    volumeMounts:
    - {name: bin, mountPath: /webhook}
    - {name: tls, mountPath: /tls}
  volumes:
  - {name: bin, hostPath: {path: `+dir+`}}
  - {name: tls, secret: {secretName: webhook-tls}}
---
apiVersion: v1
kind: Service
metadata: {name: webhook}
spec:
  selector: {app: webhook}
  ports: [{port: 443, targetPort: 8443}]
`, "-n", ns, "apply", "-f", "-")
	waitFor(t, func() bool {
		slices, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=webhook"})
		if err != nil {
			return false
		}
		for _, s := range slices.Items {
			for _, e := range s.Endpoints {
				if e.Conditions.Ready != nil && *e.Conditions.Ready {
					return true
				}
			}
		}
		return false
	}, "the webhook's Service to have a ready endpoint")
	return certs.ca
}

// deleteClusterObject removes a cluster-scoped object (webhook
// configurations, policies) when t ends, before its namespace goes.
func deleteClusterObject(t *testing.T, resource, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _, _ = shared.Kubectl(ctx, "", "delete", resource, name, "--ignore-not-found")
	})
}

// untilRefused dry-runs the manifest on the server until the admission
// being installed answers (configurations reach the plugins through
// informers), then returns kubectl's stderr of the real create.
func untilRefused(t *testing.T, ns, manifest, what string) string {
	t.Helper()
	waitFor(t, func() bool {
		_, _, ok := kubectlOut(t, manifest, "-n", ns, "create", "--dry-run=server", "-f", "-")
		return !ok
	}, what)
	_, errOut, ok := kubectlOut(t, manifest, "-n", ns, "create", "-f", "-")
	if ok {
		t.Fatalf("%s: the create succeeded", what)
	}
	return lastLine(errOut)
}

func configMap(name string, labels ...string) string {
	var l string
	for i := 0; i+1 < len(labels); i += 2 {
		l += labels[i] + `: "` + labels[i+1] + `", `
	}
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", labels: {" + strings.TrimSuffix(l, ", ") + "}}\ndata: {a: b}\n"
}

// TestAdmissionWebhooksServedFromAPod: a validating webhook run in a pod
// behind a Service, called over TLS verified with its caBundle, refuses
// ConfigMaps carrying a label with its own message (kubectl shows it), lets
// others and those its matchConditions exclude through; a mutating webhook
// adds a label, and a mutating policy reacting to it is reinvoked after
// it; a webhook that cannot be reached refuses with
// failurePolicy Fail and is skipped with Ignore; one slower than its
// timeoutSeconds fails the request.
func TestAdmissionWebhooksServedFromAPod(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	ca := base64.StdEncoding.EncodeToString(startWebhook(t, ns))
	c := server(t)
	hook := func(kind, name, path, service, failure, extra string) string {
		return `apiVersion: admissionregistration.k8s.io/v1
kind: ` + kind + `
metadata: {name: ` + ns + `-` + name + `}
webhooks:
- name: ` + name + `.webhook.ordo.test
  clientConfig:
    caBundle: ` + ca + `
    service: {namespace: ` + ns + `, name: ` + service + `, path: ` + path + `}
  rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ` + ns + `}}
  failurePolicy: ` + failure + `
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 5
` + extra
	}
	for _, name := range []string{"deny", "mutate", "down-fail", "down-ignore", "slow"} {
		kind := "validatingwebhookconfiguration"
		if name == "mutate" {
			kind = "mutatingwebhookconfiguration"
		}
		deleteClusterObject(t, kind, ns+"-"+name)
	}
	c.RunIn(hook("ValidatingWebhookConfiguration", "deny", "/validate", "webhook", "Fail", `  matchConditions:
  - {name: not-exempt, expression: 'object.metadata.name != "exempt"'}
`), "apply", "-f", "-")

	got := untilRefused(t, ns, configMap("bad", "webhook.ordo.test/deny", "yes"), "the validating webhook to refuse")
	want := `Error from server: error when creating "STDIN": admission webhook "deny.webhook.ordo.test" denied the request: configmap bad carries the label webhook.ordo.test/deny`
	if got != want {
		t.Errorf("refusal\n got: %s\nwant: %s", got, want)
	}
	c.RunIn(configMap("good"), "-n", ns, "create", "-f", "-")
	c.RunIn(configMap("exempt", "webhook.ordo.test/deny", "yes"), "-n", ns, "create", "-f", "-")

	c.RunIn(hook("MutatingWebhookConfiguration", "mutate", "/mutate", "webhook", "Fail", "  reinvocationPolicy: IfNeeded\n"), "apply", "-f", "-")
	waitFor(t, func() bool {
		out, _, ok := kubectlOut(t, configMap("probe"), "-n", ns, "create", "--dry-run=server", "-f", "-", "-o", "jsonpath={.metadata.labels}")
		return ok && strings.Contains(out, "webhook.ordo.test/mutated")
	}, "the mutating webhook to label")
	c.RunIn(configMap("mutated"), "-n", ns, "create", "-f", "-")
	cm, err := clientset(t).CoreV1().ConfigMaps(ns).Get(context.Background(), "mutated", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels["webhook.ordo.test/mutated"] != "yes" {
		t.Errorf("labels = %v, want webhook.ordo.test/mutated=yes", cm.Labels)
	}

	// Reinvocation: a MutatingAdmissionPolicy (which runs before the
	// webhooks) that reacts to the webhook's label, with
	// reinvocationPolicy IfNeeded, is run again after the webhook.
	deleteClusterObject(t, "mutatingadmissionpolicybinding", ns+"-reinvoke")
	deleteClusterObject(t, "mutatingadmissionpolicy", ns+"-reinvoke")
	c.RunIn(`apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata: {name: `+ns+`-reinvoke}
spec:
  matchConstraints:
    resourceRules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
  reinvocationPolicy: IfNeeded
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >
        has(object.metadata.labels) && "webhook.ordo.test/mutated" in object.metadata.labels ?
        Object{metadata: Object.metadata{labels: {"policy.ordo.test/saw-webhook": "yes"}}} : Object{}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata: {name: `+ns+`-reinvoke}
spec:
  policyName: `+ns+`-reinvoke
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: `+ns+`}}
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		out, _, ok := kubectlOut(t, configMap("probe"), "-n", ns, "create", "--dry-run=server", "-f", "-", "-o", "jsonpath={.metadata.labels}")
		return ok && strings.Contains(out, "policy.ordo.test/saw-webhook")
	}, "the policy to be reinvoked after the webhook")

	// A Service with no endpoints: the webhook is down.
	c.RunIn("apiVersion: v1\nkind: Service\nmetadata: {name: down}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 443}]\n", "-n", ns, "apply", "-f", "-")
	// Ignore first: the plugins see configurations in order, so once the
	// Fail one refuses, the Ignore one is in place too.
	c.RunIn(hook("ValidatingWebhookConfiguration", "down-ignore", "/validate", "down", "Ignore",
		"  objectSelector: {matchLabels: {policy: ignore}}\n"), "apply", "-f", "-")
	c.RunIn(hook("ValidatingWebhookConfiguration", "down-fail", "/validate", "down", "Fail",
		"  objectSelector: {matchLabels: {policy: fail}}\n"), "apply", "-f", "-")
	got = untilRefused(t, ns, configMap("fail", "policy", "fail"), "the unreachable webhook to fail closed")
	want = `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "down-fail.webhook.ordo.test": failed to call webhook: `
	if !strings.HasPrefix(got, want) {
		t.Errorf("failurePolicy Fail\n got: %s\nwant prefix: %s", got, want)
	}
	t.Logf("an unreachable webhook with failurePolicy Fail: %s", got)
	c.RunIn(configMap("ignore", "policy", "ignore"), "-n", ns, "create", "-f", "-")

	// A webhook slower than its timeoutSeconds fails the request.
	c.RunIn(strings.Replace(hook("ValidatingWebhookConfiguration", "slow", "/slow", "webhook", "Fail",
		"  objectSelector: {matchLabels: {policy: slow}}\n"), "timeoutSeconds: 5", "timeoutSeconds: 1", 1), "apply", "-f", "-")
	got = untilRefused(t, ns, configMap("slow", "policy", "slow"), "the slow webhook to time out")
	want = `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "slow.webhook.ordo.test": failed to call webhook: Post "https://webhook.` +
		ns + `.svc:443/slow?timeout=1s": context deadline exceeded`
	if got != want {
		t.Errorf("timeout\n got: %s\nwant: %s", got, want)
	}
}
