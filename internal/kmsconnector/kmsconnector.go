// Package kmsconnector is the contract with the KMS connector, the service
// that relays requests between the chain and kms-core and sends the
// resulting transactions. It is deployed by its own chart, outside this
// app; what this app gives it is an identity (a ServiceAccount bound to its
// own IAM role), a transaction-signing key, and the party ConfigMap keys
// below. kms-core names stay in package kmscore.
package kmsconnector

// KeyTxSenderKeyID is the party ConfigMap key the connector's tx-sender
// reads: the KMS key (id, or ARN when the key is in another account) whose
// secp256k1 key pair is its Ethereum wallet.
const KeyTxSenderKeyID = "KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID"

// ConfigMapKeys are the party ConfigMap keys the connector reads (and no
// kms-core pod does), in a stable order.
var ConfigMapKeys = []string{KeyTxSenderKeyID}

// ServiceAccountSuffix is appended to the party's ServiceAccount to name the
// connector's: the connector chart looks up <party service account>-connector.
const ServiceAccountSuffix = "-connector"

// ServiceAccountName is the connector's ServiceAccount for a party's.
func ServiceAccountName(partyServiceAccount string) string {
	return partyServiceAccount + ServiceAccountSuffix
}

// Transaction-signing key: an Ethereum account is a secp256k1 key pair,
// which KMS offers as ECC_SECG_P256K1 for signing and verification only.
const (
	TxSenderKeySpec  = "ECC_SECG_P256K1"
	TxSenderKeyUsage = "SIGN_VERIFY"
)

// SigningActions are all the connector may do with its key, each for one
// reason: kms:GetPublicKey derives the wallet address, kms:Sign signs the
// transactions, kms:DescribeKey lets the signer check the key's spec and
// usage before it uses it. kms:Verify is not granted: the chain verifies
// signatures with the public key, and so can the connector, locally.
var SigningActions = []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"}
