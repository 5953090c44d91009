/* /init of a 32-bit candidate's test initrd (tests/init/t-stage1-i386.sh), a static
 * program since the lab's busybox is amd64: says which kernel runs, on what machine
 * (uname -m), with the marker the test put on its command line, then powers off. */
#define _DEFAULT_SOURCE /* sync, reboot */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
  char line[4096] = "", marker[256] = "";
  mkdir("/proc", 0555);
  if (mount("proc", "/proc", "proc", 0, NULL) != 0) perror("candidate: mount /proc");
  FILE *f = fopen("/proc/cmdline", "r");
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
  }
  const char *m = strstr(line, "candidate.marker=");
  if (m) sscanf(m + strlen("candidate.marker="), "%255s", marker);
  struct utsname u;
  if (uname(&u) != 0) return 1;
  printf("candidate: running %s %s marker=%s\n", u.release, u.machine, marker);
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
