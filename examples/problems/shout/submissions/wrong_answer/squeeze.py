# Normalises spaces: rejected because the problem is space_change_sensitive.
print(" ".join(input().upper().split()))
