package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emicklei/go-restful/v3"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// lazyV3Fixture serves two group versions' /openapi/v3 and counts how
// often a document was built (every build reads the definitions).
func lazyV3Fixture(t *testing.T, build string) (*mux.PathRecorderMux, *atomic.Int32) {
	t.Helper()
	var builds atomic.Int32
	cfg := &common.OpenAPIV3Config{
		Info: &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "v1"}},
		GetDefinitions: func(common.ReferenceCallback) map[string]common.OpenAPIDefinition {
			builds.Add(1)
			return map[string]common.OpenAPIDefinition{}
		},
	}
	c := restful.NewContainer()
	for _, root := range []string{"/api/v1", "/apis/batch/v1"} {
		ws := new(restful.WebService).Path(root)
		ws.Route(ws.GET("/things").To(func(*restful.Request, *restful.Response) {}).Operation("list" + root))
		c.Add(ws)
	}
	m := mux.NewPathRecorderMux("test")
	if err := installLazyOpenAPIV3(c, cfg, m, build); err != nil {
		t.Fatal(err)
	}
	return m, &builds
}

func get(m http.Handler, url string, accept string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	return w
}

func indexOf(t *testing.T, m http.Handler) handler3.OpenAPIV3Discovery {
	t.Helper()
	w := get(m, "/openapi/v3", "")
	var d handler3.OpenAPIV3Discovery
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &d) != nil {
		t.Fatalf("/openapi/v3: %d %s", w.Code, w.Body)
	}
	return d
}

// TestOpenAPIV3IndexBuildsNoDocument: the index names every group version
// with a hash and builds none of their documents; a document is built on
// its first request only, once, served as JSON and protobuf, cacheable at
// its current hash, and a stale hash is sent to the current one.
func TestOpenAPIV3IndexBuildsNoDocument(t *testing.T) {
	m, builds := lazyV3Fixture(t, "build-1")
	d := indexOf(t, m)
	if len(d.Paths) != 2 || d.Paths["api/v1"].ServerRelativeURL == "" || d.Paths["apis/batch/v1"].ServerRelativeURL == "" {
		t.Fatalf("index: %+v", d.Paths)
	}
	if n := builds.Load(); n != 0 {
		t.Fatalf("serving the index built %d documents", n)
	}

	url := d.Paths["apis/batch/v1"].ServerRelativeURL
	w := get(m, url, "application/json")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"/apis/batch/v1/things"`) || strings.Contains(w.Body.String(), "/api/v1/things") {
		t.Fatalf("GET %s: %d %s", url, w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, immutable" {
		t.Errorf("Cache-Control at the current hash: %q", cc)
	}
	if w.Header().Get("Etag") == "" {
		t.Error("no Etag")
	}
	built := builds.Load()
	if built == 0 {
		t.Fatal("the document was not built from the definitions")
	}
	pb := get(m, url, "application/com.github.proto-openapi.spec.v3.v1.0+protobuf")
	if pb.Code != http.StatusOK || pb.Header().Get("Content-Type") != "application/com.github.proto-openapi.spec.v3.v1.0+protobuf" || pb.Body.Len() == 0 {
		t.Errorf("protobuf: %d %q", pb.Code, pb.Header().Get("Content-Type"))
	}
	if n := builds.Load(); n != built {
		t.Errorf("a second request built the document again (%d builds, then %d)", built, n)
	}

	stale := get(m, "/openapi/v3/apis/batch/v1?hash=0123", "application/json")
	if stale.Code != http.StatusMovedPermanently || stale.Header().Get("Location") != url {
		t.Errorf("stale hash: %d to %q, want 301 to %q", stale.Code, stale.Header().Get("Location"), url)
	}
	if plain := get(m, "/openapi/v3/apis/batch/v1", "application/json"); plain.Code != http.StatusOK || plain.Header().Get("Cache-Control") != "" {
		t.Errorf("without a hash: %d, Cache-Control %q", plain.Code, plain.Header().Get("Cache-Control"))
	}
	if missing := get(m, "/openapi/v3/apis/nothing/v1", ""); missing.Code != http.StatusNotFound {
		t.Errorf("unknown group version: %d", missing.Code)
	}
}

// TestOpenAPIV3HashesNameBuildAndRoutes: the same build serves the same
// hashes (clients keep their cached documents across restarts); another
// build, or other routes, other hashes.
func TestOpenAPIV3HashesNameBuildAndRoutes(t *testing.T) {
	m1, _ := lazyV3Fixture(t, "build-1")
	m2, _ := lazyV3Fixture(t, "build-1")
	m3, _ := lazyV3Fixture(t, "build-2")
	a, b, c := indexOf(t, m1), indexOf(t, m2), indexOf(t, m3)
	for gv := range a.Paths {
		if a.Paths[gv] != b.Paths[gv] {
			t.Errorf("%s: the same build gave %q and %q", gv, a.Paths[gv].ServerRelativeURL, b.Paths[gv].ServerRelativeURL)
		}
		if a.Paths[gv] == c.Paths[gv] {
			t.Errorf("%s: two builds gave the same %q", gv, a.Paths[gv].ServerRelativeURL)
		}
	}
	if a.Paths["api/v1"] == a.Paths["apis/batch/v1"] {
		t.Error("two group versions share a hash")
	}
}
