"""The part of pulumi_gcp that regionkit uses, for mypy only.

The real package names all of its 144 subpackages for type checkers, so mypy
would analyse every service of the cloud on a cold run. This stub keeps the package's own
top-level names and re-exports only the subpackages regionkit imports; each of those is
still read from the installed SDK, so every call is checked against the real signatures.
A new subpackage in src/ is a mypy error (module has no attribute) until it is added here.
"""

from pulumi_gcp.location_from_id import *
from pulumi_gcp.name_from_id import *
from pulumi_gcp.project_from_id import *
from pulumi_gcp.provider import *
from pulumi_gcp.region_from_id import *
from pulumi_gcp.region_from_zone import *
from pulumi_gcp.zone_from_id import *
from pulumi_gcp._inputs import *
from pulumi_gcp import certificatemanager as certificatemanager
from pulumi_gcp import compute as compute
from pulumi_gcp import container as container
from pulumi_gcp import dns as dns
from pulumi_gcp import iam as iam
from pulumi_gcp import organizations as organizations
from pulumi_gcp import projects as projects
from pulumi_gcp import serviceaccount as serviceaccount
from pulumi_gcp import servicenetworking as servicenetworking
from pulumi_gcp import spanner as spanner
from pulumi_gcp import sql as sql
from pulumi_gcp import storage as storage
