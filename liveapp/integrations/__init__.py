"""Outside data sources behind small interfaces: enrichment, and the CRMs (Salesforce,
Outreach, Salesloft). Their wire-compatible sandbox is the demo's: liveapp.demo.crm_sandbox."""
