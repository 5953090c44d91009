#!/bin/bash
# The stage-1's size budget (init <= 300 KB stripped with TLS, initramfs without
# modules <= 200 KB gzipped), make install-initramfs, and the GRUB snippet: a
# menu entry GRUB's own checker accepts, and no entry (but a reason) when
# /etc/default/kbisect is incomplete or unsafe.
. "$(dirname "$0")/../tap.sh"
B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

init_size=$(stat -c %s "$B/kbisect-init")
"$top/scripts/kbisect-mkinitramfs" -o "$tmp/bare.cpio.gz" --init "$B/kbisect-init" >/dev/null
cpio_size=$(stat -c %s "$tmp/bare.cpio.gz")
echo "# kbisect-init: $init_size bytes stripped (budget 307200); initramfs without modules: $cpio_size bytes gzipped (budget 204800)"
t_check "the init is at most 300 KB stripped ($init_size bytes)" test "$init_size" -le 307200
t_check "the initramfs without modules is at most 200 KB gzipped ($cpio_size bytes)" test "$cpio_size" -le 204800
i386_size=$(stat -c %s "$B/i386/kbisect-init")
echo "# i386/kbisect-init: $i386_size bytes stripped (budget 307200)"
t_check "the i386 init is at most 300 KB stripped ($i386_size bytes)" test "$i386_size" -le 307200
t_eq "the initramfs holds the init as /init and the skeleton" "etc/kbisect/modules init" \
	"$(zcat "$tmp/bare.cpio.gz" | cpio -t 2>/dev/null | grep -xE 'init|etc/kbisect/modules' | sort | tr '\n' ' ' | sed 's/ $//')"
t_check "kbisect-mkinitramfs refuses an unknown argument" bash -c "! '$top/scripts/kbisect-mkinitramfs' -o '$tmp/x' --colour 2>/dev/null"
t_check "kbisect-mkinitramfs refuses a CA that is not PEM" \
	bash -c "echo junk >'$tmp/ca' && ! '$top/scripts/kbisect-mkinitramfs' -o '$tmp/x' --ca '$tmp/ca' 2>/dev/null && test ! -e '$tmp/x'"

# SIGNING_KEY: the builder's public key as the raw P-256 point; wrong keys refused.
mk() { "$top/scripts/kbisect-mkinitramfs" -o "$tmp/keyed.cpio.gz" --init "$B/kbisect-init" --signing-key "$@"; }
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/key.pem" 2>/dev/null
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/pub.pem"
point=$(openssl pkey -in "$tmp/key.pem" -pubout -outform DER | tail -c 65 | od -An -tx1 | tr -d ' \n')
said=$(mk "$tmp/pub.pem" 2>&1 >/dev/null)
t_eq "--signing-key puts the public key's point at /etc/kbisect/image-key" "$point" \
	"$(zcat "$tmp/keyed.cpio.gz" | cpio -i --to-stdout etc/kbisect/image-key 2>/dev/null | od -An -tx1 | tr -d ' \n')"
t_eq "--signing-key says the key's fingerprint" \
	"kbisect-mkinitramfs: images must be signed by key $(printf '%s' "$point" | xxd -r -p | sha256sum | cut -c1-16)" "$said"
openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null | openssl pkey -pubout -out "$tmp/p384.pem"
# refused KEY TEXT: mk refuses KEY, says TEXT, and leaves no initramfs.
refused() { ! out=$(mk "$tmp/$1" 2>&1) && grep -qF -- "$2" <<<"$out" && test ! -e "$tmp/keyed.cpio.gz"; }
for bad in "key.pem:is not a PEM public key (openssl pkey -in PRIVATE.pem -pubout makes one)" \
	"p384.pem:is not a key on P-256 (prime256v1)" "none.pem:cannot read"; do
	rm -f "$tmp/keyed.cpio.gz"
	t_check "--signing-key refuses ${bad%%:*}: ${bad#*:}" refused "${bad%%:*}" "${bad#*:}"
done

# make initramfs with arguments, then make install-initramfs: what is installed is
# what was made (an admin gives the arguments once).
make -s -C "$top" B="$B" INITRAMFS="$tmp/made.cpio.gz" SIGNING_KEY="$tmp/pub.pem" initramfs >/dev/null 2>&1
make -s -C "$top" B="$B" INITRAMFS="$tmp/made.cpio.gz" DESTDIR="$tmp/keyroot" install-initramfs >/dev/null 2>&1
t_check "make install-initramfs installs the initramfs make initramfs made, key and all" \
	bash -c "zcat '$tmp/keyroot/boot/kbisect-initramfs.cpio.gz' | cpio -t 2>/dev/null | grep -qx etc/kbisect/image-key"
