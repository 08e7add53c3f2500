// Package partyk8s creates a party's identity and configuration inside
// Kubernetes: its namespace (optionally), the ServiceAccount bound to the
// party's IRSA role and the ConfigMap that tells kms-core where its vaults
// and its attested KMS key are.
package partyk8s

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/configmapv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/servicev1"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
	"github.com/mpc-mesh/infra/internal/kmsconnector"
	"github.com/mpc-mesh/infra/internal/kmscore"
)

// DefaultConfigMapName is the ConfigMap name kms-core and the networking
// constructs expect.
const DefaultConfigMapName = "mpc-party"

// RoleARNAnnotation is the ServiceAccount annotation EKS reads to inject IRSA credentials.
const RoleARNAnnotation = "eks.amazonaws.com/role-arn"

// ReservedKeys are the ConfigMap keys the construct owns: exactly the keys
// the kms-core chart's pods read (kmscore.ConfigMapKeys and
// kmscore.BackupConfigMapKeys) and those the KMS connector reads
// (kmsconnector.ConfigMapKeys). AdditionalData may not set them, even the
// keys left out when no key id, backup or connector is given.
var ReservedKeys = append(append(append([]string{}, kmscore.ConfigMapKeys...), kmscore.BackupConfigMapKeys...), kmsconnector.ConfigMapKeys...)

const (
	moduleAnnotation        = "terraform.io/module"
	partyNameAnnotation     = "mpc.io/party-name"
	moduleAnnotationValue   = "mpc-party"
	partOfMesh              = "mpc-mesh"
	namespaceComponentValue = "storage"
)

// Props configures a party's Kubernetes objects.
type Props struct {
	// PartyName is the party name, used in labels and annotations. Required.
	PartyName string
	// ClusterName is the EKS cluster name, recorded in a namespace annotation. Required.
	ClusterName string
	// Namespace holds the ServiceAccount and ConfigMap. Required.
	Namespace string
	// CreateNamespace creates the namespace; otherwise it must exist. Default false.
	CreateNamespace bool
	// NamespaceLabels and NamespaceAnnotations are merged over the built-in
	// ones of a created namespace. Default: none.
	NamespaceLabels, NamespaceAnnotations map[string]string
	// ServiceAccountName is the party's ServiceAccount. Required.
	ServiceAccountName string
	// IRSARoleARN is the party's IRSA role ARN, annotated on the
	// ServiceAccount. Default nil: no annotation (no AWS access). May be a token.
	IRSARoleARN *string
	// ConfigMapName is the ConfigMap name. Default: "mpc-party".
	ConfigMapName string
	// PublicBucket and PrivateBucket are the vault bucket names. Required; may be tokens.
	PublicBucket, PrivateBucket *string
	// Region is the AWS region of the public bucket, for CORE_CLIENT__S3_ENDPOINT. Required.
	Region string
	// KMSKeyID is the attested KMS root key id. Default nil: the ROOT_KEY_ID
	// and ROOT_KEY_SPEC keys are left out. May be a token.
	KMSKeyID *string
	// Connector, when set, gives the KMS connector its identity and key.
	// Default: nil, no connector objects.
	Connector *Connector
	// Backup is the backup vault the pods write to. Default: nil, no
	// backup keys in the ConfigMap.
	Backup *Backup
	// AdditionalData is merged into the ConfigMap. It may not redefine a key
	// the construct sets (New panics). Default: none.
	AdditionalData map[string]string
	// DatabaseHost, when set, is the connector database's endpoint address
	// (the RDS instance of the party stack); an ExternalName Service named
	// DatabaseServiceName then resolves to it inside the namespace.
	// Default: unset, no Service.
	DatabaseHost *string
	// DatabaseServiceName names that Service. Default "kms-connector-db".
	DatabaseServiceName string
}

// Connector is what the KMS connector gets in the party's namespace.
type Connector struct {
	// RoleARN is the connector's own IRSA role, annotated on its
	// ServiceAccount <ServiceAccountName>-connector. Required; may be a token.
	RoleARN *string
	// TxSenderKeyID is its transaction-signing key (id or ARN), written to
	// the ConfigMap as kmsconnector.KeyTxSenderKeyID. Required; may be a token.
	TxSenderKeyID *string
}

