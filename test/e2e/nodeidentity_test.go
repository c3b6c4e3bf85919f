package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/certificate/csr"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// A joined agent holds its own credential, system:node:NAME, obtained
// with the agent join token through a CSR: it reads its own pod's Secret
// but not the Secret of a pod on another node, cannot change another
// Node or delete another node's pod (Kubernetes' wording), and is refused
// once its Node is deleted; restarted, the agent bootstraps a new one.
// Bootstrap tokens expire.
func TestNodeCredentialIsTheNodesOwn(t *testing.T) {
	t.Parallel()
	c, admin, serverNode := startWithAgent(t)
	joined := serverNode + "-id"
	agent, err := c.StartAgent(t.TempDir(), joined)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Stop)
	ctx := context.Background()
	c.Run("create", "secret", "generic", "mine", "--from-literal=k=v")
	c.Run("create", "secret", "generic", "theirs", "--from-literal=k=v")
	for name, node := range map[string]string{"mine": joined, "theirs": serverNode} {
		c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: `+name+`}
spec:
  nodeName: `+node+`
  containers: [{name: c, image: busybox, command: [sleep, "3600"], env: [{name: S, valueFrom: {secretKeyRef: {name: `+name+`, key: k}}}]}]
`, "apply", "-f", "-")
	}
	nodeClient := agentClient(t, c.Server.RESTConfig, filepath.Join(agent.DataDir, "pki", "ordo-node-client-current.pem"))
	if _, err := nodeClient.CoreV1().Secrets("default").Get(ctx, "mine", metav1.GetOptions{}); err != nil {
		t.Fatalf("the node reads its own pod's Secret: %v", err)
	}
	forbidden := func(what string, err error, want string) {
		t.Helper()
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want 403 %q", what, err, want)
		}
	}
	// The agent watches its pods' Secrets and ConfigMaps one by name
	// (its objcache): that list and watch are allowed, a list of the
	// namespace or a watch of another node's pod's Secret are not.
	byName := func(name string) metav1.ListOptions {
		return metav1.ListOptions{FieldSelector: "metadata.name=" + name}
	}
	if l, err := nodeClient.CoreV1().Secrets("default").List(ctx, byName("mine")); err != nil || len(l.Items) != 1 {
		t.Errorf("the node lists its own pod's Secret by name: %v", err)
	}
	if w, err := nodeClient.CoreV1().Secrets("default").Watch(ctx, byName("mine")); err != nil {
		t.Errorf("the node watches its own pod's Secret by name: %v", err)
	} else {
		w.Stop()
	}
	_, err = nodeClient.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
	forbidden("list every Secret of the namespace", err, `secrets is forbidden: User "system:node:`+joined+`" cannot list resource "secrets"`)
	_, err = nodeClient.CoreV1().Secrets("default").Watch(ctx, byName("theirs"))
	forbidden("watch another node's pod's Secret", err, `no relationship found between node '`+joined+`' and this object`)
	_, err = nodeClient.CoreV1().Secrets("default").Get(ctx, "theirs", metav1.GetOptions{})
	forbidden("another node's pod's Secret", err, `secrets "theirs" is forbidden: User "system:node:`+joined+
		`" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '`+joined+`' and this object`)
	_, err = nodeClient.CoreV1().Nodes().Patch(ctx, serverNode, types.MergePatchType, []byte(`{"metadata":{"labels":{"x":"y"}}}`), metav1.PatchOptions{})
	forbidden("patch another Node", err, `nodes "`+serverNode+`" is forbidden: node "`+joined+`" is not allowed to modify node "`+serverNode+`"`)
	err = nodeClient.CoreV1().Pods("default").Delete(ctx, "theirs", metav1.DeleteOptions{})
	forbidden("delete another node's pod", err, `pods "theirs" is forbidden: node "`+joined+`" can only delete pods with spec.nodeName set to itself`)

	checkRenewal(t, nodeClient, joined, serverNode)
	checkAgentServing(t, c.Server, admin, joined, filepath.Join(agent.DataDir, "pki", "ordo-node-client-current.pem"))
	checkBootstrapTokens(t, c.Server, admin)

	c.Run("delete", "node", joined)
	waitFor(t, func() bool {
		_, err := nodeClient.CoreV1().Nodes().Get(ctx, joined, metav1.GetOptions{})
		return apierrors.IsUnauthorized(err)
	}, "the deleted node's certificate is refused (401)")
	agent.Stop()
	if err := agent.Restart(c.Server); err != nil {
		t.Fatalf("a restarted agent bootstraps again: %v\n%s", err, agent.Log())
	}
	renewed := agentClient(t, c.Server.RESTConfig, filepath.Join(agent.DataDir, "pki", "ordo-node-client-current.pem"))
	if _, err := renewed.CoreV1().Nodes().Get(ctx, joined, metav1.GetOptions{}); err != nil {
		t.Fatalf("the new certificate works: %v", err)
	}
}

