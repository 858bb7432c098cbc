"""Operations that run next to a deployment: `regionkit config-sync` (and later failover, status).

Standard library only at run time (subprocess git, http.client), so the job image stays small
and `regionkit --help` stays fast: nothing here imports Pulumi.
"""
