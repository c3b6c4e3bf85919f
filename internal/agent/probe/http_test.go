package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probeServer answers the paths the HTTP tests probe.
func probeServer(t *testing.T, otherHost string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
	})
	mux.Handle("/redirect", http.RedirectHandler("/ok", http.StatusFound))
	mux.Handle("/redirect-500", http.RedirectHandler("/status/500", http.StatusFound))
	mux.Handle("/loop", http.RedirectHandler("/loop", http.StatusFound))
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", otherHost+"/ok")
		w.WriteHeader(http.StatusFound)
		fmt.Fprint(w, "moved")
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Custom") != "v" || r.Host != "example.test" ||
			r.UserAgent() != "kube-probe/1.37" || r.Header.Get("Accept") != "*/*" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/agent", func(w http.ResponseWriter, r *http.Request) {
		if r.UserAgent() != "mine" || r.Header["Accept"] != nil {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("x") != "1" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestHTTP(t *testing.T) {
	other := closedPort(t)
	srv := probeServer(t, fmt.Sprintf("http://localhost:%d", other))
	port := portOf(t, srv)
	tests := []struct {
		name    string
		action  corev1.HTTPGetAction
		timeout time.Duration
		want    Result
		msg     string // substring of the message
	}{
		{"200", corev1.HTTPGetAction{Path: "/ok"}, 0, Success, ""},
		{"399 passes", corev1.HTTPGetAction{Path: "/status/399"}, 0, Success, "warning"},
		{"400 fails", corev1.HTTPGetAction{Path: "/status/400"}, 0, Failure,
			"Readiness probe failed: HTTP probe failed with statuscode: 400"},
		{"500 fails", corev1.HTTPGetAction{Path: "/status/500"}, 0, Failure, "statuscode: 500"},
		{"204 passes", corev1.HTTPGetAction{Path: "/status/204"}, 0, Success, ""},
		{"same-host redirect followed", corev1.HTTPGetAction{Path: "/redirect"}, 0, Success, ""},
		{"redirect to a failure", corev1.HTTPGetAction{Path: "/redirect-500"}, 0, Failure, "statuscode: 500"},
		{"redirect loop stops at 10", corev1.HTTPGetAction{Path: "/loop"}, 0, Failure, "stopped after 10 redirects"},
		{"other-host redirect not followed", corev1.HTTPGetAction{Path: "/elsewhere"}, 0, Success,
			"Readiness probe warning: Probe terminated redirects, Response body: moved"},
		{"headers, user agent, Host", corev1.HTTPGetAction{Path: "/headers", HTTPHeaders: []corev1.HTTPHeader{
			{Name: "X-Custom", Value: "v"}, {Name: "Host", Value: "example.test"}}}, 0, Success, ""},
		{"user agent overridden, empty Accept dropped", corev1.HTTPGetAction{Path: "/agent", HTTPHeaders: []corev1.HTTPHeader{
			{Name: "User-Agent", Value: "mine"}, {Name: "Accept", Value: ""}}}, 0, Success, ""},
		{"query in path", corev1.HTTPGetAction{Path: "/query?x=1"}, 0, Success, ""},
		{"named port", corev1.HTTPGetAction{Path: "/ok", Port: intstr.FromString("web")}, 0, Success, ""},
		{"port number as a string", corev1.HTTPGetAction{Path: "/ok", Port: intstr.FromString(strconv.Itoa(port))}, 0, Success, ""},
		{"unknown port name", corev1.HTTPGetAction{Path: "/ok", Port: intstr.FromString("nope")}, 0, Unknown,
			`Readiness probe errored: couldn't find port "nope"`},
		{"port out of range", corev1.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(70000)}, 0, Unknown, "invalid port number: 70000"},
		{"explicit host", corev1.HTTPGetAction{Path: "/ok", Host: "127.0.0.1"}, 0, Success, ""},
		{"bad scheme", corev1.HTTPGetAction{Path: "/ok", Scheme: "FTP"}, 0, Unknown, "unsupported scheme"},
		{"timeout", corev1.HTTPGetAction{Path: "/slow"}, 50 * time.Millisecond, Failure, "deadline exceeded"},
		{"connection refused", corev1.HTTPGetAction{Path: "/ok", Port: intPort(other)}, 0, Failure, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.action
			if a.Port == (intstr.IntOrString{}) {
				a.Port = intPort(port)
			}
			target := Target{PodIP: "127.0.0.1", Container: container("web", port)}
			if tc.name == "explicit host" {
				target.PodIP = "192.0.2.1" // would not answer: the host must win
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &a}}
			got, msg := attempt(context.Background(), Readiness, p, target, timeout)
			checkResult(t, got, msg, tc.want, tc.msg)
		})
	}
}

func checkResult(t *testing.T, got Result, msg string, want Result, wantMsg string) {
	t.Helper()
	if got != want {
		t.Errorf("result %v, want %v (message %q)", got, want, msg)
	}
	if wantMsg == "" && msg != "" || !strings.Contains(msg, wantMsg) {
		t.Errorf("message %q, want it to contain %q", msg, wantMsg)
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Scheme: corev1.URISchemeHTTPS, Port: intPort(portOf(t, srv)), Path: "/"}}}
	got, msg := Do(context.Background(), Liveness, p, Target{PodIP: "127.0.0.1"})
	checkResult(t, got, msg, Success, "")
}

// TestHTTP2 checks the h2c probe protocol: the server refuses HTTP/1.
func TestHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			w.WriteHeader(http.StatusHTTPVersionNotSupported)
		}
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	h2 := corev1.HTTPProtocolHTTP2
	a := &corev1.HTTPGetAction{Port: intPort(portOf(t, srv)), Path: "/"}
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: a}}
	target := Target{PodIP: "127.0.0.1"}

	got, msg := Do(context.Background(), Readiness, p, target)
	checkResult(t, got, msg, Failure, "statuscode: 505")
	a.Protocol = &h2
	got, msg = Do(context.Background(), Readiness, p, target)
	checkResult(t, got, msg, Success, "")
	a.Scheme = corev1.URISchemeHTTPS
	got, msg = Do(context.Background(), Readiness, p, target)
	checkResult(t, got, msg, Unknown, "only scheme HTTP")
}