// checkBootstrapTokens: a token from `ordo token create` authenticates as
// system:bootstrap:<id>, may not read Secrets, and a token past its
// expiration is refused with 401.
func checkBootstrapTokens(t *testing.T, s *testcluster.Server, admin kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	exp := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	_, err := admin.CoreV1().Secrets("kube-system").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-expird"}, Type: "bootstrap.kubernetes.io/token",
		StringData: map[string]string{"token-id": "expird", "token-secret": "0123456789abcdef", "usage-bootstrap-authentication": "true", "expiration": exp},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	tokenClient := func(token string) kubernetes.Interface {
		cs, err := kubernetes.NewForConfig(&rest.Config{Host: cfg.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData}})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// Only the server token may fetch the cluster's keys (this server is
	// not in cluster mode, so the path itself is 404 past authorization).
	agentToken, err := os.ReadFile(filepath.Join(s.DataDir, "pki", "agent-token"))
	if err != nil {
		t.Fatal(err)
	}
	serverToken, err := os.ReadFile(filepath.Join(s.DataDir, "pki", "node-token"))
	if err != nil {
		t.Fatal(err)
	}
	join := func(token []byte) error {
		return tokenClient(strings.TrimSpace(string(token))).CoreV1().RESTClient().Get().AbsPath("/ordo/v1/join").Do(ctx).Error()
	}
	if err := join(agentToken); !apierrors.IsForbidden(err) {
		t.Errorf("the agent token fetches the join path: %v", err)
	}
	if err := join(serverToken); !apierrors.IsNotFound(err) {
		t.Errorf("the server token is not authorized for the join path: %v", err)
	}
	_, err = tokenClient("expird.0123456789abcdef").CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if !apierrors.IsUnauthorized(err) {
		t.Errorf("expired bootstrap token: got %v, want 401", err)
	}
	out, err := exec.Command(s.Bin, "token", "create", "--ttl", "1h", "--kubeconfig", s.Kubeconfig()).Output()
	if err != nil {
		t.Fatalf("ordo token create: %v %s", err, out)
	}
	token := strings.TrimSpace(string(out))
	_, err = tokenClient(token).CoreV1().Secrets("default").Get(ctx, "mine", metav1.GetOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `User "system:bootstrap:`+token[:6]+`"`) {
		t.Errorf("a bootstrap token reads a Secret: %v", err)
	}
}

// agentClient is a client with a node's certificate and key (one PEM file).
func agentClient(t *testing.T, restConfig func() (*rest.Config, error), pem string) kubernetes.Interface {
	t.Helper()
	cfg, err := restConfig()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: cfg.Host, Timeout: 10 * time.Second,
		TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData, CertFile: pem, KeyFile: pem}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// checkRenewal: a node's CSR for its own name, made with its certificate
// (a renewal), is approved as selfnodeclient and issued; one for another
// node's name is left pending.
func checkRenewal(t *testing.T, nodeClient kubernetes.Interface, self, other string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	request := func(node string) (string, types.UID) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
			Subject: pkix.Name{CommonName: "system:node:" + node, Organization: []string{"system:nodes"}}}, key)
		if err != nil {
			t.Fatal(err)
		}
		name, uid, err := csr.RequestCertificateWithContext(ctx, nodeClient, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), "",
			"kubernetes.io/kube-apiserver-client-kubelet", nil, []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}, key)
		if err != nil {
			t.Fatalf("node CSR for %s: %v", node, err)
		}
		return name, uid
	}
	name, uid := request(self)
	if _, err := csr.WaitForCertificate(ctx, nodeClient, name, uid); err != nil {
		t.Fatalf("the node's renewal CSR is not issued: %v", err)
	}
	name, _ = request(other)
	time.Sleep(2 * time.Second) // the approver has seen it by now
	got, err := nodeClient.CertificatesV1().CertificateSigningRequests().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Conditions) != 0 || len(got.Status.Certificate) != 0 {
		t.Errorf("a node's CSR for another node was acted on: %+v", got.Status.Conditions)
	}
}

// checkAgentServing: the joined agent serves with a certificate the
// cluster CA issued for system:node:<node>, and turns away a node's
// client certificate (only the API server may call an agent).
func checkAgentServing(t *testing.T, s *testcluster.Server, admin kubernetes.Interface, node, nodePEM string) {
	t.Helper()
	n, err := admin.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(n.Annotations["ordo.dev/agent-url"])
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cfg.CAData)
	dial := func(certFile, keyFile string) error {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: roots, ServerName: node, Certificates: []tls.Certificate{pair}})
		if err != nil {
			return err
		}
		defer conn.Close()
		if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "system:node:"+node {
			t.Errorf("the agent serves as %q", cn)
		}
		// The server's verdict on the client certificate comes with the
		// first read under TLS 1.3.
		_, err = conn.Write([]byte("GET /healthz HTTP/1.0\r\n\r\n"))
		if err == nil {
			_, err = conn.Read(make([]byte, 1))
		}
		return err
	}
	pki := filepath.Join(s.DataDir, "pki")
	if err := dial(filepath.Join(pki, "apiserver-agent-client.crt"), filepath.Join(pki, "apiserver-agent-client.key")); err != nil {
		t.Errorf("the API server's agent-client certificate, verifying the agent by the CA and its node name: %v", err)
	}
	if err := dial(nodePEM, nodePEM); err == nil {
		t.Error("an agent accepts a node's client certificate")
	}
}
