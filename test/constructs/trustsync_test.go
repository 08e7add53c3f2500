package constructs_test

import (
	"encoding/json"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/trustsync"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/trust"
	"github.com/mpc-mesh/infra/test/synthtest"
)

var (
	trustSelf  = trust.Vault{PartyID: 1, Name: "alice", Bucket: "alice-public", Region: "eu-west-1"}
	trustPeers = []trust.Vault{
		{PartyID: 2, Name: "bob", Bucket: "bob-public", Region: "eu-west-1"},
		{PartyID: 5, Name: "erin", Bucket: "erin-public", Region: "eu-west-3"},
	}
)

// trustsyncStatements decodes RolePolicy for alice syncing bob and erin.
func trustsyncStatements(t *testing.T) []policy.Statement {
	t.Helper()
	var doc struct{ Statement []policy.Statement }
	if err := json.Unmarshal([]byte(*trustsync.RolePolicy("aws", trustSelf, trustPeers).JSON()), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Statement
}

// allowedBy reports whether an action on a resource ARN is covered by some
// Allow statement (IAM wildcard matching of actions and resources).
func allowedBy(stmts []policy.Statement, action, arn string) []policy.Statement {
	var res []policy.Statement
	for _, s := range stmts {
		if s.Effect != policy.Allow {
			continue
		}
		for _, a := range s.Action {
			for _, r := range s.Resource {
				if ok, _ := path.Match(a, action); !ok {
					continue
				}
				if matchARN(r, arn) {
					res = append(res, s)
				}
			}
		}
	}
	return res
}

// matchARN matches an IAM resource pattern whose only wildcard is a
// trailing *, which may span slashes.
func matchARN(pattern, arn string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(arn, p)
	}
	return pattern == arn
}

func TestTrustSyncRoleWritesOnlyPeersCAPrefixesOfItsOwnVault(t *testing.T) {
	stmts := trustsyncStatements(t)
	for _, s := range stmts {
		for _, a := range s.Action {
			if a != "s3:ListBucket" && a != "s3:GetObject" && a != "s3:PutObject" {
				t.Errorf("%s grants %s; the sync needs only ListBucket, GetObject and PutObject", s.Sid, a)
			}
		}
	}
	mayWrite := []string{"arn:aws:s3:::alice-public/PUB-p2/CACert/cert.pem", "arn:aws:s3:::alice-public/PUB-p5/CACert/cert.pem"}
	mayNotWrite := []string{
		"arn:aws:s3:::alice-public/PUB-p1/CACert/cert.pem",    // its own certificate is its services' to write
		"arn:aws:s3:::alice-public/PUB-p2/PrivateKey/key.pem", // another prefix of a peer
		"arn:aws:s3:::alice-public/PUB-p3/CACert/cert.pem",    // a party it does not sync
		"arn:aws:s3:::alice-private/PUB-p2/CACert/cert.pem",   // the private vault
		"arn:aws:s3:::bob-public/PUB-p2/CACert/cert.pem",      // a peer's bucket
	}
	for _, arn := range mayWrite {
		if len(allowedBy(stmts, "s3:PutObject", arn)) == 0 {
			t.Errorf("cannot write %s", arn)
		}
	}
	for _, arn := range mayNotWrite {
		if got := allowedBy(stmts, "s3:PutObject", arn); len(got) > 0 {
			t.Errorf("may write %s through %v", arn, got)
		}
	}
	for _, arn := range []string{"arn:aws:s3:::bob-public/PUB-p2/CACert/cert.pem", "arn:aws:s3:::erin-public/PUB-p5/CACert/cert.pem"} {
		if len(allowedBy(stmts, "s3:GetObject", arn)) == 0 {
			t.Errorf("cannot read %s", arn)
		}
	}
	for _, arn := range []string{"arn:aws:s3:::bob-public/PUB-p2/PrivateKey/key.pem", "arn:aws:s3:::bob-public/PUB-p5/CACert/cert.pem", "arn:aws:s3:::erin-public/PUB-p2/CACert/cert.pem"} {
		if got := allowedBy(stmts, "s3:GetObject", arn); len(got) > 0 {
			t.Errorf("may read %s through %v", arn, got)
		}
	}
}

