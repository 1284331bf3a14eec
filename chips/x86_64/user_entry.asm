; Ring 3: entering a process and every way back out of it.
;
;   user_run_slot        the HIL's run(): user_run on the slot's context.
;   user_run(ctx, args)  save the
;                        loop's callee-saved registers and stack pointer,
;                        load the user IDT, the process's CR3 and TSS.RSP0,
;                        then `iretq` into ring 3 with every register from
;                        ctx (the interrupt frame is part of ctx).
;   user_syscall_entry   LSTAR: a `syscall` from ring 3. Answered in place
;                        when it can be (the fast path, below); otherwise
;                        back to the loop.
;   user_stub_N,         the user IDT's generic gates: an exception, or an
;   user_irq_entry       interrupt without a user top half, in ring 3.
;   user_nmi_entry       its NMI gate, on a stack of its own: an NMI from
;                        ring 3, or from ring 0 while this IDT is loaded.
;   user_knocked         where the user top halves (build/top_halves.asm,
;                        tools/gen_top_halves.py) end: a device interrupt
;                        in ring 3 whose bit is already set.
;
; Every way back to the loop leaves the process's registers in ctx
; (struct user_context, user_mode.h) and returns from user_run() on the
; loop's stack, as if the call had returned, with an enum user_stop
; (kernel/hil/user.h) in EAX, and interrupts on again: 0 a system call
; the fast path did not answer (its arguments in *args), 1 a knock (its
; bit is set: a user top half set it, or a generic gate raised the
; interrupt again in kernel mode; or a call answered by the fast path
; when a bit was pending, its answer in ctx), 2 an exception (vector,
; error code, CR2 in ctx), 3 not run at all (a bit was pending at entry,
; checked with interrupts off, so a knock can never be lost between the
; loop's check and ring 3).
;
; Spec: Intel SDM vol. 2B SYSCALL and SYSRET; vol. 3A 5.8.8 (fast system
; calls in 64-bit mode: STAR, LSTAR, FMASK), 6.14 (interrupts and
; exceptions in 64-bit mode: the stack frame, IRETQ to ring 3), 7.7 (the
; 64-bit TSS: RSP0).
;
; The context is laid out as the entry paths push it: while a process
; runs, TSS.RSP0 points at the end of its interrupt frame in ctx, so an
; interrupt from ring 3 pushes RIP, CS, RFLAGS, RSP, SS straight into
; ctx, and the stub pushes the rest there too; the way in pops them all
; from ctx and ends with `iretq`. No copy either way.
;
; While a process runs, GS's base is the process's (it may load GS) and
; the kernel's per-CPU block sits in KERNEL_GS_BASE: every way in begins
; with `swapgs`. The kernel-mode top halves stay three instructions: in
; ring 3 the other IDT is loaded, whose gates lead here
; (docs/processes.md).
;
; RFLAGS on the way back to the loop: an interrupt gate clears IF and TF
; but leaves DF and AC as the process had them, and the kernel's C code
; needs DF clear (System V ABI) and AC clear (with SMAP, AC set would let
; the kernel touch user pages): every trap path loads RFLAGS = 2 (all
; clear, interrupts still off; 0x202 on the knock's path, which has
; nothing left to do with them off). `syscall` clears them through FMASK.
;
; Spec: Intel SDM vol. 3A 5.8.8 (SYSCALL/SYSRET), 6.12.1 and 6.14 (64-bit
; interrupt handling, the stack switch to TSS.RSP0 from ring 3, the 16-byte
; alignment of the new RSP), vol. 2B SWAPGS, IRETQ.

bits 64

%include "chips/x86_64/user_context.inc"
%include "chips/x86_64/gprs.inc"

extern user_idt_ptr, kernel_idt_ptr, user_tss_rsp0, user_contexts
extern user_syscall_handler, user_syscall_handler_ctx
extern trap_in_service_vector, lapic_spurious_count, isr_stub_2
global user_run, user_run_slot, user_syscall_entry, user_stub_table, user_irq_entry, user_nmi_entry
global user_knocked

CPU_USER_CONTEXT equ 1104       ; kernel/cpu.h (CPU_USER_*_OFFSET), checked there
CPU_KERNEL_RSP   equ 1112
CPU_USER_RSP     equ 1120
CPU_USER_ARGS    equ 1136

MSR_GS_BASE      equ 0xc0000101 ; cpu_regs.h

STOP_SYSCALL     equ 0          ; enum user_stop (kernel/hil/user.h)
STOP_INTERRUPTED equ 1
STOP_FAULT       equ 2
STOP_NOT_RUN     equ 3

section .text

; enum user_stop user_run_slot(void *hw, unsigned slot, struct syscall_args *args):
; the HIL's run() (kernel/hil/user.h), user_run() on the slot's context.
user_run_slot:
	imul edi, esi, CTX_SIZE
	lea rax, [rel user_contexts]
	add rdi, rax
	mov rsi, rdx
	; fall through

; enum user_stop user_run(struct user_context *ctx, struct syscall_args *args)
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
	mov [gs:CPU_USER_ARGS], rsi
	lidt [rel user_idt_ptr]
	mov rax, [rdi + CTX_CR3]
	mov rcx, cr3
	cmp rax, rcx
	je .same_space
	mov cr3, rax
.same_space:
	lea rax, [rdi + CTX_FRAME_END]  ; a trap from ring 3 pushes its frame into ctx
	mov rcx, [rel user_tss_rsp0]
	mov [rcx], rax
	; Nothing may trap from here to the iretq: RSP walks through ctx.
	mov rsp, rdi
	POP_GPRS
	swapgs
	iretq                           ; RIP, CS, RFLAGS, RSP, SS from ctx
.not_run:
	sti
	mov eax, STOP_NOT_RUN
	jmp back_to_loop_regs

; `syscall` from ring 3: RCX = the process's RIP, R11 = its RFLAGS; IF, DF,
; TF, AC and NT cleared by FMASK; still on the process's stack.
;
; The fast path answers the call without leaving for the loop: the
; arguments become a struct syscall_args on the loop's stack (below
; user_run's frame, which is where the loop's RSP was saved), the
; processes capsule's handler (user_syscall_handler, set through the HIL's set_syscall)
; fills a struct syscall_result there, and `sysret` goes back to the
; instruction after the `syscall`. Interrupts stay off throughout (the
; handler is short and never waits), with the kernel's IDT loaded so that
; a fault in the kernel is the kernel's. Before going back, `pending` is
; checked, as at every entry into ring 3: a call that set a bit (a deferred
; call) returns to the loop instead, with its answer in ctx.
;
; The system call ABI this gives (docs/processes.md): RAX, RDI, RSI, RDX
; carry the result; RCX and R11 are the CPU's (the return address and
; RFLAGS); R8, R9, R10 come back zero (the handler's C code used them:
; nothing of the kernel's leaks); every other register is preserved (the
; C code preserves RBX, RBP, R12-R15 itself).
;
; `sysret`'s hazard, a non-canonical RCX faulting in ring 0 on the user's
; stack, cannot occur: RCX is the CPU's own, the address after a
; `syscall` in the user window. R11 is the CPU's too: the process's
; RFLAGS as ring 3 may have set them (never IOPL; IF always set).
user_syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp
	mov rsp, [gs:CPU_KERNEL_RSP]    ; 16n + 8: seven pushes then 32 bytes align the call
	lidt [rel kernel_idt_ptr]
	push rcx
	push r11
	push r10                        ; struct syscall_args: cls, a[0..3]
	push rdx
	push rsi
	push rdi
	push rax
	mov rsi, rsp
	sub rsp, 32                     ; struct syscall_result: variant, v[0..2]
	mov rdx, rsp
	mov rdi, [rel user_syscall_handler_ctx]
	call [rel user_syscall_handler]      ; bool fn(ctx, const args *, result *)
	test al, al
	jz .not_answered
	cmp qword [gs:0], 0
	jne .answered_knocked
	lidt [rel user_idt_ptr]
	pop rax
	pop rdi
	pop rsi
	pop rdx
	add rsp, 40                     ; the arguments
	pop r11
	pop rcx
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	mov rsp, [gs:CPU_USER_RSP]
	swapgs
	o64 sysret

