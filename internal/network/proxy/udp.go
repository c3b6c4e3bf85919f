package proxy

import (
	"net"
	"sync"
	"time"
)

// udpIdle ends a client's UDP session after this long without traffic,
// kube-proxy userspace's default --udp-timeout.
const udpIdle = 250 * time.Millisecond

// udpPort proxies one ClusterIP:port over UDP: each client address gets
// its own connected socket to one backend (chosen round robin), whose
// replies are sent back from the ClusterIP.
type udpPort struct {
	conn     *net.UDPConn
	rr       *roundRobin
	mu       sync.Mutex
	sessions map[string]*net.UDPConn
}

func listenUDP(addr string, rr *roundRobin) (*udpPort, error) {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp4", ua)
	if err != nil {
		return nil, err
	}
	p := &udpPort{conn: c, rr: rr, sessions: map[string]*net.UDPConn{}}
	go p.serve()
	return p, nil
}

func (p *udpPort) close() {
	p.conn.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.sessions {
		s.Close()
	}
}

func (p *udpPort) serve() {
	buf := make([]byte, 65535)
	for {
		n, client, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return // closed
		}
		if s := p.session(client); s != nil {
			_, _ = s.Write(buf[:n])
		}
	}
}

// session is the client's socket to its backend, made on first use.
func (p *udpPort) session(client *net.UDPAddr) *net.UDPConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sessions[client.String()]; s != nil {
		return s
	}
	for _, addr := range p.rr.order(client.IP.String()) {
		ba, err := net.ResolveUDPAddr("udp4", addr)
		if err != nil {
			continue
		}
		s, err := net.DialUDP("udp4", nil, ba)
		if err != nil {
			continue
		}
		p.sessions[client.String()] = s
		p.rr.used(client.IP.String(), addr)
		go p.replies(client, s)
		return s
	}
	return nil
}

// replies relays the backend's answers to the client until the session
// idles out or the port closes.
func (p *udpPort) replies(client *net.UDPAddr, s *net.UDPConn) {
	defer func() {
		p.mu.Lock()
		delete(p.sessions, client.String())
		p.mu.Unlock()
		s.Close()
	}()
	buf := make([]byte, 65535)
	for {
		_ = s.SetReadDeadline(time.Now().Add(udpIdle))
		n, err := s.Read(buf)
		if err != nil {
			return
		}
		if _, err := p.conn.WriteToUDP(buf[:n], client); err != nil {
			return
		}
	}
}
