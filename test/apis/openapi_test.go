package apis

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// TestOpenAPIV3ThroughTheAggregator: the chain's merged /openapi/v3 names
// ordo's groups (built on first request), the CRD server's and the
// aggregator's; a group version's document has its kinds, with the
// cross-registered meta kinds narrowed to it as kube-apiserver narrows
// them; the document at its hash may be cached for good; and kubectl
// explain, which reads it, explains a CronJob's field.
func TestOpenAPIV3ThroughTheAggregator(t *testing.T) {
	t.Parallel()
	dc, err := discovery.NewDiscoveryClientForConfig(restConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		t.Fatal(err)
	}
	for _, gv := range []string{"api/v1", "apis/batch/v1", "apis/apps/v1", "apis/apiextensions.k8s.io/v1", "apis/apiregistration.k8s.io/v1"} {
		if _, ok := paths[gv]; !ok {
			t.Errorf("/openapi/v3 lacks %s", gv)
		}
	}
	batch, ok := paths["apis/batch/v1"]
	if !ok {
		t.FailNow()
	}
	raw, err := batch.Schema("application/json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				GVK []map[string]string `json:"x-kubernetes-group-version-kind"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Components.Schemas["io.k8s.api.batch.v1.CronJob"]; !ok {
		t.Error("apis/batch/v1 has no io.k8s.api.batch.v1.CronJob")
	}
	if gvks := doc.Components.Schemas["io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"].GVK; len(gvks) == 0 || len(gvks) > 2 {
		t.Errorf("WatchEvent in apis/batch/v1 names %d group versions, want its own and core/v1: %v", len(gvks), gvks)
	}

	// The URL with its hash, as the index gives it.
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	body, err := clientset(t).Discovery().RESTClient().Get().AbsPath("/openapi/v3").DoRaw(context.Background())
	if err != nil || json.Unmarshal(body, &index) != nil {
		t.Fatalf("/openapi/v3: %v %s", err, body)
	}
	url := index.Paths["apis/batch/v1"].ServerRelativeURL
	resp, err := httpGet(t, url)
	if err != nil {
		t.Fatal(err)
	}
	if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || cc != "public, immutable" {
		t.Errorf("GET %s: %d, Cache-Control %q", url, resp.StatusCode, cc)
	}

	out := server(t).Run("explain", "cronjob.spec.schedule")
	for _, want := range []string{"GROUP:      batch", "KIND:       CronJob", "FIELD: schedule <string>"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain cronjob.spec.schedule lacks %q:\n%s", want, out)
		}
	}
}

// httpGet sends a GET with the admin's credentials and returns the
// response, its body read and closed.
func httpGet(t *testing.T, url string) (*http.Response, error) {
	t.Helper()
	cfg := restConfig(t)
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	resp, err := client.Get(strings.TrimSuffix(cfg.Host, "/") + url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, nil
}
