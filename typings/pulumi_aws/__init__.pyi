"""The part of pulumi_aws that regionkit uses, for mypy only.

The real package names all of its 240 subpackages for type checkers, so mypy
would analyse every service of the cloud on a cold run. This stub keeps the package's own
top-level names and re-exports only the subpackages regionkit imports; each of those is
still read from the installed SDK, so every call is checked against the real signatures.
A new subpackage in src/ is a mypy error (module has no attribute) until it is added here.
"""

from pulumi_aws._enums import *
from pulumi_aws.arn_build import *
from pulumi_aws.arn_parse import *
from pulumi_aws.get_arn import *
from pulumi_aws.get_availability_zone import *
from pulumi_aws.get_availability_zones import *
from pulumi_aws.get_billing_service_account import *
from pulumi_aws.get_caller_identity import *
from pulumi_aws.get_default_tags import *
from pulumi_aws.get_ip_ranges import *
from pulumi_aws.get_partition import *
from pulumi_aws.get_region import *
from pulumi_aws.get_regions import *
from pulumi_aws.get_service import *
from pulumi_aws.get_service_principal import *
from pulumi_aws.provider import *
from pulumi_aws.trim_iam_role_path import *
from pulumi_aws.user_agent import *
from pulumi_aws._inputs import *
from pulumi_aws import outputs as outputs
from pulumi_aws import acm as acm
from pulumi_aws import cloudwatch as cloudwatch
from pulumi_aws import dsql as dsql
from pulumi_aws import dynamodb as dynamodb
from pulumi_aws import ec2 as ec2
from pulumi_aws import eks as eks
from pulumi_aws import iam as iam
from pulumi_aws import kms as kms
from pulumi_aws import lb as lb
from pulumi_aws import rds as rds
from pulumi_aws import route53 as route53
from pulumi_aws import s3 as s3
from pulumi_aws import vpc as vpc
