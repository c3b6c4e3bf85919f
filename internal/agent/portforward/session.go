package portforward

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	constants "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// DialFunc connects to a port on the pod's localhost.
type DialFunc func(ctx context.Context, port uint16) (net.Conn, error)

// Config says which pod a session forwards to and how.
type Config struct {
	// Pod and UID name the pod in error messages, as the kubelet's do.
	Pod string
	UID types.UID
	// Dial reaches the pod's ports.
	Dial DialFunc
	// IdleTimeout closes a connection without traffic (the kubelet's
	// --streaming-connection-idle-timeout, 4 hours by default).
	IdleTimeout time.Duration
	// StreamCreationTimeout bounds the wait for the second stream of a pair
	// (the kubelet waits 30 seconds).
	StreamCreationTimeout time.Duration
}

// session is one upgraded connection and the forwarded connections on it.
type session struct {
	cfg   Config
	ctx   context.Context // ends with the session; closes every pod connection
	conn  httpstream.Connection
	ready chan struct{} // closed once conn is set
	wg    sync.WaitGroup

	mu    sync.Mutex
	pairs map[string]*pair // pairs still waiting for a stream, by request ID
}

// Serve upgrades r, to SPDY portforward.k8s.io or to a WebSocket, and
// forwards until the connection closes, goes idle, or r's context ends. It
// returns once every forwarded connection is closed, so the caller may then
// release what Dial uses. Failures before the upgrade are written to w.
func Serve(w http.ResponseWriter, r *http.Request, cfg Config) {
	if wsstream.IsWebSocketRequest(r) {
		serveWebSocket(w, r, cfg)
		return
	}
	serveSPDY(w, r, cfg)
}

// serveSPDY runs a session of SPDY streams, kubectl's protocol.
func serveSPDY(w http.ResponseWriter, r *http.Request, cfg Config) {
	if _, err := httpstream.Handshake(r, w, []string{constants.PortForwardV1Name}); err != nil {
		return // Handshake wrote the error
	}
	ctx, cancel := context.WithCancel(r.Context())
	s := &session{cfg: cfg, ctx: ctx, ready: make(chan struct{}), pairs: map[string]*pair{}}
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, s.received)
	if conn == nil {
		cancel()
		return // UpgradeResponse wrote the error
	}
	conn.SetIdleTimeout(cfg.IdleTimeout)
	s.conn = conn
	close(s.ready)
	select {
	case <-conn.CloseChan():
	case <-ctx.Done():
	}
	cancel()
	_ = conn.Close()
	s.stopWaiting()
	s.wg.Wait()
}

// received is called for each new stream: a bad stream is rejected (the
// library resets it); a stream that completes a pair starts forwarding.
func (s *session) received(stream httpstream.Stream, replySent <-chan struct{}) error {
	info, err := parseStream(stream.Headers(), stream.Identifier())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return fmt.Errorf("the port-forward session is over")
	}
	p := s.pairs[info.requestID]
	if p == nil {
		p = &pair{id: info.requestID}
		p.expireTimer = time.AfterFunc(s.cfg.StreamCreationTimeout, func() { s.expire(p) })
		s.pairs[info.requestID] = p
	}
	complete, err := p.add(info, stream, replySent)
	if err != nil {
		return fmt.Errorf("error processing stream for request %s: %v", info.requestID, err)
	}
	if complete {
		p.expireTimer.Stop()
		delete(s.pairs, p.id)
		s.wg.Add(1)
		go s.forward(p)
	}
	return nil
}

// expire ends a pair whose second stream did not come in time.
func (s *session) expire(p *pair) {
	s.mu.Lock()
	waiting := s.pairs[p.id] == p
	delete(s.pairs, p.id)
	s.mu.Unlock()
	if waiting {
		p.fail(fmt.Sprintf("request %s: timed out waiting for streams", p.id))
	}
}

// stopWaiting drops the incomplete pairs of a finished session.
func (s *session) stopWaiting() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, p := range s.pairs {
		p.expireTimer.Stop()
		delete(s.pairs, id)
	}
}

// forward connects a complete pair to the pod's port.
func (s *session) forward(p *pair) {
	defer s.wg.Done()
	p.waitReplies()
	<-s.ready
	defer s.conn.RemoveStreams(p.data, p.errs)
	defer p.errs.Close()
	defer p.data.Close()
	connect(s.ctx, s.cfg, link{port: p.port, data: p.data, errs: p.errs, clientEOF: halfClose})
}

// link is one forwarded connection: the client's data and error streams and
// the pod port they go to.
type link struct {
	port uint16
	data io.ReadWriter
	errs io.Writer
	// clientEOF is what the end of the client's data means.
	clientEOF endOfInput
}

// endOfInput says what the end of the client's data means for the pod
// connection.
type endOfInput int

const (
	// halfClose: the client has sent everything but still reads (SPDY),
	// so a request–response protocol still gets its answer.
	halfClose endOfInput = iota
	// hangUp: the client is gone (a WebSocket has no half-close).
	hangUp
)

// connect dials the pod's port and copies both ways until the pod's side has
// said all it will, or ctx ends. A failed dial is reported on the error
// stream with the kubelet's message; kubectl prints it.
func connect(ctx context.Context, cfg Config, l link) {
	c, err := cfg.Dial(ctx, l.port)
	if err != nil {
		_, _ = fmt.Fprintf(l.errs, "error forwarding port %d to pod %s, uid %v: %v", l.port, cfg.Pod, cfg.UID, err)
		return
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	go func() {
		_, _ = io.Copy(c, l.data)
		hc, ok := c.(interface{ CloseWrite() error })
		if l.clientEOF == halfClose && ok {
			_ = hc.CloseWrite()
			return
		}
		_ = c.Close()
	}()
	_, _ = io.Copy(l.data, c)
}
