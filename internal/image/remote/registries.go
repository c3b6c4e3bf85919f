package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Registries is k3s' registries.yaml: mirrors (endpoints tried before the
// registry itself, with repository rewrites) and per-host configs (auth and
// TLS). ordo reads the same file so users can bring the one they have.
type Registries struct {
	Mirrors map[string]Mirror         `json:"mirrors,omitempty"`
	Configs map[string]RegistryConfig `json:"configs,omitempty"`

	// mirrors and configs, checked and compiled by LoadRegistries/Parse.
	mirrors map[string]mirror
	configs map[string]hostConfig
}

// Mirror is one entry of registries.yaml's mirrors: the endpoints tried in
// order, then the registry itself (containerd's "default endpoint").
type Mirror struct {
	Endpoints []string          `json:"endpoint,omitempty"`
	Rewrites  map[string]string `json:"rewrite,omitempty"`
}

// RegistryConfig is one entry of registries.yaml's configs, keyed by a
// registry or mirror host[:port] (or "*").
type RegistryConfig struct {
	Auth *AuthConfig `json:"auth,omitempty"`
	TLS  *TLSConfig  `json:"tls,omitempty"`
}

// AuthConfig are the credentials for one host, as in registries.yaml.
type AuthConfig struct {
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	Auth          string `json:"auth,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
}

// TLSConfig is the TLS client configuration for one host.
type TLSConfig struct {
	CAFile             string `json:"ca_file,omitempty"`
	CertFile           string `json:"cert_file,omitempty"`
	KeyFile            string `json:"key_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

// mirror is a checked Mirror: parsed endpoints and compiled rewrites, the
// rewrites in a fixed order (the file's map has none; k3s' order is Go's
// random map order, so ordo picks the lexically first matching pattern).
type mirror struct {
	endpoints []endpoint
	rewrites  []rewrite
}

type endpoint struct {
	host string // host[:port]
	http bool   // plain HTTP (an http:// endpoint)
}

type rewrite struct {
	re          *regexp.Regexp
	replacement string
}

// hostConfig is a checked RegistryConfig: the TLS configuration is loaded
// (files read) once, so a bad file is reported when the file is loaded.
type hostConfig struct {
	auth *AuthConfig
	tls  *tls.Config // nil: the system's defaults
}

// LoadRegistries reads a k3s registries.yaml. A missing file is an empty
// configuration (no mirrors, no credentials); a file that cannot be parsed, an
// unknown field, a bad endpoint URL or rewrite pattern and an unreadable TLS
// file are errors naming the file and the field.
func LoadRegistries(path string) (*Registries, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Registries{}, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := ParseRegistries(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ParseRegistries parses and checks the content of a registries.yaml.
// Unknown fields are errors rather than ignored: a misspelt "endpoints" would
// otherwise silently pull from the internet instead of the mirror.
func ParseRegistries(data []byte) (*Registries, error) {
	if err := checkFields(data); err != nil {
		return nil, err
	}
	r := &Registries{}
	if err := yaml.UnmarshalStrict(data, r); err != nil {
		return nil, err
	}
	if err := r.compile(); err != nil {
		return nil, err
	}
	return r, nil
}

// compile checks the parsed file and fills mirrors and configs.
func (r *Registries) compile() error {
	r.mirrors = map[string]mirror{}
	for _, host := range sortedKeys(r.Mirrors) {
		m, err := compileMirror(r.Mirrors[host])
		if err != nil {
			return fmt.Errorf("mirrors[%q].%w", host, err)
		}
		if host != "*" {
			if err := checkHost(host); err != nil {
				return fmt.Errorf("mirrors[%q]: %w", host, err)
			}
		}
		r.mirrors[host] = m
	}
	r.configs = map[string]hostConfig{}
	for _, host := range sortedKeys(r.Configs) {
		if host != "*" {
			if err := checkHost(host); err != nil {
				return fmt.Errorf("configs[%q]: %w", host, err)
			}
		}
		c, err := compileConfig(r.Configs[host])
		if err != nil {
			return fmt.Errorf("configs[%q].%w", host, err)
		}
		r.configs[host] = c
	}
	return nil
}

func compileMirror(m Mirror) (mirror, error) {
	var out mirror
	for i, e := range m.Endpoints {
		ep, err := parseEndpoint(e)
		if err != nil {
			return out, fmt.Errorf("endpoint[%d]: %w", i, err)
		}
		out.endpoints = append(out.endpoints, ep)
	}
	for _, pattern := range sortedKeys(m.Rewrites) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return out, fmt.Errorf("rewrite[%q]: %w", pattern, err)
		}
		out.rewrites = append(out.rewrites, rewrite{re: re, replacement: m.Rewrites[pattern]})
	}
	return out, nil
}

// parseEndpoint parses a mirror endpoint URL. Without a scheme, https is
// assumed. A path (containerd's "override path") is refused: ordo's client
// addresses registries by host only.
func parseEndpoint(s string) (endpoint, error) {
	raw := s
	if !strings.Contains(s, "://") {
		raw = "https://" + s
	}
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("invalid URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return endpoint{}, fmt.Errorf("invalid URL %q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return endpoint{}, fmt.Errorf("invalid URL %q: no host", s)
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" && p != "/v2" {
		return endpoint{}, fmt.Errorf("invalid URL %q: endpoint paths are not supported (only scheme://host[:port])", s)
	}
	if u.RawQuery != "" || u.User != nil {
		return endpoint{}, fmt.Errorf("invalid URL %q: query strings and user info are not supported (use configs.auth)", s)
	}
	return endpoint{host: u.Host, http: u.Scheme == "http"}, nil
}

// checkHost checks a mirrors/configs key: a host with an optional port, as
// k3s expects ("registry.example.com:5000"), not a URL.
func checkHost(host string) error {
	if strings.Contains(host, "/") {
		return fmt.Errorf("must be a host[:port], not a URL or path")
	}
	if u, err := url.Parse("//" + host); err != nil || u.Host != host {
		return fmt.Errorf("must be a host[:port]")
	}
	return nil
}

func compileConfig(c RegistryConfig) (hostConfig, error) {
	out := hostConfig{auth: c.Auth}
	if c.Auth != nil && c.Auth.Auth != "" {
		if _, _, err := decodeAuth(c.Auth.Auth); err != nil {
			return out, fmt.Errorf("auth.auth: %w", err)
		}
	}
	if c.TLS == nil {
		return out, nil
	}
	cfg, err := loadTLS(*c.TLS)
	if err != nil {
		return out, fmt.Errorf("tls.%w", err)
	}
	out.tls = cfg
	return out, nil
}

// loadTLS reads the CA and client certificate files of a configs[].tls entry.
func loadTLS(t TLSConfig) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // the user's choice, as in k3s
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s: no PEM certificates", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("cert_file and key_file: both or neither must be set")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cert_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// mirrorFor returns the mirror configured for a registry (by its k3s name,
// "docker.io" for Docker Hub), else the "*" mirror.
func (r *Registries) mirrorFor(registry string) (mirror, bool) {
	if r == nil {
		return mirror{}, false
	}
	if m, ok := r.mirrors[registry]; ok {
		return m, true
	}
	m, ok := r.mirrors["*"]
	return m, ok
}

// configFor returns the config of a host: by host:port, then by host alone
// (k3s accepts either), then "*". Docker Hub's entry may be filed under any
// of its names.
func (r *Registries) configFor(host string) hostConfig {
	if r == nil {
		return hostConfig{}
	}
	if c, ok := r.configs[host]; ok {
		return c
	}
	if canonicalRegistry(host) == dockerHub {
		for _, alias := range []string{"docker.io", "registry-1.docker.io", "index.docker.io"} {
			if c, ok := r.configs[alias]; ok {
				return c
			}
		}
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		if c, ok := r.configs[h]; ok {
			return c
		}
	}
	return r.configs["*"]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
