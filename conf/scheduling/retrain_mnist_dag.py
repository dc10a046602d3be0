"""Nightly retraining of the registered model "mnist" with sparktrain, from Airflow.

The job jar is jobs/target/sparktrain-job.jar (mvn -DskipTests package). Exit code 9 (the
challenger was not promoted) is a normal outcome; SparkSubmitOperator fails the task on any non-zero
code, so the task is retried only through Airflow's own retries, never run twice at once: the job
takes the model's lock itself (exit code 8), as max_active_runs=1 has let runs overlap.
"""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

with DAG(
    dag_id="sparktrain_retrain_mnist",
    schedule="30 2 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    max_active_runs=1,
) as dag:
    retrain = SparkSubmitOperator(
        task_id="retrain",
        application="/opt/sparktrain/jobs/target/sparktrain-job.jar",
        java_class="io.sparktrain.jobs.RetrainJob",
        conn_id="spark_default",
        application_args=[
            "--config", "/opt/sparktrain/conf/retrain-mnist.conf",
            "--data", "hdfs:///data/mnist/snapshots/{{ ds }}",
            "--set", "run.root=hdfs:///sparktrain",
            "--set", "registry.root=hdfs:///sparktrain",
        ],
        conf={"spark.executorEnv.OMP_NUM_THREADS": "1"},
    )
