package release

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Release is a party's MPC services release as its cluster stack writes
// it, every expression resolved as far as the synthesized stacks allow.
type Release struct {
	// Stack is the cluster stack's name.
	Stack string
	// Name and Namespace are the release's.
	Name, Namespace string
	// Chart is the chart as the helm_release names it: repository, name
	// and version, or a local folder.
	Chart string
	// Values are the values documents, in the order Helm applies them.
	Values []string
	// ConfigMaps are the ConfigMaps of the stack: name to data.
	ConfigMaps map[string]map[string]string
	// ServiceAccounts are the ServiceAccounts of the stack: name to IRSA role.
	ServiceAccounts map[string]string
	// PostRender is the release's post-renderer, binary then arguments;
	// empty without one.
	PostRender []string
}

// PostRenderer returns what the release's post-renderer does to the
// rendered manifests: mpc-postrender binds host ports; nil without one. Any
// other binary is an error, since what it does cannot be checked.
func (r *Release) PostRenderer() (func([]byte) ([]byte, error), error) {
	if len(r.PostRender) == 0 {
		return nil, nil
	}
	if filepath.Base(r.PostRender[0]) != "mpc-postrender" {
		return nil, fmt.Errorf("release %s: post-renderer %s is not mpc-postrender and cannot be reproduced", r.Name, r.PostRender[0])
	}
	fs := flag.NewFlagSet("mpc-postrender", flag.ContinueOnError)
	release := fs.String("release", "", "")
	ports := fs.String("ports", "", "")
	if err := fs.Parse(r.PostRender[1:]); err != nil {
		return nil, fmt.Errorf("release %s: post-renderer arguments: %w", r.Name, err)
	}
	var list []int
	for _, p := range strings.Split(*ports, ",") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("release %s: post-renderer port %q", r.Name, p)
		}
		list = append(list, n)
	}
	return func(m []byte) ([]byte, error) { return kmscore.BindHostPorts(m, *release, list) }, nil
}

// ReleaseOf reads the release of a cluster stack.
func ReleaseOf(st Stacks, stack string) (*Release, error) {
	resources, _ := st[stack]["resource"].(tfjson.Object)
	releases, _ := resources["helm_release"].(tfjson.Object)
	if len(releases) != 1 {
		return nil, fmt.Errorf("stack %s: want exactly one helm_release, found %d", stack, len(releases))
	}
	r := &Release{Stack: stack, ConfigMaps: map[string]map[string]string{}, ServiceAccounts: map[string]string{}}
	for _, v := range releases {
		rel, _ := v.(tfjson.Object)
		r.Name = st.Resolve(stack, fmt.Sprint(rel["name"]))
		r.Namespace = st.Resolve(stack, fmt.Sprint(rel["namespace"]))
		r.Chart = fmt.Sprint(rel["chart"])
		if repo, ok := rel["repository"].(string); ok {
			r.Chart = fmt.Sprintf("%s/%s:%v", repo, rel["chart"], rel["version"])
		}
		for _, doc := range tfjson.Strings(rel["values"]) {
			r.Values = append(r.Values, st.Resolve(stack, doc))
		}
		if pr := firstBlock(rel["postrender"]); pr != nil {
			r.PostRender = append([]string{fmt.Sprint(pr["binary_path"])}, tfjson.Strings(pr["args"])...)
		}
	}
	cms, _ := resources["kubernetes_config_map_v1"].(tfjson.Object)
	for _, v := range cms {
		cm, _ := v.(tfjson.Object)
		name := st.Resolve(stack, String(firstBlock(cm["metadata"]), "name"))
		data := map[string]string{}
		raw, _ := cm["data"].(tfjson.Object)
		for k, x := range raw {
			data[k] = st.Resolve(stack, fmt.Sprint(x))
		}
		r.ConfigMaps[name] = data
	}
	sas, _ := resources["kubernetes_service_account_v1"].(tfjson.Object)
	for _, v := range sas {
		sa, _ := v.(tfjson.Object)
		meta := firstBlock(sa["metadata"])
		r.ServiceAccounts[st.Resolve(stack, String(meta, "name"))] = st.Resolve(stack, String(meta, "annotations", "eks.amazonaws.com/role-arn"))
	}
	return r, nil
}

func firstBlock(v any) Object {
	if b := tfjson.Blocks(v); len(b) > 0 {
		return b[0]
	}
	return nil
}
