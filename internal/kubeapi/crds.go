package kubeapi

import (
	"context"
	"embed"
	"fmt"
	"path"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// crdFiles are the CustomResourceDefinitions of the custom objects the
// cluster stacks create, which the clusters get from their controllers'
// installations.
//
//go:embed crds/*.yaml
var crdFiles embed.FS

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCRDs creates the embedded CustomResourceDefinitions (or keeps
// them when present) and waits until the API server serves them.
func (c *Client) InstallCRDs(ctx context.Context) error {
	entries, err := crdFiles.ReadDir("crds")
	if err != nil {
		return err
	}
	crds := c.dyn.Resource(crdResource)
	for _, e := range entries {
		data, err := crdFiles.ReadFile(path.Join("crds", e.Name()))
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := yaml.Unmarshal(data, &obj); err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		u := &unstructured.Unstructured{Object: obj}
		if _, err := crds.Create(ctx, u, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("install %s: %w", e.Name(), err)
		}
		if err := c.waitEstablished(ctx, u.GetName()); err != nil {
			return err
		}
	}
	c.mapper.Reset()
	return nil
}

func (c *Client) waitEstablished(ctx context.Context, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, err := c.dyn.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("CustomResourceDefinition %s not established within 30 s", name)
}
