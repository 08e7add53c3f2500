//go:build linux

package netcheck_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

// droppingPort returns a port on host that silently drops new connection
// attempts, like a firewall that drops packets: a listening socket with a
// backlog of 0 that never accepts, whose accept queue the helper fills
// first, so the kernel discards further SYNs. It stays on loopback and needs no root.
func droppingPort(t *testing.T, host string) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	addr := &syscall.SockaddrInet4{}
	copy(addr.Addr[:], net.ParseIP(host).To4())
	if err := syscall.Bind(fd, addr); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	target := net.JoinHostPort(host, strconv.Itoa(port))
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", target, 200*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return port // the queue is full: SYNs are dropped now
			}
			t.Fatalf("filling the accept queue: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("the kernel kept accepting connections on a full backlog; cannot simulate dropped packets here")
	return 0
}

func TestProbeOfDroppedPacketsIsTimeout(t *testing.T) {
	dropped := droppingPort(t, "127.0.0.6")
	plan := netcheck.Plan{Self: self(), Peers: []netcheck.Target{target(6, "127.0.0.6", port("grpc", dropped))}}
	res := netcheck.Probe(context.Background(), plan, fastProbe).Results[0]
	if res.Status != netcheck.StatusTimeout || res.Attempts != 2 || !strings.Contains(res.Detail, "no connection") {
		t.Fatalf("dropped SYNs = %+v, want timeout with no connection after 2 attempts", res)
	}
}