; Back to the loop after a `syscall`: ctx gets the whole process, as if
; it had trapped, so that it goes back with `iretq` like any other way in.
.answered_knocked:
	mov rax, [gs:CPU_USER_CONTEXT]
	pop qword [rax + CTX_RAX]       ; the answer
	pop qword [rax + CTX_RDI]
	pop qword [rax + CTX_RSI]
	pop qword [rax + CTX_RDX]
	add rsp, 40
	mov qword [rax + CTX_R10], 0
	mov ecx, STOP_INTERRUPTED
	jmp .save_rest
.not_answered:
	mov rax, [gs:CPU_USER_CONTEXT]
	mov rdx, [gs:CPU_USER_ARGS]
	add rsp, 32
	mov rcx, [rsp]                  ; the call, for the loop (*args) and in ctx
	mov [rdx], rcx
	mov [rax + CTX_RAX], rcx
	mov rcx, [rsp + 8]
	mov [rdx + 8], rcx
	mov [rax + CTX_RDI], rcx
	mov rcx, [rsp + 16]
	mov [rdx + 16], rcx
	mov [rax + CTX_RSI], rcx
	mov rcx, [rsp + 24]
	mov [rdx + 24], rcx
	mov [rax + CTX_RDX], rcx
	mov rcx, [rsp + 32]
	mov [rdx + 32], rcx
	mov [rax + CTX_R10], rcx
	add rsp, 40
	mov ecx, STOP_SYSCALL
