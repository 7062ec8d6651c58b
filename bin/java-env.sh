# Sourced by bin/lora4j, bin/test and .ci/run: sets JAVA_HOME to a JDK >= 25 or exits with a clear error.
# Order: $JAVA_HOME if it is new enough, then the newest JDK >= 25 under /usr/lib/jvm (and ~/.jdks).
lora4j_java_major() { # $1 = java binary -> prints the major version or nothing
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
lora4j_find_jdk() {
  local best="" best_major=0 cand major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$(lora4j_java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* "$HOME"/.jdks/* /opt/java/*; do
    [ -x "$cand/bin/javac" ] || continue
    major=$(lora4j_java_major "$cand/bin/java")
    [ -n "$major" ] || continue
    if [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then best="$cand"; best_major=$major; fi
  done
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}
if ! LORA4J_JDK=$(lora4j_find_jdk); then
  echo "lora4j: error: no JDK 25 or newer found (checked \$JAVA_HOME and /usr/lib/jvm)." >&2
  echo "lora4j: install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium repository) or unpack a JDK 25 and set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME="$LORA4J_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
