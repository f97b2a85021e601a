# TAP 13 results for the shell suites run in the test guest; sourced.
# The caller prints the header and the plan, and exits non-zero when
# $failed is.
n=0
failed=0
tap_t0=$SECONDS

tap_time() {	# the time a result took, as a comment, from 20 s up: where time goes
	[ $((SECONDS - tap_t0)) -lt 20 ] || echo "# $((SECONDS - tap_t0)) s"
	tap_t0=$SECONDS
}

ok() {		# ok NAME
	n=$((n + 1))
	tap_time
	echo "ok $n $1"
}
notok() {	# notok NAME [WHY]
	n=$((n + 1))
	failed=$((failed + 1))
	tap_time
	echo "not ok $n $1${2:+ # $2}"
}
skip() {	# skip NAME WHY
	n=$((n + 1))
	tap_time
	echo "ok $n $1 # SKIP $2"
}
comment() {	# comment < text: each line as a TAP comment
	sed 's/^/# /'
}
