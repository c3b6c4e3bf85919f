package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// userAgent is what the kubelet of the Kubernetes version ordo speaks sends,
// so applications that special-case probes keep recognising them.
const userAgent = "kube-probe/1.37"

// maxRedirects is how many same-host redirects a probe follows.
const maxRedirects = 10

// runHTTP passes when a GET answers 200 <= code < 400. Redirects to the same
// host are followed; a redirect elsewhere is not, and its 3xx passes with a
// warning (the kubelet's behaviour, so a probe never leaves the pod).
func runHTTP(ctx context.Context, a *corev1.HTTPGetAction, t Target) outcome {
	req, err := newRequest(ctx, a, t)
	if err != nil {
		return errored(err)
	}
	client, err := newClient(a, req.URL.Scheme)
	if err != nil {
		return errored(err)
	}
	defer client.CloseIdleConnections()
	res, err := client.Do(req)
	if err != nil {
		return failed(err.Error())
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxOutput))
	if err != nil {
		return failed(err.Error())
	}
	return judgeStatus(res.StatusCode, body)
}

// judgeStatus applies Kubernetes' rule to the final response.
func judgeStatus(code int, body []byte) outcome {
	switch {
	case code >= 200 && code < 300:
		return succeeded("")
	case code >= 300 && code < 400:
		return succeeded(fmt.Sprintf("Probe terminated redirects, Response body: %s", body))
	}
	return failed(fmt.Sprintf("HTTP probe failed with statuscode: %d", code))
}

// newRequest builds the GET the way the kubelet does: host defaults to the
// pod IP, path may carry a query, User-Agent and Accept get defaults the
// user's headers can override (an empty Accept removes it), and a Host
// header becomes the request's Host.
func newRequest(ctx context.Context, a *corev1.HTTPGetAction, t Target) (*http.Request, error) {
	scheme, err := schemeOf(a.Scheme)
	if err != nil {
		return nil, err
	}
	addr, err := hostPort(a.Host, a.Port, t)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(a.Path)
	if err != nil {
		u = &url.URL{Path: a.Path} // a path only the server can judge; send it as is
	}
	u.Scheme, u.Host = scheme, addr
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = probeHeaders(a.HTTPHeaders)
	req.Host = req.Header.Get("Host")
	return req, nil
}

// probeHeaders merges the user's headers over the kubelet's defaults.
func probeHeaders(hs []corev1.HTTPHeader) http.Header {
	h := http.Header{}
	for _, kv := range hs {
		h.Add(kv.Name, kv.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", userAgent)
	}
	if _, ok := h["Accept"]; !ok {
		h.Set("Accept", "*/*")
	} else if h.Get("Accept") == "" {
		h.Del("Accept")
	}
	return h
}

func schemeOf(s corev1.URIScheme) (string, error) {
	switch strings.ToUpper(string(s)) {
	case "", string(corev1.URISchemeHTTP):
		return "http", nil
	case string(corev1.URISchemeHTTPS):
		return "https", nil
	}
	return "", fmt.Errorf("unsupported scheme %q", s)
}

// newClient makes a client for one attempt. Keep-alives are off because a
// probe's connection is never reused; proxies are off because the pod is
// local; certificates are not verified because pods serve self-signed ones
// (the kubelet skips verification too). The timeout comes from the request's
// context.
func newClient(a *corev1.HTTPGetAction, scheme string) (*http.Client, error) {
	tr := &http.Transport{
		Proxy:              nil,
		DisableKeepAlives:  true,
		DisableCompression: true,
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: true},
	}
	if a.Protocol != nil && *a.Protocol == corev1.HTTPProtocolHTTP2 {
		if scheme != "http" {
			return nil, errors.New("HTTP2 probes support only scheme HTTP (cleartext h2c)")
		}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	return &http.Client{Transport: tr, CheckRedirect: sameHostRedirects}, nil
}

// sameHostRedirects follows redirects that stay on the first request's host
// (any port), up to maxRedirects; any other redirect ends the probe with
// the redirect response itself.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}
