// Sort, then count the pairs with two pointers over runs of equal values.
#include <algorithm>
#include <cstdio>
#include <vector>
int main() {
    int n;
    long long k;
    if (scanf("%d %lld", &n, &k) != 2) return 1;
    std::vector<long long> a(n);
    for (auto &x : a) scanf("%lld", &x);
    std::sort(a.begin(), a.end());
    long long pairs = 0;
    for (int i = 0; i < n; i++) {
        auto r = std::equal_range(a.begin() + i + 1, a.end(), k - a[i]);
        pairs += r.second - r.first;
    }
    printf("%lld\n", pairs);
}
