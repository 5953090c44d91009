#!/bin/bash
# Stage-1 over HTTPS in QEMU: the server is named (kernels.lab, looked up with the
# DHCP-given DNS server), its certificate is checked against the CA in the
# initramfs, and the list and the image both come over TLS. A wrong CA, a
# certificate for another name and a server without ECDHE and an AEAD suite are
# refused, said, and end in a reboot.
# needs: --kernels 2
# budget: --boots 5
. "$(dirname "$0")/../lab/lib.sh"
. "$LAB_TOP/tests/tap.sh"
lab_start "$0" "$@"
lab_init
lab_dns_start kernels.lab=10.0.2.2
lab_tls_ca "$LAB_DIR/tls" kernels.lab
lab_tls_ca "$LAB_DIR/other-ca" kernels.lab
TLS_CONF=$(lab_apache_tls_conf "$LAB_DIR/tls" 8443)
# A server that offers only TLS 1.2 with a CBC suite and RSA key exchange (no
# forward secrecy): what the stage-1 refuses to talk to.
CBC_CONF=$(lab_apache_tls_conf "$LAB_DIR/tls" 8444 "SSLProtocol TLSv1.2" "SSLCipherSuite AES128-SHA256")
# setup.sh starts Apache with the snippet; restart it with TLS as well.
. "$LAB_TOP/tests/init/setup.sh"
apache2 -f "$LAB_DIR/apache/httpd.conf" -k stop
lab_wait_port_closed "$LAB_HTTP_PORT" 10
lab_apache_start_with "$LAB_SNIPPET" "$TLS_CONF" "$CBC_CONF"
lab_wait_port 8443 10
lab_wait_port 8444 10
HTTPS=https://kernels.lab:8443/kbisect
lab_stage1_initramfs "$LAB_DIR/stage1-ca.cpio.gz" --ca "$LAB_DIR/tls/ca.pem"
lab_stage1_initramfs "$LAB_DIR/stage1-other.cpio.gz" --ca "$LAB_DIR/other-ca/ca.pem"

# tls_boot NAME INITRAMFS SERVER [QEMU ARGS]
tls_boot() {
	local m=$1 initrd=$2 server=$3
	shift 3
	lab_qemu_start "$m" "$LAB_STAGE1_KERNEL" "$initrd" \
		"console=ttyS0 panic=-1 kbisect.server=$server kbisect.machine=$m" "$@"
}

set_default tls "$CAND"
tls_boot tls "$LAB_DIR/stage1-ca.cpio.gz" "$HTTPS" -no-reboot
t_check "https: the candidate kernel runs" wait_for tls "^candidate: running $CAND_KVER marker=from-image-ini" 150
t_check "https: the server's name was looked up through DNS" console_has tls "kbisect: server: kernels.lab is 10.0.2.2"
t_check "https: the CA from the initramfs was loaded" console_has tls "kbisect: tls: 1 CA certificate(s)"
t_check "https: the image came over TLS and matched its sha256" console_has tls "kbisect: image: bzImage sha256 ok"
t_check "https: the request reached Apache over TLS" grep -q "GET /kbisect/list?machine=tls&arch=x86_64 " "$LAB_DIR/apache/access.log"
t_check "https: the boot log names the image" bash -c "curl -sSk '$HTTPS/booted?machine=tls' --resolve kernels.lab:8443:127.0.0.1 | grep -q ' $CAND '"
lab_qemu_stop tls

tls_boot wrongca "$LAB_DIR/stage1-other.cpio.gz" "$HTTPS" -no-reboot
t_check "wrong CA: the certificate is refused and that is said" \
	wait_for wrongca "^kbisect: list: TLS: the server's certificate is not signed by /etc/kbisect/ca.pem" 90
t_check "wrong CA: no kernel is booted; the machine reboots after its tries" wait_for wrongca "^kbisect: rebooting in 10 s" 60
t_check "wrong CA: nothing was fetched or booted" bash -c "! grep -aq 'kbisect: image:' '$LAB_OUT/wrongca.console'"
lab_qemu_stop wrongca

tls_boot byip "$LAB_DIR/stage1-ca.cpio.gz" "https://10.0.2.2:8443/kbisect" -no-reboot
t_check "certificate for another name: refused and said" \
	wait_for byip "^kbisect: list: TLS: the server's certificate is for another name" 90
lab_qemu_stop byip

t_check "the CBC-only server does talk TLS 1.2 (to openssl)" \
	bash -c "openssl s_client -connect 127.0.0.1:8444 -tls1_2 -cipher AES128-SHA256 </dev/null 2>&1 | grep -q 'Cipher is AES128-SHA256'"
tls_boot cbc "$LAB_DIR/stage1-ca.cpio.gz" "https://kernels.lab:8444/kbisect" -no-reboot
t_check "a server with only a CBC suite and no ECDHE: refused (ECDHE with AEAD only), said" \
	wait_for cbc "^kbisect: list: TLS: the server sent a fatal alert" 90
t_check "... and nothing was fetched or booted" bash -c "! grep -aq 'kbisect: image:' '$LAB_OUT/cbc.console'"
lab_qemu_stop cbc
t_done
