"""regionkit: multi-region OAuth identity server topologies on Pulumi."""
