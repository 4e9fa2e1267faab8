"""`make bench`: round trips, cold start, CPU per request, local throughput and cost."""
