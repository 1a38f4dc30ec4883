"""CRM integrations: Salesforce, Outreach and Salesloft owner look-ups, and their sandbox."""
