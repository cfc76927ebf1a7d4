#!/bin/sh
# A file grafo writes opens in NumPy, read by the format's specification
# alone: an 8-byte little-endian header length, a JSON header, raw
# little-endian tensors at their data_offsets.  $1 is the test_safetensors
# binary, whose --write option writes the reference file; every value and
# the metadata are checked against what that file must hold.
set -eu
bin=${1:?usage: test_safetensors_numpy.sh path/to/test_safetensors}
scratch=st_numpy
. "$(dirname "$0")/numpy_env.sh"
file=$dir/reference.safetensors
"$bin" --write "$file"

"$py" - "$file" <<'EOF'
import json, struct, sys
import numpy as np

path = sys.argv[1]
raw = open(path, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert 8 + n <= len(raw), f"header length {n} runs past the file ({len(raw)} bytes)"
assert n % 8 == 0, f"header length {n} is not padded to a multiple of 8"
header = json.loads(raw[8:8 + n].decode("utf-8"))
data = raw[8 + n:]

# Element i of each tensor, by dtype (test_safetensors.c's ref_* functions).
def expected(dtype, count):
    i = np.arange(count, dtype=np.int64)
    if dtype in ("F32", "F64"):
        return i * 0.5 - 3
    if dtype == "I32":
        return (i - 3) * 1000003
    if dtype == "I64":
        return (i - 2) * 3000000007
    if dtype == "U8":
        return (i * 37) % 256
    raise AssertionError(f"unexpected dtype {dtype}")

want = {
    "weights.f32": ("F32", [2, 3]),
    "bytes.u8": ("U8", [7]),
    "values.f64": ("F64", [5]),
    "counts.i32": ("I32", [3, 1]),
    "big.i64": ("I64", [2, 1, 2]),
    "scalar.f64": ("F64", []),
    "empty.f32": ("F32", [0, 3]),
}
np_dtype = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}

meta = header.pop("__metadata__")
assert meta == {
    "format": "grafo",
    "kind": "reference",
    "note": "caf\u00e9 \u2713 \"quoted\" back\\slash",
}, f"metadata: {meta}"
assert sorted(header) == sorted(want), f"tensors: {sorted(header)}"

covered = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    dtype, shape = want[name]
    assert info["dtype"] == dtype and info["shape"] == shape, f"{name}: {info}"
    begin, end = info["data_offsets"]
    assert begin == covered, f"{name} begins at {begin}, not {covered}"
    covered = end
    arr = np.frombuffer(data[begin:end], dtype=np_dtype[dtype]).reshape(shape)
    count = int(np.prod(shape, dtype=np.int64))
    ref = expected(dtype, count).astype(np_dtype[dtype]).reshape(shape)
    assert arr.shape == tuple(shape), f"{name}: shape {arr.shape}"
    assert np.array_equal(arr, ref), f"{name}: {arr.ravel()} != {ref.ravel()}"
assert covered == len(data), f"tensors cover {covered} of {len(data)} bytes"
# Spot checks written out, in case the formulas above and in C agree wrongly.
assert np.frombuffer(data[header["weights.f32"]["data_offsets"][0]:][:24], "<f4")[5] == -0.5
assert np.frombuffer(data[header["big.i64"]["data_offsets"][0]:][:32], "<i8")[3] == 3000000007
assert np.frombuffer(data[header["scalar.f64"]["data_offsets"][0]:][:8], "<f8")[0] == -3.0
print(f"test_safetensors_numpy: {len(header)} tensors and {len(meta)} metadata entries match")
EOF