.save_rest:
	pop rdx                         ; R11: RFLAGS
	mov [rax + CTX_RFLAGS], rdx
	mov [rax + CTX_R11], rdx
	pop rdx                         ; RCX: RIP
	mov [rax + CTX_RIP], rdx
	mov [rax + CTX_RCX], rdx
	mov rdx, [gs:CPU_USER_RSP]
	mov [rax + CTX_RSP], rdx
	mov [rax + CTX_RBX], rbx
	mov [rax + CTX_RBP], rbp
	mov [rax + CTX_R12], r12
	mov [rax + CTX_R13], r13
	mov [rax + CTX_R14], r14
	mov [rax + CTX_R15], r15
	mov qword [rax + CTX_R8], 0
	mov qword [rax + CTX_R9], 0
	mov eax, ecx
	sti
	jmp back_to_loop_regs

; The user IDT's generic gates. On entry RSP is ctx + CTX_FRAME_END less
; the frame the CPU pushed (RIP, CS, RFLAGS, RSP, SS), and, for the
; exceptions that have one, the error code below it, in RAX's slot of ctx.
; Each entry puts the process's RAX in that slot (exchanging it with the
; error code, or pushing it), and RAX = error code << 8 | vector.
;
; As in the kernel's IDT (isr_stubs.asm), only the vectors that need their
; number get a stub of their own: the 32 exceptions, whose report names
; them, and the 16 legacy 8259 vectors, whose ExtINT leaves no in-service
; bit at the LAPIC. Every other vector enters at user_irq_entry with
; VEC_FIND_IN_SERVICE: its number is found in the LAPIC's in-service
; registers once the kernel's IDT is loaded (trap_in_service_vector()).
; The image is 4 KiB smaller than with a 16-byte stub and a 4-byte
; `int N; ret` for each of the 256 vectors.
VEC_USER_STUBS      equ 48      ; idt.h's VEC_PIC_END
VEC_FIND_IN_SERVICE equ 0xff    ; no vector below 48 and no exception has it
EXC_NMI             equ 2

%macro USER_STUB 1
user_stub_%1:
%if %1 = 8 || %1 = 10 || %1 = 11 || %1 = 12 || %1 = 13 || %1 = 14 || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
	xchg rax, [rsp]
	shl rax, 8
	mov al, %1
%else
	push rax
	mov eax, %1
%endif
	jmp user_trap
%endmacro

%assign v 0
%rep VEC_USER_STUBS
USER_STUB v
%assign v v + 1
%endrep

user_irq_entry:
	push rax
	mov eax, VEC_FIND_IN_SERVICE
	; falls through

user_trap:
	PUSH_GPRS_BUT_RAX
	swapgs
	movzx ecx, al
	mov [rsp + CTX_VECTOR], rcx
	shr rax, 8
	mov [rsp + CTX_ERROR], rax
	mov rax, cr2
	mov [rsp + CTX_CR2], rax
	mov rsp, [gs:CPU_KERNEL_RSP]
	lidt [rel kernel_idt_ptr]
	push 2                          ; RFLAGS: DF and AC clear (above)
	popfq
	; An NMI is not the process's doing: another CPU's panic stopping this
	; one (kernel/panic.c), or the hardware's. The kernel's own gate takes
	; it, as if it had come in kernel mode.
	cmp ecx, EXC_NMI
	je .raise_again
	cmp ecx, 32
	jb .exception
	cmp ecx, VEC_FIND_IN_SERVICE
	jne .raise_again
	sub rsp, 8                      ; 16n + 8 (user_syscall_entry): align the call
	call trap_in_service_vector     ; the vector, or TRAP_VECTOR_FIND_IN_SERVICE
	add rsp, 8
	mov ecx, eax
	cmp ecx, 256
	jb .raise_again
	; Nothing in service: a vector of 48 or more that never reached the
	; LAPIC's in-service register is its spurious vector (no EOI; SDM
	; vol. 3A 11.9), counted as the kernel's own gate counts it.
	lock inc qword [rel lapic_spurious_count]
	jmp .interrupted
