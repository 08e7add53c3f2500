// Package clusterobjects turns a synthesized cluster stack into the
// Kubernetes objects the Terraform kubernetes and helm providers would send
// to the API server: the typed kubernetes_*_v1 resources converted from the
// provider's schema (snake_case names, repeated blocks under singular names,
// integers held as strings) to API objects, the kubernetes_manifest objects
// as written, and the objects the Helm release renders with the real chart.
// Every ${...} reference is resolved from the synthesized stacks; a value
// known only after apply gets a placeholder of the right format (see
// Placeholder).
//
// The conversion covers the resource types and fields the stacks use; a
// type it does not know is an error, and the API server refuses any field
// it gets wrong (objects are sent with strict field validation), so a
// conversion gap cannot pass silently.
package clusterobjects

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/mpc-mesh/infra/internal/release"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Object is one Kubernetes object and where it comes from.
type Object struct {
	// Source is the Terraform address (type.name) of the resource, or
	// "helm_release.<name>: <template>" for a rendered chart object.
	Source string
	// Manifest is the object as the API server receives it.
	Manifest tfjson.Object
	// DefaultNamespace is the namespace of a namespaced object whose
	// manifest names none (a chart object: Helm installs it in the
	// release's namespace).
	DefaultNamespace string
}

// Kind is the object's kind.
func (o Object) Kind() string { s, _ := o.Manifest["kind"].(string); return s }

// Name is the object's metadata.name.
func (o Object) Name() string { return o.meta("name") }

// Namespace is the object's metadata.namespace, "" when cluster-scoped.
func (o Object) Namespace() string { return o.meta("namespace") }

func (o Object) meta(key string) string {
	m, _ := o.Manifest["metadata"].(tfjson.Object)
	s, _ := m[key].(string)
	return s
}

// String names the object for messages: kind namespace/name (source),
// with the default namespace when the manifest names none.
func (o Object) String() string {
	name := o.Name()
	if ns := o.Namespace(); ns != "" {
		name = ns + "/" + name
	} else if o.DefaultNamespace != "" {
		name = o.DefaultNamespace + "/" + name
	}
	return fmt.Sprintf("%s %s (%s)", o.Kind(), name, o.Source)
}

// apiTypes maps the provider's typed resources to the API's group/version
// and kind.
var apiTypes = map[string][2]string{
	"kubernetes_namespace_v1":            {"v1", "Namespace"},
	"kubernetes_service_account_v1":      {"v1", "ServiceAccount"},
	"kubernetes_config_map_v1":           {"v1", "ConfigMap"},
	"kubernetes_service_v1":              {"v1", "Service"},
	"kubernetes_daemon_set_v1":           {"apps/v1", "DaemonSet"},
	"kubernetes_job_v1":                  {"batch/v1", "Job"},
	"kubernetes_cron_job_v1":             {"batch/v1", "CronJob"},
	"kubernetes_cluster_role_v1":         {"rbac.authorization.k8s.io/v1", "ClusterRole"},
	"kubernetes_cluster_role_binding_v1": {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
}

// terraformOnly are the resource arguments that steer Terraform or the
// provider and never reach the API server.
var terraformOnly = map[string]bool{
	"//": true, "depends_on": true, "count": true, "for_each": true, "provider": true,
	"lifecycle": true, "provisioner": true, "connection": true, "timeouts": true,
	"wait_for_completion": true, "wait_for_rollout": true, "wait_for_load_balancer": true,
	"wait_for_default_service_account": true,
}

// pluralBlocks are the repeated blocks the provider names in the singular;
// the API's field is the plural list. Applied only to lists, so `port`
// inside a port stays `port`.
var pluralBlocks = map[string]string{
	"container": "containers", "init_container": "initContainers", "toleration": "tolerations",
	"volume": "volumes", "volume_mount": "volumeMounts", "port": "ports", "rule": "rules",
	"subject": "subjects", "env_from": "envFrom", "image_pull_secret": "imagePullSecrets",
	"secret": "secrets", "topology_spread_constraint": "topologySpreadConstraints",
	"http_header": "httpHeaders", "volume_device": "volumeDevices",
}

// renamed are the fields the provider names otherwise than the API, by
// resource type and provider path.
var renamed = map[string]string{
	// The provider calls a DaemonSet's update strategy `strategy`, as on
	// a Deployment.
	"kubernetes_daemon_set_v1 spec.strategy": "updateStrategy",
}

// freeForm are maps whose keys are the user's (labels, data, quantities by
// resource name) and are kept verbatim.
var freeForm = map[string]bool{
	"labels": true, "annotations": true, "data": true, "binary_data": true,
	"match_labels": true, "node_selector": true, "limits": true, "requests": true,
}

// acronyms are the words the API spells in capitals (clusterIP, hostPID,
// nonResourceURLs).
var acronyms = map[string]string{"ip": "IP", "ips": "IPs", "ipc": "IPC", "pid": "PID", "urls": "URLs", "uid": "UID"}

// Integers the provider's schema holds as strings: user and group ids and
// TTLs in decimal, file modes in octal, and int-or-string fields (a port
// number or name, a count or percentage).
var (
	decimalStrings  = map[string]bool{"run_as_user": true, "run_as_group": true, "fs_group": true, "ttl_seconds_after_finished": true}
	octalStrings    = map[string]bool{"default_mode": true, "mode": true}
	intOrStrStrings = map[string]bool{"target_port": true, "max_unavailable": true, "max_surge": true}
)

// FromStack returns the objects of every Kubernetes resource of a cluster
// stack (not the Helm release; see FromRelease), sorted by Source.
func FromStack(st release.Stacks, stack string) ([]Object, error) {
	doc, ok := st[stack]
	if !ok {
		return nil, fmt.Errorf("stack %s is not among the synthesized stacks", stack)
	}
	resources, _ := doc["resource"].(tfjson.Object)
	var res []Object
	var unknown []string
	for typ, byName := range resources {
		if !strings.HasPrefix(typ, "kubernetes_") {
			continue
		}
		all, _ := byName.(tfjson.Object)
		for name, v := range all {
			r, _ := v.(tfjson.Object)
			src := typ + "." + name
			var m tfjson.Object
			switch {
			case typ == "kubernetes_manifest":
				m, _ = r["manifest"].(tfjson.Object)
				m = resolveAll(st, stack, m).(tfjson.Object)
			default:
				gvk, ok := apiTypes[typ]
				if !ok {
					unknown = append(unknown, typ)
					continue
				}
				c, err := convert(r, typ, "")
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", stack, src, err)
				}
				m = resolveAll(st, stack, c).(tfjson.Object)
				m["apiVersion"], m["kind"] = gvk[0], gvk[1]
			}
			if m == nil {
				return nil, fmt.Errorf("%s: %s has no manifest", stack, src)
			}
			res = append(res, Object{Source: src, Manifest: m})
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%s: no API conversion for resource type(s) %s; add them to clusterobjects.apiTypes", stack, strings.Join(unknown, ", "))
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Source < res[j].Source })
	return res, nil
}

