// Package netcheck validates bidirectional TCP connectivity between the
// parties of an MPC mesh (onboarding step 3): a server that answers on the
// MPC ports as one party, a prober that reaches every peer on every port and
// checks who answered, and a mesh analysis that joins the probe reports of
// all parties into an N×N matrix and flags one-sided paths.
//
// # Probe protocol
//
// One exchange per TCP connection, one line each way, ASCII, fields separated
// by single spaces and the line ended by "\n":
//
//	probe  → server: NETCHECK/1 HELLO from=<id> party=<id> env=<env> port=<name> nonce=<32 hex>
//	server → probe:  NETCHECK/1 ANSWER party=<id> env=<env> port=<name> nonce=<32 hex>
//	server → probe:  NETCHECK/1 ERROR reason=<token>          (malformed hello)
//
// In HELLO, from is the prober's party id, party/env/port are what the prober
// expects to reach (the server logs them, so a party also sees its inbound
// paths), and nonce is 16 fresh random bytes. The server answers with its own
// identity and the port name it serves on that port, whatever the prober
// expected, and echoes the nonce. The prober reports "ok" only when party,
// env, port and nonce all match; a different party, environment or port name
// is "wrong-party" (another listener on that address, a cross-wired port
// mapping, or a peer of another environment), and a wrong nonce is
// "bad-answer" (something replays or forges answers).
//
// Keys may come in any order; unknown keys are ignored so later versions can
// add fields; duplicate keys are rejected. Party ids are decimal 0..999999,
// env and port names are 1..63 characters of [A-Za-z0-9._-]. A line is at
// most MaxLineBytes bytes; both sides read at most that much, and every read
// and write has a deadline, so a hostile or silent peer costs one bounded
// goroutine for a bounded time. The server also caps concurrent connections.
//
// # TLS
//
// With --tls-ca/--tls-cert/--tls-key the same exchange runs inside TLS 1.3.
// The server presents its certificate and, when given a CA, requires and
// verifies a client certificate (mutual TLS). The prober verifies the server
// against the CA with the server name mpc-node-<peer id> (the name that
// means "party id" in both strategies), so each party's certificate must
// carry that DNS name. Any handshake failure is "tls-error". Without TLS, a
// listener that answers with TLS record bytes, or that closes the
// connection without answering but completes a TLS handshake on a second
// connection, is also reported as "tls-error" (the peer serves TLS, the
// probe did not use it).
//
// # Outcomes
//
// ok, refused (connection refused: nothing listens or a firewall rejects),
// timeout (no connection or no answer within the deadline: dropped packets,
// a security group or endpoint-service allow-list that silently drops),
// wrong-party, tls-error, bad-answer (closed without answering, garbage, an
// ERROR line, a wrong nonce) and unreachable (name does not resolve, no
// route). Refused, timeout and unreachable are retried a bounded number of
// times; the others are final.
package netcheck
