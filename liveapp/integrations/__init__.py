"""Outside data sources behind small interfaces: enrichment, and the CRMs (Salesforce,
Outreach, Salesloft) with their wire-compatible sandbox."""
