# Helpers shared by the test layers. Sourced, never executed.
#
# A layer writes flattened results (see tap-flatten.awk) to
# build/check/<layer>.results; count_results turns them into the
# "N passed, N failed, N skipped" line.

TESTS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# IPCSVC_RUN_ID keeps the results and guest logs of concurrent runs in one
# tree apart.
RUN_SUFFIX=${IPCSVC_RUN_ID:+-$IPCSVC_RUN_ID}
CHECK_DIR=$TESTS_TOP/build/check$RUN_SUFFIX
mkdir -p "$CHECK_DIR"

# flatten PREFIX RC: read one program's TAP on stdin, print flattened lines.
flatten() {
	awk -v prefix="$1" -v rc="$2" -f "$TESTS_TOP/tests/lib/tap-flatten.awk"
}

# result STATUS NAME: one result line produced by a layer itself.
result() {
	printf '%s %s\n' "$1" "$2"
}

# count_results FILE: "P F S" for a flattened results file.
count_results() {
	awk '/^ok .* # SKIP$/ { s++; next }
	     /^ok / { p++; next }
	     /^not ok / { f++ }
	     END { printf "%d %d %d\n", p, f, s }' "$1"
}

# summarize LAYER FILE: print the layer's failures and its summary line;
# succeed only if nothing failed and something ran.
summarize() {
	local layer=$1 file=$2 p f s
	read -r p f s < <(count_results "$file")
	grep '^not ok ' "$file" | sed 's/^/  FAIL: /' >&2 || true
	printf 'layer %s: %d passed, %d failed, %d skipped\n' "$layer" "$p" "$f" "$s"
	[ "$f" = 0 ] && [ $((p + s)) -gt 0 ]
}
