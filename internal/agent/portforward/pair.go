package portforward

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/streaming/pkg/httpstream"
)

// streamInfo is what a new stream's headers say about it.
type streamInfo struct {
	kind      string // corev1.StreamTypeData or corev1.StreamTypeError
	port      uint16
	requestID string
}

// parseStream checks a new stream's headers as the kubelet does (a port in
// 1–65535, a known stream type) and names the forwarded connection it
// belongs to.
func parseStream(h http.Header, streamID uint32) (streamInfo, error) {
	raw := h.Get(corev1.PortHeader)
	if raw == "" {
		return streamInfo{}, fmt.Errorf("%q header is required", corev1.PortHeader)
	}
	port, err := strconv.ParseUint(raw, 10, 16)
	if err != nil {
		return streamInfo{}, fmt.Errorf("unable to parse %q as a port: %v", raw, err)
	}
	if port < 1 {
		return streamInfo{}, fmt.Errorf("port %q must be > 0", raw)
	}
	kind := h.Get(corev1.StreamType)
	switch kind {
	case "":
		return streamInfo{}, fmt.Errorf("%q header is required", corev1.StreamType)
	case corev1.StreamTypeData, corev1.StreamTypeError:
	default:
		return streamInfo{}, fmt.Errorf("invalid stream type %q", kind)
	}
	return streamInfo{kind: kind, port: uint16(port), requestID: requestID(h, kind, streamID)}, nil
}

// requestID pairs the streams of one forwarded connection. Clients older
// than the requestID header open the error stream and then the data stream
// as consecutive client streams (odd IDs two apart), so the error stream's ID
// names the pair; like the kubelet's fallback, this is only right when such
// a client opens one connection at a time.
func requestID(h http.Header, kind string, streamID uint32) string {
	if id := h.Get(corev1.PortForwardRequestIDHeader); id != "" {
		return id
	}
	if kind == corev1.StreamTypeData {
		streamID -= 2
	}
	return strconv.FormatUint(uint64(streamID), 10)
}

// pair is the data and error streams of one forwarded connection, complete
// once both have arrived and been acknowledged.
type pair struct {
	id          string
	port        uint16 // from the data stream
	data, errs  httpstream.Stream
	replies     []<-chan struct{} // closed when each stream's reply is sent
	expireTimer *time.Timer       // ends a pair whose second stream never comes
}

// add files a stream under its type. A second stream of the same type is an
// error: the pair keeps the first.
func (p *pair) add(info streamInfo, s httpstream.Stream, replySent <-chan struct{}) (complete bool, err error) {
	switch info.kind {
	case corev1.StreamTypeData:
		if p.data != nil {
			return false, errors.New("data stream already assigned")
		}
		p.data, p.port = s, info.port
	case corev1.StreamTypeError:
		if p.errs != nil {
			return false, errors.New("error stream already assigned")
		}
		p.errs = s
	}
	p.replies = append(p.replies, replySent)
	return p.data != nil && p.errs != nil, nil
}

// waitReplies waits until the client has been told its streams exist, so
// nothing is written to a stream before its reply frame.
func (p *pair) waitReplies() {
	for _, r := range p.replies {
		<-r
	}
}

// fail reports msg on the error stream, if there is one, and ends the pair.
func (p *pair) fail(msg string) {
	p.waitReplies()
	if p.errs != nil {
		_, _ = p.errs.Write([]byte(msg))
		_ = p.errs.Close()
	}
	if p.data != nil {
		_ = p.data.Reset()
	}
}
