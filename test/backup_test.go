package test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// partyPolicyStatements returns the statements of the MPC services' IRSA
// policy of a party stack, by Sid.
func partyPolicyStatements(t *testing.T, stack string) map[string]map[string]any {
	t.Helper()
	for name, pol := range resources(stack, "aws_iam_policy") {
		if !strings.HasPrefix(name, "party-role_") {
			continue
		}
		var doc struct{ Statement []map[string]any }
		if err := json.Unmarshal([]byte(pol["policy"].(string)), &doc); err != nil {
			t.Fatal(err)
		}
		res := map[string]map[string]any{}
		for _, st := range doc.Statement {
			res[st["Sid"].(string)] = st
		}
		return res
	}
	t.Fatalf("%s: no party role policy", stack)
	return nil
}

// The party role gains exactly what the backup needs when the party keeps
// one (local/alice): write and read the backup prefix, read the replica's,
// list both under the prefix; no delete, no KMS grant (the key policies name
// the role). A party without a backup (local/bob) gains nothing.
func TestPartyRoleGainsExactlyTheBackupAccess(t *testing.T) {
	alice := partyPolicyStatements(t, "local-alice-party")
	prefix := "arn:aws:s3:::mpc-local-alice-111122223333-backup"
	want := map[string][2][]string{
		"BackupObjects":        {{"s3:GetObject", "s3:PutObject"}, {prefix + "/backup/*"}},
		"BackupReplicaObjects": {{"s3:GetObject"}, {prefix + "-rep/backup/*"}},
		"BackupListing":        {{"s3:ListBucket"}, {prefix, prefix + "-rep"}},
	}
	for sid, w := range want {
		st := alice[sid]
		if st == nil {
			t.Errorf("alice: no %s statement", sid)
			continue
		}
		if got := strs(st["Action"]); !reflect.DeepEqual(got, w[0]) {
			t.Errorf("alice %s actions = %v, want %v", sid, got, w[0])
		}
		if got := strs(st["Resource"]); !reflect.DeepEqual(got, w[1]) {
			t.Errorf("alice %s resources = %v, want %v", sid, got, w[1])
		}
	}
	if len(alice) != 2+len(want) {
		t.Errorf("alice's policy has %d statements, want the 2 vault ones and %d backup ones", len(alice), len(want))
	}
	for sid := range partyPolicyStatements(t, "local-bob-party") {
		if strings.HasPrefix(sid, "Backup") {
			t.Errorf("bob keeps no backup but his role has %s", sid)
		}
	}
}
