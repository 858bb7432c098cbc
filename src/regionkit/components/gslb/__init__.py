"""Global server load balancing: the public hostname's DNS records and health checks.

One implementation per DNS provider (Route 53, Cloud DNS), each taking `GslbArgs`.
"""
