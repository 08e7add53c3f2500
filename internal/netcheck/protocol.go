package netcheck

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Magic opens every protocol line and names the protocol version.
const Magic = "NETCHECK/1"

// MaxLineBytes is the longest line either side writes or accepts, newline included.
const MaxLineBytes = 256

// MaxPartyID is the largest party id the protocol carries.
const MaxPartyID = 999999

const (
	kindHello  = "HELLO"
	kindAnswer = "ANSWER"
	kindError  = "ERROR"
	nonceBytes = 16
	maxToken   = 63
)

// Hello is the probe's first and only line.
type Hello struct {
	// From is the prober's own party id.
	From int
	// Party is the party id the prober expects to reach.
	Party int
	// Environment is the environment the prober expects.
	Environment string
	// Port is the name of the MPC port the prober thinks it connected to.
	Port string
	// Nonce is 32 lowercase hex characters the server must echo.
	Nonce string
}

// Answer is the server's reply to a valid Hello.
type Answer struct {
	// Party is the server's party id.
	Party int
	// Environment is the server's environment.
	Environment string
	// Port is the name of the port the connection arrived on.
	Port string
	// Nonce is the nonce of the Hello being answered.
	Nonce string
}

// ServerError is the ERROR line a server sends for a malformed Hello.
type ServerError struct {
	// Reason is a short token such as "malformed".
	Reason string
}

func (e *ServerError) Error() string { return "server rejected the hello: " + e.Reason }

// ErrLineTooLong is returned when a peer sends more than MaxLineBytes without a newline.
var ErrLineTooLong = errors.New("line longer than the protocol allows")

// NewNonce returns 16 random bytes in hex.
func NewNonce() (string, error) {
	b := make([]byte, nonceBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Encode renders the Hello as one protocol line.
func (h Hello) Encode() string {
	return fmt.Sprintf("%s %s from=%d party=%d env=%s port=%s nonce=%s\n", Magic, kindHello, h.From, h.Party, h.Environment, h.Port, h.Nonce)
}

// Encode renders the Answer as one protocol line.
func (a Answer) Encode() string {
	return fmt.Sprintf("%s %s party=%d env=%s port=%s nonce=%s\n", Magic, kindAnswer, a.Party, a.Environment, a.Port, a.Nonce)
}

// Encode renders the ServerError as one protocol line.
func (e *ServerError) Encode() string {
	return fmt.Sprintf("%s %s reason=%s\n", Magic, kindError, e.Reason)
}

// ParseHello decodes a Hello line (with or without its newline).
func ParseHello(line string) (Hello, error) {
	kind, kv, err := splitLine(line)
	if err != nil {
		return Hello{}, err
	}
	if kind != kindHello {
		return Hello{}, fmt.Errorf("want %s, got %q", kindHello, kind)
	}
	var h Hello
	err = decodeFields(kv, map[string]func(string) error{
		"from":  intField(&h.From),
		"party": intField(&h.Party),
		"env":   tokenField(&h.Environment),
		"port":  tokenField(&h.Port),
		"nonce": nonceField(&h.Nonce),
	})
	return h, err
}

// ParseAnswer decodes an Answer line. An ERROR line yields a *ServerError.
func ParseAnswer(line string) (Answer, error) {
	kind, kv, err := splitLine(line)
	if err != nil {
		return Answer{}, err
	}
	switch kind {
	case kindAnswer:
	case kindError:
		se := &ServerError{}
		if err := decodeFields(kv, map[string]func(string) error{"reason": tokenField(&se.Reason)}); err != nil {
			return Answer{}, err
		}
		return Answer{}, se
	default:
		return Answer{}, fmt.Errorf("want %s, got %q", kindAnswer, kind)
	}
	var a Answer
	err = decodeFields(kv, map[string]func(string) error{
		"party": intField(&a.Party),
		"env":   tokenField(&a.Environment),
		"port":  tokenField(&a.Port),
		"nonce": nonceField(&a.Nonce),
	})
	return a, err
}

// ReadLine reads one protocol line of at most MaxLineBytes from r.
func ReadLine(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxLineBytes), MaxLineBytes)
	line, err := br.ReadString('\n')
	if err == nil {
		return line, nil
	}
	if errors.Is(err, io.EOF) && len(line) >= MaxLineBytes {
		return line, ErrLineTooLong
	}
	return line, err
}

// splitLine checks the frame and returns the message kind and its key=value fields.
func splitLine(line string) (string, []string, error) {
	if len(line) > MaxLineBytes {
		return "", nil, ErrLineTooLong
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c > 0x7e {
			return "", nil, fmt.Errorf("byte 0x%02x at offset %d is not printable ASCII", c, i)
		}
	}
	parts := strings.Split(line, " ")
	if len(parts) < 2 || parts[0] != Magic {
		return "", nil, fmt.Errorf("not a %s line", Magic)
	}
	return parts[1], parts[2:], nil
}

// decodeFields applies each known key's decoder; unknown keys are ignored,
// duplicates and missing keys are errors.
func decodeFields(kv []string, decoders map[string]func(string) error) error {
	seen := map[string]bool{}
	for _, f := range kv {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return fmt.Errorf("field %q is not key=value", f)
		}
		if seen[k] {
			return fmt.Errorf("duplicate field %q", k)
		}
		seen[k] = true
		dec, known := decoders[k]
		if !known {
			continue
		}
		if err := dec(v); err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
	}
	for k := range decoders {
		if !seen[k] {
			return fmt.Errorf("missing field %q", k)
		}
	}
	return nil
}

func intField(dst *int) func(string) error {
	return func(v string) error {
		n, err := ParsePartyID(v)
		*dst = n
		return err
	}
}

func tokenField(dst *string) func(string) error {
	return func(v string) error {
		*dst = v
		return ValidToken(v)
	}
}

func nonceField(dst *string) func(string) error {
	return func(v string) error {
		if len(v) != 2*nonceBytes || strings.Trim(v, "0123456789abcdef") != "" {
			return fmt.Errorf("want %d lowercase hex characters", 2*nonceBytes)
		}
		*dst = v
		return nil
	}
}

// ParsePartyID parses a decimal party id in 0..MaxPartyID.
func ParsePartyID(v string) (int, error) {
	if v == "" || len(v) > 6 || strings.Trim(v, "0123456789") != "" {
		return 0, fmt.Errorf("party id %q is not a number in 0..%d", v, MaxPartyID)
	}
	return strconv.Atoi(v)
}

// ValidToken reports whether v can stand as an environment or port name on
// the wire: 1..63 characters of [A-Za-z0-9._-].
func ValidToken(v string) error {
	if v == "" || len(v) > maxToken {
		return fmt.Errorf("%q must be 1..%d characters", v, maxToken)
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%q may hold only letters, digits, '.', '_' and '-'", v)
		}
	}
	return nil
}
