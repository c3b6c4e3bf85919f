package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"github.com/ordo-dev/ordo/internal/wellknown"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/metrics/resource"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// serve answers the API server's requests for container logs, like the
// kubelet's /containerLogs, exec, attach, port forwarding and the resource
// metrics summary, over TLS with client certificates, until ctx ends.
func (a *Agent) serve(ctx context.Context) error {
	if a.cfg.ServeTLS == nil {
		return nil
	}
	ln, err := tls.Listen("tcp", a.cfg.ServeAddr, a.cfg.ServeTLS)
	if err != nil {
		return fmt.Errorf("agent listen: %w", err)
	}
	a.url = "https://" + publishedAddr(ln.Addr().(*net.TCPAddr), a.cfg.NodeIP)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.containerLogs)
	mux.HandleFunc("/exec/{namespace}/{pod}/{container}", a.execHandler)
	mux.HandleFunc("/attach/{namespace}/{pod}/{container}", a.attachHandler)
	mux.HandleFunc("/portForward/{namespace}/{pod}", a.portForwardHandler)
	mux.HandleFunc("GET "+resource.SummaryPath, a.resourceSummary)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

func (a *Agent) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	p, err := a.pods.Pods(ns).Get(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	path, err := a.logFile(p, container, q.Get("previous") == "true")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts, err := logOptions(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	running := func() bool { return a.containerRunning(p.UID, ns+"/"+name, container) }
	_ = logs.Write(r.Context(), flushWriter{w}, path, opts, running)
}

// logFile is the current (or previous) run's log of a container.
func (a *Agent) logFile(p *corev1.Pod, container string, previous bool) (string, error) {
	if findContainer(p, container) == nil {
		return "", fmt.Errorf("container %s is not valid for pod %s", container, p.Name)
	}
	entries, _ := os.ReadDir(filepath.Join(a.podDir(p), container))
	var runs []int
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".log")); err == nil {
			runs = append(runs, n)
		}
	}
	sort.Ints(runs)
	switch {
	case previous && len(runs) >= 2:
		return a.logPath(p, container, runs[len(runs)-2]), nil
	case previous:
		return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, p.Name)
	case len(runs) == 0:
		return "", fmt.Errorf("container %q in pod %q is waiting to start: ContainerCreating", container, p.Name)
	}
	return a.logPath(p, container, runs[len(runs)-1]), nil
}

func (a *Agent) containerRunning(uid types.UID, key, container string) bool {
	st := a.lockPod(key)
	if st != nil {
		defer st.mu.Unlock()
	}
	if st == nil || st.uid != string(uid) {
		return false
	}
	c := st.containers[container]
	return c != nil && c.running()
}

// logOptions reads kubectl logs' query parameters.
func logOptions(q map[string][]string) (logs.Options, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	o := logs.Options{Follow: get("follow") == "true", Timestamps: get("timestamps") == "true"}
	for key, dst := range map[string]**int64{"tailLines": &o.TailLines, "limitBytes": &o.LimitBytes} {
		if v := get(key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return o, fmt.Errorf("%s: %v", key, err)
			}
			*dst = &n
		}
	}
	if v := get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return o, fmt.Errorf("sinceSeconds: %v", err)
		}
		o.Since = time.Now().Add(-time.Duration(n) * time.Second)
	}
	if v := get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, fmt.Errorf("sinceTime: %v", err)
		}
		o.Since = t
	}
	return o, nil
}

type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(b []byte) (int, error) { return f.w.Write(b) }
func (f flushWriter) Flush() {
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
}

// publishURL records the agent's URL on its Node.
func (a *Agent) publishURL(ctx context.Context) error {
	if a.url == "" {
		return nil
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, wellknown.AgentURLAnnotation, a.url)
	_, err := a.cfg.Client.CoreV1().Nodes().Patch(ctx, a.cfg.NodeName, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// publishedAddr is the address the API server dials: the listener's, or the
// node's IP when the agent listens on every address.
func publishedAddr(addr *net.TCPAddr, nodeIP string) string {
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = nodeIP
	}
	return net.JoinHostPort(host, strconv.Itoa(addr.Port))
}
