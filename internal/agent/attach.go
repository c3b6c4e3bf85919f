package agent

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/ordo-dev/ordo/internal/agent/logs"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// attachHandler serves kubectl attach (and kubectl run -i) for a running
// container, as the kubelet's streaming server does: the client gets what
// the container prints from now on (read back from its log, which the
// pod's shim writes) and its input goes to the container's stdin pipe.
// The session ends when the container's run has ended and all of its
// output is sent, or when the client goes.
func (a *Agent) attachHandler(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	q := r.URL.Query()
	on := func(k string) bool { return q.Get(k) == "true" }
	req := execRequest{stdin: on("stdin"), stdout: on("stdout"), stderr: on("stderr"), tty: on("tty")}
	if !req.stdin && !req.stdout && !req.stderr {
		http.Error(w, "you must specify at least one of stdin, stdout, stderr", http.StatusBadRequest)
		return
	}
	p, err := a.pods.Pods(ns).Get(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if spec := findContainer(p, container); spec != nil && req.stdin && !spec.Stdin {
		http.Error(w, stdinNotEnabled(container), http.StatusBadRequest)
		return
	}
	t, err := a.attachTarget(ns+"/"+name, container)
	if err == nil {
		t.path, err = a.logFile(p, container, false)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.tty {
		req.stderr = false // a terminal's client reads one stream
	}
	sess, ok := openSession(w, r, req)
	if !ok {
		return
	}
	defer sess.close()
	streams := sess.streams
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if sess.gone != nil {
		go func() {
			select {
			case <-sess.gone:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	runErr := a.attach(ctx, t, req, streams)
	if sess.protocol == channelV1 {
		if runErr != nil {
			_, _ = io.WriteString(streams[chanError], runErr.Error())
		}
		return
	}
	writeExecStatus(streams[chanError], runErr)
}

// stdinNotEnabled refuses input to a container that reads none.
func stdinNotEnabled(container string) string {
	return fmt.Sprintf("stdin is not enabled for container %s: its spec must set stdin: true to attach to its input", container)
}

// attachment is the container run an attach session is with.
type attachment struct {
	key, container string
	proc           *runtime.Process
	stdin          *containerStdin // nil: closed (stdinOnce) or none
	path           string          // the run's log
}

func (a *Agent) attachTarget(key, container string) (*attachment, error) {
	st := a.lockPod(key)
	if st == nil {
		return nil, fmt.Errorf("pod %s is not running on this node", key)
	}
	defer st.mu.Unlock()
	c := st.containers[container]
	if c == nil || !c.running() {
		return nil, fmt.Errorf("container %s is not running", container)
	}
	return &attachment{key: key, container: container, proc: c.proc, stdin: c.stdin}, nil
}

// attach runs one session: input into the container's stdin while the
// client sends it, output until the run's log is complete.
func (a *Agent) attach(ctx context.Context, t *attachment, req execRequest, streams []io.ReadWriteCloser) error {
	// The log is opened at its end before any input is passed on: output
	// the input causes must not be written before the point the session
	// reads from (a line the container echoed could be lost, and the
	// client wait for it forever).
	tail, err := logs.OpenTail(t.path)
	if err != nil {
		return err
	}
	if req.stdin {
		go a.attachStdin(t, streams[chanStdin])
	}
	var stdout, stderr io.Writer
	if req.stdout {
		stdout = streams[chanStdout]
	}
	if req.stderr {
		stderr = streams[chanStderr]
	}
	if req.tty {
		// A container with a terminal (tty: true) prints everything there,
		// logged as stdout, and the client's sizes are the terminal's; one
		// without has its stderr join stdout, as on a terminal, and the
		// sizes are dropped.
		stderr = stdout
		if streams[chanResize] != nil {
			if t.stdin != nil && t.stdin.tty {
				go resizeFrom(streams[chanResize], t.stdin.w)
			} else {
				go func() { _, _ = io.Copy(io.Discard, streams[chanResize]) }()
			}
		}
	}
	done := func() bool { return isClosed(t.proc.Done()) && isClosed(t.proc.Logged()) }
	return tail.Attach(ctx, stdout, stderr, done)
}

// attachStdin copies the client's input into the container's stdin. When
// the input ends (the client closed it, or went) a stdinOnce container's
// stdin is closed for good, so it reads EOF, as containerd does; any other
// stays open for the next session. Input to a closed stdin is dropped.
func (a *Agent) attachStdin(t *attachment, in io.Reader) {
	if t.stdin == nil {
		_, _ = io.Copy(io.Discard, in)
		return
	}
	_, _ = io.Copy(t.stdin.w, in)
	if !t.stdin.once {
		return
	}
	if st := a.lockPod(t.key); st != nil {
		if c := st.containers[t.container]; c != nil && c.stdin == t.stdin {
			c.stdin = nil
		}
		st.mu.Unlock()
	}
	t.stdin.close()
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
