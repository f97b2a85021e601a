/*
 * tinyguest: a multiboot (v1) 32-bit guest that does nothing but take
 * LAPIC timer interrupts. It loads a flat GDT and an IDT, masks the 8259
 * PICs, enables the xAPIC at 0xFEE00000, programs its timer periodic at
 * about 1 ms (divide by 16, initial count 62500: the APIC bus clock of
 * KVM's in-kernel LAPIC and of QEMU's own is 1 GHz) on vector 0x30 and
 * halts with interrupts on. Every 100 ticks it writes 'T' to port 0xe9
 * (QEMU -debugcon) and to COM1; at start it writes "tinyguest\n".
 * Used by tools/testing/vcpuboost/guest/test-stock-qemu.sh under stock QEMU with KVM.
 */
	.set	MB_MAGIC, 0x1BADB002
	.set	MB_FLAGS, 0
	.set	LAPIC, 0xFEE00000
	.set	LAPIC_TPR, 0x080
	.set	LAPIC_EOI, 0x0B0
	.set	LAPIC_SVR, 0x0F0
	.set	LAPIC_LVT_TIMER, 0x320
	.set	LAPIC_LVT_LINT0, 0x350
	.set	LAPIC_LVT_LINT1, 0x360
	.set	LAPIC_TMR_INIT, 0x380
	.set	LAPIC_TMR_DIV, 0x3E0
	.set	TIMER_VECTOR, 0x30
	.set	SPURIOUS_VECTOR, 0xFF
	.set	TIMER_COUNT, 62500
	.set	TICKS_PER_CHAR, 100
	.set	DEBUGCON, 0xe9
	.set	COM1, 0x3f8

	.section .multiboot, "a"
	.balign	4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl	_start
_start:
	cli
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$stack_top, %esp

	/* The 8259s: all lines masked (the BIOS left IRQ0 on vector 8). */
	movb	$0xff, %al
	outb	%al, $0xa1
	outb	%al, $0x21

	/* IDT: exceptions 0-31 stop the guest, 32-254 EOI, 0xff ignored. */
	xorl	%ecx, %ecx
2:	movl	$exc_handler, %eax
	cmpl	$32, %ecx
	jb	3f
	movl	$default_handler, %eax
	cmpl	$TIMER_VECTOR, %ecx
	jne	4f
	movl	$timer_handler, %eax
4:	cmpl	$SPURIOUS_VECTOR, %ecx
	jne	3f
	movl	$spurious_handler, %eax
3:	movw	%ax, idt(,%ecx,8)		/* offset 15:0 */
	movw	$0x08, idt+2(,%ecx,8)		/* selector */
	movw	$0x8E00, idt+4(,%ecx,8)	/* present, DPL 0, 32-bit intr gate */
	shrl	$16, %eax
	movw	%ax, idt+6(,%ecx,8)		/* offset 31:16 */
	incl	%ecx
	cmpl	$256, %ecx
	jb	2b
	lidt	idt_desc

	movl	$banner, %esi
5:	lodsb
	testb	%al, %al
	jz	6f
	call	putc
	jmp	5b
6:
	/* xAPIC: global enable in IA32_APIC_BASE, then software enable. */
	movl	$0x1b, %ecx
	rdmsr
	orl	$0x800, %eax
	wrmsr
	movl	$LAPIC, %ebx
	movl	$0, LAPIC_TPR(%ebx)
	movl	$(0x100 | SPURIOUS_VECTOR), LAPIC_SVR(%ebx)
	movl	$0x10000, LAPIC_LVT_LINT0(%ebx)	/* masked */
	movl	$0x10000, LAPIC_LVT_LINT1(%ebx)	/* masked */
	movl	$0x3, LAPIC_TMR_DIV(%ebx)		/* divide by 16 */
	movl	$(0x20000 | TIMER_VECTOR), LAPIC_LVT_TIMER(%ebx)	/* periodic */
	movl	$TIMER_COUNT, LAPIC_TMR_INIT(%ebx)

idle:	sti
	hlt
	jmp	idle

/* putc: %al to the debug console and COM1. */
putc:	outb	%al, $DEBUGCON
	pushl	%edx
	movw	$COM1, %dx
	outb	%al, %dx
	popl	%edx
	ret

timer_handler:
	pushl	%eax
	incl	ticks
	decl	countdown
	jnz	1f
	movl	$TICKS_PER_CHAR, countdown
	movb	$'T', %al
	call	putc
1:	movl	$0, LAPIC + LAPIC_EOI
	popl	%eax
	iret

default_handler:
	movl	$0, LAPIC + LAPIC_EOI
spurious_handler:
	iret

exc_handler:
	movb	$'!', %al
	call	putc
1:	cli
	hlt
	jmp	1b

	.section .rodata
banner:	.asciz	"tinyguest\n"
	.balign	8
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: code, flat 4 GiB, 32-bit */
	.quad	0x00CF92000000FFFF	/* 0x10: data, flat 4 GiB */
gdt_end:
	.balign	4
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	.word	0
idt_desc:
	.word	256 * 8 - 1
	.long	idt

	.data
	.balign	4
	.globl	ticks
ticks:	.long	0
countdown:
	.long	TICKS_PER_CHAR

	.bss
	.balign	8
idt:	.skip	256 * 8
	.balign	16
	.skip	16384
stack_top:
