package netcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ProbeOptions tunes a probe run.
type ProbeOptions struct {
	// Timeout bounds one attempt: connect, optional TLS handshake, hello and answer. Default 3s.
	Timeout time.Duration
	// Attempts is the number of tries for refused/timeout/unreachable paths. Default 3.
	Attempts int
	// RetryDelay is the pause between attempts. Default 1s; negative means none.
	RetryDelay time.Duration
	// Parallel caps concurrent paths. Default 16.
	Parallel int
	// TLS, when set, is the client config; its ServerName, when empty, becomes
	// mpc-node-<peer id> for each peer.
	TLS *tls.Config
	// Now stamps the report. Default time.Now.
	Now func() time.Time
}

func (o ProbeOptions) withDefaults() ProbeOptions {
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.RetryDelay < 0 {
		o.RetryDelay = 0
	} else if o.RetryDelay == 0 {
		o.RetryDelay = time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Probe checks every port of every peer of a valid plan and returns the report.
func Probe(ctx context.Context, plan Plan, opts ProbeOptions) Report {
	opts = opts.withDefaults()
	type job struct {
		idx    int
		target Target
		port   Port
	}
	var jobs []job
	for _, t := range plan.Peers {
		for _, p := range t.Ports {
			jobs = append(jobs, job{idx: len(jobs), target: t, port: p})
		}
	}
	results := make([]Result, len(jobs))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[j.idx] = probePath(ctx, plan.Self, j.target, j.port, opts)
		}()
	}
	wg.Wait()
	sort.SliceStable(results, func(a, b int) bool { return results[a].PeerID < results[b].PeerID })
	return Report{Environment: plan.Self.Environment, PartyID: plan.Self.PartyID, GeneratedAt: opts.Now().UTC(), Results: results}
}

// probePath tries one peer port up to opts.Attempts times.
func probePath(ctx context.Context, self Identity, t Target, p Port, opts ProbeOptions) Result {
	res := Result{PeerID: t.PartyID, PeerName: t.Name, PortName: p.Name, Port: p.Port, Address: t.Address, Optional: p.Optional}
	for res.Attempts < opts.Attempts {
		if res.Attempts > 0 {
			select {
			case <-ctx.Done():
				res.Detail += " (cancelled)"
				return res
			case <-time.After(opts.RetryDelay):
			}
		}
		res.Attempts++
		res.Status, res.Detail = attempt(ctx, self, t, p, opts)
		if !res.Status.retryable() {
			break
		}
	}
	return res
}

// attempt makes one connection and classifies its outcome.
func attempt(ctx context.Context, self Identity, t Target, p Port, opts ProbeOptions) (Status, string) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	addr := net.JoinHostPort(t.Address, strconv.Itoa(p.Port))
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return classifyDialError(err)
	}
	defer raw.Close()
	deadline, _ := ctx.Deadline()
	if err := raw.SetDeadline(deadline); err != nil {
		return StatusUnreachable, err.Error()
	}
	conn := raw
	if opts.TLS != nil {
		cfg := opts.TLS.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = PrivateLinkAddress(t.PartyID)
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			if isTimeout(err) {
				return StatusTimeout, "connected, no TLS handshake within " + opts.Timeout.String()
			}
			return StatusTLSError, "TLS handshake: " + err.Error()
		}
		conn = tc
	}
	nonce, err := NewNonce()
	if err != nil {
		return StatusBadAnswer, err.Error()
	}
	hello := Hello{From: self.PartyID, Party: t.PartyID, Environment: self.Environment, Port: p.Name, Nonce: nonce}
	if _, err := io.WriteString(conn, hello.Encode()); err != nil {
		if isTimeout(err) {
			return StatusTimeout, "connected, hello not accepted within " + opts.Timeout.String()
		}
		return StatusBadAnswer, "connected, hello not sent: " + err.Error()
	}
	line, err := ReadLine(conn)
	if err != nil {
		return classifyReadError(ctx, line, err, addr, opts)
	}
	ans, err := ParseAnswer(line)
	if err != nil {
		return StatusBadAnswer, "answer: " + err.Error()
	}
	return verdict(hello, ans)
}

// verdict compares an answer with the hello it answers.
func verdict(h Hello, a Answer) (Status, string) {
	if a.Nonce != h.Nonce {
		return StatusBadAnswer, "answer echoes another nonce (replayed or forged)"
	}
	if a.Party != h.Party || a.Environment != h.Environment {
		return StatusWrongParty, fmt.Sprintf("answered as party %d of %q, expected party %d of %q", a.Party, a.Environment, h.Party, h.Environment)
	}
	if a.Port != h.Port {
		return StatusWrongParty, fmt.Sprintf("party %d answered as its %q port, expected %q (ports cross-wired)", a.Party, a.Port, h.Port)
	}
	return StatusOK, ""
}

func classifyDialError(err error) (Status, string) {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return StatusUnreachable, "cannot resolve " + dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return StatusRefused, "connection refused"
	case isTimeout(err):
		return StatusTimeout, "no connection (packets dropped?)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return StatusUnreachable, "no route: " + err.Error()
	}
	return StatusUnreachable, err.Error()
}

// classifyReadError explains a connection that gave no answer line.
func classifyReadError(ctx context.Context, partial string, err error, addr string, opts ProbeOptions) (Status, string) {
	switch {
	case looksLikeTLS(partial):
		return StatusTLSError, "the listener answers with TLS records; probe with --tls-ca"
	case opts.TLS != nil && isTLSAlert(err):
		return StatusTLSError, "the peer rejected the TLS session: " + err.Error()
	case errors.Is(err, ErrLineTooLong):
		return StatusBadAnswer, "answer longer than the protocol allows"
	case isTimeout(err):
		return StatusTimeout, "connected, no answer within " + opts.Timeout.String()
	case partial == "" && opts.TLS == nil && speaksTLS(ctx, addr):
		return StatusTLSError, "the listener closed on plain text and speaks TLS; probe with --tls-ca"
	case partial == "":
		return StatusBadAnswer, "connected, closed without answering (another service on this port?)"
	}
	return StatusBadAnswer, "incomplete answer: " + err.Error()
}

// looksLikeTLS reports whether bytes start like a TLS alert or handshake record.
func looksLikeTLS(b string) bool {
	return len(b) >= 2 && (b[0] == 0x15 || b[0] == 0x16) && b[1] == 0x03
}

// speaksTLS tells whether addr completes (or rejects with an alert) a TLS
// handshake, to explain a listener that closed on our plain-text hello.
func speaksTLS(ctx context.Context, addr string) bool {
	d := tls.Dialer{Config: &tls.Config{
		// Only detects whether the peer speaks TLS: the connection is closed
		// right after the handshake and no data is sent or trusted, so the
		// certificate is deliberately not verified here.
		InsecureSkipVerify: true, //nolint:gosec // detection only, see above
		MinVersion:         tls.VersionTLS12,
	}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
		return true
	}
	return isTLSAlert(err)
}

// isTLSAlert reports whether err is a TLS alert received from the peer, which
// crypto/tls reports as a *net.OpError with Op "remote error".
func isTLSAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
