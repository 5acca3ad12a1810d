"""What our operators and sensors share, and what users' own tasks use (Airflow layer).

* :mod:`.base`: the argument table, early checks and the lazily built hook of every Snowplow task;
* :mod:`.run_processing`: the arguments of tasks that turn one run into events (transform, Spark);
* :mod:`.spark_run`: what the Spark hand-off operators share (the job's arguments, recording its run);
* :mod:`.claimed_run`: hold a run's claim around any processing code (``with claimed_run(...)``);
* :mod:`.assets`: Asset events per loaded run, for downstream DAGs;
* :mod:`.settings`: a DAG file's settings from the environment, checked when the file is parsed.
"""
