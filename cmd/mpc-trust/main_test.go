package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mpc-mesh/infra/internal/emulator/emulatortest"
	"github.com/mpc-mesh/infra/internal/trust"
)

// A bad invocation or plan is a usage error (2) that names the problem,
// before any AWS call.
func TestUsageAndPlanErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "plan.json")
	os.WriteFile(bad, []byte(`{"self": {"party_id": 1, "bucket": "a", "region": "eu-west-1"}, "peers": [{"party_id": 1, "bucket": "b", "region": "eu-west-1"}]}`), 0o600)
	cases := map[string]struct {
		args []string
		want string
	}{
		"no subcommand": {nil, "usage: mpc-trust sync|status"},
		"no plan":       {[]string{"sync"}, "--plan is required"},
		"self as peer":  {[]string{"status", "--plan", bad}, "party 1 is listed twice or is the party itself"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(context.Background(), tc.args, &out, &errs); code != 2 || !strings.Contains(errs.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs.String(), tc.want)
			}
		})
	}
}

// TestSyncThenStatusAgainstEmulator runs both subcommands the way the
// CronJob and make trust-status do, against moto_server: sync copies the
// peer's certificate and reports it, then status finds the copies equal.
func TestSyncThenStatusAgainstEmulator(t *testing.T) {
	emu := emulatortest.Start(t)
	dir := t.TempDir()
	// The default credential chain, as in the cluster, with fake keys and
	// no shared files, so nothing reaches real AWS.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	store, err := trust.NewS3Store(ctx, trust.S3Options{Endpoint: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	self := trust.Vault{PartyID: 1, Name: "alice", Bucket: "alice-public", Region: "us-east-1"}
	peer := trust.Vault{PartyID: 2, Name: "bob", Bucket: "bob-public", Region: "us-east-1"}
	client := s3.New(s3.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(emu.URL), UsePathStyle: true})
	for _, b := range []string{self.Bucket, peer.Bucket} {
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	cert := []byte("-----BEGIN CERTIFICATE-----\nMAoGCCqGSM49BAMC\n-----END CERTIFICATE-----\n")
	if err := store.Put(ctx, peer.Region, peer.Bucket, trust.CertKey(peer.PartyID), cert); err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(trust.Plan{Self: self, Peers: []trust.Vault{peer}})
	planFile := filepath.Join(dir, "plan.json")
	os.WriteFile(planFile, plan, 0o600)

	var out, errs bytes.Buffer
	if code := run(ctx, []string{"sync", "--plan", planFile, "--endpoint", emu.URL}, &out, &errs); code != 0 {
		t.Fatalf("sync exit %d: %s%s", code, out.String(), errs.String())
	}
	var rep trust.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Peers) != 1 || rep.Peers[0].State != trust.Copied || rep.Peers[0].Fingerprint == "" {
		t.Fatalf("sync report %s (%v), want bob copied with a fingerprint", out.String(), err)
	}
	out.Reset()
	if code := run(ctx, []string{"status", "--plan", planFile, "--endpoint", emu.URL}, &out, &errs); code != 0 || !strings.Contains(out.String(), rep.Peers[0].Fingerprint) {
		t.Fatalf("status exit %d:\n%s%s", code, out.String(), errs.String())
	}
}
