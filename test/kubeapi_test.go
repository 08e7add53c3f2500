package test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/mpc-mesh/infra/cmd/mpc-render/chartcheck"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/clusterobjects"
	"github.com/mpc-mesh/infra/internal/kubeapi"
	"github.com/mpc-mesh/infra/internal/release"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

// kube is the control plane the tests of this package share: started by
// the first test that needs it, stopped by TestMain.
var kube struct {
	once   sync.Once
	srv    *kubeapi.Server
	dir    string
	client *kubeapi.Client
	skip   string
	err    error
}

// kubeAPI returns a client of the shared control plane, starting it (with
// the CRDs the stacks need) on first use, or skips the test with one line
// naming what is missing (a failure with MPC_K8S_REQUIRED, as in CI).
func kubeAPI(t *testing.T) *kubeapi.Client {
	t.Helper()
	kube.once.Do(func() {
		bins, missing := kubeapi.FindBinaries()
		if len(missing) > 0 {
			kube.skip = "Kubernetes API-server check needs " + strings.Join(missing, "; ")
			return
		}
		if kube.dir, kube.err = os.MkdirTemp("", "mpc-kubeapi-"); kube.err != nil {
			return
		}
		ctx := context.Background()
		if kube.srv, kube.err = kubeapi.Start(ctx, bins, kube.dir); kube.err != nil {
			return
		}
		fmt.Printf("k8s-check kube-apiserver %s ready in %s, %d MiB resident\n", kubeapi.Version, kube.srv.Ready.Round(100*time.Millisecond), kube.srv.APIServerRSS()>>20)
		if kube.client, kube.err = kube.srv.Client(); kube.err != nil {
			return
		}
		kube.err = kube.client.InstallCRDs(ctx)
	})
	switch {
	case kube.skip != "" && os.Getenv("MPC_K8S_REQUIRED") != "":
		t.Fatal(kube.skip)
	case kube.skip != "":
		t.Skip(kube.skip)
	case kube.err != nil:
		t.Fatal(kube.err)
	}
	return kube.client
}

// stopKubeAPI stops the shared control plane, if it was started, and
// removes its folder.
func stopKubeAPI() {
	if kube.srv != nil {
		kube.srv.Stop()
	}
	if kube.dir != "" {
		os.RemoveAll(kube.dir)
	}
}

// droppedByServer are fields that the API server of Kubernetes 1.36 drops
// silently from an object it accepts, each with why that is harmless.
var droppedByServer = []struct{ Kind, Field, Reason string }{
	{"StatefulSet", ".spec.updateStrategy.rollingUpdate.maxUnavailable",
		"set by the kms-core chart; kept only with the MaxUnavailableStatefulSet feature gate, beta but off by default in 1.35-1.36 " +
			"(EKS turns on no such gate). Without it a rolling update replaces one pod at a time, which is what maxUnavailable: 1 asks for"},
}

// serverDrop tolerates the differences listed in droppedByServer and
// records, for each, the stacks it was seen in.
func serverDrop(seen map[string][]string, stack string) kubeapi.Tolerate {
	return func(kind, d string) bool {
		for _, k := range droppedByServer {
			if kind == k.Kind && d == k.Field+" is missing" {
				key := fmt.Sprintf("%s %s dropped by the server (%s)", k.Kind, k.Field, k.Reason)
				seen[key] = append(seen[key], stack)
				return true
			}
		}
		return false
	}
}

