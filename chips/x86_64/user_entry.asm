; Ring 3: entering a process and every way back out of it.
;
;   user_run(ctx)        from the loop (through user_mode.c): save the
;                        loop's callee-saved registers and stack pointer,
;                        load the user IDT and the process's CR3, then
;                        back into ring 3 with all its registers from ctx:
;                        `sysret` after a system call (to the instruction
;                        after its `syscall`, canonical by construction),
;                        `iretq` otherwise.
;   user_syscall_entry   LSTAR: a `syscall` from ring 3.
;   user_stub_N          the user IDT's 256 gates: an exception or an
;                        interrupt that arrived in ring 3.
;
; Every way out saves the process's registers into ctx (struct
; user_context, user_mode.h) and returns from user_run() on the loop's
; stack, as if the call had returned, with why in RAX: 0 a system call,
; 1 an interrupt (vector in ctx), 2 an exception (vector, error code, CR2
; in ctx), 3 not run at all (a bit was pending at entry, checked with
; interrupts off, so a knock can never be lost between the loop's check
; and ring 3).
;
; While a process runs, GS's base is the process's (it may load GS) and
; the kernel's per-CPU block sits in KERNEL_GS_BASE: every way in begins
; with `swapgs`. The kernel-mode top halves stay three instructions: in
; ring 3 the other IDT is loaded, whose gates lead here; the C side then
; replays the interrupt in kernel mode (`int N`), so the usual top half
; sets its bit (docs/processes.md).
;
; Spec: Intel SDM vol. 3A 5.8.8 (SYSCALL/SYSRET), 6.12.1 and 6.14 (64-bit
; interrupt handling, the stack switch to TSS.RSP0 from ring 3), vol. 2B
; SWAPGS, IRETQ.

bits 64

%include "chips/x86_64/user_context.inc"

extern user_idt_ptr, kernel_idt_ptr
global user_run, user_syscall_entry, user_stub_table, user_replay_table

CPU_USER_CONTEXT equ 1104       ; kernel/cpu.h, checked there
CPU_KERNEL_RSP   equ 1112
CPU_USER_RSP     equ 1120
SEL_UDATA_RPL3   equ 0x23       ; chips/x86_64/gdt.h
SEL_UCODE_RPL3   equ 0x2b
; The RFLAGS bits a process may set: CF PF AF ZF SF DF OF (not TF, not
; IOPL, not NT, not AC). IF is always set.
RFLAGS_USER      equ 0x0cd5
RFLAGS_IF        equ 0x0200

section .text

; uint64_t user_run(struct user_context *ctx)
user_run:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	cli
	cmp qword [gs:0], 0             ; a knock since the loop looked?
	jne .not_run
	mov [gs:CPU_KERNEL_RSP], rsp
	mov [gs:CPU_USER_CONTEXT], rdi
	lidt [rel user_idt_ptr]
	mov rax, [rdi + CTX_CR3]
	mov rcx, cr3
	cmp rax, rcx
	je .same_space
	mov cr3, rax
.same_space:
	cmp qword [rdi + CTX_SYSRET], 0
	jne .sysret
	push SEL_UDATA_RPL3
	push qword [rdi + CTX_RSP]
	mov rax, [rdi + CTX_RFLAGS]
	and rax, RFLAGS_USER
	or rax, RFLAGS_IF
	push rax
	push SEL_UCODE_RPL3
	push qword [rdi + CTX_RIP]
	mov rax, [rdi + CTX_RAX]
	mov rbx, [rdi + CTX_RBX]
	mov rcx, [rdi + CTX_RCX]
	mov rdx, [rdi + CTX_RDX]
	mov rsi, [rdi + CTX_RSI]
	mov rbp, [rdi + CTX_RBP]
	mov r8, [rdi + CTX_R8]
	mov r9, [rdi + CTX_R9]
	mov r10, [rdi + CTX_R10]
	mov r11, [rdi + CTX_R11]
	mov r12, [rdi + CTX_R12]
	mov r13, [rdi + CTX_R13]
	mov r14, [rdi + CTX_R14]
	mov r15, [rdi + CTX_R15]
	mov rdi, [rdi + CTX_RDI]
	swapgs
	iretq
.sysret:
	; RCX = where to go, R11 = its RFLAGS (only the bits a process may
	; set, and IF). RSP is the process's from here on: nothing may trap
	; until sysret (interrupts are off; knock uses no NMI).
	mov rcx, [rdi + CTX_RIP]
	mov r11, [rdi + CTX_RFLAGS]
	and r11, RFLAGS_USER
	or r11, RFLAGS_IF
	mov rax, [rdi + CTX_RAX]
	mov rbx, [rdi + CTX_RBX]
	mov rdx, [rdi + CTX_RDX]
	mov rsi, [rdi + CTX_RSI]
	mov rbp, [rdi + CTX_RBP]
	mov r8, [rdi + CTX_R8]
	mov r9, [rdi + CTX_R9]
	mov r10, [rdi + CTX_R10]
	mov r12, [rdi + CTX_R12]
	mov r13, [rdi + CTX_R13]
	mov r14, [rdi + CTX_R14]
	mov r15, [rdi + CTX_R15]
	mov rsp, [rdi + CTX_RSP]
	mov rdi, [rdi + CTX_RDI]
	swapgs
	o64 sysret
