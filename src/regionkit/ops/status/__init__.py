"""`regionkit status`: what the live systems say about a stack, region by region.

Per region: whether the public hostname's DNS answer includes it, its DNS health check, the
identity server's `/serving` on its regional hostname and the runtime nodes' ready replicas;
per store: each region's role (writer, replica, or promoted: writing although the stack file
names another writer) and the replication lag from the cloud's own metric. Every reading is a
`Reading`: a value, or "unknown" with the reason (no credentials, an unreachable API, a metric
with no data points), never an exception; the cloud clients are imported only here.
"""
