"""The part of pulumi_kubernetes that regionkit uses, for mypy only.

The real package names all of its 28 subpackages for type checkers, so mypy
would analyse every service of the cloud on a cold run. This stub keeps the package's own
top-level names and re-exports only the subpackages regionkit imports; each of those is
still read from the installed SDK, so every call is checked against the real signatures.
A new subpackage in src/ is a mypy error (module has no attribute) until it is added here.
"""

from pulumi_kubernetes.provider import *
from pulumi_kubernetes._inputs import *
from pulumi_kubernetes import admissionregistration as admissionregistration
from pulumi_kubernetes import apiextensions as apiextensions
from pulumi_kubernetes import apps as apps
from pulumi_kubernetes import autoscaling as autoscaling
from pulumi_kubernetes import batch as batch
from pulumi_kubernetes import core as core
from pulumi_kubernetes import helm as helm
from pulumi_kubernetes import meta as meta
from pulumi_kubernetes import networking as networking
from pulumi_kubernetes import policy as policy
from pulumi_kubernetes import rbac as rbac
