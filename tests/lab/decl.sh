# What a lab test declares in its header comment, read by the test itself
# (lab_start in lib.sh) and by the runner (tests/run), sourced by both:
#   # needs: FLAGS    what it needs made before it starts (lab_prepare's flags:
#                     --kernels N, --kernels-i386 N, --kernels-trixie N, --linux [ARCH,...], --disk)
#   # budget: FLAGS   its limit for a hang (lab_enter's flags: --base S, --builds N,
#                     --boots M); the runner also weighs a test it has no time for by it

# lab_decl FILE KEY: the flags of FILE's first "# KEY: " line ("" when it has none).
lab_decl() { sed -n "s/^# $2: //p" "$1" | head -n 1; }

# lab_decl_has FILE KEY FLAG: whether FILE's KEY line has FLAG.
lab_decl_has() { [[ " $(lab_decl "$1" "$2") " == *" $3 "* ]]; }

# lab_decl_value FILE KEY FLAG: the word after FLAG on FILE's KEY line ("" none).
lab_decl_value() {
	local words w take=
	read -ra words <<<"$(lab_decl "$1" "$2")"
	for w in "${words[@]}"; do
		[ -n "$take" ] && { [[ $w == --* ]] || echo "$w"; return 0; }
		[ "$w" = "$3" ] && take=1
	done
	return 0
}
