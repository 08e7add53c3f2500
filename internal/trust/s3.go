package trust

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options configures an S3Store.
type S3Options struct {
	// Endpoint replaces the AWS endpoint (an emulator such as moto_server);
	// requests then use path-style addressing. Default: AWS.
	Endpoint string
	// Credentials replace the default credential chain (IRSA web identity
	// in the cluster, the AWS profile on an operator's machine). Default:
	// the chain.
	Credentials aws.CredentialsProvider
}

// S3Store is a Store on Amazon S3, with one client per region, since the
// peers' buckets live in their own regions.
type S3Store struct {
	opts S3Options
	base aws.Config
	mu   sync.Mutex
	byRg map[string]*s3.Client
}

// NewS3Store loads the default AWS configuration and returns a Store.
func NewS3Store(ctx context.Context, opts S3Options) (*S3Store, error) {
	var loads []func(*awsconfig.LoadOptions) error
	if opts.Credentials != nil {
		loads = append(loads, awsconfig.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &S3Store{opts: opts, base: cfg, byRg: map[string]*s3.Client{}}, nil
}

func (s *S3Store) client(region string) *s3.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.byRg[region]; ok {
		return c
	}
	c := s3.NewFromConfig(s.base, func(o *s3.Options) {
		o.Region = region
		// The report is the program's output; S3 answers without a
		// checksum are routine (small objects, emulators) and not news.
		o.DisableLogOutputChecksumValidationSkipped = true
		if s.opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.opts.Endpoint)
			o.UsePathStyle = true
		}
	})
	s.byRg[region] = c
	return c
}

// List returns the keys under prefix, sorted, at most MaxObjects+1 of them
// (enough for the caller to see the bound is exceeded).
func (s *S3Store) List(ctx context.Context, region, bucket, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client(region), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() && len(keys) <= MaxObjects {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, denied(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// Get reads an object of at most MaxObjectBytes.
func (s *S3Store) Get(ctx context.Context, region, bucket, key string) ([]byte, error) {
	out, err := s.client(region).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		var api smithy.APIError
		if errors.As(err, &nsk) || (errors.As(err, &api) && api.ErrorCode() == "NotFound") {
			return nil, ErrNotFound
		}
		return nil, denied(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxObjectBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxObjectBytes {
		return nil, fmt.Errorf("s3://%s/%s is larger than %d bytes, too large for CA material", bucket, key, MaxObjectBytes)
	}
	return data, nil
}

// Put writes an object.
func (s *S3Store) Put(ctx context.Context, region, bucket, key string, data []byte) error {
	_, err := s.client(region).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket),
		Key:    aws.String(key),
		Body:   bytes.NewReader(data),
	})
	return err
}

// denied wraps ErrDenied around an S3 refusal (HTTP 403), keeping the message.
func denied(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
		return fmt.Errorf("%w: %w", ErrDenied, err)
	}
	return err
}
