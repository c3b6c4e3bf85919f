package agent

import (
	"errors"
	"io"
	"net/http"
	"time"

	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// remoteSession is an open remotecommand session (exec or attach): its
// streams indexed by channel (chanStdin …; nil for those not asked for),
// the subprotocol, and gone, closed when the client has gone (nil when
// the transport cannot tell).
type remoteSession struct {
	protocol string
	streams  []io.ReadWriteCloser
	gone     <-chan struct{}
	close    func()
}

// spdyProtocol is the SPDY remotecommand protocol served: what kubectl
// and client-go's SPDY executor speak (before WebSockets, and when an
// upgrade to them fails), with a Status on the error stream.
const spdyProtocol = "v4.channel.k8s.io"

// streamCreationTimeout bounds the wait for a SPDY client's streams, as
// the kubelet's streaming server does.
const streamCreationTimeout = 30 * time.Second

// openSession upgrades the request to a remotecommand session over
// WebSocket or SPDY, as the kubelet serves both. On failure the response
// has been written and ok is false.
func openSession(w http.ResponseWriter, r *http.Request, req execRequest) (*remoteSession, bool) {
	if wsstream.IsWebSocketRequest(r) {
		conn := wsstream.NewConn(channelProtocols(req))
		conn.SetIdleTimeout(4 * time.Hour)
		protocol, streams, err := conn.Open(w, r)
		if err != nil {
			return nil, false
		}
		return &remoteSession{protocol: protocol, streams: streams, close: func() { _ = conn.Close() }}, true
	}
	if !httpstream.IsUpgradeRequest(r) {
		http.Error(w, "the remotecommand protocol needs a WebSocket or SPDY upgrade", http.StatusBadRequest)
		return nil, false
	}
	return openSPDY(w, r, req)
}

// spdyStreamTypes name each channel's stream in its streamType header.
var spdyStreamTypes = map[string]int{"stdin": chanStdin, "stdout": chanStdout, "stderr": chanStderr, "error": chanError, "resize": chanResize}

func openSPDY(w http.ResponseWriter, r *http.Request, req execRequest) (*remoteSession, bool) {
	if _, err := httpstream.Handshake(r, w, []string{spdyProtocol}); err != nil {
		return nil, false // Handshake wrote the error
	}
	arrived := make(chan httpstream.Stream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		if _, ok := spdyStreamTypes[s.Headers().Get("streamType")]; !ok {
			return errors.New("unknown stream type " + s.Headers().Get("streamType"))
		}
		select {
		case arrived <- s:
			return nil
		default:
			return errors.New("too many streams")
		}
	})
	if conn == nil {
		return nil, false // UpgradeResponse wrote the error
	}
	conn.SetIdleTimeout(4 * time.Hour)
	want := 1 // error
	for _, on := range []bool{req.stdin, req.stdout, req.stderr && !req.tty, req.tty} {
		if on {
			want++
		}
	}
	streams := make([]io.ReadWriteCloser, chanResize+1)
	timeout := time.NewTimer(streamCreationTimeout)
	defer timeout.Stop()
	for got := 0; got < want; got++ {
		select {
		case s := <-arrived:
			streams[spdyStreamTypes[s.Headers().Get("streamType")]] = s
		case <-timeout.C:
			_ = conn.Close()
			return nil, false
		case <-conn.CloseChan():
			return nil, false
		}
	}
	if streams[chanError] == nil {
		_ = conn.Close()
		return nil, false
	}
	gone := make(chan struct{})
	go func() {
		<-conn.CloseChan()
		close(gone)
	}()
	return &remoteSession{protocol: spdyProtocol, streams: streams, gone: gone, close: func() { _ = conn.Close() }}, true
}
