module github.com/mpc-mesh/infra

go 1.26

// The module proxy refuses every version of the Kubernetes and Helm bindings, so
// `make generate` builds them from the pinned npm packages (package-lock.json)
// with jsii-pacmak. Delete these two lines the day the proxy serves them.
replace github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 => ./generated/go/kubernetes

replace github.com/cdktf/cdktf-provider-helm-go/helm/v10 => ./generated/go/helm

require (
	github.com/aws/constructs-go/constructs/v10 v10.4.2
	github.com/aws/jsii-runtime-go v1.112.0
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 v19.50.0
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 v11.12.1
	github.com/hashicorp/terraform-cdk-go/cdktf v0.20.11
)

require (
	github.com/Masterminds/semver/v3 v3.3.1 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/yuin/goldmark v1.4.13 // indirect
	golang.org/x/lint v0.0.0-20210508222113-6edffad5e616 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/sync v0.14.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/tools v0.33.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

require github.com/cdktf/cdktf-provider-helm-go/helm/v10 v10.5.0
