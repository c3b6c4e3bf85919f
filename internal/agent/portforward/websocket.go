package portforward

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// The kubelet's bare WebSocket port forwarding, for clients other than
// kubectl (the Python and JavaScript clients, browsers): the ports come in
// the query (?port=8080&port=9090), each gets one connection, carried on two
// channels of the WebSocket, data then error, whose first frames name the
// port (two bytes, little-endian).
const (
	channelsPerPort = 2
	v4Binary        = "v4." + wsstream.ChannelWebSocketProtocol
	v4Base64        = "v4." + wsstream.Base64ChannelWebSocketProtocol
)

// serveWebSocket forwards one connection per requested port, and closes the
// WebSocket when all of them are done.
func serveWebSocket(w http.ResponseWriter, r *http.Request, cfg Config) {
	ports, err := parsePorts(r.URL.Query()[corev1.PortHeader])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	channels := make([]wsstream.ChannelType, 0, len(ports)*channelsPerPort)
	for range ports {
		channels = append(channels, wsstream.ReadWriteChannel, wsstream.WriteChannel)
	}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		"":       {Binary: true, Channels: channels},
		v4Binary: {Binary: true, Channels: channels},
		v4Base64: {Binary: false, Channels: channels},
	})
	conn.SetIdleTimeout(cfg.IdleTimeout)
	_, streams, err := conn.Open(w, r)
	if err != nil {
		return // the WebSocket library answered the client
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var wg sync.WaitGroup
	for i, port := range ports {
		data, errs := streams[i*channelsPerPort], streams[i*channelsPerPort+1]
		prefix := binary.LittleEndian.AppendUint16(nil, port)
		_, _ = data.Write(prefix)
		_, _ = errs.Write(prefix)
		wg.Go(func() {
			defer data.Close()
			connect(ctx, cfg, link{port: port, data: data, errs: errs, clientEOF: hangUp})
		})
	}
	wg.Wait()
}

// parsePorts reads the ports of a WebSocket request with the kubelet's
// rules and messages: at least one, each in 1–65535, repeated or
// comma-separated.
func parsePorts(values []string) ([]uint16, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("query parameter %q is required", corev1.PortHeader)
	}
	var ports []uint16
	for _, v := range values {
		if v == "" {
			return nil, fmt.Errorf("query parameter %q cannot be empty", corev1.PortHeader)
		}
		for _, p := range strings.Split(v, ",") {
			port, err := strconv.ParseUint(p, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("unable to parse %q as a port: %v", v, err)
			}
			if port < 1 {
				return nil, fmt.Errorf("port %q must be > 0", v)
			}
			ports = append(ports, uint16(port))
		}
	}
	return ports, nil
}
