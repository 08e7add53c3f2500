// Package trust keeps a party's copies of its peers' CA certificates
// current. Each party's MPC services publish the party's CA certificate in
// its public vault bucket at PUB-p<id>/CACert/cert.pem; the party's own
// services look for every peer's certificate under the same key in their
// own public vault. Sync copies PUB-p<peer>/CACert/* from each peer's bucket
// into the party's bucket, and reports per peer whether the certificate is
// there and its SHA-256 fingerprint. It is meant to run on a schedule (the
// trustsync CronJob): a peer that has not published yet is reported missing
// and copied on a later run, and a rotated certificate replaces the copy.
//
// Status compares, per peer, the party's copy with the peer's own object,
// for an operator (make trust-status).
package trust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultSchedule is when the sync runs unless configured otherwise: every
// ten minutes, so a peer's first certificate or a rotation reaches the party
// within that time.
const DefaultSchedule = "*/10 * * * *"

// CertFile is the certificate's object name under a party's CA prefix, as
// the kms-core key-generation job writes it.
const CertFile = "cert.pem"

// MaxObjectBytes bounds every object read: a CA certificate is a few KiB,
// and a peer must not be able to make the sync hold an arbitrary amount.
const MaxObjectBytes = 1 << 20

// MaxObjects bounds the objects copied per peer and run, for the same reason.
const MaxObjects = 100

// CAPrefix is the key prefix holding party id's CA material: PUB-p<id>/CACert/.
func CAPrefix(id int) string { return fmt.Sprintf("PUB-p%d/CACert/", id) }

// CertKey is the key of party id's CA certificate: PUB-p<id>/CACert/cert.pem.
func CertKey(id int) string { return CAPrefix(id) + CertFile }

// Vault is one party's public vault bucket.
type Vault struct {
	// PartyID is the party's numeric id.
	PartyID int `json:"party_id"`
	// Name is the party's name, for reports.
	Name string `json:"name"`
	// Bucket is the public vault bucket name.
	Bucket string `json:"bucket"`
	// Region is the bucket's region.
	Region string `json:"region"`
}

// Plan is what one party syncs: its own public vault and its peers'.
type Plan struct {
	// Self is the party's own public vault, where the copies go.
	Self Vault `json:"self"`
	// Peers are the vaults to copy from, one per peer whose sync is on.
	Peers []Vault `json:"peers"`
}

// Validate reports the first problem that would make the plan unusable.
func (p Plan) Validate() error {
	if p.Self.Bucket == "" || p.Self.Region == "" || p.Self.PartyID < 1 {
		return fmt.Errorf("plan: self needs party_id, bucket and region")
	}
	seen := map[int]bool{p.Self.PartyID: true}
	for i, q := range p.Peers {
		if q.Bucket == "" || q.Region == "" || q.PartyID < 1 {
			return fmt.Errorf("plan: peers[%d] needs party_id, bucket and region", i)
		}
		if seen[q.PartyID] {
			return fmt.Errorf("plan: peers[%d]: party %d is listed twice or is the party itself", i, q.PartyID)
		}
		seen[q.PartyID] = true
	}
	return nil
}

// ParsePlan decodes and validates a plan.
func ParsePlan(data []byte) (Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("plan: %w", err)
	}
	return p, p.Validate()
}

// ErrNotFound is returned by a Store for an object that does not exist.
var ErrNotFound = errors.New("object not found")

// ErrDenied is wrapped by a Store's error when S3 refuses the request
// (HTTP 403): a bucket that refuses listing, or an absent key read by a
// caller that may not list.
var ErrDenied = errors.New("access denied")

// Store is the S3 API the sync needs; S3Store implements it.
type Store interface {
	// List returns the keys under prefix in bucket (in region), sorted.
	List(ctx context.Context, region, bucket, prefix string) ([]string, error)
	// Get returns an object's content, or ErrNotFound.
	Get(ctx context.Context, region, bucket, key string) ([]byte, error)
	// Put writes an object.
	Put(ctx context.Context, region, bucket, key string, data []byte) error
}

// State is the outcome of one peer's sync.
type State string

// The states a peer's sync ends in.
const (
	// Missing: the peer has not published its certificate yet (or its
	// bucket refuses us); a later run tries again.
	Missing State = "missing"
	// Copied: the certificate was absent or different here and was copied.
	Copied State = "copied"
	// Current: the copy here equals the peer's.
	Current State = "current"
	// Failed: reading the peer or writing here failed; Error says why.
	Failed State = "failed"
)

