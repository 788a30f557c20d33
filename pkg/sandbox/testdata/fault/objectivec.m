#import <objc/Object.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char w[16] = "";
    if (scanf("%15s", w) != 1) return 1;
    if (!strcmp(w, "exit")) return 3;
    if (!strcmp(w, "loop")) { volatile unsigned long x = 0; for (;;) x++; }
    for (;;) { char *p = malloc(1 << 20); if (!p) return 1; memset(p, 1, 1 << 20); }
}
