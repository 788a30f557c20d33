#include <cstdio>
int main() {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    unsigned long long d = a > b ? (unsigned long long)a - (unsigned long long)b
                                 : (unsigned long long)b - (unsigned long long)a;
    printf("%llu\n", d);
}
