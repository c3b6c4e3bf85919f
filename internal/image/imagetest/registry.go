// Package imagetest builds container images and serves them from an
// in-process registry on 127.0.0.1, for the unit tests of any package, the
// e2e tests and bench/. Nothing here touches the network beyond loopback.
package imagetest

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RegistryOptions configure a test registry.
type RegistryOptions struct {
	// Username and Password, when set, protect every request with HTTP basic
	// authentication: without them the registry answers 401 with a
	// "WWW-Authenticate: Basic" challenge, as a private registry does.
	Username, Password string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1 (see
	// Registry.CAPEM) instead of plain HTTP.
	TLS bool
	// CutBlobsAfter, when positive, breaks the connection of every blob
	// download larger than it (a GET without a Range header) after that many
	// bytes of the body, for tests of resumed downloads. Range requests are
	// served whole.
	CutBlobsAfter int64
}

// Registry is an in-process OCI registry (go-containerregistry's
// pkg/registry, in memory) serving plain HTTP on 127.0.0.1 at a random port.
// Loopback registries need no TLS: Docker, containerd and ordo talk HTTP to
// them without configuration.
type Registry struct {
	Host  string // "127.0.0.1:PORT"
	CAPEM []byte // with TLS: the certificate to trust (a registries.yaml ca_file)
	opts  RegistryOptions
	srv   *http.Server
	done  chan struct{}

	mu       sync.Mutex
	requests []string
}

// StartRegistry starts a registry for a test and stops it at the test's end.
func StartRegistry(t testing.TB, opts RegistryOptions) *Registry {
	t.Helper()
	r, err := NewRegistry(opts)
	if err != nil {
		t.Fatalf("start test registry: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// NewRegistry starts a registry that lives until Close, for callers without a
// testing.T (bench/, TestMain of an e2e package).
func NewRegistry(opts RegistryOptions) (*Registry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Registry{Host: ln.Addr().String(), opts: opts, done: make(chan struct{})}
	if opts.TLS {
		cert, caPEM, err := selfSigned()
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		r.CAPEM = caPEM
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	r.srv = &http.Server{Handler: r.handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// Close stops the registry and closes its connections.
func (r *Registry) Close() error {
	err := r.srv.Close()
	<-r.done
	return err
}

// Ref names a repository:tag or repository@digest in this registry:
// Ref("team/app:1") is "127.0.0.1:PORT/team/app:1".
func (r *Registry) Ref(repo string) string { return r.Host + "/" + strings.TrimPrefix(repo, "/") }

// MirrorYAML is a registries.yaml that makes this registry the mirror of
// the given registries ("docker.io", "registry.k8s.io", "*"), with its
// credentials under configs when it has some: what an e2e test writes to
// <data-dir>/registries.yaml so that `image: perl` pulls from here.
func (r *Registry) MirrorYAML(registries ...string) string {
	scheme := "http"
	if r.CAPEM != nil {
		scheme = "https"
	}
	var b strings.Builder
	b.WriteString("mirrors:\n")
	for _, reg := range registries {
		fmt.Fprintf(&b, "  %q:\n    endpoint: [%q]\n", reg, scheme+"://"+r.Host)
	}
	if r.opts.Username != "" || r.CAPEM != nil {
		fmt.Fprintf(&b, "configs:\n  %q:\n", r.Host)
	}
	if r.opts.Username != "" {
		fmt.Fprintf(&b, "    auth:\n      username: %q\n      password: %q\n", r.opts.Username, r.opts.Password)
	}
	if r.CAPEM != nil {
		b.WriteString("    tls:\n      insecure_skip_verify: true\n")
	}
	return b.String()
}

// Requests returns "METHOD PATH" of every request served so far, for tests
// that check which registry (mirror or origin) was asked, and with which path.
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// Push uploads an image under ref (a full reference, or a repository:tag of
// this registry), with the registry's credentials, and returns its digest.
func (r *Registry) Push(ref string, img v1.Image) (v1.Hash, error) {
	tag, err := r.parse(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(tag, img, r.auth(), r.transport()); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", tag, err)
	}
	return img.Digest()
}

// PushIndex uploads a multi-platform index under ref and returns its digest.
func (r *Registry) PushIndex(ref string, idx v1.ImageIndex) (v1.Hash, error) {
	tag, err := r.parse(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.WriteIndex(tag, idx, r.auth(), r.transport()); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", tag, err)
	}
	return idx.Digest()
}

// MustPush is Push for tests: it fails t on error.
func (r *Registry) MustPush(t testing.TB, ref string, img v1.Image) v1.Hash {
	t.Helper()
	h, err := r.Push(ref, img)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (r *Registry) parse(ref string) (name.Reference, error) {
	if !strings.HasPrefix(ref, r.Host+"/") {
		ref = r.Ref(ref)
	}
	return name.ParseReference(ref)
}

// transport trusts the registry's own certificate.
func (r *Registry) transport() remote.Option {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	if r.CAPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(r.CAPEM)
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return remote.WithTransport(t)
}

func (r *Registry) auth() remote.Option {
	if r.opts.Username == "" {
		return remote.WithAuth(authn.Anonymous)
	}
	return remote.WithAuth(&authn.Basic{Username: r.opts.Username, Password: r.opts.Password})
}

// handler is the registry, quiet, behind request recording and basic auth.
func (r *Registry) handler() http.Handler {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		line := req.Method + " " + req.URL.Path
		if rg := req.Header.Get("Range"); rg != "" {
			line += " (range " + rg + ")"
		}
		r.mu.Lock()
		r.requests = append(r.requests, line)
		r.mu.Unlock()
		if r.opts.Username != "" && !r.authorized(req) {
			w.Header().Set("WWW-Authenticate", `Basic realm="imagetest"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		if r.opts.CutBlobsAfter > 0 && req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/") && req.Header.Get("Range") == "" {
			w = &cuttingWriter{ResponseWriter: w, after: r.opts.CutBlobsAfter}
		}
		reg.ServeHTTP(w, req)
	})
}

// cuttingWriter sends the first bytes of a large body, then aborts the
// connection as a network failure would.
type cuttingWriter struct {
	http.ResponseWriter
	after   int64
	written int64
}

func (c *cuttingWriter) Write(b []byte) (int, error) {
	if n, err := strconv.ParseInt(c.Header().Get("Content-Length"), 10, 64); err != nil || n <= c.after {
		return c.ResponseWriter.Write(b)
	}
	if left := c.after - c.written; int64(len(b)) > left {
		n, _ := c.ResponseWriter.Write(b[:left])
		c.written += int64(n)
		if f, ok := c.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	n, err := c.ResponseWriter.Write(b)
	c.written += int64(n)
	return n, err
}

func (r *Registry) authorized(req *http.Request) bool {
	user, pass, ok := req.BasicAuth()
	return ok &&
		subtle.ConstantTimeCompare([]byte(user), []byte(r.opts.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(r.opts.Password)) == 1
}

// ClosedPort returns a 127.0.0.1 address on which nothing listens (a port
// just released), for tests of unreachable registries.
func ClosedPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", err
	}
	return addr, nil
}

// Must returns v, or panics on err: for building fixtures in tests.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(errors.Join(errors.New("imagetest"), err))
	}
	return v
}
