"""Moving the writer of every store and the traffic to another region.

`regionkit failover` (unplanned: data loss allowed), `switchover` (planned: none) and
`switchback` (back to the roles of the stack file) share one shape: a list of `Step`s, each of
which checks the live state first, acts only when needed and waits with a bounded timeout, so a
command that failed half-way is simply run again.
"""
