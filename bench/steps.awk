# bench/steps.awk: the per-step table of a timed bisection or cycle run
# (bench/versus-ktest.sh, bench/cycle.sh). Three files: the steps, one line each
# "START END BUILD INSTALL LABEL" (epoch seconds; build and install seconds as
# measured by the tool; LABEL printed as it is); the machine's console, each line
# "EPOCH text"; the test command's runs, "START END RC". -v f: the seconds each
# firmware pass takes more; -v head: the header above the labels; -v total: the
# "all" line's total (default: the sum of the steps).
# Per step: build, install, firmware = the GRUB banners on the console within the
# step (GRUB follows every firmware pass) x f, boot = the rest (reboots, boots,
# waits), test = the test's own time, total.
FILENAME == ARGV[1] {
	match($0, /^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /)
	n++; s[n] = $1; e[n] = $2; b[n] = $3; in_[n] = $4; label[n] = substr($0, RLENGTH + 1)
	next
}
FILENAME == ARGV[2] { if (index($0, "GNU GRUB")) grub[++ng] = $1; next }
FILENAME == ARGV[3] { ts[++nt] = $1; te[nt] = $2; next }
END {
	w = length(head)
	printf "  %s %7s %7s %9s %7s %7s %7s\n", head, "build", "install", "firmware", "boot", "test", "total"
	for (i = 1; i <= n; i++) {
		g = 0; for (k = 1; k <= ng; k++) if (grub[k] >= s[i] && grub[k] < e[i]) g++
		t = 0; for (k = 1; k <= nt; k++) if (ts[k] >= s[i] && ts[k] < e[i]) t += te[k] - ts[k]
		tot = e[i] - s[i]; rest = tot - b[i] - in_[i] - g * f - t
		printf "  %-*s %7.1f %7.1f %5.0f (%d) %7.1f %7.1f %7.1f\n", w, label[i], b[i], in_[i], g * f, g, rest, t, tot
		sb += b[i]; si += in_[i]; sf += g * f; sg += g; sr += rest; st += t; sum += tot
	}
	printf "  %-*s %7.1f %7.1f %5.0f (%d) %7.1f %7.1f %7.1f\n", w, "all", sb, si, sf, sg, sr, st, total == "" ? sum : total
}
