package constructs_test

import (
	"path"
	"reflect"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	attestedkeyRoleARN  = "arn:aws:iam::111122223333:role/mpc-local-p1"
	attestedkeyAdminARN = "arn:aws:iam::111122223333:role/key-admins"
	attestedkeyRootARN  = "arn:aws:iam::111122223333:root"
	attestedkeyImageOld = "5292569b5945693afcde78e5a0045f4bf8c0a594d174baf1e6bccdf0e6338ebe46e89207054e0c48d0ec6deef80284ac"
	attestedkeyImageNew = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
)

// attestedkeyCryptoActions are every KMS action that uses key material. None of them
// may be reachable by a grant without the attestation condition, except
// through the Deny's refusal.
var attestedkeyCryptoActions = []string{
	"kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
	"kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
	"kms:GenerateDataKeyWithoutPlaintext",
}

func attestedkeyProps(mutate func(*attestedkey.Props)) *attestedkey.Props {
	p := &attestedkey.Props{
		AliasName:     "alias/mpc-local-p1",
		PartyRoleARN:  jsii.String(attestedkeyRoleARN),
		PCR0:          []string{attestedkeyImageOld},
		AccountID:     jsii.String("111122223333"),
		AdminRoleARNs: []string{attestedkeyAdminARN},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func attestedkeySynth(t *testing.T, p *attestedkey.Props) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) { attestedkey.New(s, "key", p) })
}

// attestedkeyStatements returns the key policy statements keyed by Sid, and their order.
func attestedkeyStatements(t *testing.T, doc *synthtest.Doc) (map[string]synthtest.Object, []string) {
	t.Helper()
	byID := map[string]synthtest.Object{}
	var order []string
	for _, st := range synthtest.Statements(doc.Policy(doc.Resource("aws_kms_key")["policy"])) {
		sid, _ := st["Sid"].(string)
		byID[sid] = st
		order = append(order, sid)
	}
	return byID, order
}

func attestedkeyGrantsAny(patterns []string, actions []string) []string {
	var hit []string
	for _, p := range patterns {
		for _, a := range actions {
			if ok, _ := path.Match(p, a); ok || p == "*" {
				hit = append(hit, a)
			}
		}
	}
	return hit
}

func TestAttestedKeyPolicyStatementsInOrder(t *testing.T) {
	_, order := attestedkeyStatements(t, attestedkeySynth(t, attestedkeyProps(nil)))
	want := []string{"EnclaveDecryptWithAttestation", "ReadWithoutAttestation", "DenyDecryptWithoutAttestation", "KeyAdministration"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("statement order = %v, want %v", order, want)
	}
}

// Every Allow that reaches a cryptographic action carries the attestation
// condition on the allowed image; no other Allow carries it.
func TestAttestedKeyAttestationConditionGatesEveryDecryptGrantAndNothingElse(t *testing.T) {
	byID, _ := attestedkeyStatements(t, attestedkeySynth(t, attestedkeyProps(nil)))
	for sid, st := range byID {
		if st["Effect"] != "Allow" {
			continue
		}
		crypto := attestedkeyGrantsAny(synthtest.Strings(st["Action"]), attestedkeyCryptoActions)
		cond, _ := st["Condition"].(map[string]any)
		eq, _ := cond["StringEqualsIgnoreCase"].(map[string]any)
		gated := reflect.DeepEqual(synthtest.Strings(eq["kms:RecipientAttestation:ImageSha384"]), []string{attestedkeyImageOld})
		if len(crypto) > 0 && !gated {
			t.Errorf("%s grants %v without the attestation condition: %v", sid, crypto, cond)
		}
		if len(crypto) == 0 && cond != nil {
			t.Errorf("%s grants only non-crypto actions %v but is conditioned: %v", sid, st["Action"], cond)
		}
	}
	enclave := byID["EnclaveDecryptWithAttestation"]
	if got := synthtest.Strings(enclave["Action"]); !reflect.DeepEqual(got, []string{"kms:Decrypt", "kms:GenerateDataKey"}) {
		t.Errorf("enclave actions = %v, want Decrypt and GenerateDataKey", got)
	}
	if got := synthtest.Strings(enclave["Principal"].(map[string]any)["AWS"]); !reflect.DeepEqual(got, []string{attestedkeyRoleARN}) {
		t.Errorf("enclave principal = %v, want only the party role", got)
	}
}