// convert turns one provider-schema value of a resource of type typ into
// its API form. path is the provider's dotted path of the value ("" at the
// top of the resource); its last element names the value.
func convert(v any, typ, path string) (any, error) {
	key := path[strings.LastIndex(path, ".")+1:]
	switch x := v.(type) {
	case tfjson.Object:
		if freeForm[key] || (key == "selector" && allStrings(x)) {
			return x, nil
		}
		out := tfjson.Object{}
		for k, val := range x {
			if key == "" && terraformOnly[k] {
				continue
			}
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			name := camel(k)
			if _, isList := val.([]any); isList {
				if p, ok := pluralBlocks[k]; ok {
					name = p
				}
			}
			if r, ok := renamed[typ+" "+sub]; ok {
				name = r
			}
			c, err := convert(val, typ, sub)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[name] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := convert(e, typ, path)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case string:
		switch {
		case strings.Contains(x, "${"):
			// Resolved later; a reference never stands for one of the
			// integers below in these stacks.
			return x, nil
		case decimalStrings[key]:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not an integer", x)
			}
			return n, nil
		case octalStrings[key]:
			n, err := strconv.ParseInt(x, 8, 32)
			if err != nil {
				return nil, fmt.Errorf("%q is not an octal file mode", x)
			}
			return n, nil
		case intOrStrStrings[key]:
			if n, err := strconv.ParseInt(x, 10, 32); err == nil {
				return n, nil
			}
		}
		return x, nil
	}
	return v, nil
}

func allStrings(m tfjson.Object) bool {
	for _, v := range m {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// camel turns the provider's snake_case into the API's lowerCamelCase.
func camel(s string) string {
	parts := strings.Split(s, "_")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0:
			b.WriteString(p)
		case acronyms[p] != "":
			b.WriteString(acronyms[p])
		case p != "":
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// resolveAll resolves every ${...} in the strings of v and replaces what
// is known only after apply by placeholders.
func resolveAll(st release.Stacks, stack string, v any) any {
	switch x := v.(type) {
	case tfjson.Object:
		out := tfjson.Object{}
		for k, val := range x {
			out[k] = resolveAll(st, stack, val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveAll(st, stack, e)
		}
		return out
	case string:
		return Placeholders(st.Resolve(stack, x))
	}
	return v
}

// FromRelease renders the Helm release of a cluster stack with a chart, as
// the helm provider would install it, and returns its objects with the
// release's namespace as DefaultNamespace. Placeholders replace values known only after
// apply.
func FromRelease(st release.Stacks, stack string, ch *chart.Chart) ([]Object, error) {
	rel, err := release.ReleaseOf(st, stack)
	if err != nil {
		return nil, err
	}
	values := make([]string, len(rel.Values))
	for i, v := range rel.Values {
		values[i] = Placeholders(v)
	}
	post, err := rel.PostRenderer()
	if err != nil {
		return nil, err
	}
	r, err := release.Render(ch, Placeholders(rel.Name), Placeholders(rel.Namespace), values, post)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stack, err)
	}
	res := make([]Object, 0, len(r.Objects))
	for _, o := range r.Objects {
		m := jsonValue(o).(tfjson.Object)
		res = append(res, Object{Source: "helm_release." + rel.Name, Manifest: m, DefaultNamespace: Placeholders(rel.Namespace)})
	}
	return res, nil
}

// jsonValue normalizes decoded YAML to what encoding/json would decode:
// map[string]any objects and float64 or int64 numbers stay as they are.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := tfjson.Object{}
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case int:
		return int64(x)
	}
	return v
}

// DeepCopy copies a decoded JSON object, so that sending it cannot change
// the original.
func DeepCopy(o tfjson.Object) map[string]any {
	return copyValue(o).(tfjson.Object)
}

func copyValue(v any) any {
	switch x := v.(type) {
	case tfjson.Object:
		out := make(tfjson.Object, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	case int:
		return int64(x)
	}
	return v
}
