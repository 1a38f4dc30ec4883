"""Operations: what `liveapp migrate`, /readyz and the maintenance jobs run.

    schema     bringing the database schema up to date (Alembic via Flask-Migrate)
    readiness  what /readyz reports: the pipeline's lag, whether a worker is alive
    retention  deleting page views, visits, closed conversations and offline messages past
               RETENTION_DAYS
    erasure    GDPR erasure of a visitor, or of every visitor with an email
"""
