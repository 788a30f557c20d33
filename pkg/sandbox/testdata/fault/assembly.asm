; Reads a word: "exit" exits 3, "loop" spins, anything else maps and touches memory forever.
section .bss
buf:    resb 16
section .text
global _start
_start:
        xor     eax, eax                ; read(0, buf, 16)
        xor     edi, edi
        lea     rsi, [rel buf]
        mov     edx, 16
        syscall
        movzx   eax, byte [rel buf]
        cmp     al, 'e'
        je      .exit
        cmp     al, 'l'
        je      .loop
.alloc: mov     eax, 9                  ; mmap(0, 1 MiB, RW, PRIVATE|ANONYMOUS, -1, 0)
        xor     edi, edi
        mov     esi, 1048576
        mov     edx, 3
        mov     r10d, 0x22
        mov     r8, -1
        xor     r9d, r9d
        syscall
        mov     rdi, rax
        mov     ecx, 1048576
        mov     al, 1
        rep     stosb
        jmp     .alloc
.loop:  jmp     .loop
.exit:  mov     eax, 60
        mov     edi, 3
        syscall
