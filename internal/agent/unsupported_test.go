package agent

import (
	"net"
	"testing"
)

func TestPublishedAgentAddress(t *testing.T) {
	if got := publishedAddr(&net.TCPAddr{IP: net.IPv4zero, Port: 10250}, "192.0.2.7"); got != "192.0.2.7:10250" {
		t.Errorf("wildcard listener published as %s", got)
	}
	if got := publishedAddr(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, "192.0.2.7"); got != "127.0.0.1:4000" {
		t.Errorf("loopback listener published as %s", got)
	}
}
