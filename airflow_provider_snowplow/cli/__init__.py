"""The manifest CLI for operators: ``snowplow-manifest <command>`` or ``airflow snowplow <command>``.

Both front ends share one definition (:mod:`.definition`) and one implementation (:mod:`.commands`,
which documents output, JSON keys and exit codes). ``snowplow-manifest`` works on any host with
boto3; it imports Airflow only for ``--conn-id``. See docs/cli.md.
"""
