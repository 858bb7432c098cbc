"""Facts about EKS that regionkit's add-ons depend on, each with where it was read."""

from __future__ import annotations

#: Cluster Autoscaler runs the minor of the control plane it scales ("versioning scheme was
#: changed to match Kubernetes minor releases exactly", cluster-autoscaler/README.md); the
#: newest patch of each minor among the kubernetes/autoscaler tags `cluster-autoscaler-1.x.y`
AUTOSCALER_IMAGES: dict[str, str] = {
    "1.30": "v1.30.7",
    "1.31": "v1.31.5",
    "1.32": "v1.32.7",
    "1.33": "v1.33.6",
    "1.34": "v1.34.5",
    "1.35": "v1.35.2",
}

#: the Kubernetes minors the pinned VPC CNI add-on version is documented for (EKS user guide,
#: "Amazon VPC CNI versions": v1.20.1-eksbuild.3 for 1.27 to 1.33)
VPC_CNI_KUBERNETES: tuple[str, ...] = ("1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33")

#: the partitions the AWS Load Balancer Controller publishes an IAM policy for (docs/install)
LBC_POLICY_PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov", "aws-eusc")

#: the control plane version regionkit creates when the stack names none
DEFAULT_KUBERNETES_VERSION = "1.33"
