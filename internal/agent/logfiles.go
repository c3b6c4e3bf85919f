package agent

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/logs"
)

// podDir holds a pod's logs, /etc files and volumes:
// <data-dir>/pods/<namespace>_<name>_<uid> (see poddirs.go).
func (a *Agent) podDir(p *corev1.Pod) string {
	return filepath.Join(a.podsDir(), podDirName(p.Namespace, p.Name, p.UID))
}

// logPath is run n of a container's log (Kubernetes keeps one file per
// restart: <container>/<n>.log).
func (a *Agent) logPath(p *corev1.Pod, name string, n int) string {
	return filepath.Join(a.podDir(p), name, fmt.Sprintf("%d.log", n))
}

// containerOutput is the write ends of a run's stdout and stderr pipes,
// and their read ends for the pod's shim to keep (runtime.ContainerConfig.Keep).
type containerOutput struct {
	stdout, stderr *os.File
	keep           []*os.File
	file           *logs.File
	wait           []func()
	path           string
	drained        chan struct{} // closed once every stream is in the file
}

// openLog opens the log of run n and the pipes that feed it.
func (a *Agent) openLog(p *corev1.Pod, name string, n int) (*containerOutput, error) {
	path := a.logPath(p, name, n)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	lf, err := logs.Create(path, a.cfg.Clock.Now)
	if err != nil {
		return nil, err
	}
	out := &containerOutput{file: lf, path: path, drained: make(chan struct{})}
	for _, stream := range []string{"stdout", "stderr"} {
		w, r, wait, err := lf.Pipe(stream)
		if err != nil {
			out.started()
			return nil, err
		}
		if stream == "stdout" {
			out.stdout = w
		} else {
			out.stderr = w
		}
		out.wait = append(out.wait, wait)
		out.keep = append(out.keep, r)
	}
	return out, nil
}

// adoptLog reopens the log of run n for the pipes an earlier agent made
// (stdout's and stderr's read ends, as the pod's shim kept them) and
// copies what they hold and what follows.
func (a *Agent) adoptLog(p *corev1.Pod, name string, n int, pipes []*os.File) *containerOutput {
	if len(pipes) < 2 {
		for _, f := range pipes {
			f.Close()
		}
		return nil
	}
	path := a.logPath(p, name, n)
	lf, err := logs.Create(path, a.cfg.Clock.Now)
	if err != nil {
		a.log("reopen the log of %s/%s %s: %v", p.Namespace, p.Name, name, err)
		pipes[0].Close()
		pipes[1].Close()
		return nil
	}
	out := &containerOutput{file: lf, path: path, drained: make(chan struct{})}
	for i, stream := range []string{"stdout", "stderr"} {
		out.wait = append(out.wait, lf.Adopt(stream, pipes[i]))
	}
	out.started()
	return out
}

// started closes the agent's copies of the write ends (the process holds its
// own) and of the read ends it gave the shim (which holds its own), and
// closes the file once both streams are drained.
func (o *containerOutput) started() {
	for _, f := range append([]*os.File{o.stdout, o.stderr}, o.keep...) {
		if f != nil {
			f.Close()
		}
	}
	go func() {
		for _, wait := range o.wait {
			wait()
		}
		o.file.Close()
		close(o.drained)
	}()
}
