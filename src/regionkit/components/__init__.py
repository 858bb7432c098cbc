"""Pulumi components, one concern each: platforms, data stores, GSLB, the identity server."""
