/* IDX, as the file is: plain, or gzip if the bytes say so. */
#include "fuzz.h"
#include "idx_check.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    idx_check(memfile(data, size));
    return 0;
}