.raise_again:
	; An interrupt with no user top half, or an NMI: enter its kernel gate
	; as `int N` would, so that its own top half knocks as usual: RSP aligned to 16,
	; then SS, RSP, RFLAGS (interrupts off), CS and the return RIP; the
	; gate's `iretq` comes back below with RSP as it was. The gate's
	; address is read from the kernel's IDT (SDM vol. 3A 6.14.1: offset
	; 15:0 at byte 0, 31:16 at byte 6, 63:32 at byte 8).
	;
	; RBP (the process's, saved in ctx) becomes a frame record of
	; user_run()'s: its caller's RBP and its return address, from the
	; stack user_run() left (six pushes, then the return address). A
	; backtrace from the gate (a panic's NMI, the stall watchdog's tick)
	; then walks on from user_trap into the loop that ran the process.
	mov r8, rsp
	push qword [rsp + 48]           ; the return address (RSP before the push)
	push qword [rsp + 40]           ; user_run()'s caller's RBP
	mov rbp, rsp
	shl ecx, 4
	add rcx, [rel kernel_idt_ptr + 2]
	movzx eax, word [rcx + 6]
	shl eax, 16
	mov ax, [rcx]
	mov edx, [rcx + 8]
	shl rdx, 32
	or rax, rdx
	and rsp, -16
	mov ecx, ss
	push rcx
	push r8
	pushfq
	mov ecx, cs
	push rcx
	call rax
.interrupted:
	sti
	mov eax, STOP_INTERRUPTED
	jmp back_to_loop_regs
.exception:
	sti
	mov eax, STOP_FAULT
	jmp back_to_loop_regs

; The user IDT's NMI gate, on a stack of its own (IST_USER_NMI). An NMI
; is the one interrupt that can come while this IDT is loaded and the CPU
; is still in ring 0: in the few instructions on either side of ring 3
; (user_run's way in up to its `iretq`, every gate's way out up to its
; `lidt`, the system-call entry's both ways), interrupts are off but an
; NMI is not held. There RSP may be inside a context or still the
; process's own stack, and GS either side's, so the frame cannot go where
; RSP is and the ring-3 gate's `swapgs` may be wrong. (Linux's NMI entry
; has the same two cases.)
user_nmi_entry:
	test byte [rsp + 8], 3          ; the interrupted CS: from ring 3?
	jz .in_kernel
	; From ring 3: the frame into ctx, where the other gates have it, the
	; process's RAX into its slot, and on as they go.
	push rax
	mov rax, [rel user_tss_rsp0]
	mov rax, [rax]                  ; ctx + CTX_FRAME_END
	push qword [rsp + 8]            ; RIP (RSP as before the push)
	pop qword [rax - 40]
	push qword [rsp + 16]           ; CS
	pop qword [rax - 32]
	push qword [rsp + 24]           ; RFLAGS
	pop qword [rax - 24]
	push qword [rsp + 32]           ; RSP
	pop qword [rax - 16]
	push qword [rsp + 40]           ; SS
	pop qword [rax - 8]
	pop qword [rax - 48]            ; RAX
	lea rsp, [rax - 48]
	mov eax, EXC_NMI
	jmp user_trap
.in_kernel:
	; From ring 0, in one of those windows. An NMI is fatal in knock (a
	; panic's stop, or the hardware's): the kernel's own gate takes it, on
	; this stack, with the kernel's GS. The kernel's GS base is never 0; a
	; process's always is (ring 3 cannot write it: CR4.FSGSBASE is off,
	; and a selector load gives base 0), so swap only if it is 0.
	push rax
	push rcx
	push rdx
	mov ecx, MSR_GS_BASE
	rdmsr
	or eax, edx
	jnz .kernel_gs
	swapgs
.kernel_gs:
	pop rdx
	pop rcx
	pop rax
	lidt [rel kernel_idt_ptr]
	jmp isr_stub_2

; A user top half (swapgs, its bit set, EOI) jumps here: the process's
; registers into ctx, then the loop.
align 16
user_knocked:
	PUSH_GPRS
	mov rsp, [gs:CPU_KERNEL_RSP]
	lidt [rel kernel_idt_ptr]
	push 0x202                      ; RFLAGS: DF and AC clear (above), IF set
	popfq
	mov eax, STOP_INTERRUPTED
back_to_loop_regs:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .rodata
align 8
user_stub_table:                ; the gate of each vector below 48
%assign v 0
%rep VEC_USER_STUBS
	dq user_stub_ %+ v
%assign v v + 1
%endrep
