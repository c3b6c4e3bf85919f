package apis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// extensionServer stands in for an extension API server (a metrics server,
// say): as k8s.io/apiserver's delegated authentication does, it trusts the
// X-Remote-User of a request only from a client certificate signed by the
// requestheader CA that kube-system/extension-apiserver-authentication
// names, with an allowed name; it serves the wardle.example.com/v1alpha1
// discovery and a list of flunders naming that user.
func extensionServer(t *testing.T, ip string, auth map[string]string) (port int) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(auth["requestheader-client-ca-file"])) {
		t.Fatalf("requestheader-client-ca-file: %q", auth["requestheader-client-ca-file"])
	}
	var allowed []string
	if err := json.Unmarshal([]byte(auth["requestheader-allowed-names"]), &allowed); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/apis/wardle.example.com/v1alpha1", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "wardle.example.com/v1alpha1",
			APIResources: []metav1.APIResource{{Name: "flunders", Namespaced: true, Kind: "Flunder", Verbs: []string{"get", "list"}}},
		})
	})
	mux.HandleFunc("/apis/wardle.example.com/v1alpha1/namespaces/{ns}/flunders", func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 || !slices.Contains(allowed, r.TLS.PeerCertificates[0].Subject.CommonName) {
			http.Error(w, "not the front proxy", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"kind":"FlunderList","apiVersion":"wardle.example.com/v1alpha1","metadata":{},"items":[{"metadata":{"name":%q,"namespace":%q}}]}`,
			"for-"+r.Header.Get("X-Remote-User"), r.PathValue("ns"))
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = ln
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return ln.Addr().(*net.TCPAddr).Port
}

// TestAPIServiceIsProxiedToItsService: an APIService naming a Service
// becomes Available once its backend answers discovery, and requests for
// its group go to a ready endpoint of the Service, from the front proxy,
// with the user's name.
// Not parallel: until it is Available its group fails discovery.
func TestAPIServiceIsProxiedToItsService(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cs := clientset(t)
	node, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ip string
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip = a.Address
		}
	}
	var auth *corev1.ConfigMap
	waitFor(t, func() bool {
		auth, err = cs.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
		return err == nil
	}, "kube-system/extension-apiserver-authentication")
	if _, err := cs.RbacV1().Roles(metav1.NamespaceSystem).Get(ctx, "extension-apiserver-authentication-reader", metav1.GetOptions{}); err != nil {
		t.Errorf("the Role extension servers are bound to: %v", err)
	}
	port := extensionServer(t, ip, auth.Data)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 443}}}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "api-1", Labels: map[string]string{discoveryv1.LabelServiceName: "api"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To(""), Port: ptr.To(int32(port)), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if _, err := cs.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := server(t)
	c.RunIn(fmt.Sprintf(`apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.wardle.example.com
spec:
  group: wardle.example.com
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  insecureSkipTLSVerify: true
  service: {namespace: %s, name: api, port: 443}
`, ns), "apply", "-f", "-")
	t.Cleanup(func() {
		_, _, _ = c.Kubectl(context.Background(), "", "delete", "apiservice", "v1alpha1.wardle.example.com", "--ignore-not-found")
	})
	waitFor(t, func() bool {
		return c.Run("get", "apiservice", "v1alpha1.wardle.example.com", "-o", `jsonpath={.status.conditions[?(@.type=="Available")].status}`) == "True"
	}, "the APIService to become Available")
	out := c.Run("get", "--raw", "/apis/wardle.example.com/v1alpha1/namespaces/"+ns+"/flunders")
	if !strings.Contains(out, `"name":"for-admin"`) {
		t.Errorf("proxied list = %s, want the extension server's answer for user admin", out)
	}
	if out := c.Run("get", "apiservices", "v1alpha1.wardle.example.com"); !strings.Contains(strings.Join(strings.Fields(out), " "), ns+"/api True") {
		t.Errorf("kubectl get apiservices:\n%s", out)
	}
}
