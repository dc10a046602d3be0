# Shared by the submit/ scripts: builds the job jar when it is missing or stale, then runs a job
# class in a local JVM with the flags Java 17, Spark and ND4J need. Source it; do not run it.
#
# Environment: SPARKTRAIN_HEAP (default 4g), SPARKTRAIN_OFFHEAP (ND4J's off-heap limit, default 6g),
# OMP_NUM_THREADS (default 1: one OpenMP thread per worker was measured fastest on small machines),
# MAVEN_ARGS (extra build flags, e.g. -Dnd4j.native.classifier=linux-x86_64-onednn for CPUs without AVX2),
# SPARKTRAIN_JAVA_OPTS (more JVM options for the driver, e.g. -Dorg.eclipse.deeplearning4j.helpers.disable=true),
# SPARKTRAIN_SKIP_BUILD (set: use the jar as it is).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=$repo/jobs/target
# A fixed name (the shade plugin's finalName): a jar of another version can never be picked up.
job_jar=$target/sparktrain-job.jar

# Exit code of a submit/ script whose build failed, or that found no Java or Maven to build with.
BUILD_FAILED=6

build_if_stale() {
  # Tests that run the scripts after Maven packaged the jar must not start a second build.
  [[ -n "${SPARKTRAIN_SKIP_BUILD:-}" ]] && return 0
  if [[ -f "$job_jar" && -f "$target/spark-classpath.txt" ]] \
      && [[ -z "$(find "$repo/pom.xml" "$repo"/*/pom.xml "$repo"/*/src/main -newer "$job_jar" -print -quit)" ]]; then
    return 0
  fi
  build
}

# build: mvn package with its output in target/build.log; Maven is quiet for minutes while it
# downloads, so a line every minute says the build still runs.
build() {
  local tool
  for tool in java mvn; do
    if ! command -v "$tool" >/dev/null; then
      echo "submit: '$tool' is not installed; building needs a JDK 17 and Maven 3.6.3 or later (see README.md)" >&2
      exit "$BUILD_FAILED"
    fi
  done
  local log=$repo/target/build.log
  mkdir -p "$repo/target"
  echo "Building the job jar (mvn package, tests skipped); the first build downloads its dependencies" \
    "and takes some minutes. Log: $log" >&2
  (cd "$repo" && exec mvn -B -Dstyle.color=never -DskipTests ${MAVEN_ARGS:-} package) > "$log" 2>&1 < /dev/null &
  local pid=$! status=0 seconds=0 module
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( ++seconds % 60 == 0 )); then
      module=$(sed -n 's/^\[INFO\] Building \(sparktrain[a-z ]*[a-z]\).*/\1/p' "$log" | tail -n 1)
      echo "Still building ($((seconds / 60)) min)${module:+, now $module}" >&2
    fi
  done
  wait "$pid" || status=$?
  if ((status != 0)) || [[ ! -f "$job_jar" ]]; then
    echo "submit: the build failed (mvn exit status $status); the end of $log:" >&2
    tail -n 40 "$log" >&2
    exit "$BUILD_FAILED"
  fi
  echo "Built $job_jar in ${seconds} s" >&2
}

to_mb() { # 4g -> 4096, 512m -> 512
  local n=${1%[gGmM]}
  case "$1" in
    *[gG]) echo $((n * 1024)) ;;
    *[mM]) echo "$n" ;;
    *) echo "SPARKTRAIN_HEAP/SPARKTRAIN_OFFHEAP: '$1' is not like 4g or 512m" >&2; return 2 ;;
  esac
}

# memory_flags: sets heap, offheap_mb and physical_mb from the environment.
memory_flags() {
  heap=${SPARKTRAIN_HEAP:-4g}
  local offheap=${SPARKTRAIN_OFFHEAP:-6g} heap_mb
  heap_mb=$(to_mb "$heap") && offheap_mb=$(to_mb "$offheap") || exit 2
  # JavaCPP refuses allocations once resident memory passes this: heap + off-heap + 1g of JVM overhead.
  physical_mb=$((heap_mb + offheap_mb + 1024))
}

# launch_job MAIN_CLASS ARGS...: runs the class with the job jar and the Spark jars the build resolved.
launch_job() {
  local main=$1; shift
  build_if_stale
  memory_flags
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  # The embedded default runs Spark in this JVM: keep it on loopback.
  export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
  exec java @"$repo/conf/jvm.options" \
    -Xmx"$heap" \
    -Dorg.bytedeco.javacpp.maxbytes="${offheap_mb}m" \
    -Dorg.bytedeco.javacpp.maxphysicalbytes="${physical_mb}m" \
    -Dlog4j2.configurationFile="$repo/conf/log4j2.properties" \
    -Dsparktrain.home="$repo" \
    ${SPARKTRAIN_JAVA_OPTS:-} \
    -cp "$job_jar:$(cat "$target/spark-classpath.txt")" \
    "$main" "$@"
}