// PeerReport is one peer's result of a sync run.
type PeerReport struct {
	// PartyID and Name identify the peer.
	PartyID int    `json:"party_id"`
	Name    string `json:"name"`
	// State is the outcome.
	State State `json:"state"`
	// Present says whether the peer's certificate is now in our vault.
	Present bool `json:"present"`
	// Fingerprint is the SHA-256 of the certificate (DER), hex, when present.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Updated lists the keys written in our vault by this run.
	Updated []string `json:"updated,omitempty"`
	// Error says what failed.
	Error string `json:"error,omitempty"`
}

// Report is the result of a sync run, one entry per peer of the plan.
type Report struct {
	// PartyID is the party that ran the sync.
	PartyID int `json:"party_id"`
	// Peers are the per-peer results, in plan order.
	Peers []PeerReport `json:"peers"`
}

// Failed reports whether any peer's sync failed (not merely missing).
func (r Report) Failed() bool {
	for _, p := range r.Peers {
		if p.State == Failed {
			return true
		}
	}
	return false
}

// Fingerprint returns the SHA-256 fingerprint (lowercase hex) of the first
// certificate of a PEM file, or an error when it holds none.
func Fingerprint(pemData []byte) (string, error) {
	for rest := pemData; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return "", errors.New(CertFile + " holds no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			sum := sha256.Sum256(b.Bytes)
			return hex.EncodeToString(sum[:]), nil
		}
	}
}

// Sync copies every peer's CA objects into the plan's own vault where they
// are absent or differ, and reports each peer. A problem with one peer does
// not stop the others.
func Sync(ctx context.Context, s Store, plan Plan) Report {
	r := Report{PartyID: plan.Self.PartyID}
	for _, q := range plan.Peers {
		r.Peers = append(r.Peers, syncPeer(ctx, s, plan.Self, q))
	}
	return r
}

func syncPeer(ctx context.Context, s Store, self, q Vault) PeerReport {
	rep := PeerReport{PartyID: q.PartyID, Name: q.Name}
	fail := func(format string, args ...any) PeerReport {
		rep.State, rep.Error = Failed, fmt.Sprintf(format, args...)
		return rep
	}
	prefix := CAPrefix(q.PartyID)
	theirKeys, listErr := listBounded(ctx, s, q, prefix)
	if listErr != nil && !errors.Is(listErr, ErrDenied) {
		return fail("%v", listErr)
	}
	if listErr != nil {
		// A peer whose bucket refuses listing (a vault built by other
		// tooling) still serves its certificate to anyone who names it.
		theirKeys = []string{CertKey(q.PartyID)}
	}
	// Our copies are listed first and only listed keys are read: S3 answers
	// a read of an absent key with AccessDenied to a caller that may list
	// only some prefixes, which is not "absent".
	ourKeys, err := listBounded(ctx, s, self, prefix)
	if err != nil {
		return fail("%v", err)
	}
	ours := map[string]bool{}
	for _, k := range ourKeys {
		ours[k] = true
	}
	rep.State = Current
	for _, key := range theirKeys {
		theirs, err := s.Get(ctx, q.Region, q.Bucket, key)
		switch {
		case errors.Is(err, ErrNotFound):
			continue // deleted between listing and reading; the next run sees it
		case errors.Is(err, ErrDenied) && listErr != nil:
			// S3 answers AccessDenied for an absent key to a caller that
			// cannot list: the certificate may simply not be published yet.
			rep.State, rep.Error = Missing, fmt.Sprintf("%v; reading s3://%s/%s directly: %v", listErr, q.Bucket, key, err)
			return rep
		case err != nil:
			return fail("read s3://%s/%s: %v", q.Bucket, key, err)
		}
		var mine []byte
		if ours[key] {
			if mine, err = s.Get(ctx, self.Region, self.Bucket, key); err != nil && !errors.Is(err, ErrNotFound) {
				return fail("read s3://%s/%s: %v", self.Bucket, key, err)
			}
		}
		if !ours[key] || !bytes.Equal(mine, theirs) {
			if err := s.Put(ctx, self.Region, self.Bucket, key, theirs); err != nil {
				return fail("write s3://%s/%s: %v", self.Bucket, key, err)
			}
			rep.Updated = append(rep.Updated, key)
			rep.State = Copied
		}
		if key == CertKey(q.PartyID) {
			rep.Present = true
			if rep.Fingerprint, err = Fingerprint(theirs); err != nil {
				rep.Error = err.Error()
			}
		}
	}
	if !rep.Present {
		rep.State = Missing
	}
	return rep
}

