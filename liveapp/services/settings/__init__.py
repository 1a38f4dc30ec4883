"""Settings that are neither membership nor routing: users and groups, sites, ordering.

    users     creating and changing users and groups
    sites     creating and editing sites, and the hot-path lookup of a site by its key
    ordering  ordered settings (streams, experiences, routing rules): reorder, close gaps
    names     a setting's name unique among its kind, whatever its case
"""
