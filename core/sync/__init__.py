"""Sync between a technician's store and the vardia server: the wire protocol and the client."""
