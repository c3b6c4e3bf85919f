package dns

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// capture is a ResponseWriter that keeps the reply instead of sending it.
type capture struct {
	remote net.Addr
	reply  *dns.Msg
}

func (c *capture) LocalAddr() net.Addr         { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (c *capture) RemoteAddr() net.Addr        { return c.remote }
func (c *capture) WriteMsg(m *dns.Msg) error   { c.reply = m; return nil }
func (c *capture) Write(b []byte) (int, error) { return len(b), nil }
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
		if w.reply == nil {
			t.Fatalf("no reply to %v", req.Question)
		}
		out, err := w.reply.Pack()
		if err != nil {
			t.Fatalf("reply to %v does not pack: %v", req.Question, err)
		}
		if !tcp && len(req.Question) == 1 && len(out) > max(udpSize(req), dns.MinMsgSize) {
			t.Fatalf("udp reply of %d bytes to a client that takes %d", len(out), udpSize(req))
		}
	})
}
