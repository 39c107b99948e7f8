# Flatten one program's TAP/KTAP output into one result line per test case:
#
#   ok <prefix>/<name>            a pass
#   ok <prefix>/<name> # SKIP     a skip
#   not ok <prefix>/<name>        a failure
#
# Nesting is read from indentation (KTAP: four spaces a level). Only leaves
# are counted: a result line whose level had subtests is a parent, and it
# adds a failure of its own only if it failed without any failing child
# (a suite that crashed between cases, say). A plan that promised more
# results than arrived, or a non-zero exit with nothing failed, is a failure
# too, so a test program that dies half-way cannot pass.
#
# Variables: prefix (name prefix), rc (the program's exit status, or "").

function depth_of(line,    n) {
	match(line, /^[ \t]*/)
	n = RLENGTH
	gsub(/\t/, "    ", line)
	match(line, /^ */)
	return int(RLENGTH / 4)
}

function emit(status, name, skip) {
	printf "%s %s%s\n", status, name, skip ? " # SKIP" : ""
	if (status == "not ok")
		failed++
}

BEGIN { failed = 0; top_results = 0; plan = -1 }

{ sub(/\r$/, "") }

/^[ \t]*# Subtest: / {
	d = depth_of($0)
	name = $0
	sub(/^[ \t]*# Subtest: /, "", name)
	subtest[d + 1] = name
	next
}

# The kselftest harness announces each test; some versions then print a
# skip result without its name.
/^#  RUN +/ {
	last_run = $3
	next
}

/^[ \t]*1\.\.[0-9]+/ {
	d = depth_of($0)
	if (d == 0 && plan < 0) {
		p = $0
		sub(/^[ \t]*1\.\./, "", p)
		plan = p + 0
	}
	next
}

/^[ \t]*(not )?ok [0-9]+/ {
	d = depth_of($0)
	line = $0
	sub(/^[ \t]*/, "", line)
	status = (line ~ /^not ok/) ? "not ok" : "ok"
	sub(/^(not )?ok [0-9]+( -)? ?/, "", line)
	skip = (line ~ /#[ \t]*[Ss][Kk][Ii][Pp]/)
	sub(/[ \t]*#.*$/, "", line)
	if (line == "")
		line = (d == 0 && last_run != "") ? last_run : "(unnamed)"

	path = prefix
	for (i = 1; i <= d; i++)
		if (subtest[i] != "")
			path = path "/" subtest[i]
	# KTAP repeats the subtest's own name on its result line.
	if (d > 0 && subtest[d] == line)
		sub("/" line "$", "", path)
	full = path "/" line

	if (has_child[d]) {
		if (status == "not ok" && !child_failed[d])
			emit("not ok", full " (failed outside its cases)", 0)
	} else {
		emit(status, full, skip && status == "ok")
		if (status == "not ok" && d > 0)
			child_failed[d - 1] = 1
	}
	if (child_failed[d] && d > 0)
		child_failed[d - 1] = 1
	has_child[d] = 0
	child_failed[d] = 0
	subtest[d + 1] = ""
	if (d > 0)
		has_child[d - 1] = 1
	else
		top_results++
}

END {
	if (plan > top_results)
		emit("not ok", prefix ": " (plan - top_results) " of " plan " planned results missing", 0)
	if (rc != "" && rc != 0 && failed == 0)
		emit("not ok", prefix ": exited with status " rc, 0)
	if (plan < 0 && top_results == 0 && rc != "")
		emit("not ok", prefix ": printed no results", 0)
}
