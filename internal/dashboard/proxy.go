package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// SessionCookie is the cookie `ordo dashboard` gives the browser that
// opened its one-time URL.
const SessionCookie = "ordo-dashboard-session"

// KeyParam is the one-time URL's query parameter.
const KeyParam = "key"

// Proxy is `ordo dashboard`'s handler, as `kubectl proxy` and `minikube
// dashboard` do it: it serves /ui/ on 127.0.0.1 by passing requests to
// the API server with the caller's kubeconfig credentials, which a
// browser does not have. Since any local user can reach 127.0.0.1, the
// credentials are only lent to the browser that opened the one-time URL
// (Proxy.Path): its key, used once, becomes an HttpOnly SameSite=Strict
// session cookie; a request without it gets 401 and is never passed on.
type Proxy struct {
	rp *httputil.ReverseProxy

	mu       sync.Mutex
	key      string // "" once used
	sessions map[string]bool
}

// NewProxy passes requests to cfg's server, authenticated as cfg's user.
func NewProxy(cfg *rest.Config) (*Proxy, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("kubeconfig server %q is not a URL", cfg.Host)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, err
	}
	key, err := randomToken()
	if err != nil {
		return nil, err
	}
	p := &Proxy{key: key, sessions: map[string]bool{}}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// The browser's cookie is the proxy's, and whatever
			// credentials it sends are not the kubeconfig's: the API
			// server sees only the transport's.
			r.Out.Header.Del("Cookie")
			r.Out.Header.Del("Authorization")
		},
		Transport: transport,
		// Pass the live stream's events on as they come.
		FlushInterval: -1,
	}
	return p, nil
}

// Path is the one-time URL's path and query.
func (p *Proxy) Path() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Prefix + "?" + KeyParam + "=" + url.QueryEscape(p.key)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != strings.TrimSuffix(Prefix, "/") && !strings.HasPrefix(r.URL.Path, Prefix) {
		http.NotFound(w, r)
		return
	}
	if key := r.URL.Query().Get(KeyParam); key != "" {
		p.login(w, r, key)
		return
	}
	if !p.hasSession(r) {
		http.Error(w, "Unauthorized: open the URL `ordo dashboard` printed (its key works once, for one browser)", http.StatusUnauthorized)
		return
	}
	p.rp.ServeHTTP(w, r)
}

// login turns the one-time key into a session cookie and sends the
// browser on to the page without the key in its address.
func (p *Proxy) login(w http.ResponseWriter, r *http.Request, key string) {
	p.mu.Lock()
	ok := p.key != "" && subtle.ConstantTimeCompare([]byte(key), []byte(p.key)) == 1
	if ok {
		p.key = ""
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "Unauthorized: this dashboard key is wrong or was used already; restart `ordo dashboard` for a new one", http.StatusUnauthorized)
		return
	}
	session, err := randomToken()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.mu.Lock()
	p.sessions[session] = true
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: session, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	q := r.URL.Query()
	q.Del(KeyParam)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (p *Proxy) hasSession(r *http.Request) bool {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions[c.Value]
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
