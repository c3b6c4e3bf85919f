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
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// groupsManifest holds one object of every kind of the groups added for
// issue 26's "rest of the built-in groups"; NAMESPACE is the test's.
const groupsManifest = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: NAMESPACE}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: NAMESPACE-nginx}
spec: {controller: example.com/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: NAMESPACE}
spec:
  ingressClassName: NAMESPACE-nginx
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: IPAddress
metadata: {name: 192.0.2.77}
spec: {parentRef: {group: "", resource: services, namespace: NAMESPACE, name: web}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: NAMESPACE}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: NAMESPACE-ordo}
handler: ordo
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: NAMESPACE.csi.example.com}
spec: {}
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {name: NAMESPACE-node}
spec:
  drivers: [{name: csi.example.com, nodeID: node-1}]
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: NAMESPACE-va}
spec: {attacher: csi.example.com, nodeName: node-1, source: {persistentVolumeName: pv-1}}
---
apiVersion: storage.k8s.io/v1
kind: CSIStorageCapacity
metadata: {name: cap, namespace: NAMESPACE}
storageClassName: fast
capacity: 10Gi
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttributesClass
metadata: {name: NAMESPACE-gold}
driverName: csi.example.com
parameters: {iops: "3000"}
---
apiVersion: certificates.k8s.io/v1
kind: ClusterTrustBundle
metadata: {name: NAMESPACE-bundle}
spec:
  trustBundle: |
CABUNDLE
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: NAMESPACE-pl}
spec:
  type: Limited
  limited: {nominalConcurrencyShares: 5, limitResponse: {type: Reject}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: NAMESPACE-fs}
spec:
  priorityLevelConfiguration: {name: NAMESPACE-pl}
  matchingPrecedence: 500
  distinguisherMethod: {type: ByUser}
---
apiVersion: resource.k8s.io/v1
kind: DeviceClass
metadata: {name: NAMESPACE-gpu}
spec: {}
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: claim, namespace: NAMESPACE}
spec:
  devices:
    requests: [{name: gpu, exactly: {deviceClassName: NAMESPACE-gpu}}]
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata: {name: tmpl, namespace: NAMESPACE}
spec:
  spec:
    devices:
      requests: [{name: gpu, exactly: {deviceClassName: NAMESPACE-gpu}}]
---
apiVersion: resource.k8s.io/v1
kind: ResourceSlice
metadata: {name: NAMESPACE-slice}
spec: {driver: gpu.example.com, pool: {name: p, generation: 1, resourceSliceCount: 1}, allNodes: true}
---
apiVersion: resource.k8s.io/v1
kind: DeviceTaintRule
metadata: {name: NAMESPACE-taint}
spec:
  deviceSelector: {driver: gpu.example.com, pool: p}
  taint: {key: example.com/broken, value: "yes", effect: NoSchedule}
