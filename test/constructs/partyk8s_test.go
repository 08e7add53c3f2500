package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/partyk8s"
	"github.com/mpc-mesh/infra/test/synthtest"
)

func partyk8sBaseProps() *partyk8s.Props {
	return &partyk8s.Props{
		PartyName:          "acme",
		ClusterName:        "kms-dev",
		Namespace:          "kms-decentralized",
		ServiceAccountName: "kms-threshold-4",
		PublicBucket:       jsii.String("mpc-vault-public-1a2b3c4d"),
		PrivateBucket:      jsii.String("mpc-vault-private-1a2b3c4d"),
		Region:             "eu-west-3",
	}
}

func partyk8sSynth(t *testing.T, props *partyk8s.Props) *synthtest.Doc {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) { partyk8s.New(s, "party", props) })
}

func partyk8sMetadata(o synthtest.Object) synthtest.Object { return synthtest.Block(o, "metadata") }

// A ConfigMap without a KMS key must not advertise a key spec: kms-core would
// look for a key that does not exist.
func TestPartyK8sConfigMapWithoutKMSKeyHasNoKeychainEntries(t *testing.T) {
	cm := partyk8sSynth(t, partyk8sBaseProps()).Resource("kubernetes_config_map_v1")
	// Exactly the keys the kms-core chart's pods read; the prefixes and the
	// party id are chart values, not ConfigMap keys.
	want := map[string]any{
		"KMS_CORE__PRIVATE_VAULT__STORAGE__S3__BUCKET": "mpc-vault-private-1a2b3c4d",
		"KMS_CORE__PUBLIC_VAULT__STORAGE__S3__BUCKET":  "mpc-vault-public-1a2b3c4d",
		"CORE_CLIENT__S3_ENDPOINT":                     "https://mpc-vault-public-1a2b3c4d.s3.eu-west-3.amazonaws.com",
	}
	if !reflect.DeepEqual(cm["data"], want) {
		t.Errorf("data = %v\nwant %v", cm["data"], want)
	}
	md := partyk8sMetadata(cm)
	if md["name"] != "mpc-party" || md["namespace"] != "kms-decentralized" {
		t.Errorf("config map %v/%v, want kms-decentralized/mpc-party", md["namespace"], md["name"])
	}
	if md["labels"].(map[string]any)["app.kubernetes.io/component"] != "config" {
		t.Errorf("labels = %v", md["labels"])
	}
}

func TestPartyK8sKMSKeyAddsRootKeyIDAndSymmetricSpec(t *testing.T) {
	p := partyk8sBaseProps()
	p.KMSKeyID = jsii.String("1234abcd-12ab-34cd-56ef-1234567890ab")
	data := partyk8sSynth(t, p).Resource("kubernetes_config_map_v1")["data"].(map[string]any)
	if data["KMS_CORE__PRIVATE_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_ID"] != "1234abcd-12ab-34cd-56ef-1234567890ab" ||
		data["KMS_CORE__PRIVATE_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_SPEC"] != "symm" {
		t.Errorf("keychain entries = %v", data)
	}
	if len(data) != 5 {
		t.Errorf("data = %v, want the 3 vault keys and the 2 keychain keys", data)
	}
}

// AdditionalData must reach the ConfigMap next to the built-in keys, not be
// dropped silently.
func TestPartyK8sAdditionalDataReachesTheConfigMap(t *testing.T) {
	p := partyk8sBaseProps()
	p.AdditionalData = map[string]string{"PARTY_NAME": "acme", "ENVIRONMENT": "dev"}
	data := partyk8sSynth(t, p).Resource("kubernetes_config_map_v1")["data"].(map[string]any)
	if data["PARTY_NAME"] != "acme" || data["ENVIRONMENT"] != "dev" || len(data) != 5 {
		t.Errorf("data = %v, want the 3 built-in keys plus PARTY_NAME and ENVIRONMENT", data)
	}
}

func TestPartyK8sAdditionalDataCannotOverrideOwnedKeys(t *testing.T) {
	for _, key := range []string{"KMS_CORE__PRIVATE_VAULT__STORAGE__S3__BUCKET", "KMS_CORE__PRIVATE_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_ID"} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, key) {
					t.Errorf("AdditionalData[%s]: panic %q, want one naming the key", key, msg)
				}
			}()
			p := partyk8sBaseProps()
			p.AdditionalData = map[string]string{key: "x"}
			partyk8s.ConfigData(p)
		}()
	}
}

// Without an IRSA role the service account carries no role annotation: the
// annotation must never refer to a role that might not exist.
func TestPartyK8sServiceAccountWithoutIRSARoleHasNoRoleAnnotation(t *testing.T) {
	sa := partyk8sSynth(t, partyk8sBaseProps()).Resource("kubernetes_service_account_v1")
	ann := partyk8sMetadata(sa)["annotations"].(map[string]any)
	if _, ok := ann["eks.amazonaws.com/role-arn"]; ok {
		t.Errorf("role-arn annotation without a role: %v", ann)
	}
}