// listBounded lists a vault's keys under prefix, refusing more than MaxObjects.
func listBounded(ctx context.Context, s Store, v Vault, prefix string) ([]string, error) {
	keys, err := s.List(ctx, v.Region, v.Bucket, prefix)
	if err != nil {
		return nil, fmt.Errorf("list s3://%s/%s: %w", v.Bucket, prefix, err)
	}
	if len(keys) > MaxObjects {
		return nil, fmt.Errorf("s3://%s/%s holds more than the %d objects a CA prefix may hold", v.Bucket, prefix, MaxObjects)
	}
	return keys, nil
}

// Cert is one copy of a peer's certificate.
type Cert struct {
	// Present says whether the object exists.
	Present bool `json:"present"`
	// Fingerprint is the SHA-256 of the certificate (DER), hex.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Error says why the copy could not be read or decoded.
	Error string `json:"error,omitempty"`
}

// PeerStatus compares our copy of a peer's certificate with the peer's own.
type PeerStatus struct {
	// PartyID and Name identify the peer.
	PartyID int    `json:"party_id"`
	Name    string `json:"name"`
	// Ours is the copy in our public vault.
	Ours Cert `json:"ours"`
	// Theirs is the peer's published certificate, in the peer's vault.
	Theirs Cert `json:"theirs"`
	// Match says both are present and have the same fingerprint.
	Match bool `json:"match"`
}

// Status reads, for every peer of the plan, our copy and the peer's
// certificate and compares their fingerprints.
func Status(ctx context.Context, s Store, plan Plan) []PeerStatus {
	var res []PeerStatus
	for _, q := range plan.Peers {
		st := PeerStatus{PartyID: q.PartyID, Name: q.Name}
		st.Ours = readCert(ctx, s, plan.Self, CertKey(q.PartyID))
		st.Theirs = readCert(ctx, s, q, CertKey(q.PartyID))
		st.Match = st.Ours.Present && st.Theirs.Present && st.Ours.Fingerprint != "" && st.Ours.Fingerprint == st.Theirs.Fingerprint
		res = append(res, st)
	}
	return res
}

func readCert(ctx context.Context, s Store, v Vault, key string) Cert {
	keys, err := s.List(ctx, v.Region, v.Bucket, key[:strings.LastIndex(key, "/")+1])
	if err != nil {
		return Cert{Error: err.Error()}
	}
	if !slices.Contains(keys, key) {
		return Cert{}
	}
	data, err := s.Get(ctx, v.Region, v.Bucket, key)
	if errors.Is(err, ErrNotFound) {
		return Cert{}
	}
	if err != nil {
		return Cert{Error: err.Error()}
	}
	fp, err := Fingerprint(data)
	if err != nil {
		return Cert{Present: true, Error: err.Error()}
	}
	return Cert{Present: true, Fingerprint: fp}
}

// FormatStatus renders statuses as a table, one line per peer: whether our
// copy is present, its SHA-256 fingerprint, and whether it matches the
// peer's own; the peer's fingerprint and any error follow on their own line
// when they differ.
func FormatStatus(sts []PeerStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s %-16s %-8s %-64s %s\n", "PEER", "NAME", "OURS", "SHA-256 (OURS)", "MATCHES PEER")
	for _, st := range sts {
		present, fp, match := "missing", "-", "no"
		if st.Ours.Present {
			present = "present"
		}
		if st.Ours.Fingerprint != "" {
			fp = st.Ours.Fingerprint
		}
		if st.Match {
			match = "yes"
		}
		fmt.Fprintf(&b, "%-5d %-16s %-8s %-64s %s\n", st.PartyID, st.Name, present, fp, match)
		if !st.Match {
			theirs := "not published"
			if st.Theirs.Fingerprint != "" {
				theirs = st.Theirs.Fingerprint
			}
			fmt.Fprintf(&b, "      peer's own: %s\n", theirs)
		}
		for _, c := range []struct{ who, err string }{{"ours", st.Ours.Error}, {"peer's", st.Theirs.Error}} {
			if c.err != "" {
				fmt.Fprintf(&b, "      %s: %s\n", c.who, c.err)
			}
		}
	}
	return b.String()
}
