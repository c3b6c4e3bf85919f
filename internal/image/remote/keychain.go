package remote

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
)

// dockerHub is the name Docker's normalization gives Docker Hub, and the key
// under which registries.yaml and the kubelet's keyring file its entries.
const dockerHub = "docker.io"

// dockerHubAliases are the other names of Docker Hub found in docker config
// files ("https://index.docker.io/v1/" is what `docker login` writes) and in
// go-containerregistry's references.
var dockerHubAliases = map[string]bool{
	"docker.io":            true,
	"index.docker.io":      true,
	"registry-1.docker.io": true,
}

// canonicalRegistry maps Docker Hub's aliases to "docker.io".
func canonicalRegistry(host string) string {
	if dockerHubAliases[host] {
		return dockerHub
	}
	return host
}

// SecretsKeychain is the credentials of a pod's image pull secrets
// (kubernetes.io/dockerconfigjson's .dockerconfigjson and
// kubernetes.io/dockercfg's .dockercfg), matched to an image as the kubelet's
// keyring does: the entry's host (with "*." wildcards per dot-separated part)
// and port must equal the image's, and its path must be a prefix of the
// image's repository; more specific entries come first.
//
// A keychain can hand out one authenticator per registry; the kubelet tries
// every matching credential until one pulls. SecretsKeychain therefore also
// implements MultiKeychain, which Puller.Fetch uses to try each in turn.
// Resolve returns the most specific match.
//
// A secret whose data cannot be parsed is skipped and reported in the error,
// which joins all such problems; the keychain returned is always usable and
// holds the credentials of the other secrets.
func SecretsKeychain(secrets []corev1.Secret) (authn.Keychain, error) {
	kc := &secretsKeychain{}
	var errs []error
	for i := range secrets {
		entries, err := secretEntries(&secrets[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("secret %q: %w", secrets[i].Namespace+"/"+secrets[i].Name, err))
			continue
		}
		kc.entries = append(kc.entries, entries...)
	}
	// Most specific first; equal keys keep the secrets' order.
	sort.SliceStable(kc.entries, func(a, b int) bool { return kc.entries[a].key > kc.entries[b].key })
	return kc, errors.Join(errs...)
}

// MultiKeychain is a keychain that can return every credential that matches a
// resource, in the order they should be tried.
type MultiKeychain interface {
	authn.Keychain
	ResolveAll(authn.Resource) ([]authn.Authenticator, error)
}

type secretsKeychain struct {
	entries []keyEntry
}

// keyEntry is one "auths" entry: the parsed key and its credentials.
type keyEntry struct {
	key  string // the normalized key, host[:port][/path], for ordering
	host string // hostname, possibly with "*" parts
	port string
	path string // "" or "/prefix"
	cfg  authn.AuthConfig
}

// dockerConfigEntry is an entry of .dockercfg or .dockerconfigjson's "auths".
type dockerConfigEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth,omitempty"`
}

func secretEntries(s *corev1.Secret) ([]keyEntry, error) {
	var auths map[string]dockerConfigEntry
	switch {
	case len(s.Data[corev1.DockerConfigJsonKey]) > 0:
		var cfg struct {
			Auths map[string]dockerConfigEntry `json:"auths"`
		}
		if err := json.Unmarshal(s.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", corev1.DockerConfigJsonKey, err)
		}
		auths = cfg.Auths
	case len(s.Data[corev1.DockerConfigKey]) > 0:
		if err := json.Unmarshal(s.Data[corev1.DockerConfigKey], &auths); err != nil {
			return nil, fmt.Errorf("%s: %w", corev1.DockerConfigKey, err)
		}
	default:
		// The kubelet ignores a secret with neither key.
		return nil, nil
	}
	var out []keyEntry
	for _, key := range sortedKeys(auths) {
		e, err := parseKeyEntry(key, auths[key])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func parseKeyEntry(key string, d dockerConfigEntry) (keyEntry, error) {
	raw := key
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return keyEntry{}, fmt.Errorf("auths[%q]: not a registry host or URL", key)
	}
	host, port := u.Host, ""
	if h, p, err := net.SplitHostPort(u.Host); err == nil {
		host, port = h, p
	}
	path := strings.TrimSuffix(u.Path, "/")
	if dockerHubAliases[host] && port == "" && (path == "/v1" || path == "/v2") {
		path = "" // "https://index.docker.io/v1/" is all of Docker Hub
	}
	host = canonicalRegistry(host)
	cfg := authn.AuthConfig{Username: d.Username, Password: d.Password}
	if d.Auth != "" {
		user, pass, err := decodeAuth(d.Auth)
		if err != nil {
			return keyEntry{}, fmt.Errorf("auths[%q].auth: %w", key, err)
		}
		cfg.Username, cfg.Password = user, pass
	}
	norm := host
	if port != "" {
		norm = net.JoinHostPort(host, port)
	}
	return keyEntry{key: norm + path, host: host, port: port, path: path, cfg: cfg}, nil
}

// decodeAuth decodes a docker config "auth" field: base64 of "user:password".
func decodeAuth(s string) (user, pass string, err error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", "", fmt.Errorf("not base64: %w", err)
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok {
		return "", "", fmt.Errorf("not base64 of user:password")
	}
	return user, pass, nil
}

// Resolve implements authn.Keychain: the most specific matching credential,
// or Anonymous.
func (k *secretsKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	all, err := k.ResolveAll(r)
	if err != nil || len(all) == 0 {
		return authn.Anonymous, err
	}
	return all[0], nil
}

// ResolveAll implements MultiKeychain.
func (k *secretsKeychain) ResolveAll(r authn.Resource) ([]authn.Authenticator, error) {
	host, port, repo := resourceTarget(r)
	var out []authn.Authenticator
	for _, e := range k.entries {
		if e.matches(host, port, repo) {
			out = append(out, authn.FromConfig(e.cfg))
		}
	}
	return out, nil
}

// resourceTarget splits a resource (a registry or a repository) into the
// canonical host, the port and the repository path ("/library/redis").
func resourceTarget(r authn.Resource) (host, port, repo string) {
	reg := r.RegistryStr()
	host = reg
	if h, p, err := net.SplitHostPort(reg); err == nil {
		host, port = h, p
	}
	host = canonicalRegistry(host)
	if rr, ok := r.(interface{ RepositoryStr() string }); ok {
		repo = "/" + rr.RepositoryStr()
	}
	return host, port, repo
}

// matches is the kubelet's URLsMatch: same port, same number of host parts,
// each matching as a glob, and the entry's path a prefix of the repository's.
func (e keyEntry) matches(host, port, repo string) bool {
	if e.port != port {
		return false
	}
	globParts, parts := strings.Split(e.host, "."), strings.Split(host, ".")
	if len(globParts) != len(parts) {
		return false
	}
	for i := range parts {
		if ok, err := filepath.Match(globParts[i], parts[i]); err != nil || !ok {
			return false
		}
	}
	return strings.HasPrefix(repo, e.path)
}
