package dns

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// capture is a ResponseWriter that keeps every reply instead of sending
// it, so that a second reply to one query (which a client would take as the
// answer to a later query with the same ID) is seen, not overwritten.
type capture struct {
	remote  net.Addr
	replies []*dns.Msg
	raw     [][]byte // replies written as bytes with Write
}

func (c *capture) LocalAddr() net.Addr         { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (c *capture) RemoteAddr() net.Addr        { return c.remote }
func (c *capture) WriteMsg(m *dns.Msg) error   { c.replies = append(c.replies, m); return nil }
func (c *capture) Write(b []byte) (int, error) { c.raw = append(c.raw, b); return len(b), nil }
func (c *capture) Close() error                { return nil }
func (c *capture) TsigStatus() error           { return nil }
func (c *capture) TsigTimersOnly(bool)         {}
func (c *capture) Hijack()                     {}
func (c *capture) Network() string             { return "udp" }

// FuzzServeDNS sends any message a pod could send to the cluster DNS
// server. Every query gets exactly one reply that packs into a valid
// message, and over udp it fits the size the client asked for.
func FuzzServeDNS(f *testing.F) {
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"web.team.svc.cluster.local.", dns.TypeA}, {"_pg._tcp.db.team.svc.cluster.local.", dns.TypeSRV},
		{"db-0.db.team.svc.cluster.local.", dns.TypeA}, {"10-42-0-5.team.pod.cluster.local.", dns.TypeA},
		{"5.0.42.10.in-addr.arpa.", dns.TypePTR}, {"ext.team.svc.cluster.local.", dns.TypeCNAME},
		{"cluster.local.", dns.TypeSOA}, {"a.b.c.d.e.svc.cluster.local.", dns.TypeAAAA},
	} {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		m.SetEdns0(512, false)
		data, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	s := &Server{resolver: resolver{src: testSource(f), zone: DefaultZone + "."}}
	f.Fuzz(func(t *testing.T, data []byte, tcp bool) {
		req := new(dns.Msg)
		if req.Unpack(data) != nil {
			return
		}
		w := &capture{remote: &net.UDPAddr{IP: net.IPv4(10, 42, 0, 9), Port: 5353}}
		if tcp {
			w.remote = &net.TCPAddr{IP: net.IPv4(10, 42, 0, 9), Port: 5353}
		}
		s.ServeDNS(w, req)
		if err := w.check(req, tcp); err != nil {
			t.Fatal(err)
		}
	})
}

// check is FuzzServeDNS's verdict on what the server wrote for req: exactly
// one reply, as a message, that packs and, over udp, fits the client's size.
func (c *capture) check(req *dns.Msg, tcp bool) error {
	if n := len(c.replies) + len(c.raw); n != 1 {
		return fmt.Errorf("%d replies (%d messages, %d raw writes) to %v, want exactly 1", n, len(c.replies), len(c.raw), req.Question)
	}
	if len(c.raw) != 0 {
		return fmt.Errorf("reply to %v written as raw bytes, not a message", req.Question)
	}
	out, err := c.replies[0].Pack()
	if err != nil {
		return fmt.Errorf("reply to %v does not pack: %v", req.Question, err)
	}
	if !tcp && len(req.Question) == 1 && len(out) > max(udpSize(req), dns.MinMsgSize) {
		return fmt.Errorf("udp reply of %d bytes to a client that takes %d", len(out), udpSize(req))
	}
	return nil
}

// TestFuzzCaptureSeesEveryReply: the fuzz target's verdict fails a query
// answered twice, or not at all, not only one whose reply is malformed.
func TestFuzzCaptureSeesEveryReply(t *testing.T) {
	req := new(dns.Msg).SetQuestion("web.team.svc.cluster.local.", dns.TypeA)
	reply := new(dns.Msg).SetReply(req)
	for _, tc := range []struct {
		name    string
		write   func(*capture)
		wantErr bool
	}{
		{"one reply", func(c *capture) { _ = c.WriteMsg(reply) }, false},
		{"no reply", func(*capture) {}, true},
		{"two replies", func(c *capture) { _ = c.WriteMsg(reply); _ = c.WriteMsg(reply) }, true},
		{"a reply and raw bytes", func(c *capture) { _ = c.WriteMsg(reply); _, _ = c.Write([]byte{0}) }, true},
	} {
		c := &capture{remote: &net.UDPAddr{IP: net.IPv4(10, 42, 0, 9), Port: 5353}}
		tc.write(c)
		if err := c.check(req, false); (err != nil) != tc.wantErr {
			t.Errorf("%s: check = %v, want an error: %v", tc.name, err, tc.wantErr)
		}
	}
}
