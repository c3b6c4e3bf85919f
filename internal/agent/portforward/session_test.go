package portforward

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	constants "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// fakePod listens on the host's loopback and stands for a pod's port 8080:
// it answers one line per connection, or holds connections open when hold is
// set, reporting each connection on accepted and its end on closed.
type fakePod struct {
	ln               net.Listener
	hold             bool
	accepted, closed chan struct{}
}

func startFakePod(t *testing.T, hold bool) *fakePod {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePod{ln: ln, hold: hold, accepted: make(chan struct{}, 10), closed: make(chan struct{}, 10)}
	t.Cleanup(func() { _ = ln.Close() })
	go p.serve()
	return p
}

func (p *fakePod) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted <- struct{}{}
		go func() {
			defer func() { _ = c.Close(); p.closed <- struct{}{} }()
			if p.hold {
				_, _ = io.Copy(io.Discard, c)
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			_, _ = io.WriteString(c, "pong: "+line)
		}()
	}
}

// dial reaches the fake pod on port 8080 only.
func (p *fakePod) dial(ctx context.Context, port uint16) (net.Conn, error) {
	if port != 8080 {
		return nil, errors.New("connection refused")
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", p.ln.Addr().String())
}

// startAgent serves Serve over HTTP and reports each return on served.
func startAgent(t *testing.T, cfg Config) (url string, served chan struct{}) {
	served = make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Serve(w, r, cfg)
		served <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/portForward/default/web", served
}

// dialSPDY upgrades to SPDY portforward.k8s.io as kubectl does.
func dialSPDY(t *testing.T, url string) httpstream.Connection {
	rt, err := spdy.NewRoundTripper(nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set(httpstream.HeaderProtocolVersion, constants.PortForwardV1Name)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := rt.NewConnection(resp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// openPair opens the error stream (closing its write side, as kubectl does)
// and, unless errorOnly, the data stream of forwarded connection id.
func openPair(t *testing.T, conn httpstream.Connection, id, port int, errorOnly bool) (errs, data httpstream.Stream) {
	h := http.Header{}
	h.Set("streamType", "error")
	h.Set("port", strconv.Itoa(port))
	h.Set("requestID", strconv.Itoa(id))
	errs, err := conn.CreateStream(h)
	if err != nil {
		t.Fatal(err)
	}
	_ = errs.Close()
	if errorOnly {
		return errs, nil
	}
	h.Set("streamType", "data")
	if data, err = conn.CreateStream(h); err != nil {
		t.Fatal(err)
	}
	return errs, data
}

func config(dial DialFunc) Config {
	return Config{Pod: "web", UID: "uid-1", Dial: dial, IdleTimeout: time.Minute, StreamCreationTimeout: 200 * time.Millisecond}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	select {
	case s := <-done:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end")
		return ""
	}
}

func TestForwardsEachConnectionToThePodsPort(t *testing.T) {
	pod := startFakePod(t, false)
	url, _ := startAgent(t, config(pod.dial))
	conn := dialSPDY(t, url)
	for id := range 2 { // two forwarded connections on one session
		errs, data := openPair(t, conn, id, 8080, false)
		_, _ = io.WriteString(data, "ping "+strconv.Itoa(id)+"\n")
		_ = data.Close() // the client has sent everything: the pod still answers
		if got, want := readAll(t, data), "pong: ping "+strconv.Itoa(id)+"\n"; got != want {
			t.Fatalf("connection %d: got %q, want %q", id, got, want)
		}
		if msg := readAll(t, errs); msg != "" {
			t.Fatalf("connection %d: error stream says %q", id, msg)
		}
	}
}

func TestDialFailureIsReportedOnTheErrorStream(t *testing.T) {
	pod := startFakePod(t, false)
	url, _ := startAgent(t, config(pod.dial))
	errs, data := openPair(t, dialSPDY(t, url), 1, 9999, false)
	want := "error forwarding port 9999 to pod web, uid uid-1: connection refused"
	if msg := readAll(t, errs); msg != want {
		t.Fatalf("error stream: %q, want %q", msg, want)
	}
	if got := readAll(t, data); got != "" {
		t.Fatalf("data stream of a failed dial carried %q", got)
	}
}

func TestPairWithoutDataStreamTimesOut(t *testing.T) {
	pod := startFakePod(t, false)
	url, _ := startAgent(t, config(pod.dial))
	errs, _ := openPair(t, dialSPDY(t, url), 4, 8080, true)
	if msg := readAll(t, errs); msg != "request 4: timed out waiting for streams" {
		t.Fatalf("error stream: %q", msg)
	}
}

func TestServeReturnsAndClosesPodConnectionsWhenTheClientLeaves(t *testing.T) {
	pod := startFakePod(t, true)
	url, served := startAgent(t, config(pod.dial))
	conn := dialSPDY(t, url)
	_, data := openPair(t, conn, 1, 8080, false)
	_, _ = io.WriteString(data, "hello\n")
	wait := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out: %s", what)
		}
	}
	wait(pod.accepted, "the agent dials the pod")
	_ = conn.Close()
	wait(served, "Serve returns after the client closed the connection")
	wait(pod.closed, "the pod connection closes with the session")
}
