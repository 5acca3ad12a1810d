"""``python -m airflow_provider_snowplow.cli``: the same as ``snowplow-manifest``."""

import sys

from airflow_provider_snowplow.cli.console import main

sys.exit(main())
