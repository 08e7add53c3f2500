package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/constructs/backupkey"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// backupkeyReplicaProvider adds the replica region's aliased provider.
func backupkeyReplicaProvider(s constructs.Construct) awsprovider.AwsProvider {
	return awsprovider.NewAwsProvider(s, jsii.String("aws-replica"), &awsprovider.AwsProviderConfig{Region: jsii.String("eu-west-3"), Alias: jsii.String("replica")})
}

func backupkeySynth(t *testing.T, mutate func(*backupkey.Props)) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) {
		p := &backupkey.Props{
			Key:             *attestedkeyProps(func(p *attestedkey.Props) { p.AliasName = "alias/mpc-local-p1-backup" }),
			ReplicaProvider: backupkeyReplicaProvider(s),
		}
		if mutate != nil {
			mutate(p)
		}
		backupkey.New(s, "backup-key", p)
	})
}

// backupkeyStatements are the key policy statements by Sid.
func backupkeyStatements(t *testing.T, doc *synthtest.Doc, typ string) map[string]synthtest.Object {
	t.Helper()
	byID := map[string]synthtest.Object{}
	for _, st := range synthtest.Statements(doc.Policy(doc.Resource(typ)["policy"])) {
		byID[st["Sid"].(string)] = st
	}
	return byID
}

// The key is a multi-region RSA_4096 encryption key, and its replica lives in
// the replica region with the very same policy.
func TestBackupKeyIsMultiRegionRSAWithReplicaInReplicaRegion(t *testing.T) {
	doc := backupkeySynth(t, nil)
	key := doc.Resource("aws_kms_key")
	if key["customer_master_key_spec"] != "RSA_4096" || key["key_usage"] != "ENCRYPT_DECRYPT" || key["multi_region"] != true {
		t.Errorf("key spec/usage/multi_region = %v/%v/%v, want RSA_4096/ENCRYPT_DECRYPT/true", key["customer_master_key_spec"], key["key_usage"], key["multi_region"])
	}
	replica := doc.Resource("aws_kms_replica_key")
	if replica["provider"] != "aws.replica" {
		t.Errorf("replica provider = %v, want aws.replica", replica["provider"])
	}
	if pk, _ := replica["primary_key_arn"].(string); !strings.HasPrefix(pk, "${aws_kms_key.backup-key_") || !strings.HasSuffix(pk, ".arn}") {
		t.Errorf("replica primary_key_arn = %v, want the backup key's ARN", pk)
	}
	if replica["policy"] != key["policy"] {
		t.Errorf("the replica's policy differs from the primary key's")
	}
	aliases := doc.Resources("aws_kms_alias")
	providers := []string{}
	for _, a := range aliases {
		if a["name"] != "alias/mpc-local-p1-backup" {
			t.Errorf("alias name = %v", a["name"])
		}
		p, _ := a["provider"].(string)
		providers = append(providers, p)
	}
	slices.Sort(providers)
	if !reflect.DeepEqual(providers, []string{"", "aws.replica"}) {
		t.Errorf("alias providers = %q, want one per region", providers)
	}
}

// Every Allow that reaches a cryptographic action, on the key and on its
// replica, carries the party key's attestation condition (PCR0), and the
// Deny refuses decryption without it.
func TestBackupKeyDecryptOnlyUnderAttestation(t *testing.T) {
	doc := backupkeySynth(t, nil)
	for _, typ := range []string{"aws_kms_key", "aws_kms_replica_key"} {
		byID := backupkeyStatements(t, doc, typ)
		for sid, st := range byID {
			if st["Effect"] != "Allow" {
				continue
			}
			crypto := attestedkeyGrantsAny(synthtest.Strings(st["Action"]), attestedkeyCryptoActions)
			cond, _ := st["Condition"].(map[string]any)
			eq, _ := cond["StringEqualsIgnoreCase"].(map[string]any)
			gated := reflect.DeepEqual(synthtest.Strings(eq["kms:RecipientAttestation:ImageSha384"]), []string{attestedkeyImageOld})
			if len(crypto) > 0 && !gated {
				t.Errorf("%s %s grants %v without the attestation condition", typ, sid, crypto)
			}
		}
		enclave := byID[attestedkey.SidEnclaveDecrypt]
		if got := synthtest.Strings(enclave["Action"]); !reflect.DeepEqual(got, []string{"kms:Decrypt"}) {
			t.Errorf("%s enclave actions = %v, want only kms:Decrypt (an RSA key generates no data keys)", typ, got)
		}
		deny := byID[attestedkey.SidDenyDecrypt]
		cond, _ := deny["Condition"].(map[string]any)
		neq, _ := cond["StringNotEqualsIgnoreCase"].(map[string]any)
		if deny["Effect"] != "Deny" || deny["Principal"] != "*" || !reflect.DeepEqual(synthtest.Strings(neq["kms:RecipientAttestation:ImageSha384"]), []string{attestedkeyImageOld}) {
			t.Errorf("%s has no Deny of decryption without an allowed image: %v", typ, deny)
		}
	}
}

// The administrators (root and admin roles) manage and replicate the key
// and read its public half, and no statement lets them decrypt.
func TestBackupKeyAdminsCannotDecrypt(t *testing.T) {
	byID := backupkeyStatements(t, backupkeySynth(t, nil), "aws_kms_key")
	admin := byID[attestedkey.SidAdministration]
	principals := synthtest.Strings(admin["Principal"].(map[string]any)["AWS"])
	if !reflect.DeepEqual(principals, []string{attestedkeyRootARN, attestedkeyAdminARN}) {
		t.Errorf("administrators = %v", principals)
	}
	if hit := attestedkeyGrantsAny(synthtest.Strings(admin["Action"]), attestedkeyCryptoActions); len(hit) > 0 {
		t.Errorf("administration grants %v", hit)
	}
	if !slices.Contains(synthtest.Strings(admin["Action"]), "kms:ReplicateKey") {
		t.Errorf("administration cannot replicate the key: %v", admin["Action"])
	}
	for sid, st := range byID {
		p, _ := st["Principal"].(map[string]any)
		for _, who := range synthtest.Strings(p["AWS"]) {
			if who != attestedkeyRoleARN && st["Effect"] == "Allow" && len(attestedkeyGrantsAny(synthtest.Strings(st["Action"]), attestedkeyCryptoActions)) > 0 {
				t.Errorf("%s lets %s use the key", sid, who)
			}
		}
	}
}

// The public half is what the services encrypt to: readable without
// attestation, with DescribeKey.
func TestBackupKeyPublicKeyReadableWithoutAttestation(t *testing.T) {
	st := backupkeyStatements(t, backupkeySynth(t, nil), "aws_kms_key")[attestedkey.SidRead]
	if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, []string{"kms:DescribeKey", "kms:GetPublicKey"}) || st["Condition"] != nil {
		t.Errorf("describe statement = %v %v, want DescribeKey and GetPublicKey unconditioned", got, st["Condition"])
	}
}

// prevent_destroy guards the key and its replica only when asked.
func TestBackupKeyPreventDestroyOnlyWhenAsked(t *testing.T) {
	for _, want := range []bool{false, true} {
		doc := backupkeySynth(t, func(p *backupkey.Props) { p.PreventDestroy = want })
		for _, typ := range []string{"aws_kms_key", "aws_kms_replica_key"} {
			lc, _ := doc.Resource(typ)["lifecycle"].(map[string]any)
			if got := lc["prevent_destroy"] == true; got != want {
				t.Errorf("PreventDestroy %v: %s prevent_destroy = %v", want, typ, lc["prevent_destroy"])
			}
		}
	}
}
