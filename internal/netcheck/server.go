package netcheck

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// ServerConfig configures a netcheck server.
type ServerConfig struct {
	// Identity is what the server answers with.
	Identity Identity
	// Host is the address to listen on; "" listens on every interface.
	Host string
	// Ports are the ports to listen on; a Port of 0 picks a free port (tests).
	Ports []Port
	// TLS, when set, wraps every connection in TLS with this server config.
	TLS *tls.Config
	// Timeout bounds each connection, handshake and exchange included. Default 5s.
	Timeout time.Duration
	// MaxConns caps connections served at once; more are closed at once. Default 64.
	MaxConns int
	// Logf, when set, receives one line per connection served.
	Logf func(format string, args ...any)
}

// Server answers the probe protocol on a set of ports.
type Server struct {
	cfg       ServerConfig
	listeners map[string]net.Listener
	slots     chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	closed    bool
}

// Listen binds every port and starts serving. Close stops it.
func Listen(cfg ServerConfig) (*Server, error) {
	if err := cfg.Identity.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 64
	}
	s := &Server{cfg: cfg, listeners: map[string]net.Listener{}, slots: make(chan struct{}, cfg.MaxConns), conns: map[net.Conn]struct{}{}}
	for _, p := range cfg.Ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(p.Port)))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen on %s port %d: %w", p.Name, p.Port, err)
		}
		s.listeners[p.Name] = ln
	}
	for name, ln := range s.listeners {
		s.wg.Add(1)
		go s.accept(name, ln)
	}
	return s, nil
}

// Addr returns the bound address of a named port, or nil.
func (s *Server) Addr(portName string) net.Addr {
	if ln, ok := s.listeners[portName]; ok {
		return ln.Addr()
	}
	return nil
}

// Close stops listening, ends open connections and waits for every goroutine.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for _, ln := range s.listeners {
		errs = append(errs, ln.Close())
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return errors.Join(errs...)
}

func (s *Server) accept(portName string, ln net.Listener) {
	defer s.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		select {
		case s.slots <- struct{}{}:
		default:
			conn.Close() // over MaxConns: shed load rather than queue
			continue
		}
		if !s.track(conn) {
			conn.Close()
			<-s.slots
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.slots }()
			defer s.untrack(conn)
			s.handle(portName, conn)
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *Server) handle(portName string, raw net.Conn) {
	if err := raw.SetDeadline(time.Now().Add(s.cfg.Timeout)); err != nil {
		return
	}
	conn := raw
	if s.cfg.TLS != nil {
		tc := tls.Server(raw, s.cfg.TLS)
		if err := tc.Handshake(); err != nil {
			s.logf("port %s: %s: TLS handshake failed: %v", portName, raw.RemoteAddr(), err)
			return
		}
		conn = tc
	}
	line, err := ReadLine(conn)
	if err != nil && !errors.Is(err, ErrLineTooLong) {
		s.logf("port %s: %s: no hello: %v", portName, raw.RemoteAddr(), err)
		return
	}
	hello, perr := ParseHello(line)
	if err != nil || perr != nil {
		s.logf("port %s: %s: malformed hello", portName, raw.RemoteAddr())
		_, _ = conn.Write([]byte((&ServerError{Reason: "malformed"}).Encode()))
		return
	}
	ans := Answer{Party: s.cfg.Identity.PartyID, Environment: s.cfg.Identity.Environment, Port: portName, Nonce: hello.Nonce}
	if _, err := conn.Write([]byte(ans.Encode())); err != nil {
		s.logf("port %s: %s: answer not sent: %v", portName, raw.RemoteAddr(), err)
		return
	}
	verdict := "as expected"
	if hello.Party != ans.Party || hello.Environment != ans.Environment || hello.Port != portName {
		verdict = "MISMATCH"
	}
	s.logf("port %s: probe from party %d at %s expecting party %d env %s port %s: %s",
		portName, hello.From, raw.RemoteAddr(), hello.Party, hello.Environment, hello.Port, verdict)
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}
