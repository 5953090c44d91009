/* Debian's libbearssl.a is built with _FORTIFY_SOURCE and calls glibc's checked
 * copies, which musl lacks. These check the destination size the same way. */
#include <stddef.h>
#include <string.h>

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dl) {
  if (n > dl) __builtin_trap();
  return memcpy(d, s, n);
}

void *__memmove_chk(void *d, const void *s, size_t n, size_t dl) {
  if (n > dl) __builtin_trap();
  return memmove(d, s, n);
}

void *__memset_chk(void *d, int c, size_t n, size_t dl) {
  if (n > dl) __builtin_trap();
  return memset(d, c, n);
}