# submit_job MASTER_URL MAIN_CLASS ARGS...: submits the job jar through Spark's own SparkSubmit, as
# spark-submit does, in client mode. Uses $SPARK_HOME/bin/spark-submit when SPARK_HOME is a real
# Spark installation, otherwise the runtime submit/cluster assembles from the build's jars.
# Executors get SPARKTRAIN_EXECUTOR_HEAP (default 2g) and one OpenMP thread; the job itself sizes
# their off-heap limits and memoryOverhead (spark.executor-offheap-memory).
submit_job() {
  local master=$1 main=$2; shift 2
  build_if_stale
  memory_flags
  local conf=(
    --master "$master" --deploy-mode client --class "$main"
    --conf "spark.executor.memory=${SPARKTRAIN_EXECUTOR_HEAP:-2g}"
    --conf "spark.executorEnv.OMP_NUM_THREADS=1"
  )
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  case "$master" in
    # A cluster on this machine's loopback (submit/cluster): the executors reach the driver there.
    spark://127.0.0.1:*|spark://localhost:*) export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1} ;;
  esac
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    exec "$SPARK_HOME/bin/spark-submit" --driver-memory "$heap" \
      --driver-java-options "-Dorg.bytedeco.javacpp.maxbytes=${offheap_mb}m -Dorg.bytedeco.javacpp.maxphysicalbytes=${physical_mb}m" \
      "${conf[@]}" "$job_jar" "$@"
  fi
  spark_home "$repo/target/cluster/spark-home"
  exec java @"$repo/conf/jvm.options" \
    -Xmx"$heap" \
    -Dorg.bytedeco.javacpp.maxbytes="${offheap_mb}m" \
    -Dorg.bytedeco.javacpp.maxphysicalbytes="${physical_mb}m" \
    -Dlog4j2.configurationFile="$repo/conf/log4j2.properties" \
    -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
    org.apache.spark.deploy.SparkSubmit "${conf[@]}" "$job_jar" "$@"
}

# with_default_config CONFIG ARGS...: prints the arguments, one per line, with --config conf/CONFIG
# added when neither --config, --resume nor --describe-config is among them.
with_default_config() {
  local config=$1 arg
  shift
  for arg in "$@"; do
    case "$arg" in --config|--resume|--describe-config) printf '%s\n' "$@"; return ;; esac
  done
  printf '%s\n' --config "$repo/conf/$config" "$@"
}

# spark_home DIR: a Spark runtime of the build's own Spark version in DIR, assembled from Maven
# Central's jars (submit/spark-runtime/pom.xml; no Spark download exists here). A Worker launches
# executors only when the home has a RELEASE marker (it then takes jars/ as the classpath) and
# SPARK_SCALA_VERSION is set.
spark_home() {
  local home=$1 jar runtime=$repo/submit/spark-runtime/pom.xml
  if [[ ! -f "$home/RELEASE" || "$home/RELEASE" -ot "$runtime" || "$home/RELEASE" -ot "$repo/pom.xml" ]]; then
    rm -rf "$home"
    mkdir -p "$home/jars" "$home/conf"
    echo "Assembling a Spark runtime in $home..." >&2
    (cd "$repo" && mvn -B -q -Dstyle.color=never -f "$runtime" -P '!cpu' dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$home/classpath.txt") >&2
    # The file ends without a newline: the last entry is read too.
    tr ':' '\n' < "$home/classpath.txt" | while read -r jar || [[ -n "$jar" ]]; do
      [[ -n "$jar" ]] && ln -s "$jar" "$home/jars/"
    done
    cp "$repo/conf/log4j2-cluster.properties" "$home/conf/log4j2.properties"
    echo "Spark $(spark_version "$home") assembled by sparktrain from Maven Central's jars" > "$home/RELEASE"
  fi
  export SPARK_HOME=$home SPARK_SCALA_VERSION=2.12
}

spark_version() { # HOME
  local core
  core=$(tr ':' '\n' < "$1/classpath.txt" | grep -m1 '/spark-core_')
  basename "$(dirname "$core")"
}

# run_training_job MAIN_CLASS CONFIG ARGS...: run_job with conf/CONFIG unless the arguments name a
# config or a run to resume.
run_training_job() {
  local main=$1 config=$2
  shift 2
  local args
  mapfile -t args < <(with_default_config "$config" "$@")
  run_job "$main" "${args[@]}"
}

# run_job MAIN_CLASS ARGS...: runs a job in this JVM on the master its settings name, or with
# --master URL submits it to that cluster with spark-submit.
run_job() {
  local main=$1 master=
  shift
  local rest=()
  while (($#)); do
    if [[ "$1" == --master ]]; then
      master=${2:?--master needs a URL such as spark://127.0.0.1:7077}
      shift 2
    else
      rest+=("$1")
      shift
    fi
  done
  if [[ -n "$master" ]]; then
    submit_job "$master" "$main" ${rest[@]+"${rest[@]}"}
  else
    launch_job "$main" ${rest[@]+"${rest[@]}"}
  fi
}
