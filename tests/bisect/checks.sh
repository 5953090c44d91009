# Shared by the bisection tests (source after tests/bisect/setup.sh, in the
# engineer's clone): a kbisect run on a machine showing a planted regression,
# and the checks of its results.
good=$(commit 0)

# The tip image, so that each machine boots once and the server knows it; for
# every arch of the builder's configuration: x86_64, which the machines' stage-1
# boots first, and BISECT_ARCH's when it is another.
"$BUILDER" --config "$BUILDER_INI" build master >"$LAB_DIR/tip-build.log" 2>&1 ||
	{ cat "$LAB_DIR/tip-build.log"; t_result 1 "the tip builds"; exit 1; }

# bisect NAME BUG [kbisect run OPTIONS...]: a machine showing BUG, booted once,
# then bisected good..master (GOOD: another good end) with BISECT_ARCH's images;
# the output in LAB_DIR/NAME.out.
# The boot timeout (BOOT_TIMEOUT, default 90 s) is what a hang costs; a good boot
# takes 6-10 s here, but a host loaded far past its cores (load 50 was seen) can
# starve the stage-1's kexec and the candidate's boot for tens of seconds, and
# the bisection would take that for a hang. A scenario that plants hangs pays
# each one and sets it lower.
bisect() {
	local m=$1 bug=$2
	shift 2
	machine "$m" "$bug"
	wait_for "$m" "^kbisect: kexec into" 120 >/dev/null || return 1
	"$KBISECT" --server "$LAB_URL" run --machine "$m" --good "${GOOD:-$good}" --bad master \
		--power "qmp:$LAB_DIR/$m.qmp" --console "$LAB_OUT/$m.console" --boot-timeout "${BOOT_TIMEOUT:-90}" \
		--arch "$BISECT_ARCH" --build "$BUILDER --config $BUILDER_INI build \$KBISECT_COMMIT --arch \$KBISECT_ARCH" \
		--log "$LAB_OUT/$m.log" "$@" >"$LAB_DIR/$m.out" 2>"$LAB_DIR/$m.err"
	echo $? >"$LAB_DIR/$m.rc"
	sed 's/^/# /' "$LAB_DIR/$m.out"
	lab_qemu_stop "$m"
}
culprit_is() { # culprit_is NAME N
	grep -q "^first bad commit: $(commit "$2") " "$LAB_DIR/$1.out" && [ "$(cat "$LAB_DIR/$1.rc")" = 0 ]
}
# The step table's times add up to the total, and every step's image is in the log.
table_ok() {
	local m=$1 steps sum total
	steps=$(grep -cE '^[0-9]+ +[0-9a-f]{12} ' "$LAB_DIR/$m.out")
	[ "$steps" -ge 2 ] || return 1
	sum=$(grep -E '^[0-9]+ +[0-9a-f]{12} ' "$LAB_DIR/$m.out" | awk '{s += $NF} END {printf "%.2f", s}')
	read -r s1 g total < <(sed -n 's/^steps \([0-9.]*\) s + between steps \([-0-9.]*\) s = total \([0-9.]*\) s$/\1 \2 \3/p' "$LAB_DIR/$m.out")
	[ "$s1" = "$sum" ] && [ "$(echo "$s1 + $g == $total" | bc)" = 1 ] && [ "$(echo "$g >= 0 && $g < $total" | bc)" = 1 ]
}

# images_in NAME FILE...: every image the bisection booted (at least 2) is in FILE.
booted_images() { awk '$2 != "-" {print $2}' "$LAB_OUT/$1.log.steps" 2>/dev/null; }
images_in() {
	local m=$1 i n=0
	shift
	for i in $(booted_images "$m"); do
		grep -q " $i\b\|^$i\b\| $i " "$@" || return 1
		n=$((n + 1))
	done
	[ $n -ge 2 ]
}
