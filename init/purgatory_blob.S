/* The purgatory program (init/purgatory/, built to purgatory.bin in the build
 * directory) as bytes of the init, for kexec_load (init/kexec.cc). */
	.section .rodata.kb_purgatory, "a"
	.globl kb_purgatory_start
	.globl kb_purgatory_end
	.balign 16
kb_purgatory_start:
	.incbin "purgatory.bin"
kb_purgatory_end:

	.section .note.GNU-stack, "", @progbits