func TestPartyK8sServiceAccountCarriesTheIRSARole(t *testing.T) {
	p := partyk8sBaseProps()
	p.IRSARoleARN = jsii.String("arn:aws:iam::111122223333:role/mpc-kms-dev-acme")
	md := partyk8sMetadata(partyk8sSynth(t, p).Resource("kubernetes_service_account_v1"))
	if md["name"] != "kms-threshold-4" || md["namespace"] != "kms-decentralized" {
		t.Errorf("service account %v/%v", md["namespace"], md["name"])
	}
	want := map[string]any{
		"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/mpc-kms-dev-acme",
		"terraform.io/module":        "mpc-party",
		"mpc.io/party-name":          "acme",
	}
	if !reflect.DeepEqual(md["annotations"], want) {
		t.Errorf("annotations = %v, want %v", md["annotations"], want)
	}
}

func TestPartyK8sNamespaceIsOptional(t *testing.T) {
	if ns := partyk8sSynth(t, partyk8sBaseProps()).Resources("kubernetes_namespace_v1"); len(ns) != 0 {
		t.Errorf("namespace created without CreateNamespace: %v", synthtest.Names(ns))
	}
}

func TestPartyK8sCreatedNamespaceIsLabelledAndReferenced(t *testing.T) {
	p := partyk8sBaseProps()
	p.CreateNamespace = true
	p.NamespaceLabels = map[string]string{"team": "mpc", "app.kubernetes.io/part-of": "custom"}
	doc := partyk8sSynth(t, p)
	md := partyk8sMetadata(doc.Resource("kubernetes_namespace_v1"))
	wantLabels := map[string]any{
		"app.kubernetes.io/name":       "mpc-party",
		"app.kubernetes.io/component":  "storage",
		"app.kubernetes.io/part-of":    "custom",
		"app.kubernetes.io/managed-by": "terraform",
		"mpc.io/party-name":            "acme",
		"team":                         "mpc",
	}
	if md["name"] != "kms-decentralized" || !reflect.DeepEqual(md["labels"], wantLabels) {
		t.Errorf("namespace %v labels = %v, want %v", md["name"], md["labels"], wantLabels)
	}
	if md["annotations"].(map[string]any)["mpc.io/cluster"] != "kms-dev" {
		t.Errorf("annotations = %v", md["annotations"])
	}
	// The objects reference the namespace resource, so Terraform creates it first.
	for _, typ := range []string{"kubernetes_service_account_v1", "kubernetes_config_map_v1"} {
		ns, _ := partyk8sMetadata(doc.Resource(typ))["namespace"].(string)
		if !strings.HasPrefix(ns, "${kubernetes_namespace_v1.") {
			t.Errorf("%s namespace = %q, want a reference to the namespace", typ, ns)
		}
	}
}

func TestPartyK8sDefaultLabelsSayPartOfMesh(t *testing.T) {
	if got := partyk8s.Labels("acme", "config")["app.kubernetes.io/part-of"]; got != "mpc-mesh" {
		t.Errorf("part-of = %q, want mpc-mesh", got)
	}
}

func TestPartyK8sDatabaseGetsAnExternalNameServiceOnlyWhenPresent(t *testing.T) {
	if n := len(partyk8sSynth(t, partyk8sBaseProps()).Resources("kubernetes_service_v1")); n != 0 {
		t.Fatalf("a party without a database got %d services", n)
	}
	p := partyk8sBaseProps()
	p.DatabaseHost = jsii.String("db.example.internal")
	svc := partyk8sSynth(t, p).Resource("kubernetes_service_v1")
	meta, spec := synthtest.Block(svc, "metadata"), synthtest.Block(svc, "spec")
	if meta["name"] != "kms-connector-db" || spec["type"] != "ExternalName" || spec["external_name"] != "db.example.internal" {
		t.Fatalf("database service = %v / %v, want ExternalName kms-connector-db -> db.example.internal", meta, spec)
	}
}

// The connector gets its own ServiceAccount <party SA>-connector bound to
// its own role, and its key in the ConfigMap; without a connector neither
// exists.
func TestPartyK8sConnectorIdentityAndKey(t *testing.T) {
	p := partyk8sBaseProps()
	p.Connector = &partyk8s.Connector{RoleARN: jsii.String("arn:aws:iam::111122223333:role/conn"), TxSenderKeyID: jsii.String("key-1")}
	doc := partyk8sSynth(t, p)
	sas := doc.Resources("kubernetes_service_account_v1")
	var found bool
	for _, sa := range sas {
		md := partyk8sMetadata(sa)
		if md["name"] == "kms-threshold-4-connector" {
			found = true
			if ann := md["annotations"].(map[string]any); ann["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/conn" {
				t.Errorf("connector ServiceAccount annotations = %v", ann)
			}
		}
	}
	if !found || len(sas) != 2 {
		t.Errorf("service accounts = %v, want the party's and kms-threshold-4-connector", synthtest.Names(sas))
	}
	data := doc.Resource("kubernetes_config_map_v1")["data"].(map[string]any)
	if data["KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID"] != "key-1" {
		t.Errorf("ConfigMap tx-sender key = %v", data["KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID"])
	}
	doc = partyk8sSynth(t, partyk8sBaseProps())
	if n := len(doc.Resources("kubernetes_service_account_v1")); n != 1 {
		t.Errorf("%d service accounts without a connector", n)
	}
	if _, ok := doc.Resource("kubernetes_config_map_v1")["data"].(map[string]any)["KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID"]; ok {
		t.Error("tx-sender key in the ConfigMap without a connector")
	}
}
