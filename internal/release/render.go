package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/registry"

	"github.com/mpc-mesh/infra/internal/tfjson"
)

// LoadChart loads a chart from a folder, a packaged .tgz, or an OCI
// reference (oci://host/path/chart:version, pulled with the machine's
// registry login).
func LoadChart(ref string) (*chart.Chart, error) {
	if strings.HasPrefix(ref, "oci://") {
		client, err := registry.NewClient()
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", ref, err)
		}
		res, err := client.Pull(strings.TrimPrefix(ref, "oci://"))
		if err != nil {
			return nil, fmt.Errorf("pulling chart %s: %w", ref, err)
		}
		return loader.LoadArchive(bytes.NewReader(res.Chart.Data))
	}
	if _, err := os.Stat(ref); err != nil {
		return nil, fmt.Errorf("chart %s: %w", ref, err)
	}
	return loader.Load(ref)
}

// Object is one rendered Kubernetes object.
type Object = tfjson.Object

// Rendered is a release rendered by the chart: its objects, and the source
// file of each.
type Rendered struct {
	// Objects are the rendered objects, in file order.
	Objects []Object
	// Manifests is the rendered YAML, file by file, as helm template prints it.
	Manifests string
}

// Render renders a chart as Helm would install it under a release name in
// a namespace, with the values documents applied in order (later wins),
// then passes the manifests through post (the release's post-renderer)
// when it is not nil.
func Render(ch *chart.Chart, release, namespace string, valueDocs []string, post func([]byte) ([]byte, error)) (*Rendered, error) {
	vals := map[string]any{}
	for i, doc := range valueDocs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("values document %d: %w", i+1, err)
		}
		mergeValues(vals, m)
	}
	opts := chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("values do not fit chart %s: %w", ch.Name(), err)
	}
	files, err := engine.Render(ch, top)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s: %w", ch.Name(), err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		if strings.TrimSpace(files[n]) == "" {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", n, strings.TrimSpace(files[n]))
	}
	manifests := []byte(b.String())
	if post != nil {
		if manifests, err = post(manifests); err != nil {
			return nil, fmt.Errorf("post-renderer: %w", err)
		}
	}
	res := &Rendered{Manifests: string(manifests)}
	dec := yaml.NewDecoder(bytes.NewReader(manifests))
	for {
		var o Object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rendered manifests are not YAML: %w", err)
		}
		if o != nil {
			res.Objects = append(res.Objects, o)
		}
	}
	return res, nil
}

// mergeValues merges src into dst as Helm merges several values files:
// maps merge key by key, anything else is replaced.
func mergeValues(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeValues(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// Find returns the rendered objects of a kind, keyed by name.
func (r *Rendered) Find(kind string) map[string]Object {
	res := map[string]Object{}
	for _, o := range r.Objects {
		if o["kind"] == kind {
			res[String(o, "metadata", "name")] = o
		}
	}
	return res
}

// String reads a string at a path of map keys, "" when absent.
func String(o Object, path ...string) string {
	v, _ := Value(o, path...).(string)
	return v
}

// Value reads the value at a path of map keys, nil when absent.
func Value(o Object, path ...string) any {
	var cur any = o
	for _, k := range path {
		m, ok := cur.(Object)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

var reValuesRef = regexp.MustCompile(`\.Values\.([A-Za-z0-9_.]+)`)

// ChartPaths returns the value paths a chart knows: the leaves of its
// values and every .Values reference of its templates, without the maps
// that hold other known paths. A path below one of them belongs to a
// free-form map.
func ChartPaths(ch *chart.Chart) []string {
	all := map[string]bool{}
	leaves(ch.Values, "", all)
	for _, t := range ch.Templates {
		for _, m := range reValuesRef.FindAllStringSubmatch(string(t.Data), -1) {
			all[strings.TrimSuffix(m[1], ".")] = true
		}
	}
	var res []string
	for p := range all {
		inner := false
		for q := range all {
			if strings.HasPrefix(q, p+".") {
				inner = true
				break
			}
		}
		if !inner {
			res = append(res, p)
		}
	}
	sort.Strings(res)
	return res
}

// UnknownValues returns the leaf paths of values documents that the chart
// reads neither at that path nor through a free-form map above it.
func UnknownValues(ch *chart.Chart, valueDocs []string) ([]string, error) {
	known := map[string]bool{}
	for _, p := range ChartPaths(ch) {
		known[p] = true
	}
	set := map[string]bool{}
	for i, doc := range valueDocs {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("values document %d: %w", i+1, err)
		}
		leaves(m, "", set)
	}
	var res []string
	for p := range set {
		parts := strings.Split(p, ".")
		found := false
		for i := len(parts); i >= 1 && !found; i-- {
			found = known[strings.Join(parts[:i], ".")]
		}
		if !found {
			res = append(res, p)
		}
	}
	sort.Strings(res)
	return res, nil
}

// leaves adds the dotted paths of the leaves of a values map to set; an
// empty map is a leaf.
func leaves(m map[string]any, prefix string, set map[string]bool) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			leaves(sub, p, set)
			continue
		}
		set[p] = true
	}
}
