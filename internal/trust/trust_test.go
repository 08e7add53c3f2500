package trust_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/trust"
)

func TestFingerprintNeedsAPEMCertificate(t *testing.T) {
	if _, err := trust.Fingerprint([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); err == nil {
		t.Error("a PEM file without a certificate has a fingerprint")
	}
	pemData, want := newCert(t, "x")
	// A key before the certificate is skipped; the certificate is found.
	withKey := append([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"), pemData...)
	if got, err := trust.Fingerprint(withKey); err != nil || got != want {
		t.Errorf("Fingerprint = %q, %v; want %q", got, err, want)
	}
}

func TestParsePlanRefusesUnknownFieldsAndIncompleteVaults(t *testing.T) {
	for name, data := range map[string]string{
		"unknown field": `{"self": {"party_id": 1, "bucket": "a", "region": "eu-west-1"}, "peers": [], "extra": 1}`,
		"no region":     `{"self": {"party_id": 1, "bucket": "a"}, "peers": []}`,
		"peer twice":    `{"self": {"party_id": 1, "bucket": "a", "region": "r"}, "peers": [{"party_id": 2, "bucket": "b", "region": "r"}, {"party_id": 2, "bucket": "c", "region": "r"}]}`,
	} {
		if _, err := trust.ParsePlan([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFormatStatusShowsMissingAndMismatch(t *testing.T) {
	out := trust.FormatStatus([]trust.PeerStatus{
		{PartyID: 2, Name: "bob", Ours: trust.Cert{Present: true, Fingerprint: strings.Repeat("a", 64)}, Theirs: trust.Cert{Present: true, Fingerprint: strings.Repeat("a", 64)}, Match: true},
		{PartyID: 3, Name: "carol", Theirs: trust.Cert{Present: true, Fingerprint: strings.Repeat("b", 64)}},
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "present") || !strings.HasSuffix(lines[1], "yes") ||
		!strings.Contains(lines[2], "missing") || !strings.HasSuffix(lines[2], "no") || !strings.Contains(lines[3], strings.Repeat("b", 64)) {
		t.Errorf("status table:\n%s", out)
	}
}

// memStore is an in-memory Store whose buckets may refuse listing.
type memStore struct {
	objects  map[string][]byte // bucket/key -> content
	unlisted map[string]bool   // buckets that refuse listing
}

func (m *memStore) List(_ context.Context, _, bucket, prefix string) ([]string, error) {
	if m.unlisted[bucket] {
		return nil, fmt.Errorf("%w: AccessDenied", trust.ErrDenied)
	}
	var keys []string
	for k := range m.objects {
		if b, key, _ := strings.Cut(k, "/"); b == bucket && strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (m *memStore) Get(_ context.Context, _, bucket, key string) ([]byte, error) {
	data, ok := m.objects[bucket+"/"+key]
	if !ok && m.unlisted[bucket] {
		return nil, fmt.Errorf("%w: AccessDenied", trust.ErrDenied) // what S3 says to a caller that cannot list
	}
	if !ok {
		return nil, trust.ErrNotFound
	}
	return data, nil
}

func (m *memStore) Put(_ context.Context, _, bucket, key string, data []byte) error {
	m.objects[bucket+"/"+key] = data
	return nil
}

// A peer whose bucket refuses listing is read by the certificate's key:
// missing (not failed) until it publishes, then copied.
func TestSyncReadsAnUnlistablePeerByKey(t *testing.T) {
	store := &memStore{objects: map[string][]byte{}, unlisted: map[string]bool{bob.Bucket: true}}
	ctx := context.Background()
	rep := trust.Sync(ctx, store, plan)
	if got := rep.Peers[0]; got.State != trust.Missing || rep.Failed() || !strings.Contains(got.Error, "AccessDenied") {
		t.Fatalf("before publishing: %+v, want missing with the reason", got)
	}
	cert, fp := newCert(t, "bob")
	store.objects[bob.Bucket+"/"+trust.CertKey(bob.PartyID)] = cert
	if got := trust.Sync(ctx, store, plan).Peers[0]; got.State != trust.Copied || got.Fingerprint != fp {
		t.Fatalf("after publishing: %+v, want copied with %s", got, fp)
	}
	if string(store.objects[alice.Bucket+"/"+trust.CertKey(bob.PartyID)]) != string(cert) {
		t.Error("alice's copy differs from bob's certificate")
	}
}
