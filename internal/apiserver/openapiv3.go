package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emicklei/go-restful/v3"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/apiserver/pkg/server/routes"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/handler3"
)

// lazyOpenAPIV3 serves ordo's groups' /openapi/v3 as handler3 does (the
// index of group versions, each a URL with a hash that clients cache by),
// but builds a group version's document on its first request instead of
// at start.
//
// Why: routes.OpenAPI.InstallV3 builds every group version's document
// before the server serves, and the index handler3 serves hashes each
// document's JSON, so the aggregator's PrepareRun, which reads this index,
// built and marshalled every one of them: most of a second of CPU at every
// start, for documents that clients (kubectl explain, client-go's OpenAPI
// v3 readers) fetch one group version at a time, if ever.
//
// A hash here names the document without building it: the binary's Go
// build ID (which changes with any change to the code, and so to the
// types' schemas) and the group version's routes (which a configuration
// that turns resources off changes). A document's bytes are still exactly
// InstallV3's, built by InstallV3 over that group version's routes alone.
type lazyOpenAPIV3 struct {
	index, indexETag string
	groups           map[string]*lazyGroupVersion
}

// lazyGroupVersion is one group version's document: its hash, and the
// handler3 service built on its first request.
type lazyGroupVersion struct {
	hash  string
	build func() http.Handler
}

// installLazyOpenAPIV3 registers /openapi/v3 and /openapi/v3/ on m for the
// group versions of c's web services.
func installLazyOpenAPIV3(c *restful.Container, cfg *common.OpenAPIV3Config, m *mux.PathRecorderMux, build string) error {
	s := &lazyOpenAPIV3{groups: map[string]*lazyGroupVersion{}}
	index := handler3.OpenAPIV3Discovery{Paths: map[string]handler3.OpenAPIV3DiscoveryGroupVersion{}}
	for _, ws := range c.RegisteredWebServices() {
		gv := strings.TrimPrefix(ws.RootPath(), "/")
		g := &lazyGroupVersion{hash: routesHash(build, gv, ws), build: groupVersionBuilder(ws, cfg)}
		s.groups[gv] = g
		index.Paths[gv] = handler3.OpenAPIV3DiscoveryGroupVersion{ServerRelativeURL: groupVersionURL(gv, g.hash)}
	}
	data, err := json.Marshal(index)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	// The aggregator reads the index every second (its OpenAPI v3
	// controller's resync of local servers): it is answered from memory.
	s.index, s.indexETag = string(data), `"`+hex.EncodeToString(sum[:])+`"`
	m.Handle("/openapi/v3", http.HandlerFunc(s.serveIndex))
	m.HandlePrefix("/openapi/v3/", http.HandlerFunc(s.serveGroupVersion))
	return nil
}

// openAPIV3Since is the index's Last-Modified: it cannot change while
// the process runs.
var openAPIV3Since = time.Now()

func (s *lazyOpenAPIV3) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Etag", s.indexETag)
	w.Header().Set("Content-Type", "application/json")
	http.ServeContent(w, r, "/openapi/v3", openAPIV3Since, strings.NewReader(s.index))
}

// serveGroupVersion answers /openapi/v3/<gv>[?hash=H]: a stale hash is
// sent to the current one (301, as handler3 does); a current one may be
// cached for good. The document itself comes from the group version's own
// handler3 service, which negotiates JSON or protobuf and sets its ETag.
func (s *lazyOpenAPIV3) serveGroupVersion(w http.ResponseWriter, r *http.Request) {
	gv := strings.TrimPrefix(r.URL.Path, "/openapi/v3/")
	g, ok := s.groups[gv]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if hash := r.URL.Query().Get("hash"); hash != "" {
		if hash != g.hash {
			http.Redirect(w, r, groupVersionURL(gv, g.hash), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Cache-Control", "public, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).Format(time.RFC1123))
	}
	inner := r.Clone(r.Context())
	inner.URL.RawQuery = ""
	g.build().ServeHTTP(w, inner)
}

// groupVersionBuilder returns a function that, on its first call, builds
// ws's document with InstallV3 over a container holding ws alone, and
// returns the handler serving it (the same handler after).
func groupVersionBuilder(ws *restful.WebService, cfg *common.OpenAPIV3Config) func() http.Handler {
	return sync.OnceValue(func() http.Handler {
		c := restful.NewContainer()
		c.Add(ws)
		m := mux.NewPathRecorderMux("openapi-v3" + ws.RootPath())
		routes.OpenAPI{V3Config: cfg}.InstallV3(c, m)
		return m
	})
}

// routesHash names a group version's document by the build and its
// routes (method and path, sorted).
func routesHash(build, gv string, ws *restful.WebService) string {
	var routes []string
	for _, r := range ws.Routes() {
		routes = append(routes, r.Method+" "+r.Path+" "+r.Operation)
	}
	sort.Strings(routes)
	h := sha256.New()
	h.Write([]byte(build + "\n" + gv + "\n" + strings.Join(routes, "\n")))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func groupVersionURL(gv, hash string) string {
	u := url.URL{Path: path.Join("/openapi/v3", gv), RawQuery: url.Values{"hash": {hash}}.Encode()}
	return u.String()
}
