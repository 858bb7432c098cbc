"""What every backup bucket shares: private, retained, abandoned uploads removed, access logged.

Access logs say who read or wrote the database's backups, and when.

Each backup bucket gets a log bucket beside it (same cloud, region and account, as both clouds
require), private, expiring its logs after `posture.ACCESS_LOG_RETENTION_DAYS`, writable only
by the cloud's log delivery:
- S3 server access logging, delivered by `logging.s3.amazonaws.com` under a bucket policy that
  names the source bucket and account (S3's recommended grant, as ACLs stay disabled);
- Cloud Storage usage logs, written by `cloud-storage-analytics@google.com` with
  `roles/storage.objectCreator` on the log bucket.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from regionkit.catalog import posture

#: the group Cloud Storage writes usage logs as
GCS_LOG_WRITER = "group:cloud-storage-analytics@google.com"


def private_s3_bucket(name: str, child: pulumi.ResourceOptions) -> aws.s3.Bucket:
    """An S3 bucket kept when removed from the program, never public."""
    bucket = aws.s3.Bucket(
        name,
        force_destroy=False,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True)),
    )
    aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    return bucket


def abort_incomplete_uploads() -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """An interrupted upload (a base backup cut off) leaves parts billed until removed."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="abort-incomplete-uploads",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=posture.ABORT_INCOMPLETE_UPLOAD_DAYS
        ),
    )


def s3_access_logs(
    name: str, source: aws.s3.Bucket, child: pulumi.ResourceOptions
) -> aws.s3.BucketLogging:
    """Server access logging of `source` into a private log bucket of its own."""
    logs = private_s3_bucket(f"{name}-access-logs", child)
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-access-logs",
        bucket=logs.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-access-logs",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=posture.ACCESS_LOG_RETENTION_DAYS
                ),
            ),
            abort_incomplete_uploads(),
        ],
        opts=child,
    )
    grant = aws.s3.BucketPolicy(
        f"{name}-access-logs",
        bucket=logs.id,
        policy=pulumi.Output.all(logs.arn, source.arn).apply(
            lambda a: _log_delivery_policy(str(a[0]), str(a[1]))
        ),
        opts=child,
    )
    return aws.s3.BucketLogging(
        name,
        bucket=source.id,
        target_bucket=logs.id,
        target_prefix="access/",
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[grant])),
    )


def _log_delivery_policy(log_bucket_arn: str, source_arn: str) -> str:
    # aws:SourceArn: only the backup bucket's logs land here (the account is the bucket's own)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3ServerAccessLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{log_bucket_arn}/access/*",
                    "Condition": {"ArnLike": {"aws:SourceArn": source_arn}},
                },
                {
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [log_bucket_arn, f"{log_bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


def gcs_usage_log_bucket(
    name: str, location: str, child: pulumi.ResourceOptions
) -> tuple[gcp.storage.Bucket, gcp.storage.BucketIAMMember]:
    """A private bucket for a backup bucket's usage logs, writable by Cloud Storage's logger."""
    logs = gcp.storage.Bucket(
        f"{name}-access-logs",
        location=location.upper(),
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        lifecycle_rules=[
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                    age=posture.ACCESS_LOG_RETENTION_DAYS
                ),
            )
        ],
        force_destroy=False,
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True)),
    )
    writer = gcp.storage.BucketIAMMember(
        f"{name}-access-logs-writer",
        bucket=logs.name,
        role="roles/storage.objectCreator",
        member=GCS_LOG_WRITER,
        opts=child,
    )
    return logs, writer