// A read-type grant under the attestation condition never applies, because
// such requests carry no attestation document. The party role reads the
// key's metadata, public key and policy (the chart's root-key attestation
// reads the policy) without attestation, and nothing else: no
// decrypt-class action is in that statement, and the Deny still covers
// every decrypt-class action whatever the read grant says.
func TestAttestedKeyReadsAreGrantedWithoutAttestation(t *testing.T) {
	byID, _ := attestedkeyStatements(t, attestedkeySynth(t, attestedkeyProps(nil)))
	st := byID["ReadWithoutAttestation"]
	if st == nil {
		t.Fatalf("no ReadWithoutAttestation statement in %v", byID)
	}
	if st["Condition"] != nil {
		t.Errorf("read statement is conditioned: %v", st["Condition"])
	}
	want := []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetPublicKey"}
	if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, want) {
		t.Errorf("read actions = %v, want %v", got, want)
	}
	if got := synthtest.Strings(st["Principal"].(map[string]any)["AWS"]); !reflect.DeepEqual(got, []string{attestedkeyRoleARN}) {
		t.Errorf("read principal = %v, want only the party role", got)
	}
	if hit := attestedkeyGrantsAny(synthtest.Strings(st["Action"]), attestedkeyCryptoActions); len(hit) > 0 {
		t.Errorf("read statement grants cryptographic use %v without attestation", hit)
	}
	denied := synthtest.Strings(byID["DenyDecryptWithoutAttestation"]["Action"])
	for _, a := range attestedkey.DecryptClassActions {
		if len(attestedkeyGrantsAny(denied, []string{a})) == 0 {
			t.Errorf("decrypt-class action %s escapes the deny", a)
		}
	}
}

// The Deny refuses every decrypt-class action to every principal whose
// request lacks an attestation of an allowed image (a missing key matches
// a negated operator).
func TestAttestedKeyDenyRefusesDecryptWithoutAttestation(t *testing.T) {
	byID, _ := attestedkeyStatements(t, attestedkeySynth(t, attestedkeyProps(func(p *attestedkey.Props) { p.PCR0 = []string{attestedkeyImageOld, attestedkeyImageNew} })))
	st := byID["DenyDecryptWithoutAttestation"]
	if st["Effect"] != "Deny" || st["Principal"] != "*" {
		t.Fatalf("deny statement effect/principal = %v/%v, want Deny/*", st["Effect"], st["Principal"])
	}
	want := []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:ReEncryptFrom"}
	if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, want) {
		t.Errorf("denied actions = %v, want %v", got, want)
	}
	cond, _ := st["Condition"].(map[string]any)
	ne, _ := cond["StringNotEqualsIgnoreCase"].(map[string]any)
	if len(cond) != 1 || len(ne) != 1 || !reflect.DeepEqual(synthtest.Strings(ne["kms:RecipientAttestation:ImageSha384"]), []string{attestedkeyImageOld, attestedkeyImageNew}) {
		t.Errorf("deny condition = %v, want StringNotEqualsIgnoreCase on ImageSha384 = both images", cond)
	}
	// Every action the enclave is allowed is covered by the Deny.
	for _, a := range synthtest.Strings(byID["EnclaveDecryptWithAttestation"]["Action"]) {
		if len(attestedkeyGrantsAny(want, []string{a})) == 0 {
			t.Errorf("allowed action %s is not covered by the deny", a)
		}
	}
}

func TestAttestedKeyAdministrationHasNoDecryptClassAction(t *testing.T) {
	byID, _ := attestedkeyStatements(t, attestedkeySynth(t, attestedkeyProps(nil)))
	st := byID["KeyAdministration"]
	if hit := attestedkeyGrantsAny(synthtest.Strings(st["Action"]), attestedkeyCryptoActions); len(hit) > 0 {
		t.Errorf("administration grants cryptographic actions %v", hit)
	}
	principals := synthtest.Strings(st["Principal"].(map[string]any)["AWS"])
	if !reflect.DeepEqual(principals, []string{attestedkeyRootARN, attestedkeyAdminARN}) {
		t.Errorf("administration principals = %v, want root and the admin role", principals)
	}
	if st["Condition"] != nil {
		t.Errorf("administration is conditioned: %v", st["Condition"])
	}
	for _, want := range []string{"kms:ScheduleKeyDeletion", "kms:Put*", "kms:TagResource"} {
		if len(attestedkeyGrantsAny(synthtest.Strings(st["Action"]), []string{want})) == 0 {
			t.Errorf("administration lacks %s", want)
		}
	}
}

