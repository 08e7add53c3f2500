// Package irsa creates an IAM role for a Kubernetes service account (IRSA):
// a role that only the named service account of one EKS cluster can assume
// through the cluster's OIDC provider, with one customer-managed policy
// attached.
package irsa

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
)

// Audience is the only audience the trust policy accepts: tokens minted by
// EKS for the AWS STS web-identity exchange.
const Audience = "sts.amazonaws.com"

// Props configures an IRSA role.
type Props struct {
	// RoleName is the IAM role name (at most 64 characters). Required.
	RoleName string
	// Description of the role. Default: "IRSA role for <namespace>/<service account>".
	Description string
	// OIDCProviderARN is the ARN of the cluster's IAM OIDC provider, which must
	// already exist. Required; usually a token.
	OIDCProviderARN *string
	// OIDCIssuer is the cluster's OIDC issuer URL, with or without "https://".
	// Required; usually a token read from the EKS cluster.
	OIDCIssuer *string
	// Namespace and ServiceAccount name the only Kubernetes identity allowed to
	// assume the role. Required.
	Namespace, ServiceAccount string
	// PolicyName is the name of the customer-managed policy. Default: RoleName.
	PolicyName string
	// Policy is the permission policy attached to the role. Default: none
	// (no statements): no policy is created, and the role can do only what
	// resource policies naming it allow, such as a KMS key policy.
	Policy policy.Document
	// Tags added to the role and the policy, on top of the provider's default tags.
	Tags map[string]string
}

// Role is a created IRSA role.
type Role struct {
	// Role is the IAM role resource.
	Role iamrole.IamRole
	// Policy is the attached customer-managed policy, nil without statements.
	Policy iampolicy.IamPolicy
	// ARN is the role ARN, for the service account annotation eks.amazonaws.com/role-arn.
	ARN *string
	// Name is the role name.
	Name *string
	// Subject is the only token subject the trust policy admits.
	Subject string
}

// Subject returns the OIDC token subject of a Kubernetes service account.
func Subject(namespace, serviceAccount string) string {
	return fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount)
}

// TrustPolicy returns the trust policy that lets exactly one service account,
// with the STS audience, assume a role through the given OIDC provider.
func TrustPolicy(providerARN, issuerHost, subject string) policy.Document {
	// One service account of one cluster, with tokens minted for STS only.
	return policy.New(policy.Statement{
		Sid:       "AssumeFromServiceAccount",
		Effect:    policy.Allow,
		Principal: map[string]any{"Federated": providerARN},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: map[string]map[string]any{
			"StringEquals": {
				issuerHost + ":sub": subject,
				issuerHost + ":aud": Audience,
			},
		},
	})
}

// New creates the role, its policy and the attachment.
func New(scope constructs.Construct, id string, props *Props) *Role {
	c := constructs.NewConstruct(scope, jsii.String(id))
	subject := Subject(props.Namespace, props.ServiceAccount)
	issuerHost := cdktf.Fn_Replace(props.OIDCIssuer, jsii.String("https://"), jsii.String(""))
	desc := props.Description
	if desc == "" {
		desc = fmt.Sprintf("IRSA role for %s/%s", props.Namespace, props.ServiceAccount)
	}
	policyName := props.PolicyName
	if policyName == "" {
		policyName = props.RoleName
	}
	tags := jsiivalue.OptionalStringMap(props.Tags)
	role := iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:                jsii.String(props.RoleName),
		Description:         jsii.String(desc),
		AssumeRolePolicy:    TrustPolicy(*props.OIDCProviderARN, *issuerHost, subject).JSON(),
		MaxSessionDuration:  jsii.Number(3600),
		ForceDetachPolicies: jsii.Bool(true),
		Tags:                tags,
	})
	res := &Role{Role: role, ARN: role.Arn(), Name: role.Name(), Subject: subject}
	if len(props.Policy.Statement) == 0 {
		return res
	}
	pol := iampolicy.NewIamPolicy(c, jsii.String("policy"), &iampolicy.IamPolicyConfig{
		Name:        jsii.String(policyName),
		Description: jsii.String("Permissions of " + subject),
		Policy:      props.Policy.JSON(),
		Tags:        tags,
	})
	iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("attachment"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: pol.Arn(),
	})
	res.Policy = pol
	return res
}
