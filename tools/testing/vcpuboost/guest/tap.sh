# TAP 13 results for the shell suites run in the test guest; sourced.
# The caller prints the header and the plan, and exits non-zero when
# $failed is.
n=0
failed=0

ok() {		# ok NAME
	n=$((n + 1))
	echo "ok $n $1"
}
notok() {	# notok NAME [WHY]
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1${2:+ # $2}"
}
skip() {	# skip NAME WHY
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}
comment() {	# comment < text: each line as a TAP comment
	sed 's/^/# /'
}
