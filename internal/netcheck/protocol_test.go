package netcheck_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

const nonce = "00112233445566778899aabbccddeeff"

func TestHelloRoundTrip(t *testing.T) {
	h := netcheck.Hello{From: 1, Party: 2, Environment: "testnet", Port: "grpc", Nonce: nonce}
	line := h.Encode()
	if line != "NETCHECK/1 HELLO from=1 party=2 env=testnet port=grpc nonce="+nonce+"\n" {
		t.Fatalf("wire form = %q", line)
	}
	got, err := netcheck.ParseHello(line)
	if err != nil || got != h {
		t.Fatalf("ParseHello = %+v, %v; want %+v", got, err, h)
	}
}

func TestAnswerParsingAcceptsReorderedAndUnknownFields(t *testing.T) {
	a, err := netcheck.ParseAnswer("NETCHECK/1 ANSWER nonce=" + nonce + " version=2 port=peer env=testnet party=7\r\n")
	want := netcheck.Answer{Party: 7, Environment: "testnet", Port: "peer", Nonce: nonce}
	if err != nil || a != want {
		t.Fatalf("ParseAnswer = %+v, %v; want %+v", a, err, want)
	}
}

func TestAnswerParsingReportsServerError(t *testing.T) {
	_, err := netcheck.ParseAnswer("NETCHECK/1 ERROR reason=malformed\n")
	var se *netcheck.ServerError
	if !errors.As(err, &se) || se.Reason != "malformed" {
		t.Fatalf("err = %v, want a ServerError with reason malformed", err)
	}
}

func TestParsersRejectMalformedLines(t *testing.T) {
	ok := "NETCHECK/1 HELLO from=1 party=2 env=testnet port=grpc nonce=" + nonce
	for name, line := range map[string]string{
		"wrong magic":     strings.Replace(ok, "NETCHECK/1", "NETCHECK/2", 1),
		"wrong kind":      strings.Replace(ok, "HELLO", "ANSWER", 1),
		"missing field":   strings.Replace(ok, " from=1", "", 1),
		"duplicate field": ok + " party=3",
		"negative id":     strings.Replace(ok, "party=2", "party=-2", 1),
		"huge id":         strings.Replace(ok, "party=2", "party=99999999999999999999", 1),
		"short nonce":     strings.Replace(ok, nonce, nonce[:30], 1),
		"upper nonce":     strings.Replace(ok, nonce, strings.ToUpper(nonce), 1),
		"bad env":         strings.Replace(ok, "env=testnet", "env=test/net", 1),
		"empty env":       strings.Replace(ok, "env=testnet", "env=", 1),
		"no equals":       ok + " junk",
		"control byte":    strings.Replace(ok, "grpc", "gr\x00pc", 1),
		"double space":    strings.Replace(ok, " from", "  from", 1),
		"too long":        ok + " x=" + strings.Repeat("a", netcheck.MaxLineBytes),
	} {
		if h, err := netcheck.ParseHello(line); err == nil {
			t.Errorf("%s: accepted as %+v", name, h)
		}
	}
}

func TestReadLineStopsAtTheLimit(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go func() {
		client.Write([]byte(strings.Repeat("x", 10*netcheck.MaxLineBytes)))
		client.Close()
	}()
	line, err := netcheck.ReadLine(server)
	if !errors.Is(err, netcheck.ErrLineTooLong) || len(line) != netcheck.MaxLineBytes {
		t.Fatalf("ReadLine = %d bytes, %v; want %d bytes and ErrLineTooLong", len(line), err, netcheck.MaxLineBytes)
	}
}

func FuzzParseHello(f *testing.F) {
	f.Add("NETCHECK/1 HELLO from=1 party=2 env=testnet port=grpc nonce=" + nonce + "\n")
	f.Add("NETCHECK/1 HELLO party=2 party=2")
	f.Add("\x16\x03\x01\x02\x00")
	f.Fuzz(func(t *testing.T, line string) {
		h, err := netcheck.ParseHello(line)
		if err != nil {
			return
		}
		again, err := netcheck.ParseHello(h.Encode())
		if err != nil || again != h {
			t.Fatalf("re-encoded hello %q parses as %+v, %v; want %+v", h.Encode(), again, err, h)
		}
		if len(h.Encode()) > netcheck.MaxLineBytes {
			t.Fatalf("a parsed hello encodes to %d bytes", len(h.Encode()))
		}
	})
}

func FuzzParseAnswer(f *testing.F) {
	f.Add("NETCHECK/1 ANSWER party=2 env=testnet port=grpc nonce=" + nonce + "\n")
	f.Add("NETCHECK/1 ERROR reason=malformed\n")
	f.Add("NETCHECK/1 ANSWER")
	f.Fuzz(func(t *testing.T, line string) {
		a, err := netcheck.ParseAnswer(line)
		if err != nil {
			return
		}
		again, err := netcheck.ParseAnswer(a.Encode())
		if err != nil || again != a {
			t.Fatalf("re-encoded answer %q parses as %+v, %v; want %+v", a.Encode(), again, err, a)
		}
	})
}

// rawExchange sends payload to addr and returns what the server writes back before closing.
func rawExchange(t *testing.T, addr net.Addr, payload []byte) string {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(payload); err != nil {
		t.Fatal(err)
	}
	line, _ := netcheck.ReadLine(c)
	return line
}

func TestServerAnswersGarbageWithErrorAndKeepsServing(t *testing.T) {
	srv, _ := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: testEnv}, Host: "127.0.0.2"}, "grpc")
	addr := srv.Addr("grpc")
	for name, payload := range map[string][]byte{
		"binary":      {0x16, 0x03, 0x01, 0xff, 0x00, '\n'},
		"no newline":  []byte(strings.Repeat("A", 4*netcheck.MaxLineBytes)),
		"wrong magic": []byte("GET / HTTP/1.1\r\n"),
	} {
		if got := rawExchange(t, addr, payload); got != "NETCHECK/1 ERROR reason=malformed\n" {
			t.Errorf("%s: server wrote %q, want the malformed ERROR line", name, got)
		}
	}
	h := netcheck.Hello{From: 1, Party: 9, Environment: "other", Port: "peer", Nonce: nonce}
	want := "NETCHECK/1 ANSWER party=2 env=" + testEnv + " port=grpc nonce=" + nonce + "\n"
	if got := rawExchange(t, addr, []byte(h.Encode())); got != want {
		t.Errorf("after garbage, a hello expecting another party got %q, want the server's own identity %q", got, want)
	}
}

func TestServerClosesSilentConnections(t *testing.T) {
	srv, _ := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: testEnv}, Host: "127.0.0.2", Timeout: 100 * time.Millisecond}, "grpc")
	c, err := net.Dial("tcp", srv.Addr("grpc").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1)
	if n, err := c.Read(buf); err == nil || isTimeout(err) {
		t.Fatalf("silent client: read %d bytes, err %v; want the server to close the connection", n, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
