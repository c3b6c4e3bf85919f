package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/ordo-dev/ordo/internal/runtime"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// The remotecommand WebSocket channels, in protocol order.
const (
	chanStdin = iota
	chanStdout
	chanStderr
	chanError
	chanResize
)

// execProtocols are the remotecommand subprotocols kubectl offers over
// WebSocket (v5 adds the stdin close signal, which wsstream handles), and
// the first one, channel.k8s.io, which other WebSocket clients (and
// Kubernetes' conformance tests) speak: the same channels, with an error
// written as plain text and nothing on success.
var execProtocols = []string{"v5.channel.k8s.io", "v4.channel.k8s.io", channelV1}

const channelV1 = "channel.k8s.io"

// execRequest is a parsed /exec request.
type execRequest struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

func parseExec(q map[string][]string) (execRequest, error) {
	on := func(k string) bool { return len(q[k]) > 0 && q[k][0] == "true" }
	r := execRequest{command: q["command"], stdin: on("stdin"), stdout: on("stdout"), stderr: on("stderr"), tty: on("tty")}
	if len(r.command) == 0 {
		return r, errors.New("you must specify at least one command for the container")
	}
	if r.tty && r.stderr {
		r.stderr = false // a terminal merges stderr into stdout
	}
	return r, nil
}

// execHandler serves kubectl exec for a running container, as the kubelet's
// streaming server does: the command runs in the container's namespaces and
// environment; its exit status goes back on the error channel.
func (a *Agent) execHandler(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	req, err := parseExec(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pid, env, creds, err := a.runningProcess(ns+"/"+name, container)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sess, ok := openSession(w, r, req)
	if !ok {
		return
	}
	defer sess.close()
	streams := sess.streams
	runErr := runExec(r.Context(), a.enterer(pid, creds), pid, env, req, streams)
	if sess.protocol == channelV1 {
		if runErr != nil {
			_, _ = io.WriteString(streams[chanError], runErr.Error())
		}
		return
	}
	writeExecStatus(streams[chanError], runErr)
}

func channelProtocols(req execRequest) map[string]wsstream.ChannelProtocolConfig {
	ch := func(on bool, t wsstream.ChannelType) wsstream.ChannelType {
		if on {
			return t
		}
		return wsstream.IgnoreChannel
	}
	channels := []wsstream.ChannelType{
		ch(req.stdin, wsstream.ReadChannel), ch(req.stdout, wsstream.WriteChannel), ch(req.stderr, wsstream.WriteChannel),
		wsstream.WriteChannel, ch(req.tty, wsstream.ReadChannel),
	}
	out := map[string]wsstream.ChannelProtocolConfig{}
	for _, p := range execProtocols {
		out[p] = wsstream.ChannelProtocolConfig{Binary: true, Channels: channels}
	}
	return out
}

// runningProcess is the PID, environment and credentials of a container's
// current run.
func (a *Agent) runningProcess(key, container string) (int, []string, runtime.Credentials, error) {
	st := a.lockPod(key)
	if st != nil {
		defer st.mu.Unlock()
	}
	if st == nil {
		return 0, nil, runtime.Credentials{}, fmt.Errorf("pod %s is not running on this node", key)
	}
	c := st.containers[container]
	if c == nil || !c.running() {
		return 0, nil, runtime.Credentials{}, fmt.Errorf("container %s is not running", container)
	}
	return c.proc.PID(), c.env, c.creds, nil
}

// runExec runs the command in the container (see enterer), on a terminal
// when asked for one.
func runExec(ctx context.Context, enter enterFunc, pid int, env []string, req execRequest, streams []io.ReadWriteCloser) error {
	if req.tty {
		return runOnTerminal(ctx, enter, pid, env, req, streams)
	}
	cmd, err := enter(ctx, req.command)
	if err != nil {
		return err
	}
	cmd.Env = env
	if req.stdin {
		cmd.Stdin = streams[chanStdin]
	}
	if req.stdout {
		cmd.Stdout = streams[chanStdout]
	}
	if req.stderr {
		cmd.Stderr = streams[chanStderr]
	}
	return cmd.Run()
}

// runOnTerminal runs the command as a container runtime runs `exec -t`:
// on a terminal of the container's own devpts (so `tty` names its
// /dev/pts/N), as the leader of a new session inside the container's PID
// namespace with that terminal as its controlling terminal (so a shell
// can run job control; the runtime's enter command, given a terminal,
// makes it so, while it stays outside the namespace itself), and with
// TERM=xterm unless the container sets TERM.
func runOnTerminal(ctx context.Context, enter enterFunc, pid int, env []string, req execRequest, streams []io.ReadWriteCloser) error {
	term, tty, err := containerPTY(pid)
	if err != nil {
		return err
	}
	defer term.Close()
	cmd, err := enter(ctx, req.command)
	if err != nil {
		tty.Close()
		return err
	}
	cmd.Env = withEnvDefault(env, "TERM", "xterm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	tty.Close()
	if err != nil {
		return err
	}
	if streams[chanResize] != nil {
		go resizeFrom(streams[chanResize], term)
	}
	if req.stdin {
		go func() { _, _ = io.Copy(term, streams[chanStdin]) }()
	}
	drained := make(chan struct{})
	if req.stdout {
		go func() { _, _ = io.Copy(streams[chanStdout], term); close(drained) }()
	} else {
		close(drained)
	}
	err = cmd.Wait()
	// What the command wrote last may still be in the terminal when it
	// exits: read it to the end (EIO once no process holds the terminal)
	// before the session ends, or `kubectl exec -it` loses the last
	// lines. A background process still holding the terminal would keep
	// it open, so the wait is bounded.
	select {
	case <-drained:
	case <-time.After(terminalDrain):
	}
	return err
}

// terminalDrain bounds how long an exec on a terminal waits, after its
// command exited, for the output still in the terminal.
const terminalDrain = 2 * time.Second

// withEnvDefault is env with name=value added when env does not set name.
func withEnvDefault(env []string, name, value string) []string {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return env
		}
	}
	return append(append([]string(nil), env...), name+"="+value)
}

// resizeFrom applies the terminal sizes kubectl sends as JSON.
func resizeFrom(r io.Reader, term *os.File) {
	dec := json.NewDecoder(r)
	for {
		var size struct{ Width, Height uint16 }
		if err := dec.Decode(&size); err != nil {
			return
		}
		_ = pty.Setsize(term, &pty.Winsize{Rows: size.Height, Cols: size.Width})
	}
}

// writeExecStatus reports the command's outcome as remotecommand v4 does: a
// Status, with the exit code as a cause when it is not zero.
func writeExecStatus(w io.Writer, err error) {
	status := metav1.Status{Status: metav1.StatusSuccess}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code := exitErr.ExitCode()
		status = metav1.Status{
			Status:  metav1.StatusFailure,
			Reason:  "NonZeroExitCode",
			Message: fmt.Sprintf("command terminated with non-zero exit code: exit status %d", code),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: "ExitCode", Message: strconv.Itoa(code)}}},
		}
	case err != nil:
		status = metav1.Status{Status: metav1.StatusFailure, Message: err.Error()}
	}
	_ = json.NewEncoder(w).Encode(status)
}
