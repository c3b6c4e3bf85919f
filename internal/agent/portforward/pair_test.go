package portforward

import (
	"net/http"
	"testing"

	"k8s.io/streaming/pkg/httpstream"
)

// nopStream stands in for a stream the pair only files away.
type nopStream struct{ httpstream.Stream }

func TestParseStream(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		h       http.Header
		id      uint32
		want    streamInfo
		wantErr string
	}{
		{"data with request ID", hdr("streamType", "data", "port", "8080", "requestID", "7"), 3,
			streamInfo{kind: "data", port: 8080, requestID: "7"}, ""},
		{"error with request ID", hdr("streamType", "error", "port", "65535", "requestID", "0"), 1,
			streamInfo{kind: "error", port: 65535, requestID: "0"}, ""},
		// Clients without requestID: the error stream's ID names the pair,
		// the data stream follows two IDs later.
		{"old client error stream", hdr("streamType", "error", "port", "80"), 5,
			streamInfo{kind: "error", port: 80, requestID: "5"}, ""},
		{"old client data stream", hdr("streamType", "data", "port", "80"), 7,
			streamInfo{kind: "data", port: 80, requestID: "5"}, ""},
		{"no port", hdr("streamType", "data"), 1, streamInfo{}, `"port" header is required`},
		{"port zero", hdr("streamType", "data", "port", "0"), 1, streamInfo{}, `port "0" must be > 0`},
		{"port too big", hdr("streamType", "data", "port", "65536"), 1, streamInfo{},
			`unable to parse "65536" as a port: strconv.ParseUint: parsing "65536": value out of range`},
		{"port not a number", hdr("streamType", "data", "port", "http"), 1, streamInfo{},
			`unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax`},
		{"no stream type", hdr("port", "80"), 1, streamInfo{}, `"streamType" header is required`},
		{"exec stream type", hdr("streamType", "stdin", "port", "80"), 1, streamInfo{}, `invalid stream type "stdin"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStream(tt.h, tt.id)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestPairCompletesOnceWithBothStreams(t *testing.T) {
	p := &pair{id: "1"}
	reply := make(chan struct{})
	if done, err := p.add(streamInfo{kind: "error", port: 80}, nopStream{}, reply); done || err != nil {
		t.Fatalf("after error stream: complete=%v err=%v", done, err)
	}
	if _, err := p.add(streamInfo{kind: "error", port: 80}, nopStream{}, reply); err == nil || err.Error() != "error stream already assigned" {
		t.Fatalf("second error stream: %v", err)
	}
	done, err := p.add(streamInfo{kind: "data", port: 8080}, nopStream{}, reply)
	if !done || err != nil || p.port != 8080 {
		t.Fatalf("after data stream: complete=%v err=%v port=%d", done, err, p.port)
	}
	if _, err := p.add(streamInfo{kind: "data", port: 80}, nopStream{}, reply); err == nil || err.Error() != "data stream already assigned" {
		t.Fatalf("second data stream: %v", err)
	}
}
