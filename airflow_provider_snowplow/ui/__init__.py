"""The run ledger in the Airflow UI: an Airflow plugin serving a page and JSON under the API server.

:mod:`.plugin` is what Airflow loads (through the ``airflow.plugins`` entry point: installing the
package is all it takes); it builds the FastAPI app of :mod:`.app` only when the API server mounts
it. :mod:`.sources` finds the ledgers in the deployment's DAGs, :mod:`.access` decides who sees
which, :mod:`.aws` refreshes a ledger through the manifest hook, :mod:`.pages` renders the HTML.
"""
