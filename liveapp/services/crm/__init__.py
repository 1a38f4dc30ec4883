"""CRM and company data: who owns a visitor in the CRMs, the CRM settings, and the
company and marketing data a visitor is enriched with.

    owner_lookup        a visitor's owner in each enabled CRM, looked up by a job when the
                        visitor becomes identifiable, stored on `visitor.crm`
    crm_settings        CRM integration settings: validated saves, secrets encrypted at
                        rest, the clients built from them, connection tests, user mapping
    visitor_enrichment  enriching a visitor off the request path: company, ABM target
                        account, marketing automation data
    data_imports        importing ABM accounts and marketing data from CSV files

The CRM clients themselves (HTTP, auth, record matching) are in `liveapp/integrations/`.
"""
