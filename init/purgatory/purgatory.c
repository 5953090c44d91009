/* The purgatory's C part (common/purgatory.h): in 32-bit protected mode, paging
 * off, on its own stack. Checks each segment's sha256 and says the outcome on the
 * serial port when it has one; returns to enter the kernel, or stops the CPU when a
 * segment is not what the stage-1 loaded. */
#include <stddef.h>
#include <stdint.h>

#include "common/purgatory.h"
#include "init/purgatory/sha256.h"

struct kb_purgatory_params params __attribute__((section(".params"), used)) = {KB_PURGATORY_MAGIC, 0, 0, 0, 0, {}};

/* The compiler may call these for struct and array copies. */
void *memset(void *d, int c, size_t n) {
  uint8_t *p = d;
  while (n--) *p++ = (uint8_t)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  uint8_t *p = d;
  const uint8_t *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

/* The UART as the stage-1 kernel left it: wait (bounded) for room, then send. */
static void say(const char *s) {
  uint16_t port = params.serial_port;
  if (!port) return;
  for (; *s; ++s) {
    for (int i = 0; i < 100000 && !(inb(port + 5) & 0x20); ++i) {
    }
    outb(port, (uint8_t)*s);
  }
}

static void say_hex(uint32_t v) {
  char b[11] = "0x";
  for (int i = 0; i < 8; ++i) b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
  b[10] = 0;
  say(b);
}

void purgatory_main(void) {
  int bad = params.magic != KB_PURGATORY_MAGIC || params.segment_count > KB_PURGATORY_SEGMENTS;
  say("kbisect purgatory: checking the segments' sha256\r\n");
  for (unsigned i = 0; !bad && i < params.segment_count; ++i) {
    const struct kb_purgatory_segment *s = &params.segments[i];
    uint8_t sum[32];
    kb_sha256((const uint8_t *)(uintptr_t)s->addr, s->size, sum);
    for (int j = 0; j < 32; ++j)
      if (sum[j] != s->sha256[j]) bad = 1;
    if (bad) {
      say("kbisect purgatory: the segment at ");
      say_hex(s->addr);
      say(" is not what was loaded (sha256 mismatch)\r\n");
    }
  }
  if (bad) {
    say("kbisect purgatory: not entering the kernel; the machine stops here\r\n");
    for (;;) __asm__ volatile("cli; hlt");
  }
  say("kbisect purgatory: segments ok, entering the kernel at ");
  say_hex(params.kernel_entry);
  say("\r\n");
}
