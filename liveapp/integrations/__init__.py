"""Outside data sources behind small protocols: enrichment, and later the CRMs."""
