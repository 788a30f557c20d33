// Keeps 512 MiB under a 128 MiB limit. This judge measures MLE; the legacy format has no MLE
// verdict (problemtools' memory rlimit makes the allocation fail and the program abort), so in
// run_time_error/ it counts as a run-time error.
#include <cstdio>
#include <vector>
int main() {
    std::vector<std::vector<char>> keep;
    for (int i = 0; i < 512; i++) keep.emplace_back(1 << 20, char(i));
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", (long long)keep.size());
}
