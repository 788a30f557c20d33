#include <stdio.h>
int main(void) { long long n, d = 2; if (scanf("%lld", &n) != 1) return 1; while (n % d) d++; printf("%lld %lld\n", n / d, d); return 0; }
