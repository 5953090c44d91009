/* The purgatory's contract (init/purgatory/): the small program kexec_load starts
 * instead of the kernel. It checks the sha256 of the segments the stage-1 loaded,
 * then enters the kernel by the boot protocol's 32-bit entry (protected mode,
 * paging off, flat segments 0x10/0x18, %esi = the zero page). Entered in long
 * mode from a 64-bit stage-1 (it leaves long mode first) or in protected mode
 * from a 32-bit one. It is linked at a fixed address in low memory
 * (common/bzimage.h kLowAreaStart); the stage-1 writes the parameters into its
 * copy of the program at KB_PURGATORY_PARAMS before loading it.
 *
 * Plain C, shared by the freestanding purgatory and the C++ init. */
#ifndef KBISECT_COMMON_PURGATORY_H
#define KBISECT_COMMON_PURGATORY_H

#include <stdint.h>

#define KB_PURGATORY_ADDR 0x80000u
#define KB_PURGATORY_ENTRY64 0x000u  /* offset of the entry from long mode */
#define KB_PURGATORY_ENTRY32 0x100u  /* offset of the entry from protected mode */
#define KB_PURGATORY_PARAMS 0x200u   /* offset of struct kb_purgatory_params */
#define KB_PURGATORY_SPAN 0x10000u   /* the memory it uses, its stack at the top */
#define KB_PURGATORY_MAGIC 0x4750424bu /* "KBPG" */
#define KB_PURGATORY_SEGMENTS 4

struct kb_purgatory_segment {
  uint32_t addr, size;
  uint8_t sha256[32];
};

struct kb_purgatory_params {
  uint32_t magic;
  uint32_t kernel_entry; /* the kernel's 32-bit entry: its load address */
  uint32_t zero_page;    /* %esi at the entry */
  uint16_t serial_port;  /* an 8250 UART's I/O port to say what it does on, 0: none */
  uint16_t segment_count;
  struct kb_purgatory_segment segments[KB_PURGATORY_SEGMENTS];
};

#endif
