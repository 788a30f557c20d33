/* Touches 512 MiB under a 128 MiB limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (int i = 0; i < 512; i++) {
        char *p = malloc(1 << 20);
        if (!p) return 1;
        memset(p, i, 1 << 20);
    }
    puts("Hello, World!");
    return 0;
}