# ARCH=i386: the i386 init, in B/i386 (the x86_64 initramfs stays as it is).
make -s -C "$top" B="$B" ARCH=i386 initramfs >/dev/null 2>&1
t_check "make initramfs ARCH=i386 puts the i386 init as /init of $B/i386/kbisect-initramfs.cpio.gz" \
	bash -c "zcat '$B/i386/kbisect-initramfs.cpio.gz' | cpio -i --to-stdout init 2>/dev/null | cmp -s - '$B/i386/kbisect-init'"
i386_cpio=$(stat -c %s "$B/i386/kbisect-initramfs.cpio.gz")
t_check "the i386 initramfs without modules is at most 200 KB gzipped ($i386_cpio bytes)" test "$i386_cpio" -le 204800
make -s -C "$top" B="$B" ARCH=i386 DESTDIR="$tmp/root32" install-initramfs >/dev/null 2>&1
t_check "make install-initramfs ARCH=i386 installs that initramfs and the i386 init" \
	bash -c "cmp -s '$tmp/root32/boot/kbisect-initramfs.cpio.gz' '$B/i386/kbisect-initramfs.cpio.gz' &&
		cmp -s '$tmp/root32/usr/local/lib/kbisect/kbisect-init' '$B/i386/kbisect-init'"
said=$(make -s -C "$top" B="$B" ARCH=arm64 initramfs 2>&1)
t_check "make initramfs ARCH=arm64 refuses, naming the arches common/arches.def has" \
	bash -c '[ "$1" -ne 0 ] && grep -q "ARCH=arm64: the stage-1 is built for x86_64 i386 (common/arches.def)" <<<"$2"' _ "$?" "$said"
make -s -C "$top" install-initramfs DESTDIR="$tmp/root" >/dev/null 2>&1
t_check "make install-initramfs installs the initramfs, the GRUB snippet and an example default" \
	bash -c "test -f '$tmp/root/boot/kbisect-initramfs.cpio.gz' && test -x '$tmp/root/etc/grub.d/42_kbisect' &&
		test -f '$tmp/root/etc/default/kbisect' && test -x '$tmp/root/usr/local/sbin/kbisect-mkinitramfs' && test -x '$tmp/root/usr/local/sbin/kbisect-update-stage1' && test -x '$tmp/root/etc/kernel/postinst.d/zz-kbisect'"

grubd=$top/scripts/grub.d/42_kbisect
touch "$tmp/vmlinuz" "$tmp/initramfs"
cat >"$tmp/default" <<DEFAULTS
KBISECT_SERVER=http://kernels.lab/kbisect
KBISECT_KERNEL=$tmp/vmlinuz
KBISECT_INITRAMFS=$tmp/initramfs
KBISECT_CMDLINE="console=ttyS0,115200 kbisect.machine=skl-3"
DEFAULTS
entry=$(KBISECT_DEFAULTS=$tmp/default "$grubd" 2>/dev/null)
t_check "the GRUB entry boots the stage-1 kernel with kbisect.server, panic=10 and the extra parameters" \
	bash -c 'grep -qP "^\tlinux\t$2 kbisect.server=http://kernels.lab/kbisect panic=10 console=ttyS0,115200 kbisect.machine=skl-3$" <<<"$1" &&
		grep -qP "^\tinitrd\t$3$" <<<"$1"' _ "$entry" "$tmp/vmlinuz" "$tmp/initramfs"
t_check "grub-script-check accepts the entry" bash -c 'grub-script-check <<<"$1"' _ "$entry"
for bad in "KBISECT_SERVER=" "KBISECT_SERVER=ftp://x" "KBISECT_KERNEL=$tmp/missing" \
	"KBISECT_CMDLINE='a; reboot'" "KBISECT_CMDLINE='\$(id)'"; do
	{ cat "$tmp/default"; echo "$bad"; } >"$tmp/bad"
	out=$(KBISECT_DEFAULTS=$tmp/bad "$grubd" 2>"$tmp/err")
	rc=$?
	t_check "42_kbisect with $bad: no entry, a reason, exit 0 (update-grub goes on)" \
		bash -c '[ -z "$1" ] && [ "$2" = 0 ] && grep -q "no kbisect entry" "$3"' _ "$out" "$rc" "$tmp/err"
done