// Backup is where the MPC services keep the backup copy of their key material.
type Backup struct {
	// Bucket is the backup vault bucket. Required; may be a token.
	Bucket *string
	// KeyARN is the backup key, by ARN: the ARN names the region, so that a
	// restore in the replica region is a change of this value alone.
	// Required; may be a token.
	KeyARN *string
}

// PartyK8s is the party's created Kubernetes objects.
type PartyK8s struct {
	// Namespace is the created namespace, or nil when CreateNamespace is false.
	Namespace namespacev1.NamespaceV1
	// ServiceAccount is the party's ServiceAccount.
	ServiceAccount serviceaccountv1.ServiceAccountV1
	// ConfigMap is the party's ConfigMap.
	ConfigMap configmapv1.ConfigMapV1
	// NamespaceName, ServiceAccountName and ConfigMapName name the objects.
	// They are references to the created resources, so consumers depend on them.
	NamespaceName, ServiceAccountName, ConfigMapName *string
	// Database is the ExternalName Service of the connector database, nil without one.
	Database servicev1.ServiceV1
	// ConnectorServiceAccount is the KMS connector's ServiceAccount, nil without a connector.
	ConnectorServiceAccount serviceaccountv1.ServiceAccountV1
}

// New creates the namespace (when asked), the ServiceAccount and the ConfigMap.
func New(scope constructs.Construct, id string, props *Props) *PartyK8s {
	c := constructs.NewConstruct(scope, jsii.String(id))
	res := &PartyK8s{NamespaceName: jsii.String(props.Namespace)}
	if props.CreateNamespace {
		res.Namespace = namespacev1.NewNamespaceV1(c, jsii.String("namespace"), &namespacev1.NamespaceV1Config{
			Metadata: &namespacev1.NamespaceV1Metadata{
				Name:        jsii.String(props.Namespace),
				Labels:      jsiivalue.StringMap(merge(Labels(props.PartyName, namespaceComponentValue), props.NamespaceLabels)),
				Annotations: jsiivalue.StringMap(merge(annotations(props.PartyName), map[string]string{"mpc.io/cluster": props.ClusterName}, props.NamespaceAnnotations)),
			},
		})
		res.NamespaceName = res.Namespace.Metadata().Name()
	}

	saAnnotations := jsiivalue.StringMap(annotations(props.PartyName))
	if props.IRSARoleARN != nil {
		(*saAnnotations)[RoleARNAnnotation] = props.IRSARoleARN
	}
	res.ServiceAccount = serviceaccountv1.NewServiceAccountV1(c, jsii.String("service-account"), &serviceaccountv1.ServiceAccountV1Config{
		Metadata: &serviceaccountv1.ServiceAccountV1Metadata{
			Name:        jsii.String(props.ServiceAccountName),
			Namespace:   res.NamespaceName,
			Labels:      jsiivalue.StringMap(Labels(props.PartyName, "service-account")),
			Annotations: saAnnotations,
		},
	})
	res.ServiceAccountName = res.ServiceAccount.Metadata().Name()
	if cn := props.Connector; cn != nil {
		// A ServiceAccount of its own, so the connector's pods get the
		// connector role and never the party role (and the reverse).
		ann := jsiivalue.StringMap(annotations(props.PartyName))
		(*ann)[RoleARNAnnotation] = cn.RoleARN
		res.ConnectorServiceAccount = serviceaccountv1.NewServiceAccountV1(c, jsii.String("connector-service-account"), &serviceaccountv1.ServiceAccountV1Config{
			Metadata: &serviceaccountv1.ServiceAccountV1Metadata{
				Name:        jsii.String(kmsconnector.ServiceAccountName(props.ServiceAccountName)),
				Namespace:   res.NamespaceName,
				Labels:      jsiivalue.StringMap(merge(Labels(props.PartyName, "service-account"), map[string]string{"app.kubernetes.io/name": "mpc-connector"})),
				Annotations: ann,
			},
		})
	}

	name := props.ConfigMapName
	if name == "" {
		name = DefaultConfigMapName
	}
	res.ConfigMap = configmapv1.NewConfigMapV1(c, jsii.String("config-map"), &configmapv1.ConfigMapV1Config{
		Metadata: &configmapv1.ConfigMapV1Metadata{
			Name:        jsii.String(name),
			Namespace:   res.NamespaceName,
			Labels:      jsiivalue.StringMap(Labels(props.PartyName, "config")),
			Annotations: jsiivalue.StringMap(annotations(props.PartyName)),
		},
		Data: ConfigData(props),
	})
	res.ConfigMapName = res.ConfigMap.Metadata().Name()
	if props.DatabaseHost != nil {
		res.Database = newDatabaseService(c, props, res.NamespaceName)
	}
	return res
}

