// libFuzzer's driver entry point (compiler-rt FuzzerInterface.h), for a main of our own.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