---
apiVersion: storagemigration.k8s.io/v1
kind: StorageVersionMigration
metadata: {name: NAMESPACE-svm}
spec: {resource: {group: apps, resource: deployments}}
`

// TestEveryNewGroupKindAppliesAndPrints applies one object of each new
// kind with kubectl, checks kubectl get's columns for each and that
// kubectl api-resources lists them; cluster-scoped objects carry the
// namespace's name and are deleted at the end.
func TestEveryNewGroupKindAppliesAndPrints(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	caPEM, err := os.ReadFile(filepath.Join(shared.DataDir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := strings.ReplaceAll(groupsManifest, "NAMESPACE", ns)
	manifest = strings.Replace(manifest, "CABUNDLE", indent(string(caPEM), "    "), 1)
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), manifest, "delete", "--ignore-not-found", "-f", "-") })
	out := c.RunIn(manifest, "apply", "-f", "-")
	if strings.Count(out, "created") != strings.Count(groupsManifest, "\nkind: ") {
		t.Fatalf("apply: want every object created, got:\n%s", out)
	}
	headers := map[string]string{
		"networkpolicies":             "NAME POD-SELECTOR AGE",
		"ingresses":                   "NAME CLASS HOSTS ADDRESS PORTS AGE",
		"ingressclasses":              "NAME CONTROLLER PARAMETERS AGE",
		"servicecidrs":                "NAME CIDRS AGE",
		"ipaddresses":                 "NAME PARENTREF",
		"horizontalpodautoscalers":    "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE",
		"runtimeclasses":              "NAME HANDLER AGE",
		"csidrivers":                  "NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE",
		"csinodes":                    "NAME DRIVERS AGE",
		"volumeattachments":           "NAME ATTACHER PV NODE ATTACHED AGE",
		"csistoragecapacities":        "NAME STORAGECLASSNAME CAPACITY",
		"volumeattributesclasses":     "NAME DRIVERNAME AGE",
		"clustertrustbundles":         "NAME SIGNERNAME",
		"flowschemas":                 "NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL",
		"prioritylevelconfigurations": "NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE",
		"deviceclasses":               "NAME CREATED AT",
		"resourceclaims":              "NAME CREATED AT",
		"resourceclaimtemplates":      "NAME CREATED AT",
		"resourceslices":              "NAME CREATED AT",
		"devicetaintrules":            "NAME KEY VALUE EFFECT TIMEADDED AGE",
		"podcertificaterequests":      "",
		"storageversionmigrations":    "NAME CREATED AT",
		"certificatesigningrequests":  "",
	}
	for res, want := range headers {
		if want == "" {
			continue
		}
		got := c.Run("-n", ns, "get", res)
		if first := strings.Join(strings.Fields(strings.SplitN(got, "\n", 2)[0]), " "); first != want {
			t.Errorf("kubectl get %s header = %q, want %q", res, first, want)
		}
	}
	if got := c.Run("-n", ns, "get", "hpa", "web", "--no-headers"); !strings.Contains(strings.Join(strings.Fields(got), " "), "web Deployment/web cpu: <unknown>/60% 1 5 0") {
		t.Errorf("kubectl get hpa: %q", got)
	}
	if got := c.Run("get", "servicecidr", "kubernetes", "--no-headers"); !strings.HasPrefix(strings.Join(strings.Fields(got), " "), "kubernetes "+shared.ServiceCIDR) {
		t.Errorf("kubectl get servicecidr kubernetes: %q", got)
	}
	if got := c.Run("get", "csidriver", ns+".csi.example.com", "--no-headers"); !strings.Contains(strings.Join(strings.Fields(got), " "), "true false false <none> false Persistent") {
		t.Errorf("CSIDriver defaults: %q", got)
	}
	resources := c.Run("api-resources", "-o", "name")
	for res := range headers {
		if !strings.Contains(resources, res+".") {
			t.Errorf("kubectl api-resources does not list %s", res)
		}
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix)
}

// TestNetworkPolicyWarnsItIsNotEnforced checks kubectl prints ordo's
// warning on create and update of a NetworkPolicy.
func TestNetworkPolicyWarnsItIsNotEnforced(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	np := "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelector: {}}\n"
	for i := 0; i < 2; i++ {
		_, stderr, err := c.Kubectl(context.Background(), np, "-n", ns, "apply", "-f", "-")
		if err != nil {
			t.Fatal(err, stderr)
		}
		if !strings.Contains(stderr, "Warning: NetworkPolicy is not enforced by ordo: pods' traffic is not filtered") {
			t.Fatalf("apply #%d: no warning in %q", i+1, stderr)
		}
		np = strings.Replace(np, "{}}", "{matchLabels: {a: b}}}", 1)
	}
}

// TestServiceCIDRsOtherThanTheDefaultAreRefused checks ordo refuses a
// ServiceCIDR it could not allocate from.
func TestServiceCIDRsOtherThanTheDefaultAreRefused(t *testing.T) {
	t.Parallel()
	c := server(t)
	out := c.Fail("apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: extra}\nspec: {cidrs: [10.99.0.0/16]}\n", "create", "-f", "-")
	if !strings.Contains(out, "Forbidden") || !strings.Contains(out, "--service-cidr") {
		t.Fatalf("creating another ServiceCIDR: %s", out)
	}
}

// TestPodAdmissionForRuntimeClassesAndResourceClaims checks a pod naming
// a missing RuntimeClass, one with a foreign handler, or a DRA claim is
// refused with a message that says why, and that a class whose handler is
// one of the server's --runtime-handler-aliases is admitted.
func TestPodAdmissionForRuntimeClassesAndResourceClaims(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	rc := "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: " + ns + "-kata}\nhandler: kata\n"
	c.RunIn(rc, "apply", "-f", "-")
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), "", "delete", "runtimeclass", ns+"-kata") })
	pod := func(extra string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + extra + "  containers: [{name: c, image: busybox}]\n"
	}
	cases := map[string]string{
		"  runtimeClassName: nope\n":                                  `pod rejected: RuntimeClass "nope" not found`,
		"  runtimeClassName: " + ns + "-kata\n":                       `has handler "kata"`,
		"  resourceClaims: [{name: gpu, resourceClaimName: claim}]\n": "no dynamic resource allocation (DRA) drivers",
	}
	for extra, want := range cases {
		if out := c.Fail(pod(extra), "-n", ns, "create", "-f", "-"); !strings.Contains(out, want) {
			t.Errorf("pod with %q: got %q, want %q", extra, out, want)
		}
	}
	alias := "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: " + ns + "-alias}\nhandler: " + runtimeHandlerAlias + "\n"
	c.RunIn(alias, "apply", "-f", "-")
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), "", "delete", "runtimeclass", ns+"-alias") })
	c.RunIn(pod("  runtimeClassName: "+ns+"-alias\n"), "-n", ns, "create", "--dry-run=server", "-f", "-")
}

// TestCSRForJaneIsIssuedAndAuthenticatesAsJane creates a CSR with kubectl,
// checks the requestor is the admin who sent it, approves it with
// kubectl certificate approve, waits for the signer and then uses the
// certificate: kubectl auth whoami says jane.
func TestCSRForJaneIsIssuedAndAuthenticatesAsJane(t *testing.T) {
	t.Parallel()
	c := server(t)
	cs := clientset(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "jane", Organization: []string{"devs"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	req := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	name := "jane-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	csr := "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: " + name + "}\nspec:\n  request: " + req +
		"\n  signerName: kubernetes.io/kube-apiserver-client\n  expirationSeconds: 3600\n  usages: [client auth]\n  username: mallory\n"
	c.RunIn(csr, "create", "-f", "-")
	t.Cleanup(func() { _, _, _ = c.Kubectl(context.Background(), "", "delete", "csr", name) })
	got, err := cs.CertificatesV1().CertificateSigningRequests().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Username == "mallory" || got.Spec.Username == "" {
		t.Fatalf("requestor = %q, want the admin who sent it", got.Spec.Username)
	}
	row := strings.Join(strings.Fields(c.Run("get", "csr", name, "--no-headers")), " ")
	if !strings.Contains(row, "kubernetes.io/kube-apiserver-client "+got.Spec.Username+" 60m Pending") {
		t.Fatalf("kubectl get csr: %q", row)
	}
	c.Run("certificate", "approve", name)
	var cert []byte
	waitFor(t, func() bool {
		got, err = cs.CertificatesV1().CertificateSigningRequests().Get(context.Background(), name, metav1.GetOptions{})
		cert = got.Status.Certificate
		return err == nil && len(cert) > 0
	}, "the certificate to be issued")
	block, _ := pem.Decode(cert)
	issued, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if life := issued.NotAfter.Sub(issued.NotBefore); life > 66*60*1e9 || life < 60*60*1e9 {
		t.Errorf("certificate lives %s, want an hour plus the backdating", life)
	}
	if row := strings.Join(strings.Fields(c.Run("get", "csr", name, "--no-headers")), " "); !strings.HasSuffix(row, "Approved,Issued") {
		t.Errorf("kubectl get csr after issue: %q", row)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(shared.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.ClientCertificate, auth.ClientKey, auth.Token = "", "", ""
		auth.ClientCertificateData = cert
		auth.ClientKeyData = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	}
	janeConfig := filepath.Join(t.TempDir(), "jane.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, janeConfig); err != nil {
		t.Fatal(err)
	}
	who, stderr, err := c.Kubectl(context.Background(), "", "--kubeconfig", janeConfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
	if err != nil {
		t.Fatalf("kubectl auth whoami as jane: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(who, "jane ") || !strings.Contains(who, "devs") {
		t.Fatalf("kubectl auth whoami with jane's certificate: %q", who)
	}
}
