package portforward

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

func TestParsePorts(t *testing.T) {
	tests := []struct {
		values  []string
		want    []uint16
		wantErr string
	}{
		{[]string{"8080"}, []uint16{8080}, ""},
		{[]string{"8080,9090", "1"}, []uint16{8080, 9090, 1}, ""},
		{nil, nil, `query parameter "port" is required`},
		{[]string{""}, nil, `query parameter "port" cannot be empty`},
		{[]string{"0"}, nil, `port "0" must be > 0`},
		{[]string{"80,65536"}, nil, `unable to parse "80,65536" as a port: strconv.ParseUint: parsing "65536": value out of range`},
	}
	for _, tt := range tests {
		got, err := parsePorts(tt.values)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.values, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.values, got, err, tt.want)
		}
	}
}

// wsFrames reads WebSocket frames, each a channel byte and a payload, until
// the server closes, joining the payloads of each channel.
func wsFrames(t *testing.T, ws *websocket.Conn) map[byte]string {
	t.Helper()
	_ = ws.SetDeadline(time.Now().Add(10 * time.Second))
	got := map[byte]string{}
	for {
		var frame []byte
		if err := websocket.Message.Receive(ws, &frame); err != nil {
			return got
		}
		if len(frame) > 0 {
			got[frame[0]] += string(frame[1:])
		}
	}
}

func TestWebSocketForwardsOneConnectionPerPort(t *testing.T) {
	pod := startFakePod(t, false)
	url, served := startAgent(t, config(pod.dial))
	wsURL := "ws" + strings.TrimPrefix(url, "http") + "?port=8080&port=9999"
	cfg, err := websocket.NewConfig(wsURL, "http://localhost/")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Protocol = []string{v4Binary}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// Channel 0 is port 8080's data: write a line to the fake pod.
	if err := websocket.Message.Send(ws, append([]byte{0}, "ping\n"...)); err != nil {
		t.Fatal(err)
	}
	got := wsFrames(t, ws)
	want := map[byte]string{
		0: "\x90\x1f" + "pong: ping\n", // 8080 little-endian, then the answer
		1: "\x90\x1f",
		2: "\x0f\x27", // 9999: nothing listens
		3: "\x0f\x27" + "error forwarding port 9999 to pod web, uid uid-1: connection refused",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("frames by channel:\n got %q\nwant %q", got, want)
	}
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after every port's connection ended")
	}
}
