package remote

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	ggcr "github.com/google/go-containerregistry/pkg/v1/remote"
	"k8s.io/klog/v2"
)

// Default timeouts: short, so that on a machine with no network a pull fails
// in seconds and never stalls a pod start (the agent may then fall back to
// its host image table).
const (
	DefaultDialTimeout     = 3 * time.Second
	DefaultResponseTimeout = 15 * time.Second
)

// Puller fetches images from registries, through the mirrors and with the
// TLS and credentials of a registries.yaml. It keeps only HTTP connections
// between calls; Fetch is otherwise stateless (see Group to de-duplicate).
type Puller struct {
	Registries *Registries // nil: no mirrors, no configs
	// Platform picks the manifest of a multi-platform index; zero: the
	// node's, linux/runtime.GOARCH.
	Platform v1.Platform
	// DialTimeout bounds connecting to a registry (TCP and TLS handshake);
	// ResponseTimeout bounds waiting for a response's headers. Zero: the
	// defaults above.
	DialTimeout     time.Duration
	ResponseTimeout time.Duration

	mu         sync.Mutex
	transports map[string]http.RoundTripper // by endpoint host[:port]
}

// Fetch resolves ref (Docker's normalization: "redis" is
// docker.io/library/redis:latest) and returns its image for the node's
// platform. It tries each mirror endpoint of the ref's registry (or of "*")
// in order, with the mirror's rewrites, then the registry itself, as
// containerd does for k3s. At each endpoint it tries the credentials of kc
// (all of them, in order, when kc is a MultiKeychain), then the endpoint's
// configs[].auth, then none when there are neither.
//
// The manifest and config are fetched before Fetch returns, so a missing or
// refused image fails here; the layers are fetched lazily when the image is
// read (by the store), through the same connections, under ctx: ctx must
// stay live until the layers have been read.
//
// Errors are *PullError: see Kind for how unreachable and refused differ.
func (p *Puller) Fetch(ctx context.Context, ref string, kc authn.Keychain) (v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, &PullError{Ref: ref, Kind: InvalidName, Err: err}
	}
	norm := normalized(r)
	attempts, err := p.plan(r)
	if err != nil { // a mirror rewrite made an invalid name: the file's fault, not the image's
		return nil, &PullError{Ref: norm, Kind: Failed, Err: err}
	}
	logger := klog.FromContext(ctx).WithValues("image", norm)
	var errs []attemptError
	for _, a := range attempts {
		img, err := p.fetchFrom(ctx, a, kc)
		if err == nil {
			logger.V(2).Info("Fetched image manifest", "endpoint", a.ref.Context().RegistryStr(), "mirror", a.mirror)
			return img, nil
		}
		logger.V(1).Info("Pull attempt failed", "endpoint", a.ref.Context().RegistryStr(), "mirror", a.mirror, "err", err)
		errs = append(errs, attemptError{mirror: a.mirror, kind: classify(err), err: err})
		if ctx.Err() != nil {
			break
		}
	}
	kind, err := verdict(errs)
	return nil, &PullError{Ref: norm, Kind: kind, Err: err}
}

// attempt is one endpoint to try: the reference as that endpoint names it.
type attempt struct {
	ref    name.Reference
	host   string // the endpoint's host[:port], the key of its configs entry
	mirror bool
}

type attemptError struct {
	mirror bool
	kind   Kind
	err    error
}

// verdict decides a failed Fetch's kind. A registry's refusal or failure
// decides; a mirror that lacks the image says nothing about the registry (a
// mirror is often a partial copy), so a pull is unreachable when the
// registry itself could not be reached and no endpoint refused otherwise.
func verdict(errs []attemptError) (Kind, error) {
	var unreachable error
	for _, e := range errs {
		switch {
		case e.kind == Unreachable:
			unreachable = e.err
		case e.kind == NotFound && e.mirror:
		default:
			return e.kind, e.err
		}
	}
	if unreachable != nil {
		return Unreachable, unreachable
	}
	last := errs[len(errs)-1]
	return last.kind, last.err
}

// plan lists the endpoints of ref: the mirrors' endpoints with rewrites, then
// the registry itself, without rewrites (k3s' "default endpoint").
func (p *Puller) plan(r name.Reference) ([]attempt, error) {
	registry := canonicalRegistry(r.Context().RegistryStr())
	repo := r.Context().RepositoryStr()
	var out []attempt
	if m, ok := p.Registries.mirrorFor(registry); ok {
		path := m.rewrite(repo)
		for _, ep := range m.endpoints {
			if canonicalRegistry(ep.host) == registry && path == repo && !ep.http {
				continue // the registry itself, tried last anyway
			}
			ref, err := endpointRef(ep, path, r)
			if err != nil {
				return nil, err
			}
			out = append(out, attempt{ref: ref, host: ep.host, mirror: true})
		}
	}
	return append(out, attempt{ref: r, host: registry}), nil
}

