"""Facts regionkit knows: cloud regions, data engines, DNS limits, identity server ports."""
