/* The purgatory's entries (common/purgatory.h). From a 64-bit stage-1 the CPU
 * comes here in long mode with paging on, identity-mapped, on a GDT that is no
 * longer mapped: load ours, drop to a 32-bit code segment, turn paging and long
 * mode off. From a 32-bit stage-1 it comes in protected mode, paging off. Both
 * then load flat segments, check the segments (purgatory_main) and jump to the
 * kernel's 32-bit entry as the boot protocol wants it: CS 0x10, DS/ES/SS 0x18,
 * %esi the zero page, %ebx %ebp %edi zero, interrupts off. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18

	.section .text.entry64, "ax"
	.code64
	.globl entry64
entry64:
	cli
	lgdt gdt_pointer(%rip)
	leaq compat(%rip), %rax
	pushq $BOOT_CS
	pushq %rax
	lretq
	.code32
compat:
	movl %cr0, %eax
	andl $0x7fffffff, %eax		/* paging off: long mode becomes inactive */
	movl %eax, %cr0
	movl $0xc0000080, %ecx		/* EFER */
	rdmsr
	andl $~0x00000100, %eax		/* LME off */
	wrmsr
	xorl %eax, %eax
	movl %eax, %cr4			/* PAE and the rest off, as after firmware */
	jmp flat

	.section .text.entry32, "ax"
	.code32
	.globl entry32
entry32:
	cli
	lgdt gdt_pointer
	ljmp $BOOT_CS, $flat

	.text
flat:
	movl $BOOT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl $stack_top, %esp
	lidt idt_pointer		/* an empty IDT: a stray exception resets, not wanders */
	call purgatory_main
	movl params + 8, %esi		/* zero_page */
	movl params + 4, %eax		/* kernel_entry */
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	xorl %edi, %edi
	jmp *%eax

	.section .rodata
	.balign 16
gdt:
	.quad 0
	.quad 0
	.quad 0x00cf9a000000ffff		/* 0x10: code, flat 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff		/* 0x18: data, flat 4 GiB */
gdt_end:
	.balign 8
gdt_pointer:			/* read as 6 bytes in protected mode, 10 in long mode */
	.word gdt_end - gdt - 1
	.long gdt, 0
idt_pointer:
	.word 0
	.long 0, 0

	.section .note.GNU-stack, "", @progbits