func TestTrustSyncRoleListsOnlyCAPrefixes(t *testing.T) {
	want := map[string][]string{
		"arn:aws:s3:::bob-public":   {"PUB-p2/CACert/"},
		"arn:aws:s3:::erin-public":  {"PUB-p5/CACert/"},
		"arn:aws:s3:::alice-public": {"PUB-p2/CACert/", "PUB-p5/CACert/"},
	}
	got := map[string][]string{}
	for _, s := range trustsyncStatements(t) {
		if !reflect.DeepEqual(s.Action, []string{"s3:ListBucket"}) {
			continue
		}
		if len(s.Resource) != 1 || len(s.Condition) != 1 || len(s.Condition["StringEquals"]) != 1 {
			t.Errorf("%s: listing must name one bucket and carry only StringEquals s3:prefix: %+v", s.Sid, s)
			continue
		}
		prefixes, _ := s.Condition["StringEquals"]["s3:prefix"].([]any)
		for _, p := range prefixes {
			got[s.Resource[0]] = append(got[s.Resource[0]], p.(string))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listable prefixes = %v, want %v", got, want)
	}
}

func trustsyncSynth(t *testing.T) *synthtest.Doc {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) {
		trustsync.New(s, "trust-sync", &trustsync.Props{
			Namespace: jsii.String("mpc"),
			Image:     "registry.example.com/mpc-trust:1.0.0",
			RoleARN:   jsii.String("arn:aws:iam::111122223333:role/mpc-local-alice-trust"),
			Plan:      trust.Plan{Self: trustSelf, Peers: trustPeers},
		})
	})
}

func TestTrustSyncCronJobIsConfinedAndRunsThePlan(t *testing.T) {
	doc := trustsyncSynth(t)
	cron := doc.Resource("kubernetes_cron_job_v1")
	spec := synthtest.Block(cron, "spec")
	if spec["schedule"] != trust.DefaultSchedule || spec["concurrency_policy"] != "Forbid" {
		t.Errorf("schedule %v, concurrency %v", spec["schedule"], spec["concurrency_policy"])
	}
	pod := synthtest.Block(synthtest.Block(synthtest.Block(synthtest.Block(spec, "job_template"), "spec"), "template"), "spec")
	if pod["service_account_name"] == nil || pod["automount_service_account_token"] != false || pod["restart_policy"] != "Never" {
		t.Errorf("pod identity: sa %v automount %v restart %v", pod["service_account_name"], pod["automount_service_account_token"], pod["restart_policy"])
	}
	psc := synthtest.Block(pod, "security_context")
	if psc["run_as_non_root"] != true || psc["run_as_user"] != "65532" {
		t.Errorf("pod security context = %v", psc)
	}
	c := synthtest.Block(pod, "container")
	if c["image"] != "registry.example.com/mpc-trust:1.0.0" {
		t.Errorf("image = %v", c["image"])
	}
	if got := synthtest.Strings(c["args"]); !reflect.DeepEqual(got, []string{"sync", "--plan", trustsync.MountPath + "/" + trustsync.PlanKey}) {
		t.Errorf("args = %v", got)
	}
	sc := synthtest.Block(c, "security_context")
	if sc["read_only_root_filesystem"] != true || sc["allow_privilege_escalation"] != false || sc["run_as_non_root"] != true || sc["privileged"] != false {
		t.Errorf("container security context = %v", sc)
	}
	if drop := synthtest.Strings(synthtest.Block(sc, "capabilities")["drop"]); !reflect.DeepEqual(drop, []string{"ALL"}) {
		t.Errorf("capabilities drop = %v", drop)
	}
	sa := doc.Resource("kubernetes_service_account_v1")
	ann, _ := synthtest.Block(sa, "metadata")["annotations"].(map[string]any)
	if ann["eks.amazonaws.com/role-arn"] != "arn:aws:iam::111122223333:role/mpc-local-alice-trust" {
		t.Errorf("service account annotations = %v", ann)
	}
	raw, _ := doc.Resource("kubernetes_config_map_v1")["data"].(map[string]any)[trustsync.PlanKey].(string)
	plan, err := trust.ParsePlan([]byte(raw))
	if err != nil || !reflect.DeepEqual(plan.Peers, trustPeers) || plan.Self != trustSelf {
		t.Errorf("mounted plan = %+v, %v", plan, err)
	}
}
