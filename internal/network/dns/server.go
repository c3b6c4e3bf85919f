package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"k8s.io/klog/v2"
)

// DefaultZone is Kubernetes' default cluster domain.
const DefaultZone = "cluster.local"

// Config says where the server listens and what it answers from.
type Config struct {
	// Addr is ip:port to listen on, udp and tcp: the bridge gateway and 53
	// in ordo. A wildcard address is refused: the server must only ever
	// be reachable where pods are.
	Addr string
	// Zone is the cluster domain, DefaultZone when empty.
	Zone string
	// Upstreams (ip:port) get every name outside the zone; none means
	// such names get SERVFAIL. UpstreamsFromResolvConf reads the host's.
	Upstreams []string
	Source    Source
}

// Server serves cluster DNS on one address.
type Server struct {
	cfg      Config
	resolver resolver
	udp, tcp *dns.Server
}

// Listen binds udp and tcp on cfg.Addr; Serve answers on them.
func Listen(cfg Config) (*Server, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		return nil, fmt.Errorf("dns: listen address %q must be one specific IP", cfg.Addr)
	}
	if cfg.Zone == "" {
		cfg.Zone = DefaultZone
	}
	s := &Server{cfg: cfg, resolver: resolver{src: cfg.Source, zone: dns.Fqdn(strings.ToLower(cfg.Zone))}}
	pc, l, err := listenPair(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	s.udp = &dns.Server{PacketConn: pc, Handler: s}
	s.tcp = &dns.Server{Listener: l, Handler: s}
	return s, nil
}

// pickAttempts bounds how often port 0 is tried again when the udp port
// the kernel chose is already taken for tcp by someone else.
const pickAttempts = 20

// listenPair binds udp and then tcp on the same port. With port 0 the
// kernel picks the udp port, and that port can be in use for tcp; then
// both are closed and another port is picked, rather than failing.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for attempt := 1; ; attempt++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if port != "0" || !errors.Is(err, syscall.EADDRINUSE) || attempt == pickAttempts {
			return nil, nil, err
		}
	}
}

// Addr is the udp address served (useful with port 0 in tests).
func (s *Server) Addr() string { return s.udp.PacketConn.LocalAddr().String() }

// Serve answers until ctx is done, then closes both sockets.
func (s *Server) Serve(ctx context.Context) {
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		go func() {
			if err := srv.ActivateAndServe(); err != nil && ctx.Err() == nil {
				klog.Errorf("dns %s: %v", s.cfg.Addr, err)
			}
		}()
	}
	<-ctx.Done()
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		if err := srv.Shutdown(); err != nil {
			// Not yet started: close the socket ourselves.
			closeSocket(srv)
		}
	}
}

func closeSocket(srv *dns.Server) {
	if srv.PacketConn != nil {
		srv.PacketConn.Close()
	}
	if srv.Listener != nil {
		srv.Listener.Close()
	}
}

// ServeDNS answers names in the zone and forwards the rest.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg).SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	if ip := reverseIP(name); ip != nil && q.Qtype == dns.TypePTR {
		if res, ok := s.resolver.ptr(q.Name, ip); ok {
			s.reply(w, req, res)
			return
		}
	}
	if name == s.resolver.zone || strings.HasSuffix(name, "."+s.resolver.zone) {
		s.reply(w, req, s.resolver.resolve(name, q.Qtype))
		return
	}
	s.forward(w, req)
}

// reply writes an authoritative answer; empty and NXDOMAIN answers carry
// the zone's SOA so resolvers cache the negative answer.
func (s *Server) reply(w dns.ResponseWriter, req *dns.Msg, res result) {
	m := new(dns.Msg).SetRcode(req, res.rcode)
	m.Authoritative, m.RecursionAvailable = true, true
	m.Answer, m.Extra = res.answer, res.extra
	if len(m.Answer) == 0 {
		m.Ns = []dns.RR{s.soa()}
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		m.Truncate(udpSize(req))
	}
	_ = w.WriteMsg(m)
}

func udpSize(req *dns.Msg) int {
	if o := req.IsEdns0(); o != nil {
		return int(o.UDPSize())
	}
	return dns.MinMsgSize
}

// soa is the zone's SOA, with CoreDNS's names and timers.
func (s *Server) soa() dns.RR {
	z := s.resolver.zone
	return &dns.SOA{Hdr: dns.RR_Header{Name: z, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns: "ns.dns." + z, Mbox: "hostmaster." + z, Serial: uint32(time.Now().Unix()),
		Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: ttl}
}

// forward asks each upstream in turn, over the client's transport, and
// relays the first answer; SERVFAIL when none answers or none is set.
func (s *Server) forward(w dns.ResponseWriter, req *dns.Msg) {
	network := "udp"
	if _, isTCP := w.RemoteAddr().(*net.TCPAddr); isTCP {
		network = "tcp"
	}
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	var errs []error
	for _, up := range s.cfg.Upstreams {
		resp, _, err := c.Exchange(req, up)
		if err == nil {
			resp.Id = req.Id
			_ = w.WriteMsg(resp)
			return
		}
		errs = append(errs, err)
	}
	klog.V(2).Infof("dns: %s: no upstream answered: %v", req.Question[0].Name, errors.Join(errs...))
	_ = w.WriteMsg(new(dns.Msg).SetRcode(req, dns.RcodeServerFailure))
}

// UpstreamsFromResolvConf lists the nameservers of a resolv.conf (the
// host's /etc/resolv.conf) as ip:port, leaving out self (this server's own
// address) so a host that points at ordo does not loop.
func UpstreamsFromResolvConf(path, self string) []string {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, ns := range cc.Servers {
		addr := net.JoinHostPort(ns, cc.Port)
		if addr != self {
			out = append(out, addr)
		}
	}
	return out
}
