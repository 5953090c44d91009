/*
 * /init of the i386 candidates' test initrd (tests/lab/mkinitramfs-i386): what
 * tests/bisect/candidate-init.sh does for x86_64 candidates, for a 32-bit kernel
 * (tinyconfig: no 64-bit userspace, so the host's busybox cannot run there).
 * No C library: its own _start and raw int $0x80 system calls, so that it needs
 * nothing but the host's gcc -m32 (no i386 packages, no downloads).
 *
 * It says the machine (uname -m: i686 on QEMU's default CPU) and then PASS with
 * the kernel release, as the x86_64 one does; a regression shows before it. It
 * stays up (PID 1 must not exit): the next step power-cycles the machine.
 */

enum {
	kSysWrite = 4,
	kSysOpen = 5,
	kSysMount = 21,
	kSysDup2 = 63,
	kSysUname = 122,
	kSysNanosleep = 162,
	kORdwr = 2,
};

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static long sys5(long n, long a, long b, long c, long d, long e)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
	return r;
}

/* The kernel's struct new_utsname. */
struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* say: one line, written whole (one write), so a console reader sees it entire. */
static void say(const char *a, const char *b)
{
	char line[160];
	unsigned long n = 0, i;
	for (i = 0; a[i] && n < sizeof(line) - 1; i++)
		line[n++] = a[i];
	for (i = 0; b[i] && n < sizeof(line) - 1; i++)
		line[n++] = b[i];
	line[n++] = '\n';
	sys3(kSysWrite, 1, (long)line, (long)n);
}

__attribute__((noreturn, force_align_arg_pointer)) void _start(void)
{
	static struct utsname u;
	static const long hour[2] = {3600, 0};
	long fd;

	/* The initramfs has no /dev/console: the kernel opened none for us. */
	sys5(kSysMount, (long)"devtmpfs", (long)"/dev", (long)"devtmpfs", 0, 0);
	fd = sys3(kSysOpen, (long)"/dev/console", kORdwr, 0);
	if (fd >= 0) {
		sys3(kSysDup2, fd, 0, 0);
		sys3(kSysDup2, fd, 1, 0);
		sys3(kSysDup2, fd, 2, 0);
	}
	if (sys3(kSysUname, (long)&u, 0, 0) < 0) {
		say("kbisect-test: uname failed", "");
	} else {
		say("kbisect-test: machine ", u.machine);
		say("kbisect-test: PASS on ", u.release);
	}
	for (;;)
		sys3(kSysNanosleep, (long)hour, 0, 0);
}
