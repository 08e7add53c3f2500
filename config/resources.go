package config

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mpc-mesh/infra/internal/imageref"
)

// validateResources checks limits and requests with Kubernetes' own
// quantity parser: valid quantities above zero, each request at most its
// limit (Kubernetes refuses the pod otherwise).
func validateResources(c *collector, r Resources, path string) {
	for _, q := range []struct {
		name, limit, req, fix string
	}{
		{"cpu", r.Limits.CPU, r.Requests.CPU, "use cores or millicores, such as 0.5 or 100m"},
		{"memory", r.Limits.Memory, r.Requests.Memory, "use bytes with a suffix, such as 30Mi or 1Gi"},
	} {
		limit, errLimit := resource.ParseQuantity(q.limit)
		req, errReq := resource.ParseQuantity(q.req)
		okLimit, okReq := errLimit == nil && limit.Sign() > 0, errReq == nil && req.Sign() > 0
		if !okLimit {
			c.add(path+".limits."+q.name, q.limit, "is not a positive Kubernetes "+q.name+" quantity", q.fix)
		}
		if !okReq {
			c.add(path+".requests."+q.name, q.req, "is not a positive Kubernetes "+q.name+" quantity", q.fix)
		}
		if okLimit && okReq && req.Cmp(limit) > 0 {
			c.add(path+".requests."+q.name, q.req, fmt.Sprintf("is more than the limit (%s, %s)", q.limit, c.where(path+".limits."+q.name)), "request at most the limit")
		}
	}
}

// validateDevicePlugin checks the plugin's image pin and resources; a
// disabled plugin is not checked.
func validateDevicePlugin(c *collector, dp DevicePlugin, path string) {
	if !*dp.Enabled {
		return
	}
	if !imageref.Pinned(dp.Image) || !reImage.MatchString(dp.Image) {
		c.add(path+".image", dp.Image, "is not an image reference pinned to a release", "give a release tag other than latest, such as public.ecr.aws/aws-nitro-enclaves/aws-nitro-enclaves-k8s-device-plugin:v0.3, or a sha256 digest")
	}
	validateResources(c, dp.Resources, path+".resources")
}
