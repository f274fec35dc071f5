#!/usr/bin/env python3
"""Regenerates python_float_repr.txt: doubles and Python's repr() of each.

The file is committed; the test suite never needs Python. Run:
  python3 tests/testdata/gen_float_repr.py > tests/testdata/python_float_repr.txt
"""
import random
import struct

random.seed(20261127)
special = [0.0, 60.0, 0.0001, 0.00001, 2**-20, 1e15, 1e16, 1e17 / 3, 5 / 6, 0.1 + 0.2,
           1e22, 1e-7, 123456789012345678.0, 1.5e300, 5e-324, 2.2250738585072014e-308,
           1.7976931348623157e308, 0.5, 1.0, 100.0, 9999999999999998.0, 1e-4,
           9.999999999999999e-05, 1234.5678, 1795799828.894394, 0.004846096038818359,
           12000.01144410271]
values = list(special)
for _ in range(3000):
    k = random.random()
    if k < 0.3:
        v = random.uniform(0, 1) * 10 ** random.randint(-8, 20)
    elif k < 0.6:
        v = struct.unpack('<d', struct.pack('<Q', random.getrandbits(63)))[0]
        if v != v or v == float('inf'):
            continue
    elif k < 0.8:
        v = random.randint(0, 10 ** random.randint(1, 18)) / 10 ** random.randint(0, 9)
    else:
        v = random.randint(1, 1000) / random.randint(1, 1000)
    if random.random() < 0.2:
        v = -v
    values.append(v)
print('# Python 3.11 repr() of doubles: "<float.hex()> <repr()>" per line.')
print('# Generated once with tests/testdata/gen_float_repr.py (seeded) and committed.')
for v in values:
    print(f'{v.hex()} {v!r}')