// DefaultDatabaseServiceName is the connector database Service's name.
const DefaultDatabaseServiceName = "kms-connector-db"

// newDatabaseService gives the connector database a stable in-cluster name:
// an ExternalName Service resolving to the RDS endpoint address.
func newDatabaseService(c constructs.Construct, props *Props, namespace *string) servicev1.ServiceV1 {
	name := props.DatabaseServiceName
	if name == "" {
		name = DefaultDatabaseServiceName
	}
	return servicev1.NewServiceV1(c, jsii.String("database"), &servicev1.ServiceV1Config{
		Metadata: &servicev1.ServiceV1Metadata{
			Name:      jsii.String(name),
			Namespace: namespace,
			Labels:    jsiivalue.StringMap(Labels(props.PartyName, "database")),
		},
		Spec: &servicev1.ServiceV1Spec{
			Type:         jsii.String("ExternalName"),
			ExternalName: props.DatabaseHost,
		},
	})
}

// Labels returns the standard labels of a party object of one component
// (storage for the namespace, service-account, config).
func Labels(partyName, component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       "mpc-party",
		"app.kubernetes.io/component":  component,
		"app.kubernetes.io/part-of":    partOfMesh,
		"app.kubernetes.io/managed-by": "terraform",
		partyNameAnnotation:            partyName,
	}
}

func annotations(partyName string) map[string]string {
	return map[string]string{moduleAnnotation: moduleAnnotationValue, partyNameAnnotation: partyName}
}

// ConfigData returns the ConfigMap data: the keys the kms-core pods read
// (the vault buckets, the public vault's endpoint for the clients, the
// attested KMS root key when one is given, the backup vault's bucket,
// prefix and key when there is one), then AdditionalData. It panics
// if AdditionalData redefines one of the construct's keys.
func ConfigData(props *Props) *map[string]*string {
	data := map[string]*string{
		kmscore.KeyPrivateBucket: props.PrivateBucket,
		kmscore.KeyPublicBucket:  props.PublicBucket,
		kmscore.KeyS3Endpoint:    jsii.String(fmt.Sprintf("https://%s.s3.%s.amazonaws.com", *props.PublicBucket, props.Region)),
	}
	if props.KMSKeyID != nil {
		data[kmscore.KeyRootKeyID] = props.KMSKeyID
		data[kmscore.KeyRootKeySpec] = jsii.String(kmscore.RootKeySpecSymmetric)
	}
	if props.Connector != nil {
		data[kmsconnector.KeyTxSenderKeyID] = props.Connector.TxSenderKeyID
	}
	if b := props.Backup; b != nil {
		data[kmscore.KeyBackupBucket] = b.Bucket
		data[kmscore.KeyBackupPrefix] = jsii.String(kmscore.BackupPrefix)
		data[kmscore.KeyBackupRootKeyID] = b.KeyARN
		data[kmscore.KeyBackupRootKeySpec] = jsii.String(kmscore.RootKeySpecAsymmetric)
	}
	var clashes []string
	for _, k := range ReservedKeys {
		if _, taken := props.AdditionalData[k]; taken {
			clashes = append(clashes, k)
		}
	}
	if len(clashes) > 0 {
		panic(fmt.Sprintf("partyk8s: AdditionalData may not set %v: the construct owns these ConfigMap keys (set them through Props)", clashes))
	}
	for k, v := range props.AdditionalData {
		data[k] = jsii.String(v)
	}
	return &data
}

// merge returns the union of maps; later maps win.
func merge(maps ...map[string]string) map[string]string {
	res := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			res[k] = v
		}
	}
	return res
}
