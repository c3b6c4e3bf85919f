package proxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"k8s.io/klog/v2"
)

// dialTimeout bounds a connect to one backend before the next is tried.
const dialTimeout = 2 * time.Second

// tcpPort proxies one ClusterIP:port over TCP.
type tcpPort struct {
	ln    net.Listener
	rr    *roundRobin
	conns *connSet
}

func listenTCP(addr string, rr *roundRobin, conns *connSet) (*tcpPort, error) {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return nil, err
	}
	p := &tcpPort{ln: ln, rr: rr, conns: conns}
	go p.serve()
	return p, nil
}

func (p *tcpPort) close() { p.ln.Close() }

func (p *tcpPort) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		go p.handle(c)
	}
}

// handle connects the client to the first backend that accepts, trying
// them in round-robin order, and splices the two connections.
func (p *tcpPort) handle(client net.Conn) {
	clientIP := client.RemoteAddr().(*net.TCPAddr).IP.String()
	for _, addr := range p.rr.order(clientIP) {
		backend, err := net.DialTimeout("tcp4", addr, dialTimeout)
		if err != nil {
			klog.V(2).Infof("proxy %s: backend %s: %v", p.ln.Addr(), addr, err)
			continue
		}
		p.rr.used(clientIP, addr)
		splice(client.(*net.TCPConn), backend.(*net.TCPConn), p.conns)
		return
	}
	client.Close()
}

// splice copies both ways (splice(2) under io.Copy), passing a half close
// on, and closes both when both directions are done.
func splice(a, b *net.TCPConn, conns *connSet) {
	conns.add(a, b)
	defer conns.remove(a, b)
	var wg sync.WaitGroup
	pipe := func(dst, src *net.TCPConn) {
		defer wg.Done()
		_, err := io.Copy(dst, src)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			klog.V(4).Infof("proxy: %v", err)
		}
		_ = dst.CloseWrite()
	}
	wg.Add(2)
	go pipe(a, b)
	go pipe(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

// connSet tracks open proxied connections so stopping the proxy closes
// them instead of leaving goroutines copying.
type connSet struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

func newConnSet() *connSet { return &connSet{m: map[net.Conn]struct{}{}} }

func (s *connSet) add(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		s.m[c] = struct{}{}
	}
}

func (s *connSet) remove(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		delete(s.m, c)
	}
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.m {
		c.Close()
	}
}
