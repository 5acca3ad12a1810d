"""The run ledger: every run of one archive, in the state the manifest and S3 give it, at a glance.

A *ledger* is one archive URL, its manifest table, its run layout (with options) and the connection
that reaches them. This package is the Airflow-free model behind the ledger page of the Airflow UI
(:mod:`airflow_provider_snowplow.ui`): what a ledger is (:mod:`.spec`), one refresh as a plan of AWS
calls (:mod:`.survey`), the runs and their counts, filters, pages and grid (:mod:`.runs`), one run's
detail (:mod:`.detail`), the last ``verify`` kept in the manifest (:mod:`.verification`) and a
per-ledger cache (:mod:`.cache`).
"""
