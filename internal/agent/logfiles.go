package agent

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/runtime"
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

// containerOutput is where a run's output goes. Under a shim that writes
// logs (protocol 2) it is only the log file, for the shim (logTo): the
// agent then never holds output it has read but not written. Under an
// older shim it is the write ends of the run's stdout and stderr pipes,
// their read ends for the shim to keep (runtime.ContainerConfig.Keep),
// and the agent's copiers.
type containerOutput struct {
	logTo          *os.File
	stdout, stderr *os.File
	keep           []*os.File
	file           *logs.File
	wait           []func()
	path           string
	drained        chan struct{} // closed once every stream is in the file
}

// openLog opens the log of run n, and the pipes that feed it unless the
// pod's shim writes the log itself.
func (a *Agent) openLog(p *corev1.Pod, name string, n int, sb *runtime.Sandbox) (*containerOutput, error) {
	path := a.logPath(p, name, n)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if sb.WritesLogs() {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		return &containerOutput{logTo: f, path: path, drained: make(chan struct{})}, nil
	}
	lf, err := logs.Create(path, a.cfg.Clock.Now)
	if err != nil {
		return nil, err
	}
	out := &containerOutput{file: lf, path: path, drained: make(chan struct{})}
	for _, stream := range []string{"stdout", "stderr"} {
		w, r, wait, err := lf.Pipe(stream)
		if err != nil {
			out.started(nil)
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

// adoptLog takes over the log of an adopted run n. Under a shim that
// writes logs there is nothing to copy: the run's output is all in the
// file once the shim says so (Process.Logged). Under an older shim it
// reopens the log for the pipes an earlier agent made (stdout's and
// stderr's read ends, as the shim kept them) and copies what they hold
// and what follows.
func (a *Agent) adoptLog(p *corev1.Pod, name string, n int, sb *runtime.Sandbox, ch runtime.Child) *containerOutput {
	pipes := ch.Files
	if sb.WritesLogs() {
		closeFiles(pipes)
		out := &containerOutput{path: a.logPath(p, name, n), drained: make(chan struct{})}
		out.started(ch.Proc)
		return out
	}
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
	out.started(nil)
	return out
}

// started closes the agent's copies of the log file, of the pipes' write
// ends (the process holds its own) and of the read ends it gave the shim
// (which holds its own), and closes drained once the run's output is all
// in the file: when the shim says so (proc.Logged), or when the agent's
// copiers are done. proc is nil when the run did not start.
func (o *containerOutput) started(proc *runtime.Process) {
	for _, f := range append([]*os.File{o.stdout, o.stderr, o.logTo}, o.keep...) {
		if f != nil {
			f.Close()
		}
	}
	if o.file == nil {
		go func() {
			if proc != nil {
				<-proc.Logged()
			}
			close(o.drained)
		}()
		return
	}
	go func() {
		for _, wait := range o.wait {
			wait()
		}
		o.file.Close()
		close(o.drained)
	}()
}
