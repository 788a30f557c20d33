; Reads two non-negative integers from stdin and prints their sum (x86-64 Linux, no libc).
section .bss
buf:    resb 256
out:    resb 32
section .text
global _start
_start:
        xor     eax, eax                ; read(0, buf, 256)
        xor     edi, edi
        lea     rsi, [rel buf]
        mov     edx, 256
        syscall
        lea     rsi, [rel buf]
        lea     rcx, [rsi + rax]        ; end of input
        xor     r8, r8                  ; sum
        xor     r9, r9                  ; current number
        xor     r10, r10                ; in a number?
.next:  cmp     rsi, rcx
        jae     .done
        movzx   eax, byte [rsi]
        inc     rsi
        sub     eax, '0'
        cmp     eax, 9
        ja      .sep
        imul    r9, r9, 10
        add     r9, rax
        mov     r10, 1
        jmp     .next
.sep:   add     r8, r9
        xor     r9, r9
        jmp     .next
.done:  add     r8, r9
        lea     rdi, [rel out + 31]
        mov     byte [rdi], 10
        mov     rax, r8
        mov     rbx, 10
.digit: xor     edx, edx
        div     rbx
        add     dl, '0'
        dec     rdi
        mov     [rdi], dl
        test    rax, rax
        jnz     .digit
        lea     rdx, [rel out + 32]
        sub     rdx, rdi                ; length
        mov     rsi, rdi
        mov     eax, 1                  ; write(1, rsi, rdx)
        mov     edi, 1
        syscall
        mov     eax, 60                 ; exit(0)
        xor     edi, edi
        syscall
