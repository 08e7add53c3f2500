package kubeapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/mpc-mesh/infra/internal/clusterobjects"
)

// Client sends objects to a running API server.
type Client struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// Client returns a client of the server's API as its administrator.
func (s *Server) Client() (*Client, error) {
	dyn, err := dynamic.NewForConfig(s.Config)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(s.Config)
	if err != nil {
		return nil, err
	}
	return &Client{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}, nil
}

// Outcome is what the API server made of one object.
type Outcome struct {
	// Object is the object sent.
	Object clusterobjects.Object
	// Refused is the API server's answer when it refused the object.
	Refused error
	// Differences are the fields sent that read back differently.
	Differences []string
}

// Report is the outcome of sending a set of objects.
type Report struct {
	// Outcomes are one per object, in the order the objects were created.
	Outcomes []Outcome
	// Namespaces are the namespaces the objects live in that they do not
	// create themselves and that the server did not have: created before
	// and deleted after, like the rest of the cluster a stack expects.
	Namespaces []string
}

// Tolerate says whether a difference read back on an object of a kind is
// known and harmless.
type Tolerate func(kind, difference string) bool

// Failures counts the objects accepted (created, and read back as sent but
// for tolerated differences) and lists one line per refusal or other
// difference; the tolerated differences are listed apart.
func (r *Report) Failures(tolerate Tolerate) (accepted int, failed, tolerated []string) {
	for _, o := range r.Outcomes {
		before := len(failed)
		if o.Refused != nil {
			failed = append(failed, fmt.Sprintf("%s refused: %v", o.Object, o.Refused))
		}
		for _, d := range o.Differences {
			if tolerate != nil && tolerate(o.Object.Kind(), d) {
				tolerated = append(tolerated, fmt.Sprintf("%s: %s", o.Object, d))
				continue
			}
			failed = append(failed, fmt.Sprintf("%s read back differently: %s", o.Object, d))
		}
		if len(failed) == before {
			accepted++
		}
	}
	return accepted, failed, tolerated
}

// createOrder ranks kinds so that what others need exists first:
// namespaces, cluster roles before their bindings, identities and
// configuration before the workloads that use them.
var createOrder = map[string]int{
	"CustomResourceDefinition": 0, "Namespace": 1, "ClusterRole": 2, "ClusterRoleBinding": 3,
	"ServiceAccount": 4, "Role": 5, "RoleBinding": 6, "ConfigMap": 7, "Secret": 7,
	"PersistentVolumeClaim": 8, "Service": 9,
}

func rank(kind string) int {
	if r, ok := createOrder[kind]; ok {
		return r
	}
	return 10
}

// created is an object the server holds.
type created struct {
	res       dynamic.ResourceInterface
	name      string
	namespace bool
}

// Check creates every object for real (strict field validation: an unknown
// or duplicate field is refused), reads each back and compares it with
// what was sent, then deletes everything it created and waits until it is
// gone, namespaces included. Refusals are outcomes, not errors; the error
// is for a server that cannot be used or does not clean up.
func (c *Client) Check(ctx context.Context, objs []clusterobjects.Object) (*Report, error) {
	objs = append([]clusterobjects.Object(nil), objs...)
	sort.SliceStable(objs, func(i, j int) bool { return rank(objs[i].Kind()) < rank(objs[j].Kind()) })
	rep := &Report{}
	var made []created
	defer func() {
		// Cleaning up is part of the check: it runs whatever happened.
		if err := c.deleteAll(context.WithoutCancel(ctx), made); err != nil && rep != nil {
			rep.Outcomes = append(rep.Outcomes, Outcome{Object: clusterobjects.Object{Source: "cleanup"}, Refused: err})
		}
	}()

	if err := c.ensureNamespaces(ctx, objs, rep, &made); err != nil {
		return nil, err
	}
	type sent struct {
		i   int
		obj *unstructured.Unstructured
		res dynamic.ResourceInterface
	}
	var toRead []sent
	for _, o := range objs {
		out := Outcome{Object: o}
		u := &unstructured.Unstructured{Object: clusterobjects.DeepCopy(o.Manifest)}
		res, namespaced, err := c.resource(u, o.DefaultNamespace)
		if err != nil {
			out.Refused = err
			rep.Outcomes = append(rep.Outcomes, out)
			continue
		}
		_, err = res.Create(ctx, u, metav1.CreateOptions{FieldValidation: "Strict"})
		if err != nil {
			out.Refused = err
			rep.Outcomes = append(rep.Outcomes, out)
			continue
		}
		made = append(made, created{res: res, name: u.GetName(), namespace: u.GetKind() == "Namespace" && !namespaced})
		toRead = append(toRead, sent{i: len(rep.Outcomes), obj: u, res: res})
		rep.Outcomes = append(rep.Outcomes, out)
	}
	for _, s := range toRead {
		got, err := s.res.Get(ctx, s.obj.GetName(), metav1.GetOptions{})
		if err != nil {
			rep.Outcomes[s.i].Differences = append(rep.Outcomes[s.i].Differences, "cannot read it back: "+err.Error())
			continue
		}
		rep.Outcomes[s.i].Differences = Differences("", s.obj.Object, got.Object)
	}
	return rep, nil
}

