#!/bin/bash
# The init is one static binary with no exception or RTTI runtime and nothing from
# libstdc++ (header-only parts of the C++ library are fine); so is the i386 one
# (make initramfs ARCH=i386), a 32-bit x86 program. Prints their sizes.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
# link_checks DIR WHO: the checks of DIR/kbisect-init, said as WHO.
link_checks() {
	local full=$1/kbisect-init.full init=$1/kbisect-init who=$2 bad undef
	t_check "$who is built" test -x "$init"
	t_check "$who has no program interpreter (static)" bash -c "! readelf -lW '$full' | grep -q INTERP"
	t_check "$who needs no shared library" bash -c "! readelf -dW '$full' 2>/dev/null | grep -q NEEDED"
	bad=$(nm "$full" | grep -E ' (__cxa_|__gxx_personality|_Unwind_|_ZTI|_ZTS|_ZTV)|_ZNSt.*(locale|ios_base|basic_string[^_]|exception)' | head -n 5)
	t_eq "no exception, RTTI or libstdc++ runtime symbol in $who" "" "$bad"
	undef=$(nm -u "$full" | head -n 5)
	t_eq "no undefined symbol in $who" "" "$undef"
	echo "# ${init#"$B"/}: $(stat -c %s "$init") bytes stripped"
}
link_checks "$B" "the init"
link_checks "$B/i386" "the i386 init"
t_eq "the i386 init is a 32-bit x86 program" "ELF32 Intel 80386" \
	"$(readelf -hW "$B/i386/kbisect-init" | awk -F': *' '/Class:/ {c = $2} /Machine:/ {m = $2} END {print c, m}')"
t_done
