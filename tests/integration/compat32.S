/*
 * A position-independent blob copied below 4 GiB at run time: a 64-bit
 * trampoline that switches to a low stack and far-calls 32-bit code in the
 * user 32-bit code segment (selector 0x23), and two 32-bit routines.
 *
 * Layout (offsets from compat32_blob, see compat32.h):
 *   compat32_enter   void enter(uint32_t params, uint32_t stack_top)
 *                    called as a C function at its low copy
 *   far_target       m16:32 far pointer, offset patched at run time
 *   saved_rsp        the 64-bit stack pointer while 32-bit code runs
 *   compat32_probe   32-bit: stores 0x32323232 at params[0]
 *   compat32_touch   32-bit: params = {src, dst, len, sum, seed}; sums len
 *                    bytes at src into sum, writes seed + 7*i at dst[i]
 *
 * Only the low 32 bits of rax..rdi survive the switch to compatibility
 * mode and back by contract, so the trampoline keeps the 64-bit stack
 * pointer in memory and the callee-saved registers on the 64-bit stack.
 *
 * SPDX-License-Identifier: MIT
 */
    .section .rodata.compat32, "a"
    .p2align 4
    .globl compat32_blob, compat32_blob_end
    .globl compat32_enter_off, compat32_far_off
    .globl compat32_probe_off, compat32_touch_off
compat32_blob:

    .code64
compat32_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, saved_rsp(%rip)
    mov %edi, %ebx          /* params, for the 32-bit side */
    mov %esi, %esp          /* low stack; zero-extends into rsp */
    lcall *far_target(%rip) /* m16:32: pushes 0x33 and a low return eip */
    mov saved_rsp(%rip), %rsp
    xor %eax, %eax
    mov %eax, %ds
    mov %eax, %es
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .p2align 3
far_target:
    .long 0                 /* offset: patched */
    .word 0x23              /* user 32-bit code segment */
    .word 0
saved_rsp:
    .quad 0

    .code32
compat32_probe:
    mov %ss, %eax           /* 64-bit processes run with null ds/es */
    mov %eax, %ds
    mov %eax, %es
    movl $0x32323232, (%ebx)
    lret

compat32_touch:
    mov %ss, %eax
    mov %eax, %ds
    mov %eax, %es
    mov 0(%ebx), %esi       /* src */
    mov 8(%ebx), %ecx       /* len */
    xor %eax, %eax
1:  test %ecx, %ecx
    jz 2f
    movzbl (%esi), %edx
    add %edx, %eax
    inc %esi
    dec %ecx
    jmp 1b
2:  mov %eax, 12(%ebx)      /* sum */
    mov 4(%ebx), %edi       /* dst */
    mov 8(%ebx), %ecx
    mov 16(%ebx), %eax      /* seed */
3:  test %ecx, %ecx
    jz 4f
    mov %al, (%edi)
    add $7, %al
    inc %edi
    dec %ecx
    jmp 3b
4:  lret
compat32_blob_end:

    .p2align 3
compat32_enter_off: .quad compat32_enter - compat32_blob
compat32_far_off:   .quad far_target - compat32_blob
compat32_probe_off: .quad compat32_probe - compat32_blob
compat32_touch_off: .quad compat32_touch - compat32_blob

    .section .note.GNU-stack, "", @progbits
