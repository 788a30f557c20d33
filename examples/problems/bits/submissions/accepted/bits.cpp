#include <cstdio>
int main() {
    int n = 0;
    for (int i = 0; i < 10; i++) {
        printf("? %d\n", i);
        fflush(stdout);
        int b;
        if (scanf("%d", &b) != 1) return 1;
        n |= b << i;
    }
    printf("! %d\n", n);
    fflush(stdout);
}
