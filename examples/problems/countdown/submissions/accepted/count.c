#include <stdio.h>
int main(void) {
    long long a, b;
    int n = scanf("%lld %lld", &a, &b);
    if (n == 1) printf("%lld\n", a - 1);
    else if (n == 2) printf("%lld\n", b - a);
    else return 1;
    return 0;
}
