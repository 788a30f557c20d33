/* Reads into int: 2^32 + 2^32 is not 0, but in 32 bits it is (the 2-wrap test). */
#include <stdio.h>
#include <stdlib.h>
int cmp(const void *x, const void *y) { int a = *(const int *)x, b = *(const int *)y; return (a > b) - (a < b); }
int main(void) {
    int n, k;
    if (scanf("%d %d", &n, &k) != 2) return 1;
    int *a = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) scanf("%d", &a[i]);
    qsort(a, n, sizeof(int), cmp);
    long long pairs = 0;
    for (int i = 0; i < n; i++)
        for (int lo = i + 1, hi = n; lo < hi;) { /* count a[j] == k - a[i] in a[i+1..n) by bisection */
            int want = k - a[i];
            int l = lo, h = hi;
            while (l < h) { int m = (l + h) / 2; if (a[m] < want) l = m + 1; else h = m; }
            int r = l;
            while (r < n && a[r] == want) r++;
            pairs += r - l;
            break;
        }
    printf("%lld\n", pairs);
    return 0;
}