func TestAttestedKeyPCR1AndPCR2OnlyWhenSet(t *testing.T) {
	condOf := func(p *attestedkey.Props) map[string]any {
		byID, _ := attestedkeyStatements(t, attestedkeySynth(t, p))
		return byID["EnclaveDecryptWithAttestation"]["Condition"].(map[string]any)["StringEqualsIgnoreCase"].(map[string]any)
	}
	plain := condOf(attestedkeyProps(nil))
	if len(plain) != 1 || plain["kms:RecipientAttestation:ImageSha384"] == nil {
		t.Errorf("condition without PCR1/PCR2 = %v, want only ImageSha384", plain)
	}
	full := condOf(attestedkeyProps(func(p *attestedkey.Props) {
		p.PCR1 = []string{"aa"}
		p.PCR2 = []string{"bb", "cc"}
	}))
	if len(full) != 3 ||
		!reflect.DeepEqual(synthtest.Strings(full["kms:RecipientAttestation:PCR1"]), []string{"aa"}) ||
		!reflect.DeepEqual(synthtest.Strings(full["kms:RecipientAttestation:PCR2"]), []string{"bb", "cc"}) {
		t.Errorf("condition with PCR1/PCR2 = %v", full)
	}
}

// The key policy's grants (Decrypt, GenerateDataKey) are symmetric-only, and
// an asymmetric key spec with such grants is invalid: the key is symmetric
// ENCRYPT_DECRYPT, rotated.
func TestAttestedKeyKeyIsSymmetricRotatedWithDeletionWindow(t *testing.T) {
	key := attestedkeySynth(t, attestedkeyProps(nil)).Resource("aws_kms_key")
	if key["customer_master_key_spec"] != "SYMMETRIC_DEFAULT" || key["key_usage"] != "ENCRYPT_DECRYPT" {
		t.Errorf("spec/usage = %v/%v", key["customer_master_key_spec"], key["key_usage"])
	}
	if key["enable_key_rotation"] != true {
		t.Errorf("enable_key_rotation = %v, want true", key["enable_key_rotation"])
	}
	if key["deletion_window_in_days"] != float64(30) {
		t.Errorf("deletion_window_in_days = %v, want default 30", key["deletion_window_in_days"])
	}
	custom := attestedkeySynth(t, attestedkeyProps(func(p *attestedkey.Props) { p.DeletionWindowDays = 7 })).Resource("aws_kms_key")
	if custom["deletion_window_in_days"] != float64(7) {
		t.Errorf("deletion_window_in_days = %v, want 7", custom["deletion_window_in_days"])
	}
}

func TestAttestedKeyAliasTargetsKey(t *testing.T) {
	doc := attestedkeySynth(t, attestedkeyProps(nil))
	alias := doc.Resource("aws_kms_alias")
	if alias["name"] != "alias/mpc-local-p1" {
		t.Errorf("alias name = %v", alias["name"])
	}
	keys := doc.Resources("aws_kms_key")
	want := "${aws_kms_key." + synthtest.Names(keys)[0] + ".key_id}"
	if alias["target_key_id"] != want {
		t.Errorf("alias target = %v, want %s", alias["target_key_id"], want)
	}
}

// Rolling an enclave image forward must update the key policy in place: any
// other changed attribute could replace the key and lose every key share.
func TestAttestedKeyChangingPCR0ChangesOnlyTheKeyPolicy(t *testing.T) {
	a := attestedkeySynth(t, attestedkeyProps(nil))
	b := attestedkeySynth(t, attestedkeyProps(func(p *attestedkey.Props) { p.PCR0 = []string{attestedkeyImageOld, attestedkeyImageNew} }))
	resA, resB := a.Raw["resource"].(map[string]any), b.Raw["resource"].(map[string]any)
	keyA, keyB := a.Resource("aws_kms_key"), b.Resource("aws_kms_key")
	if reflect.DeepEqual(keyA["policy"], keyB["policy"]) {
		t.Fatal("policies are equal although the PCR0 lists differ")
	}
	delete(keyA, "policy")
	delete(keyB, "policy")
	if !reflect.DeepEqual(resA, resB) {
		t.Errorf("resources differ beyond the key policy:\n%v\n%v", resA, resB)
	}
	for _, section := range []string{"data", "output"} {
		if !reflect.DeepEqual(a.Raw[section], b.Raw[section]) {
			t.Errorf("%s differs", section)
		}
	}
}