// rewrite applies the first (in pattern order) matching rewrite to a
// repository path.
func (m mirror) rewrite(repo string) string {
	for _, rw := range m.rewrites {
		if rw.re.MatchString(repo) {
			return rw.re.ReplaceAllString(repo, rw.replacement)
		}
	}
	return repo
}

// endpointRef names ref's tag or digest in path at endpoint ep.
func endpointRef(ep endpoint, path string, r name.Reference) (name.Reference, error) {
	var opts []name.Option
	if ep.http {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(ep.host+"/"+path, opts...)
	if err != nil {
		return nil, fmt.Errorf("mirror endpoint %s: %w", ep.host, err)
	}
	if d, ok := r.(name.Digest); ok {
		return repo.Digest(d.DigestStr()), nil
	}
	return repo.Tag(r.Identifier()), nil
}

// fetchFrom fetches the image at one endpoint, trying each credential in turn
// while the endpoint refuses them (the kubelet tries each matching pull
// secret until one works).
func (p *Puller) fetchFrom(ctx context.Context, a attempt, kc authn.Keychain) (v1.Image, error) {
	auths, err := p.authenticators(kc, a)
	if err != nil {
		return nil, err
	}
	var last error
	t := p.transport(a.host)
	for _, auth := range auths {
		img, err := ggcr.Image(a.ref,
			ggcr.WithContext(ctx),
			ggcr.WithTransport(t),
			ggcr.WithAuth(auth),
			ggcr.WithPlatform(p.platform()),
			ggcr.WithRetryBackoff(ggcr.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 2}),
			ggcr.WithUserAgent("ordo"),
		)
		if err == nil {
			_, err = img.RawConfigFile()
		}
		if err == nil {
			src := &blobSource{ctx: ctx, repo: a.ref.Context(), auth: auth, base: t}
			return &resumableImage{Image: img, src: src}, nil
		}
		last = err
		if k := classify(err); k != Unauthorized && k != NotFound {
			break
		}
	}
	return nil, last
}

// authenticators lists the credentials to try at an endpoint: the keychain's,
// then registries.yaml's configs[host].auth, else anonymous.
func (p *Puller) authenticators(kc authn.Keychain, a attempt) ([]authn.Authenticator, error) {
	var out []authn.Authenticator
	res := a.ref.Context()
	switch k := kc.(type) {
	case nil:
	case MultiKeychain:
		all, err := k.ResolveAll(res)
		if err != nil {
			return nil, err
		}
		out = append(out, all...)
	default:
		auth, err := k.Resolve(res)
		if err != nil {
			return nil, err
		}
		if auth != authn.Anonymous {
			out = append(out, auth)
		}
	}
	if c := p.Registries.configFor(a.host); c.auth != nil {
		cfg := authn.AuthConfig{Username: c.auth.Username, Password: c.auth.Password, IdentityToken: c.auth.IdentityToken}
		if c.auth.Auth != "" {
			cfg.Username, cfg.Password, _ = decodeAuth(c.auth.Auth) // checked by LoadRegistries
		}
		out = append(out, authn.FromConfig(cfg))
	}
	if len(out) == 0 {
		out = append(out, authn.Anonymous)
	}
	return out, nil
}

func (p *Puller) platform() v1.Platform {
	if p.Platform.OS == "" {
		return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	return p.Platform
}

// transport returns the HTTP transport for an endpoint host: short dial and
// response-header timeouts, and the TLS configuration of its configs entry.
// Transports are kept so that connections are reused across pulls.
func (p *Puller) transport(host string) http.RoundTripper {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[host]; ok {
		return t
	}
	dial := durationOr(p.DialTimeout, DefaultDialTimeout)
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: durationOr(p.ResponseTimeout, DefaultResponseTimeout),
		ExpectContinueTimeout: time.Second,
	}
	if c := p.Registries.configFor(host); c.tls != nil {
		t.TLSClientConfig = c.tls.Clone()
	}
	if p.transports == nil {
		p.transports = map[string]http.RoundTripper{}
	}
	p.transports[host] = t
	return t
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// normalized is Docker's normalized form of a reference:
// "docker.io/library/redis:latest", or "…@sha256:…" for a digest.
func normalized(r name.Reference) string {
	repo := canonicalRegistry(r.Context().RegistryStr()) + "/" + r.Context().RepositoryStr()
	if d, ok := r.(name.Digest); ok {
		return repo + "@" + d.DigestStr()
	}
	return repo + ":" + r.Identifier()
}