.not_run:
	sti
	mov eax, 3
	jmp back_to_loop_regs

; `syscall` from ring 3: RCX = the process's RIP, R11 = its RFLAGS, IF (and
; DF, TF, AC) cleared by FMASK, still on the process's stack.
user_syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp
	mov rsp, [gs:CPU_USER_CONTEXT]  ; only a base register here: nothing is pushed
	mov [rsp + CTX_RAX], rax
	mov [rsp + CTX_RBX], rbx
	mov [rsp + CTX_RCX], rcx
	mov [rsp + CTX_RDX], rdx
	mov [rsp + CTX_RSI], rsi
	mov [rsp + CTX_RDI], rdi
	mov [rsp + CTX_RBP], rbp
	mov [rsp + CTX_R8], r8
	mov [rsp + CTX_R9], r9
	mov [rsp + CTX_R10], r10
	mov [rsp + CTX_R11], r11
	mov [rsp + CTX_R12], r12
	mov [rsp + CTX_R13], r13
	mov [rsp + CTX_R14], r14
	mov [rsp + CTX_R15], r15
	mov [rsp + CTX_RIP], rcx
	mov [rsp + CTX_RFLAGS], r11
	mov qword [rsp + CTX_SYSRET], 1
	mov rax, [gs:CPU_USER_RSP]
	mov [rsp + CTX_RSP], rax
	mov rsp, [gs:CPU_KERNEL_RSP]
	lidt [rel kernel_idt_ptr]
	xor eax, eax
	jmp back_to_loop_regs

; The user IDT's gates. On the trap stack (TSS.RSP0): [error], RIP, CS,
; RFLAGS, RSP, SS; each stub pushes a 0 where the CPU pushes no error
; code, then its vector. A stub of its own for: the 32 exceptions, the 16
; 8259 vectors (in service at the 8259, not the LAPIC), and the two ranges
; where the board puts its sources (board/pc/interrupts.h: devices and the
; MSI-X pool at 0x40-0x5f; the watchdog's tick, the IPIs and the spurious
; vector at 0xf0-0xff), so that a knock landing in ring 3 costs no lookup.
; Every other vector enters at user_stub_common, which pushes
; VEC_FIND_IN_SERVICE instead, and the C side finds it in the LAPIC's
; in-service registers (user_mode.c), as trap_dispatch does for the
; kernel's common entry: 96 stubs instead of 256, with no padding between
; them, about 3 KiB less.
VEC_FIND_IN_SERVICE equ 0x100   ; chips/x86_64/trap_frame.h

%define OWN_STUB(v) ((v) < 0x30 || ((v) >= 0x40 && (v) < 0x60) || (v) >= 0xf0)

%macro USER_STUB 1
user_stub_%1:
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp user_trap
%endmacro

%assign v 0
%rep 256
%if OWN_STUB(v)
USER_STUB v
%endif
%assign v v + 1
%endrep

user_stub_common:
	push 0
	push VEC_FIND_IN_SERVICE
	jmp user_trap

user_trap:
	swapgs
	push rax
	mov rax, [gs:CPU_USER_CONTEXT]
	mov [rax + CTX_RBX], rbx
	mov [rax + CTX_RCX], rcx
	mov [rax + CTX_RDX], rdx
	mov [rax + CTX_RSI], rsi
	mov [rax + CTX_RDI], rdi
	mov [rax + CTX_RBP], rbp
	mov [rax + CTX_R8], r8
	mov [rax + CTX_R9], r9
	mov [rax + CTX_R10], r10
	mov [rax + CTX_R11], r11
	mov [rax + CTX_R12], r12
	mov [rax + CTX_R13], r13
	mov [rax + CTX_R14], r14
	mov [rax + CTX_R15], r15
	pop qword [rax + CTX_RAX]
	pop qword [rax + CTX_VECTOR]
	pop qword [rax + CTX_ERROR]
	pop qword [rax + CTX_RIP]
	add rsp, 8                      ; CS
	pop qword [rax + CTX_RFLAGS]
	pop qword [rax + CTX_RSP]
	mov rbx, cr2
	mov [rax + CTX_CR2], rbx
	mov qword [rax + CTX_SYSRET], 0
	mov rsp, [gs:CPU_KERNEL_RSP]
	lidt [rel kernel_idt_ptr]
	mov rbx, [rax + CTX_VECTOR]
	mov eax, 2
	cmp rbx, 32
	jb back_to_loop_regs
	mov eax, 1
back_to_loop_regs:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; void replay(void), one per vector: raise the interrupt again in kernel
; mode, so its kernel top half runs (interrupts are off; `int` does not
; look at IF). 4 bytes each (`int n`, `ret`, a pad): user_replay_table +
; 4 * vector.
align 4
user_replay_table:
%assign v 0
%rep 256
	int v
	ret
	nop
%assign v v + 1
%endrep

section .rodata
align 8
user_stub_table:
%assign v 0
%rep 256
%if OWN_STUB(v)
	dq user_stub_ %+ v
%else
	dq user_stub_common
%endif
%assign v v + 1
%endrep
