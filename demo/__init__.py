"""``./dev demo``: the example pipelines, end to end, against an embedded local AWS endpoint.

It runs the example DAGs of this checkout (``example_dags/``) with ``airflow dags test``, so it
lives beside them in the repository, not in the wheel. :mod:`.pipeline` is the main demo (the
enriched archive) and the command line; :mod:`.layouts` the other run layouts
(``--layout s3-loader``, ``--layout transformer-output``).
"""
