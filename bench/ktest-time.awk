# bench/ktest-time.awk: ktest.pl's durations ("Build time:   2 minutes 3 seconds")
# in seconds, for the awk programs of bench/versus-ktest.sh and bench/cycle.sh.
function secs(s,   t, n, i, a) { # "2 minutes 3 seconds" -> 123
	t = 0; n = split(s, a, " ")
	for (i = 1; i < n; i += 2) {
		if (a[i + 1] ~ /^hour/) t += a[i] * 3600
		else if (a[i + 1] ~ /^minute/) t += a[i] * 60
		else if (a[i + 1] ~ /^second/) t += a[i]
	}
	return t
}
