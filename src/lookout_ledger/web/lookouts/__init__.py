"""Lifecycle pages: my lookouts, place a lookout, approval queues, transfer inbox, timeline."""
