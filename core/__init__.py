"""vardia's domain: the support calendar, plans, SLA, pricing, the local store and sync."""
