#!/bin/bash
# The init is one static binary with no exception or RTTI runtime and nothing from
# libstdc++ (header-only parts of the C++ library are fine). Prints its size.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
full=$B/kbisect-init.full
init=$B/kbisect-init
t_check "the init is built" test -x "$init"
t_check "the init has no program interpreter (static)" bash -c "! readelf -lW '$full' | grep -q INTERP"
t_check "the init needs no shared library" bash -c "! readelf -dW '$full' 2>/dev/null | grep -q NEEDED"
bad=$(nm "$full" | grep -E ' (__cxa_|__gxx_personality|_Unwind_|_ZTI|_ZTS|_ZTV)|_ZNSt.*(locale|ios_base|basic_string[^_]|exception)' | head -n 5)
t_eq "no exception, RTTI or libstdc++ runtime symbol in the init" "" "$bad"
undef=$(nm -u "$full" | head -n 5)
t_eq "no undefined symbol in the init" "" "$undef"
size=$(stat -c %s "$init")
echo "# kbisect-init: $size bytes stripped"
