package trust_test

import (
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