// resource finds the API resource of an object and sets its namespace.
func (c *Client) resource(u *unstructured.Unstructured, defaultNamespace string) (dynamic.ResourceInterface, bool, error) {
	gvk := u.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, false, fmt.Errorf("the API server serves no %s: %w", gvk, err)
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return c.dyn.Resource(m.Resource), false, nil
	}
	if u.GetNamespace() == "" {
		u.SetNamespace(defaultNamespace)
	}
	return c.dyn.Resource(m.Resource).Namespace(u.GetNamespace()), true, nil
}

// ensureNamespaces creates the namespaces the objects use but neither
// create nor find on the server.
func (c *Client) ensureNamespaces(ctx context.Context, objs []clusterobjects.Object, rep *Report, made *[]created) error {
	own, used := map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		if o.Kind() == "Namespace" {
			own[o.Name()] = true
		}
		if ns := o.Namespace(); ns != "" {
			used[ns] = true
		} else if o.DefaultNamespace != "" {
			used[o.DefaultNamespace] = true
		}
	}
	namespaces := c.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"})
	var names []string
	for ns := range used {
		names = append(names, ns)
	}
	sort.Strings(names)
	for _, ns := range names {
		if own[ns] {
			continue
		}
		if _, err := namespaces.Get(ctx, ns, metav1.GetOptions{}); err == nil {
			continue
		} else if !apierrors.IsNotFound(err) {
			return err
		}
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		if _, err := namespaces.Create(ctx, u, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create namespace %s: %w", ns, err)
		}
		*made = append(*made, created{res: namespaces, name: ns, namespace: true})
		rep.Namespaces = append(rep.Namespaces, ns)
	}
	return nil
}

// deleteAll deletes what was created, newest first, namespaces last, and
// waits until the server no longer has any of it.
func (c *Client) deleteAll(ctx context.Context, made []created) error {
	background := metav1.DeletePropagationBackground
	var errs []error
	order := reverseNonNamespaces(made)
	for _, m := range order {
		if err := m.res.Delete(ctx, m.name, metav1.DeleteOptions{PropagationPolicy: &background}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete %s: %w", m.name, err))
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, m := range order {
		for {
			_, err := m.res.Get(ctx, m.name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("%s still exists 2 minutes after its deletion (is kube-controller-manager running?)", m.name))
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return errors.Join(errs...)
}

// reverseNonNamespaces returns the objects newest first, then the
// namespaces, so that nothing is deleted before what was created after it
// in it.
func reverseNonNamespaces(made []created) []created {
	var res, ns []created
	for i := len(made) - 1; i >= 0; i-- {
		if made[i].namespace {
			ns = append(ns, made[i])
		} else {
			res = append(res, made[i])
		}
	}
	return append(res, ns...)
}

// Differences compares an object as sent with the object read back: every
// field sent must be there with the same value. Fields the server adds
// (defaults, metadata) are not differences; an empty map or list sent may
// read back absent, and a quantity may be spelled differently ("0.5" and
// "500m").
func Differences(path string, sent, got any) []string {
	switch s := sent.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		if len(s) == 0 {
			return nil
		}
		var res []string
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			if _, ok := g[k]; !ok && !empty(s[k]) {
				res = append(res, p+" is missing")
				continue
			}
			res = append(res, Differences(p, s[k], g[k])...)
		}
		return res
	case []any:
		g, _ := got.([]any)
		if len(s) != len(g) {
			if len(s) == 0 {
				return nil
			}
			return []string{fmt.Sprintf("%s has %d items, sent %d", path, len(g), len(s))}
		}
		var res []string
		for i := range s {
			res = append(res, Differences(fmt.Sprintf("%s[%d]", path, i), s[i], g[i])...)
		}
		return res
	case nil:
		return nil
	}
	if sameScalar(sent, got) {
		return nil
	}
	return []string{fmt.Sprintf("%s is %v, sent %v", path, got, sent)}
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func sameScalar(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
	}
	if fmt.Sprint(a) == fmt.Sprint(b) {
		return true
	}
	qa, errA := resource.ParseQuantity(strings.TrimSpace(fmt.Sprint(a)))
	qb, errB := resource.ParseQuantity(strings.TrimSpace(fmt.Sprint(b)))
	return errA == nil && errB == nil && qa.Cmp(qb) == 0
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