// clusterSource is what the check reads: the synthesis of this test binary,
// or the folder CDKTF_OUTDIR names (with the environments of
// MPC_CONFIG_DIR, or the examples); MPC_ENV=a,b limits the environments.
func clusterSource(t *testing.T) (string, []*config.Environment) {
	t.Helper()
	outdir, cfg := app.outdir, app.cfg
	if dir := os.Getenv("CDKTF_OUTDIR"); dir != "" {
		outdir = dir
		if cdir := os.Getenv("MPC_CONFIG_DIR"); cdir != "" {
			var err error
			if cfg, err = config.Load(cdir, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	only := map[string]bool{}
	for _, e := range strings.Split(os.Getenv("MPC_ENV"), ",") {
		if e = strings.TrimSpace(e); e != "" {
			only[e] = true
		}
	}
	var envs []*config.Environment
	for _, env := range cfg.Environments {
		if len(only) == 0 || only[env.Name] {
			envs = append(envs, env)
		}
	}
	if len(envs) == 0 {
		t.Fatalf("no environment to check (MPC_ENV=%s)", os.Getenv("MPC_ENV"))
	}
	return outdir, envs
}

// clusterObjects are every object one party's cluster stack sends to its
// cluster: the typed resources and manifests, then the objects of its Helm
// release rendered with the real chart (none without the chart).
func clusterObjects(st release.Stacks, stack string, ch *chart.Chart) (objs []clusterobjects.Object, fromChart int, err error) {
	objs, err = clusterobjects.FromStack(st, stack)
	if err != nil || ch == nil {
		return objs, 0, err
	}
	rel, err := clusterobjects.FromRelease(st, stack, ch)
	if err != nil {
		return nil, 0, err
	}
	return append(objs, rel...), len(rel), nil
}

// TestClusterStacksAcceptedByKubeAPI sends every object of every cluster
// stack of every example environment, and the objects the real kms-core
// chart renders for each party's release, to a real kube-apiserver: each is
// created (strict field validation), read back and compared, then deleted,
// and the namespaces must finish deleting. Each stack gets the API server
// to itself, as each party has its own cluster. It prints one line per
// stack; `make k8s-check` runs it alone.
func TestClusterStacksAcceptedByKubeAPI(t *testing.T) {
	ch, chartDir, err := loadKmsCoreChart()
	if err != nil {
		t.Fatal(err)
	}
	if ch == nil {
		if os.Getenv("MPC_CHART_REQUIRED") != "" {
			t.Fatalf("the kms-core chart is required (MPC_CHART_REQUIRED) but %s is missing", chartDir)
		}
		t.Logf("no kms-core chart at %s: the Helm releases' objects are not checked", chartDir)
	}
	outdir, envs := clusterSource(t)
	client := kubeAPI(t)
	ctx := context.Background()
	stacks := 0
	droppedIn := map[string][]string{}
	for _, env := range envs {
		st, err := chartcheck.EnvironmentStacks(outdir, env)
		if err != nil {
			if os.Getenv("CDKTF_OUTDIR") != "" {
				t.Logf("%s: not in %s, skipped: %v", env.Name, outdir, err)
				continue
			}
			t.Fatal(err)
		}
		begin := time.Now()
		for _, p := range env.ManagedParties() {
			stack := env.StackName(p, config.LayerCluster)
			objs, fromChart, err := clusterObjects(st, stack, ch)
			if err != nil {
				t.Errorf("%s: %v", stack, err)
				continue
			}
			rep, err := client.Check(ctx, objs)
			if err != nil {
				t.Fatalf("%s: %v", stack, err)
			}
			stacks++
			accepted, failed, _ := rep.Failures(serverDrop(droppedIn, stack))
			assumed := ""
			if len(rep.Namespaces) > 0 {
				// The stack installs into a namespace it expects to exist.
				assumed = "; namespace assumed: " + strings.Join(rep.Namespaces, ", ")
			}
			fmt.Printf("k8s-check %-36s %3d objects accepted (%d from the chart), %d refused%s\n", stack, accepted, fromChart, len(rep.Outcomes)-accepted, assumed)
			for _, f := range failed {
				t.Errorf("%s: %s", stack, f)
			}
		}
		t.Logf("%s: cluster stacks: %d, checked in %s", env.Name, len(env.ManagedParties()), time.Since(begin).Round(100*time.Millisecond))
	}
	if stacks == 0 {
		t.Fatalf("no cluster stack found in %s", outdir)
	}
	for d, in := range droppedIn {
		t.Logf("%s, in %d stacks", d, len(in))
	}
	t.Logf("kube-apiserver resident after %d stacks: %d MiB", stacks, kube.srv.APIServerRSS()>>20)
}

// TestKubeAPIRefusesBrokenClusterStack proves the check can fail: a copy of
// a real cluster stack is broken in three ways the stacks' own tests do not
// look for, and exactly those objects must be refused, for the reasons
// given.
func TestKubeAPIRefusesBrokenClusterStack(t *testing.T) {
	env := app.cfg.Environment("local")
	p := env.ManagedParties()[0]
	stack := env.StackName(p, config.LayerCluster)
	st := environmentStacks(env.Name)
	broken := release.Stacks{}
	for name, doc := range st {
		broken[name] = doc
	}
	broken[stack] = clusterobjects.DeepCopy(st[stack])
	resources := broken[stack]["resource"].(tfjson.Object)
	want := map[string]string{}
	edit := func(typ, prefix, why string, change func(r tfjson.Object)) {
		for name, v := range resources[typ].(tfjson.Object) {
			if strings.HasPrefix(name, prefix) {
				change(v.(tfjson.Object))
				want[typ+"."+name] = why
				return
			}
		}
		t.Fatalf("%s has no %s.%s*", stack, typ, prefix)
	}
	// A port name must be a lowercase DNS label.
	edit("kubernetes_service_v1", "nlb-binding_service", "Bad_Name", func(r tfjson.Object) {
		r["spec"].(tfjson.Object)["port"].([]any)[0].(tfjson.Object)["name"] = "Bad_Name"
	})
	// A DaemonSet's selector must select its own pod template.
	edit("kubernetes_daemon_set_v1", "nitro-device-plugin", "selector", func(r tfjson.Object) {
		r["spec"].(tfjson.Object)["selector"].(tfjson.Object)["match_labels"] = tfjson.Object{"name": "something-else"}
	})
	// The TargetGroupBinding CRD allows only the target types instance and ip.
	edit("kubernetes_manifest", "nlb-binding_tgb-peer", "targetType", func(r tfjson.Object) {
		r["manifest"].(tfjson.Object)["spec"].(tfjson.Object)["targetType"] = "pod"
	})

	client := kubeAPI(t)
	objs, err := clusterobjects.FromStack(broken, stack)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := client.Check(context.Background(), objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Outcomes {
		why, isBroken := want[o.Object.Source]
		switch {
		case isBroken && o.Refused == nil:
			t.Errorf("broken %s was accepted", o.Object)
		case isBroken && !strings.Contains(o.Refused.Error(), why):
			t.Errorf("broken %s refused for another reason than %s: %v", o.Object, why, o.Refused)
		case isBroken:
			t.Logf("refused as it must be: %s: %v", o.Object, o.Refused)
		case o.Refused != nil || len(o.Differences) > 0:
			t.Errorf("intact %s not accepted: %v %v", o.Object, o.Refused, o.Differences)
		}
	}
	if accepted, _, _ := rep.Failures(nil); len(rep.Outcomes)-accepted != len(want) {
		t.Errorf("%d objects refused, want the %d broken ones", len(rep.Outcomes)-accepted, len(want))
	}
}
