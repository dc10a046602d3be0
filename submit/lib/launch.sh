# Shared by the submit/ scripts: builds the job jar when it is missing or stale, then runs a job
# class in a local JVM with the flags Java 17, Spark and ND4J need. Source it; do not run it.
#
# Environment: SPARKTRAIN_HEAP (default 4g), SPARKTRAIN_OFFHEAP (ND4J's off-heap limit, default 6g),
# OMP_NUM_THREADS (default 1: one OpenMP thread per worker was measured fastest on small machines),
# MAVEN_ARGS (extra build flags, e.g. -Dnd4j.native.classifier=linux-x86_64 for CPUs without AVX2).

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=$repo/jobs/target

job_jar() { ls "$target"/sparktrain-jobs-*-job.jar 2>/dev/null | head -n 1; }

build_if_stale() {
  local jar
  jar=$(job_jar)
  if [[ -z "$jar" || ! -f "$target/spark-classpath.txt" ]] \
      || [[ -n "$(find "$repo/pom.xml" "$repo"/*/pom.xml "$repo"/*/src/main -newer "$jar" -print -quit)" ]]; then
    echo "Building the job jar (mvn package)..." >&2
    (cd "$repo" && mvn -B -q -DskipTests ${MAVEN_ARGS:-} package) >&2
  fi
}

to_mb() { # 4g -> 4096, 512m -> 512
  local n=${1%[gGmM]}
  case "$1" in
    *[gG]) echo $((n * 1024)) ;;
    *[mM]) echo "$n" ;;
    *) echo "SPARKTRAIN_HEAP/SPARKTRAIN_OFFHEAP: '$1' is not like 4g or 512m" >&2; return 2 ;;
  esac
}

# launch_job MAIN_CLASS ARGS...: runs the class with the job jar and the Spark jars the build resolved.
launch_job() {
  local main=$1; shift
  build_if_stale
  local heap=${SPARKTRAIN_HEAP:-4g} offheap=${SPARKTRAIN_OFFHEAP:-6g} heap_mb offheap_mb
  heap_mb=$(to_mb "$heap") && offheap_mb=$(to_mb "$offheap") || exit 2
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  # The embedded default runs Spark in this JVM: keep it on loopback.
  export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
  # JavaCPP refuses allocations once resident memory passes this: heap + off-heap + 1g of JVM overhead.
  exec java @"$repo/conf/jvm.options" \
    -Xmx"$heap" \
    -Dorg.bytedeco.javacpp.maxbytes="${offheap_mb}m" \
    -Dorg.bytedeco.javacpp.maxphysicalbytes="$((heap_mb + offheap_mb + 1024))m" \
    -Dlog4j2.configurationFile="$repo/conf/log4j2.properties" \
    -cp "$(job_jar):$(cat "$target/spark-classpath.txt")" \
    "$main" "$@"
}

# with_default_config ARGS...: prints the arguments, one per line, with --config conf/mnist-lenet.conf
# added when neither --config, --resume nor --describe-config is among them.
with_default_config() {
  local arg
  for arg in "$@"; do
    case "$arg" in --config|--resume|--describe-config) printf '%s\n' "$@"; return ;; esac
  done
  printf '%s\n' --config "$repo/conf/mnist-lenet.conf" "$@"
}
