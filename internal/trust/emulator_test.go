package trust_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mpc-mesh/infra/internal/emulator/emulatortest"
	"github.com/mpc-mesh/infra/internal/trust"
)

// Two parties: alice (1, eu-west-1) syncs from bob (2, eu-west-3), whose
// bucket is in another region, as a peer's often is.
var (
	alice = trust.Vault{PartyID: 1, Name: "alice", Bucket: "mpc-test-alice-public", Region: "eu-west-1"}
	bob   = trust.Vault{PartyID: 2, Name: "bob", Bucket: "mpc-test-bob-public", Region: "eu-west-3"}
	plan  = trust.Plan{Self: alice, Peers: []trust.Vault{bob}}
)

// startStore starts moto_server and returns a Store on it with both
// parties' buckets created. Without moto_server the test is skipped, unless
// MPC_E2E_REQUIRED=1 makes that a failure.
func startStore(t *testing.T) *trust.S3Store {
	t.Helper()
	emu := emulatortest.Start(t)
	dir := t.TempDir()
	// No shared AWS files or profile can reach real AWS from this test.
	for _, k := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(k, filepath.Join(dir, "none"))
	}
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("testing", "testing", "")
	store, err := trust.NewS3Store(ctx, trust.S3Options{Endpoint: emu.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []trust.Vault{alice, bob} {
		c := s3.New(s3.Options{Region: v.Region, Credentials: creds, BaseEndpoint: aws.String(emu.URL), UsePathStyle: true})
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{
			Bucket:                    aws.String(v.Bucket),
			CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(v.Region)},
		})
		if err != nil {
			t.Fatalf("create bucket %s: %v", v.Bucket, err)
		}
	}
	return store
}

// newCert returns a fresh self-signed CA certificate in PEM and the
// SHA-256 fingerprint of its DER encoding.
func newCert(t *testing.T, cn string) ([]byte, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), hex.EncodeToString(sum[:])
}

// TestSyncAgainstEmulator follows one peer through the life of its
// certificate: not yet published, published, unchanged, rotated.
func TestSyncAgainstEmulator(t *testing.T) {
	store := startStore(t)
	ctx := context.Background()
	certKey := trust.CertKey(bob.PartyID)

	// Bob's services have not written the certificate yet: reported
	// missing, nothing written, and not a failure (the next run retries).
	rep := trust.Sync(ctx, store, plan)
	if got := rep.Peers[0]; got.State != trust.Missing || got.Present || len(got.Updated) > 0 || rep.Failed() {
		t.Fatalf("before bob publishes: %+v, want missing and nothing written", got)
	}
	if st := trust.Status(ctx, store, plan)[0]; st.Ours.Present || st.Theirs.Present || st.Match {
		t.Fatalf("status before bob publishes: %+v", st)
	}

	// Bob publishes: the certificate is copied into alice's bucket under
	// the same key, with its fingerprint reported.
	first, firstFP := newCert(t, "bob-1")
	if err := store.Put(ctx, bob.Region, bob.Bucket, certKey, first); err != nil {
		t.Fatal(err)
	}
	rep = trust.Sync(ctx, store, plan)
	if got := rep.Peers[0]; got.State != trust.Copied || !got.Present || got.Fingerprint != firstFP || len(got.Updated) != 1 || got.Updated[0] != certKey {
		t.Fatalf("after bob publishes: %+v, want copied %s with fingerprint %s", got, certKey, firstFP)
	}
	if copied, err := store.Get(ctx, alice.Region, alice.Bucket, certKey); err != nil || string(copied) != string(first) {
		t.Fatalf("alice's copy = %q, %v; want bob's certificate", copied, err)
	}

	// Nothing changed: nothing written.
	if got := trust.Sync(ctx, store, plan).Peers[0]; got.State != trust.Current || len(got.Updated) > 0 || got.Fingerprint != firstFP {
		t.Fatalf("second run: %+v, want current", got)
	}

	// Bob rotates: the copy is replaced, and status reports the new
	// fingerprint on both sides.
	second, secondFP := newCert(t, "bob-2")
	if err := store.Put(ctx, bob.Region, bob.Bucket, certKey, second); err != nil {
		t.Fatal(err)
	}
	if st := trust.Status(ctx, store, plan)[0]; st.Match || st.Ours.Fingerprint != firstFP || st.Theirs.Fingerprint != secondFP {
		t.Fatalf("status after rotation, before sync: %+v, want a mismatch old/new", st)
	}
	if got := trust.Sync(ctx, store, plan).Peers[0]; got.State != trust.Copied || got.Fingerprint != secondFP {
		t.Fatalf("after rotation: %+v, want copied with fingerprint %s", got, secondFP)
	}
	st := trust.Status(ctx, store, plan)[0]
	if !st.Match || st.Ours.Fingerprint != secondFP {
		t.Fatalf("status after rotation: %+v, want both at %s", st, secondFP)
	}
	// Only bob's CA prefix was written in alice's bucket.
	keys, err := store.List(ctx, alice.Region, alice.Bucket, "")
	if err != nil || len(keys) != 1 || keys[0] != certKey {
		t.Fatalf("alice's bucket holds %v, %v; want only %s", keys, err, certKey)
	}
}

// TestSyncReportsAnUnreachablePeer keeps going past a peer whose bucket
// does not exist, and reports it as failed.
func TestSyncReportsAnUnreachablePeer(t *testing.T) {
	store := startStore(t)
	gone := trust.Vault{PartyID: 3, Name: "carol", Bucket: "mpc-test-no-such-bucket", Region: "eu-west-1"}
	rep := trust.Sync(context.Background(), store, trust.Plan{Self: alice, Peers: []trust.Vault{gone, bob}})
	if rep.Peers[0].State != trust.Failed || rep.Peers[0].Error == "" || !rep.Failed() {
		t.Errorf("carol: %+v, want failed with an error", rep.Peers[0])
	}
	if rep.Peers[1].State != trust.Missing {
		t.Errorf("bob: %+v, want missing (still checked after carol failed)", rep.Peers[1])
	}
}
